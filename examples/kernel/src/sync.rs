//! Locks that are safe against interrupts on the same CPU.
//!
//! A lock that an interrupt handler takes (the scheduler's, the
//! console's) must be held with IRQs masked: otherwise an interrupt on the
//! holding CPU would spin forever on a lock its own interrupted thread
//! holds. [`IrqLock`] masks IRQs for as long as its guard lives, then
//! restores the mask that was there before (so it nests). The spinning
//! itself is `spin::Mutex`'s.

use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};

use crate::board::cpu;

/// A spin lock held with IRQs masked on the holding CPU.
pub struct IrqLock<T> {
    inner: spin::Mutex<T>,
}

/// The guard of an [`IrqLock`]: IRQs stay masked until it is dropped.
pub struct IrqLockGuard<'a, T> {
    // Released by hand in `drop`, before the IRQ mask is restored (a field
    // would drop after `drop`'s body, letting an interrupt in while the
    // lock is still held).
    guard: ManuallyDrop<spin::MutexGuard<'a, T>>,
    daif: u64,
}

impl<T> IrqLock<T> {
    /// A new, unlocked lock.
    pub const fn new(value: T) -> Self {
        IrqLock { inner: spin::Mutex::new(value) }
    }

    /// Mask IRQs, then take the lock.
    pub fn lock(&self) -> IrqLockGuard<'_, T> {
        let daif = cpu::irq_save();
        IrqLockGuard { guard: ManuallyDrop::new(self.inner.lock()), daif }
    }
}

impl<T> Deref for IrqLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for IrqLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T> Drop for IrqLockGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: `guard` is dropped exactly once, here, and not used after.
        unsafe { ManuallyDrop::drop(&mut self.guard) };
        cpu::irq_restore(self.daif);
    }
}
