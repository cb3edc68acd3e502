//! Kernel threads and a preemptive round-robin scheduler for every CPU.
//!
//! - One run queue shared by all CPUs (queues.rs): a thread runs on
//!   whichever CPU takes it next, so preempted threads migrate.
//! - The tick (irq.rs, `timer_tick`) asks for a switch whenever another
//!   thread could run on its CPU; the switch happens when the interrupt
//!   returns ([`irq_exit`]), unless the interrupted PC is in one of the probe
//!   runtime's XOL slots: then it is put off to a later interrupt, so no
//!   thread is ever switched out inside a slot (the grace period of the
//!   runtime's boosted slots relies on it: board/smp.rs).
//! - Blocking: [`sleep_until`] a tick, [`JoinHandle::join`], [`yield_now`].
//! - A thread that makes another runnable while a CPU idles wakes that CPU
//!   with an IPI (SGI [`RESCHEDULE_SGI`]).
//!
//! The current thread of a CPU is in TPIDR_EL1. The documented names probe
//! scripts and tests rely on: [`switch_to`] and [`Task`] (`tid`, `name`,
//! `cpu`).

mod context;
mod cpu_state;
mod queues;
mod task;

use alloc::boxed::Box;
use alloc::string::String;
use core::arch::asm;
use core::sync::atomic::{AtomicU64, Ordering};

pub use cpu_state::CPUS;
use queues::{Queues, TaskRef};
pub use task::{State, Task};

use crate::board::{cpu, gic};
use crate::sync::IrqLock;

/// The SGI that asks a CPU to look at the run queue.
pub const RESCHEDULE_SGI: u32 = 0;

/// Stack size of a new thread (the workloads' deepest, miniz_oxide's
/// deflate in a release build, needs well under half of it).
pub const DEFAULT_STACK: usize = 256 * 1024;

/// Stack size of an idle thread on the heap (it only loops).
const IDLE_STACK: usize = 16 * 1024;

/// The scheduler lock and what it guards. `None` until [`init_boot_cpu`].
static QUEUES: IrqLock<Option<Queues>> = IrqLock::new(None);

/// Ticks since boot (the boot CPU's tick counts them).
static JIFFIES: AtomicU64 = AtomicU64::new(0);

/// TPIDR_EL1: this kernel's per-CPU current-thread pointer (0 before the
/// CPU's scheduler is set up).
#[inline(always)]
fn current_ptr() -> usize {
    let task: usize;
    // SAFETY: reading TPIDR_EL1 has no side effects.
    unsafe { asm!("mrs {}, tpidr_el1", out(reg) task, options(nomem, nostack, preserves_flags)) };
    task
}

/// The thread running on this CPU.
#[inline(always)]
pub fn current() -> &'static Task {
    let task = current_ptr();
    debug_assert!(task != 0, "no current thread on this CPU yet");
    // SAFETY: TPIDR_EL1 holds a live, leaked Task from `set_current` on.
    unsafe { &*(task as *const Task) }
}

/// Whether this CPU has a current thread yet (an exception taken during
/// early boot has none).
pub fn has_current() -> bool {
    current_ptr() != 0
}

fn set_current(task: &'static Task) {
    // SAFETY: TPIDR_EL1 is this kernel's per-CPU current-thread pointer.
    unsafe { asm!("msr tpidr_el1, {}", in(reg) task as *const Task as usize, options(nomem, nostack, preserves_flags)) };
}

/// Ticks since boot.
pub fn jiffies() -> u64 {
    JIFFIES.load(Ordering::Relaxed)
}

/// The boot CPU becomes thread 1, `main`, on its boot stack; its idle
/// thread gets a small heap stack. Call once, with IRQs masked, after the
/// heap is up and before any other CPU starts.
pub fn init_boot_cpu() {
    {
        let mut q = QUEUES.lock();
        *q = Some(Queues::new());
    }
    let main: TaskRef = Box::leak(Task::current_boot(1, String::from("main"), None));
    set_current(main);
    let idle: TaskRef = Box::leak(Task::new(0, String::from("idle/0"), Some(0), IDLE_STACK, Box::new(|| idle_loop())));
    let mut q = QUEUES.lock();
    let q = q.as_mut().expect("initialised above");
    q.add(main);
    q.add(idle);
    CPUS[0].idle_task.store(idle as *const Task as *mut Task, Ordering::Release);
    CPUS[0].online.store(true, Ordering::Release);
}

