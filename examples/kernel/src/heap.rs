//! The kernel heap: `layout::HEAP_SIZE` bytes of RAM after the image,
//! managed by `linked_list_allocator`.
//!
//! The probe runtime allocates only at init and attach (probe tables, the
//! loaded probe object), never on the hit path, so a simple allocator with
//! a spinlock is enough. Do not allocate from exception context: a probe
//! hit inside the allocator would deadlock on its lock.

use core::alloc::{GlobalAlloc, Layout};

use linked_list_allocator::LockedHeap;

use crate::board::{cpu, layout};

/// The heap with IRQs masked around every call: a thread preempted while
/// it holds the allocator's lock would otherwise make every other thread
/// of its CPU that allocates spin until the next tick.
struct IrqSafeHeap(LockedHeap);

// SAFETY: forwards to LockedHeap, which is a correct allocator; masking
// IRQs around it changes no result.
unsafe impl GlobalAlloc for IrqSafeHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let daif = cpu::irq_save();
        // SAFETY: the caller's contract is passed on unchanged.
        let p = unsafe { self.0.alloc(layout) };
        cpu::irq_restore(daif);
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let daif = cpu::irq_save();
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { self.0.dealloc(ptr, layout) };
        cpu::irq_restore(daif);
    }
}

#[global_allocator]
static ALLOCATOR: IrqSafeHeap = IrqSafeHeap(LockedHeap::empty());

/// Hand the heap region to the allocator. Call once, after the MMU is on
/// (the allocator's lock uses exclusive loads/stores, which need Normal
/// cacheable memory).
pub fn init() {
    let heap = layout::heap();
    assert!(heap.end <= layout::ram().end, "heap does not fit in RAM");
    // SAFETY: the region is RAM mapped read-write (board/mmu.rs), unused by
    // anything else, and handed over exactly once.
    unsafe { ALLOCATOR.0.lock().init(heap.start as *mut u8, heap.len()) };
}
