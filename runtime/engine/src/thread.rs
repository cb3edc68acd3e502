//! Per-thread state the runtime keeps in the embedder's threads.

use crate::returns::ReturnList;

/// What the runtime keeps for one thread of the embedder: the head of the
/// thread's list of live return-probe instances (as Linux keeps
/// `current->kretprobe_instances`). An embedder with threads puts one in
/// each thread's control block, initialised with [`ThreadState::new`], and
/// returns it from [`crate::Platform::current_thread`]. The runtime only
/// touches it from the CPU running that thread, with interrupts masked.
/// A thread must not exit while it is inside a probed function (its
/// instances would stay out of the pool for good).
#[derive(Debug)]
pub struct ThreadState {
    /// The thread's live return-probe instances, newest first.
    pub(crate) returns: ReturnList,
}

impl ThreadState {
    /// State for a new thread: no instances.
    pub const fn new() -> ThreadState {
        ThreadState { returns: ReturnList::new() }
    }

    /// Whether the thread has no hooked return pending (for an embedder
    /// that wants to check before a thread exits).
    pub fn returns_pending(&self) -> bool {
        !self.returns.is_empty()
    }
}

impl Default for ThreadState {
    fn default() -> Self {
        Self::new()
    }
}
