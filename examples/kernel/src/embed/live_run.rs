//! `script=agent`: run a command with a script that a host attaches over
//! the agent — how `probec run` works, on the same path as live attach
//! (docs/reference-kernel.md, "The loading convention").
//!
//! ```text
//! KERNEL-PATH script=agent [xol=...] COMMAND [ARG...]
//! ```
//!
//! 1. the agent runs in a thread of its own on the console UART;
//! 2. the main thread waits until the host has attached a script (BEGIN
//!    has run) — at most [`ATTACH_WAIT_NS`];
//! 3. it runs COMMAND (unless BEGIN called `exit()`) while the agent
//!    streams the script's output to the host as it is produced;
//! 4. it tells the host the command's status (`Finished`); the host
//!    detaches (END runs, the final maps go to the host) and ends its
//!    session;
//! 5. the kernel exits with COMMAND's status (1 if no host attached, or
//!    the host went away before the end).
//!
//! The script's output is formatted by the host, from the object's
//! descriptors, by the same formatter `script=PATH` uses in the kernel.

use crate::board::time;
use crate::cmdline::CmdLine;
use crate::embed::agent::{own_symbols, pause, Target, Uart};
use crate::sched;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use probec_runtime::agent::{Agent, AgentConfig};
use probec_runtime::script;

/// How long to wait for a host to attach.
const ATTACH_WAIT_NS: u64 = 120_000_000_000;
/// How long to wait for the host to detach after the command.
const DETACH_WAIT_NS: u64 = 120_000_000_000;

/// What the main thread and the agent's thread tell each other.
#[derive(Default)]
struct Shared {
    /// The host attached a script.
    attached: AtomicBool,
    /// ... and BEGIN called `exit()`.
    exit_in_begin: AtomicBool,
    /// The command finished with `status`.
    done: AtomicBool,
    status: AtomicI32,
    /// The host ended its session after `done` (or vanished).
    finished: AtomicBool,
    /// The agent could not start.
    failed: AtomicBool,
}

/// Stack of the command's thread: what the boot stacks have (stacks.rs).
const COMMAND_STACK: usize = crate::stacks::STACK_SIZE;

/// Run `command` with a script attached by a host; returns the exit status.
///
/// The command runs in a thread pinned to CPU 0, as it runs on the boot
/// CPU without a script: the agent's thread is busy on some CPU, and a
/// command left to migrate would change what per-CPU probes see.
pub fn run(cmdline: &CmdLine, command: impl FnOnce(&CmdLine) -> i32 + Send + 'static) -> i32 {
    let shared = Arc::new(Shared::default());
    let s = shared.clone();
    let agent = sched::spawn("agent".into(), None, move || agent_thread(&s));
    if agent.is_err() {
        println!("refkernel: cannot start the agent's thread");
        return 1;
    }
    let start = time::now_ns();
    while !shared.attached.load(Ordering::Acquire) {
        if shared.failed.load(Ordering::Acquire) || time::now_ns() - start > ATTACH_WAIT_NS {
            println!("refkernel: no host attached a script within {} s", ATTACH_WAIT_NS / 1_000_000_000);
            return 1;
        }
        sched::sleep_until(sched::jiffies() + 1);
    }
    let status = if shared.exit_in_begin.load(Ordering::Acquire) || cmdline.command.is_none() {
        0
    } else {
        let (cmd, result) = (cmdline.clone(), Arc::new(AtomicI32::new(1)));
        let r = result.clone();
        match sched::spawn_with_stack("command".into(), Some(0), COMMAND_STACK, move || r.store(command(&cmd), Ordering::Release)) {
            Ok(h) => {
                h.join();
                result.load(Ordering::Acquire)
            }
            Err(_) => {
                println!("refkernel: cannot start the command's thread");
                1
            }
        }
    };
    shared.status.store(status, Ordering::Relaxed);
    shared.done.store(true, Ordering::Release);
    let start = time::now_ns();
    while !shared.finished.load(Ordering::Acquire) {
        if time::now_ns() - start > DETACH_WAIT_NS {
            println!("refkernel: the host did not detach within {} s", DETACH_WAIT_NS / 1_000_000_000);
            return 1;
        }
        sched::sleep_until(sched::jiffies() + 1);
    }
    status
}

fn agent_thread(shared: &Shared) {
    let target = match own_symbols() {
        Ok(symbols) => Target { symbols },
        Err(e) => {
            println!("agent: {e}");
            shared.failed.store(true, Ordering::Release);
            return;
        }
    };
    let mut agent = Agent::new(AgentConfig::default());
    let mut announced = false;
    loop {
        let poll = agent.poll(&mut Uart, &target);
        if !shared.attached.load(Ordering::Relaxed) {
            let scripts = agent.scripts();
            if !scripts.is_empty() {
                let exit = scripts.iter().any(|&id| script::exit_requested(id));
                shared.exit_in_begin.store(exit, Ordering::Relaxed);
                shared.attached.store(true, Ordering::Release);
            }
        }
        if shared.done.load(Ordering::Acquire) && !announced {
            announced = agent.announce_finished(&mut Uart, shared.status.load(Ordering::Relaxed));
            if !announced {
                // The host is gone (its lease lapsed): nobody to wait for.
                shared.finished.store(true, Ordering::Release);
                return;
            }
        }
        if announced && !agent.has_session() {
            shared.finished.store(true, Ordering::Release);
            return;
        }
        pause(poll);
    }
}