/// A secondary CPU's boot context becomes its idle thread; then it idles
/// for good. Called by board/smp.rs with IRQs masked.
pub fn run_secondary(cpu: usize) -> ! {
    let idle: TaskRef = Box::leak(Task::current_boot(0, alloc::format!("idle/{cpu}"), Some(cpu)));
    idle.cpu.store(cpu as u32, Ordering::Relaxed);
    set_current(idle);
    with_queues(|q| q.add(idle));
    CPUS[cpu].idle_task.store(idle as *const Task as *mut Task, Ordering::Release);
    CPUS[cpu].online.store(true, Ordering::Release);
    idle_loop()
}

fn with_queues<R>(f: impl FnOnce(&mut Queues) -> R) -> R {
    let mut q = QUEUES.lock();
    f(q.as_mut().expect("sched::init_boot_cpu has run"))
}

fn idle_of(cpu: usize) -> TaskRef {
    let idle = CPUS[cpu].idle_task.load(Ordering::Acquire);
    // SAFETY: set once at the CPU's scheduler init to a leaked Task.
    unsafe { &*idle }
}

/// A thread's owner: [`JoinHandle::join`] waits for it and frees it.
pub struct JoinHandle {
    task: TaskRef,
}

impl JoinHandle {
    /// Whether the thread has returned.
    pub fn is_finished(&self) -> bool {
        self.task.state() == State::Dead
    }

    /// Wait until the thread has returned, then free it.
    pub fn join(self) {
        let me = current();
        loop {
            let mut dead = false;
            reschedule_with(false, |q| {
                let _ = q;
                if self.task.state() == State::Dead {
                    dead = true;
                    return false;
                }
                self.task.joiner.store(me as *const Task as *mut Task, Ordering::Release);
                me.set_state(State::Joining);
                true
            });
            if dead {
                break;
            }
        }
        // Dead, but its CPU may still be switching away from its stack.
        while self.task.on_cpu().load(Ordering::Acquire) != 0 {
            core::hint::spin_loop();
        }
        with_queues(|q| q.remove(self.task));
        // SAFETY: the thread is dead, off every CPU and out of every
        // queue; `spawn` leaked this box and only this handle frees it.
        drop(unsafe { Box::from_raw(self.task as *const Task as *mut Task) });
    }
}

/// Why [`spawn`] failed.
#[derive(Debug)]
pub struct TooManyThreads;

/// Start a thread named `name` running `f`, on any CPU or only on
/// `affinity`.
pub fn spawn(name: String, affinity: Option<usize>, f: impl FnOnce() + Send + 'static) -> Result<JoinHandle, TooManyThreads> {
    spawn_with_stack(name, affinity, DEFAULT_STACK, f)
}

/// [`spawn`] with a stack of `stack` bytes.
pub fn spawn_with_stack(
    name: String,
    affinity: Option<usize>,
    stack: usize,
    f: impl FnOnce() + Send + 'static,
) -> Result<JoinHandle, TooManyThreads> {
    // Allocate outside the lock (the heap must not be used in interrupt
    // context, and the lock masks interrupts).
    let tid = with_queues(|q| {
        let tid = q.next_tid;
        q.next_tid += 1;
        tid
    });
    let task: TaskRef = Box::leak(Task::new(tid, name, affinity, stack, Box::new(f)));
    let added = with_queues(|q| {
        if q.full() {
            return false;
        }
        q.add(task);
        q.push(task);
        true
    });
    if !added {
        // SAFETY: never queued or run; leaked just above.
        drop(unsafe { Box::from_raw(task as *const Task as *mut Task) });
        return Err(TooManyThreads);
    }
    kick_idle_cpu(affinity);
    Ok(JoinHandle { task })
}

/// Let another runnable thread have this CPU.
pub fn yield_now() {
    reschedule_with(false, |_| false);
}

