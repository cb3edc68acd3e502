//! What the kernel does after boot: run the command from the command line
//! and return the exit status QEMU should exit with.

use crate::cmdline::{CmdLine, USAGE_EXIT_STATUS};
use crate::embed::script;
use crate::selftest::{self, bench, demo, diag, probe_every, smp_test, trap_test};
use crate::workload;

const USAGE: &str = "usage: [xol=step|xol=brk|xol=boost] [frame=gp|frame=full] [tick=HZ] [script=PATH [format=text|json]] selftest | demo | bench | probe-every [WORKLOAD N]... | smp-test [ITERATIONS] | fib N | sha256 N | deflate N | sort N | threads N WORKLOAD ARG";

/// Run the command, with the probe script of `script=PATH` loaded around
/// it if there is one (embed/script.rs); returns the exit status.
pub fn run(cmdline: &CmdLine, entry_el: u64) -> i32 {
    // `threads` checks its threads' results against a run of the same
    // workload made now, before a script can attach probes to it.
    let mut threads = None;
    if cmdline.command.as_deref() == Some("threads") {
        match workload::threads::Reference::compute(&cmdline.args) {
            Ok(r) => threads = Some(r),
            Err(status) => return status,
        }
    }
    let command = move |c: &CmdLine| match threads {
        Some(reference) => workload::threads::run(reference),
        None => run_command(c, entry_el),
    };
    match cmdline.script.as_deref() {
        Some(path) => script::run(cmdline, path, command),
        None => command(cmdline),
    }
}

/// Run the command alone; returns the exit status.
fn run_command(cmdline: &CmdLine, entry_el: u64) -> i32 {
    let Some(command) = cmdline.command.as_deref() else {
        // A common slip with `-semihosting-config ...,arg=`: forgetting that
        // the first word is the program name and is dropped.
        println!("refkernel: no command in {:?} (its first word is the program name)", cmdline.raw);
        println!("{USAGE}");
        return USAGE_EXIT_STATUS;
    };
    let args = &cmdline.args;
    match command {
        "selftest" => selftest::engine::selftest(),
        "differential" => selftest::engine::differential(args),
        "demo" => demo::run(),
        "bench" => bench::run(),
        "bench-script" => bench::run_script(),
        "bench-once" => bench::run_once(args),
        "probe-every" => probe_every::run(cmdline),
        "smp-test" => smp_test::run(args, entry_el),
        // Diagnostics, not in the usage line: used to test the kernel.
        "info" => diag::info(cmdline, entry_el),
        "brk-test" => diag::brk_test(),
        "fault-test" => diag::fault_test(),
        "frame-test" => trap_test::frame_test(),
        "step-test" => trap_test::step_test(),
        "file-test" => diag::file_test(args),
        "wx-test" => diag::wx_test(),
        "symbols-test" => selftest::symbols_test::run(cmdline),
        _ => workload::run(command, args).unwrap_or_else(|| {
            println!("refkernel: unknown command '{command}'");
            println!("{USAGE}");
            USAGE_EXIT_STATUS
        }),
    }
}
