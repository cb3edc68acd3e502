//! The kernel heap: `layout::HEAP_SIZE` bytes of RAM after the image,
//! managed by `linked_list_allocator`.
//!
//! The probe runtime allocates only at init and attach (probe tables, the
//! loaded probe object), never on the hit path, so a simple allocator with
//! a spinlock is enough. Do not allocate from exception context: a probe
//! hit inside the allocator would deadlock on its lock.

use linked_list_allocator::LockedHeap;

use crate::board::layout;

#[global_allocator]
static ALLOCATOR: LockedHeap = LockedHeap::empty();

/// Hand the heap region to the allocator. Call once, after the MMU is on
/// (the allocator's lock uses exclusive loads/stores, which need Normal
/// cacheable memory).
pub fn init() {
    let heap = layout::heap();
    assert!(heap.end <= layout::ram().end, "heap does not fit in RAM");
    // SAFETY: the region is RAM mapped read-write (board/mmu.rs), unused by
    // anything else, and handed over exactly once.
    unsafe { ALLOCATOR.lock().init(heap.start as *mut u8, heap.len()) };
}
