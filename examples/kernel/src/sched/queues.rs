//! The scheduler's shared state: one run queue for all CPUs (so threads
//! migrate to whichever CPU is free: the simplest policy that still moves
//! a thread preempted on one CPU to another) and the list of live threads.
//!
//! Both are preallocated with room for [`MAX_THREADS`]: the tick and the
//! IPI handler push and pop in interrupt context, where the heap (whose
//! lock a preempted thread may hold) must not be used.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use super::task::Task;

/// Threads that can exist at once (idle threads included).
pub const MAX_THREADS: usize = 256;

/// A thread, by address: threads are leaked boxes, freed only by `join`
/// once they are dead and off every CPU, so these stay valid while queued.
pub type TaskRef = &'static Task;

/// Run queue and thread list, behind the scheduler lock.
pub struct Queues {
    /// Runnable threads, oldest first.
    run: VecDeque<TaskRef>,
    /// Every thread that has not been joined (for wake-ups and listings).
    pub all: Vec<TaskRef>,
    /// The next thread id.
    pub next_tid: u32,
}

impl Queues {
    /// Empty queues with room for [`MAX_THREADS`] threads (allocates).
    pub fn new() -> Queues {
        Queues { run: VecDeque::with_capacity(MAX_THREADS), all: Vec::with_capacity(MAX_THREADS), next_tid: 2 }
    }

    /// Append a runnable thread (never allocates: capacity is reserved).
    pub fn push(&mut self, task: TaskRef) {
        assert!(self.run.len() < self.run.capacity(), "run queue full");
        self.run.push_back(task);
    }

    /// Take the oldest thread that may run on `cpu`.
    pub fn pop_for(&mut self, cpu: usize) -> Option<TaskRef> {
        let i = self.run.iter().position(|t| t.may_run_on(cpu))?;
        self.run.remove(i)
    }

    /// Whether a thread that may run on `cpu` is waiting.
    pub fn has_runnable_for(&self, cpu: usize) -> bool {
        self.run.iter().any(|t| t.may_run_on(cpu))
    }

    /// Record a new thread (never allocates past [`MAX_THREADS`]: callers
    /// check [`Queues::full`] first).
    pub fn add(&mut self, task: TaskRef) {
        assert!(!self.full(), "thread table full");
        self.all.push(task);
    }

    /// Whether the thread table has no room left.
    pub fn full(&self) -> bool {
        self.all.len() >= MAX_THREADS
    }

    /// Forget a thread (it was joined).
    pub fn remove(&mut self, task: TaskRef) {
        self.all.retain(|t| !core::ptr::eq(*t, task));
    }
}