/// Sleep until the tick count reaches `tick`.
pub fn sleep_until(tick: u64) {
    let me = current();
    while jiffies() < tick {
        reschedule_with(false, |_| {
            if jiffies() >= tick {
                return false;
            }
            me.wake_at.store(tick, Ordering::Relaxed);
            me.set_state(State::Sleeping);
            true
        });
    }
}

/// The first Rust code of a new thread (context.rs's trampoline).
pub(crate) extern "C" fn thread_start(task: &'static Task) -> ! {
    // The switch that started this thread ran with IRQs masked, as every
    // switch does; a new thread starts with them on.
    cpu::irq_enable();
    // SAFETY: only this thread takes its entry, once.
    let entry = unsafe { (*task.entry.get()).take() };
    if let Some(f) = entry {
        f();
    }
    exit()
}

/// End the calling thread (its joiner frees it).
fn exit() -> ! {
    let me = current();
    reschedule_with(false, |q| {
        me.set_state(State::Dead);
        let joiner = me.joiner.load(Ordering::Acquire);
        if !joiner.is_null() {
            // SAFETY: a joiner stays alive while it waits in `join`.
            let joiner: TaskRef = unsafe { &*joiner };
            if joiner.state() == State::Joining {
                joiner.set_state(State::Runnable);
                q.push(joiner);
            }
        }
        true
    });
    unreachable!("a dead thread was switched back in");
}

