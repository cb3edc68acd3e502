//! Return-probe instances: one preallocated pool for the whole runtime,
//! and lists of live instances kept per thread (or per CPU, on platforms
//! without threads).
//!
//! Why per thread: a thread can be preempted inside a probed function and
//! resume on another CPU, and other threads run on its CPU meanwhile, so
//! returns are LIFO only within one thread (as Linux keeps
//! `current->kretprobe_instances`). An interrupt handler runs on the
//! interrupted thread's stack in the kernels we target, so its hooked
//! returns belong to that thread's list too, and stay LIFO with it.
//!
//! Why one pool: an instance taken on one CPU is given back on whichever
//! CPU the thread returns on. The pool is a lock-free stack of indexes
//! (a Treiber stack) with a tag beside the head, so a head that was popped
//! and pushed back between a CPU's load and its compare-and-swap (ABA) is
//! told apart; reading a stale `next` is harmless, the CAS then fails.
//! Nothing is allocated or locked on the hit path; an empty pool makes the
//! entry hit count a miss and leave the return alone, so deep recursion
//! never breaks a return.
//!
//! A list (its head) is only touched by the CPU that runs its thread, in
//! exception context with interrupts masked, so it needs no lock; its
//! links are atomics only because the pool's links share the same field.

use alloc::boxed::Box;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// "No instance" as a list head or link (instances are numbered from 1).
pub const NONE: u32 = 0;

/// One pending return of a return probe.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReturnInstance {
    /// The return address the trampoline replaced.
    pub ret: u64,
    /// SP at function entry; equal to SP when the function returns.
    pub sp: u64,
    /// The probe, and its generation at entry (a detached probe's handler
    /// is not called for returns still pending).
    pub probe: u32,
    /// See [`ReturnInstance::probe`].
    pub generation: u32,
    /// Word carried from the entry handler to the return handler.
    pub call_data: u64,
}

struct Slot {
    /// The next instance in the free stack or in its thread's list.
    next: AtomicU32,
    /// Written by the CPU that owns the slot (it took it from the pool and
    /// has not given it back).
    instance: UnsafeCell<ReturnInstance>,
}

/// The runtime's return instances.
pub struct ReturnPool {
    slots: Box<[Slot]>,
    /// Top of the free stack: low 32 bits the instance number (or
    /// [`NONE`]), high 32 bits a tag bumped by every change.
    free: AtomicU64,
}

// SAFETY: a slot's `instance` is written and read only by the CPU that
// holds the slot (popped from the free stack and not yet pushed back); the
// free stack and the links are atomics.
unsafe impl Sync for ReturnPool {}

/// The head of one list of live instances (a thread's or a CPU's).
#[derive(Debug)]
pub struct ReturnList {
    head: AtomicU32,
}

impl ReturnList {
    /// An empty list.
    pub const fn new() -> ReturnList {
        ReturnList { head: AtomicU32::new(NONE) }
    }

    /// Whether it holds no instance.
    pub fn is_empty(&self) -> bool {
        self.head.load(Ordering::Relaxed) == NONE
    }
}

impl Default for ReturnList {
    fn default() -> Self {
        Self::new()
    }
}

impl ReturnPool {
    /// A pool of `capacity` instances, all free (allocates; at init).
    pub fn new(capacity: usize) -> ReturnPool {
        assert!(capacity < u32::MAX as usize, "return-instance pool too large");
        let slots: Box<[Slot]> = (0..capacity)
            .map(|i| Slot {
                // Instance i + 1 links to i + 2; the last one to NONE.
                next: AtomicU32::new(if i + 1 < capacity { i as u32 + 2 } else { NONE }),
                instance: UnsafeCell::new(ReturnInstance::default()),
            })
            .collect();
        let first = if capacity > 0 { 1 } else { NONE };
        ReturnPool { slots, free: AtomicU64::new(first as u64) }
    }

    /// How many instances it holds in all.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    fn slot(&self, n: u32) -> &Slot {
        &self.slots[n as usize - 1]
    }

    /// Take a free instance, or `None` if every one is in use.
    fn take(&self) -> Option<u32> {
        let mut head = self.free.load(Ordering::Acquire);
        loop {
            let n = head as u32;
            if n == NONE {
                return None;
            }
            let next = self.slot(n).next.load(Ordering::Relaxed);
            let new = ((head >> 32).wrapping_add(1) << 32) | next as u64;
            match self.free.compare_exchange_weak(head, new, Ordering::Acquire, Ordering::Acquire) {
                Ok(_) => return Some(n),
                Err(seen) => head = seen,
            }
        }
    }

    /// Give instance `n` back.
    fn give_back(&self, n: u32) {
        let mut head = self.free.load(Ordering::Relaxed);
        loop {
            self.slot(n).next.store(head as u32, Ordering::Relaxed);
            let new = ((head >> 32).wrapping_add(1) << 32) | n as u64;
            match self.free.compare_exchange_weak(head, new, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => return,
                Err(seen) => head = seen,
            }
        }
    }

    /// Push `instance` on `list`; `false` (nothing changed) if the pool is
    /// empty.
    ///
    /// # Safety
    /// Only the CPU running `list`'s thread (or owning `list`, for a CPU's
    /// list), in exception context with interrupts masked.
    pub unsafe fn push(&self, list: &ReturnList, instance: ReturnInstance) -> bool {
        let Some(n) = self.take() else { return false };
        let slot = self.slot(n);
        // SAFETY: `n` was just taken from the free stack: this CPU owns it.
        unsafe { *slot.instance.get() = instance };
        slot.next.store(list.head.load(Ordering::Relaxed), Ordering::Relaxed);
        list.head.store(n, Ordering::Relaxed);
        true
    }

    /// The return of the function whose entry SP was `sp`: drop the
    /// instances above it (functions left without returning, by a
    /// longjmp-like unwind: their SP is below `sp`), then pop and return
    /// the one for `sp`, or `None` (the list is then unchanged below `sp`).
    ///
    /// # Safety
    /// As for [`ReturnPool::push`].
    pub unsafe fn pop_for_sp(&self, list: &ReturnList, sp: u64) -> Option<ReturnInstance> {
        loop {
            let n = list.head.load(Ordering::Relaxed);
            if n == NONE {
                return None;
            }
            let slot = self.slot(n);
            // SAFETY: `n` is on this CPU's list: this CPU owns it.
            let instance = unsafe { *slot.instance.get() };
            if instance.sp > sp {
                return None;
            }
            list.head.store(slot.next.load(Ordering::Relaxed), Ordering::Relaxed);
            self.give_back(n);
            if instance.sp == sp {
                return Some(instance);
            }
        }
    }
}
