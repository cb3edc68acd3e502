//! Per-thread state the runtime keeps in the embedder's threads.

use core::sync::atomic::AtomicPtr;

/// What the runtime keeps for one thread of the embedder: the head of the
/// thread's list of live return-probe instances (as Linux keeps
/// `current->kretprobe_instances`). An embedder with threads puts one in
/// each thread's control block, initialised with [`ThreadState::new`], and
/// returns it from [`crate::Platform::current_thread`]. The runtime only
/// touches it from the CPU running that thread, with interrupts masked.
/// A thread must not exit while it is inside a probed function (its
/// instances would leak until the script is unloaded).
#[derive(Debug)]
pub struct ThreadState {
    /// Newest return-probe instance of this thread (null: none).
    #[allow(dead_code)] // read by the thread-keyed return probes, which come next
    pub(crate) returns: AtomicPtr<()>,
}

impl ThreadState {
    /// State for a new thread: no instances.
    pub const fn new() -> ThreadState {
        ThreadState { returns: AtomicPtr::new(core::ptr::null_mut()) }
    }
}

impl Default for ThreadState {
    fn default() -> Self {
        Self::new()
    }
}