/// Pick the next thread for this CPU and switch to it. `block` runs first,
/// under the scheduler lock: it may change the current thread's state
/// (to block it) and returns whether it did. A thread that did not block
/// goes back to the end of the run queue if another thread takes the CPU.
fn reschedule_with(preempted: bool, block: impl FnOnce(&mut Queues) -> bool) {
    let daif = cpu::irq_save();
    let me = cpu::id();
    let prev = current();
    let idle = idle_of(me);
    let mut wake = None;
    let next = {
        let mut guard = QUEUES.lock();
        let q = guard.as_mut().expect("sched::init_boot_cpu has run");
        let blocked = block(q);
        let next = match q.pop_for(me) {
            Some(t) => t,
            None if !blocked && prev.state() == State::Running => prev,
            None => idle,
        };
        if !core::ptr::eq(next, prev) && !core::ptr::eq(prev, idle) && prev.state() == State::Running {
            prev.set_state(State::Runnable);
            q.push(prev);
            // Another CPU may be idle while prev waits: tell it.
            wake = Some(prev.affinity);
        }
        if !core::ptr::eq(next, idle) {
            next.set_state(State::Running);
        }
        next
    };
    if !core::ptr::eq(next, prev) {
        if preempted {
            prev.preemptions.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(affinity) = wake {
            kick_idle_cpu(affinity);
        }
        switch_to(prev, next);
    }
    cpu::irq_restore(daif);
}

/// Switch this CPU from `prev` (the current thread) to `next`, with IRQs
/// masked. Returns when `prev` is switched back in, on any CPU.
#[inline(never)]
pub fn switch_to(prev: &Task, next: &Task) {
    let me = cpu::id();
    prev.check_stack();
    // `next` may still be saving its registers on the CPU it left.
    while next.on_cpu().load(Ordering::Acquire) != 0 {
        core::hint::spin_loop();
    }
    next.on_cpu().store(1, Ordering::Relaxed);
    next.cpu.store(me as u32, Ordering::Relaxed);
    next.switches.fetch_add(1, Ordering::Relaxed);
    quiescent(me);
    // SAFETY: leaked tasks live as long as they can be switched to.
    set_current(unsafe { &*(next as *const Task) });
    // SAFETY: `prev` is this CPU's current thread (its context is ours to
    // save); `next` is off every CPU (on_cpu was 0) and its context was
    // saved by its last switch out, or set up by `Task::new`.
    unsafe { context::cpu_switch_to(prev.context.get(), next.context.get()) };
}

/// Wake one idle CPU that may run a thread with `affinity`, if any.
fn kick_idle_cpu(affinity: Option<usize>) {
    let me = cpu::id();
    for (i, c) in CPUS.iter().enumerate() {
        if i != me && c.online.load(Ordering::Acquire) && c.idle.load(Ordering::Acquire) && affinity.is_none_or(|a| a == i) {
            gic::send_sgi(RESCHEDULE_SGI, i);
            return;
        }
    }
}

/// CPU `cpu` (the calling one) cannot be executing an XOL slot here: bump
/// its quiescent count (board/smp.rs). Only the CPU itself writes its
/// count, with IRQs masked or from its own thread, so a plain increment
/// suffices; the Release store orders what came before it.
#[inline(always)]
pub fn quiescent(cpu: usize) {
    let q = &CPUS[cpu].quiescent;
    q.store(q.load(Ordering::Relaxed).wrapping_add(1), Ordering::Release);
}

/// The idle thread: wait for interrupts; switch when one asks for it.
fn idle_loop() -> ! {
    let me = cpu::id();
    let state = &CPUS[me];
    loop {
        let daif = cpu::irq_save();
        quiescent(me);
        let runnable = with_queues(|q| q.has_runnable_for(me));
        if runnable {
            cpu::irq_restore(daif);
            reschedule_with(false, |_| false);
            continue;
        }
        // Masked while we decide to wait; WFI still wakes on a pending
        // interrupt, which is taken once IRQs are unmasked below.
        state.idle.store(true, Ordering::Release);
        cpu::wait_for_interrupt();
        state.idle.store(false, Ordering::Release);
        cpu::irq_enable();
    }
}

/// Called from the tick on CPU `cpu` with IRQs masked: wakes sleepers (the
/// boot CPU's tick advances the tick count) and asks for a switch when
/// another thread could have this CPU.
pub fn on_tick(cpu: usize) {
    let mut woke = false;
    let contended = with_queues(|q| {
        if cpu == 0 {
            let now = JIFFIES.fetch_add(1, Ordering::Relaxed) + 1;
            for i in 0..q.all.len() {
                let t = q.all[i];
                if t.state() == State::Sleeping && t.wake_at.load(Ordering::Relaxed) <= now {
                    t.set_state(State::Runnable);
                    q.push(t);
                    woke = true;
                }
            }
        }
        q.has_runnable_for(cpu)
    });
    if contended {
        CPUS[cpu].need_resched.store(true, Ordering::Release);
    }
    if woke {
        kick_idle_cpu(None);
    }
}

/// An IPI asked this CPU to look at the run queue.
pub fn on_reschedule_ipi(cpu: usize) {
    CPUS[cpu].need_resched.store(true, Ordering::Release);
}

/// At the end of an interrupt that interrupted `pc`: switch threads if
/// one was asked for, unless `pc` is in an XOL slot (then a later
/// interrupt will).
pub fn irq_exit(cpu: usize, pc: usize) {
    let state = &CPUS[cpu];
    if !state.need_resched.load(Ordering::Acquire) || state.preempt_count.load(Ordering::Relaxed) != 0 {
        return;
    }
    if !probec_runtime::trap::preemptible(pc) {
        state.deferred.fetch_add(1, Ordering::Relaxed);
        return;
    }
    state.need_resched.store(false, Ordering::Relaxed);
    reschedule_with(true, |_| false);
}

/// Keep the calling thread on this CPU until the matching
/// [`preempt_enable`]: interrupts still come, but do not switch threads.
/// For waits that other CPUs end (a grace period): a thread that spins
/// while it is preempted only makes the wait longer.
pub fn preempt_disable() {
    let daif = cpu::irq_save();
    CPUS[cpu::id()].preempt_count.fetch_add(1, Ordering::Relaxed);
    cpu::irq_restore(daif);
}

/// End a [`preempt_disable`]; switch now if a switch was asked for meanwhile.
pub fn preempt_enable() {
    let daif = cpu::irq_save();
    let state = &CPUS[cpu::id()];
    let left = state.preempt_count.fetch_sub(1, Ordering::Relaxed) - 1;
    cpu::irq_restore(daif);
    if left == 0 && daif & (1 << 7) == 0 && state.need_resched.swap(false, Ordering::AcqRel) {
        reschedule_with(true, |_| false);
    }
}
