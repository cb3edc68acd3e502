//! What the scheduler keeps per CPU.

use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64};

use crate::board::cpu::MAX_CPUS;

use super::task::Task;

/// One CPU's scheduler state. Other CPUs read `idle` (to pick a CPU to
/// wake), `online` and `quiescent` (the grace period of board/smp.rs).
pub struct CpuState {
    /// This CPU's idle thread (runs when nothing else may).
    pub idle_task: AtomicPtr<Task>,
    /// Set by the tick or a wake-up IPI: switch threads when the
    /// interrupted code allows it.
    pub need_resched: AtomicBool,
    /// Waiting for an interrupt in the idle loop.
    pub idle: AtomicBool,
    /// The scheduler runs on this CPU.
    pub online: AtomicBool,
    /// Bumped wherever this CPU cannot be executing an XOL slot: at every
    /// context switch, idle-loop pass, and interrupt taken outside a slot.
    pub quiescent: AtomicU64,
    /// Preemptions put off because the interrupted PC was in an XOL slot.
    pub deferred: AtomicU64,
    /// Nesting depth of `preempt_disable` of the thread running here (it
    /// cannot migrate while it is non-zero, so the count stays with it).
    pub preempt_count: AtomicU32,
}

/// The per-CPU states, indexed by CPU number.
pub static CPUS: [CpuState; MAX_CPUS] = [const {
    CpuState {
        idle_task: AtomicPtr::new(core::ptr::null_mut()),
        need_resched: AtomicBool::new(false),
        idle: AtomicBool::new(false),
        online: AtomicBool::new(false),
        quiescent: AtomicU64::new(0),
        deferred: AtomicU64::new(0),
        preempt_count: AtomicU32::new(0),
    }
}; MAX_CPUS];
