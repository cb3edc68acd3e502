//! Address → probe index map that the hit path reads without a lock.
//!
//! Open addressing with linear probing over a power-of-two array at least
//! twice the probe capacity, so a lookup is O(1) expected whatever the
//! number of attached probes (attach cost must not grow with it). Writers
//! (attach/detach) are serialised by the registry lock; readers (BRK
//! traps on any CPU) only load atomics. A removed entry becomes a tombstone
//! so probe chains stay intact; the reader re-checks the probe record's
//! address, so a slot reused between its two loads is never misread.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

const EMPTY: usize = 0;
const TOMBSTONE: usize = 1;

/// Lock-free-read hash index from instruction address to probe index.
pub struct AddrTable {
    keys: Box<[AtomicUsize]>,
    values: Box<[AtomicU32]>,
    mask: usize,
    /// 32 − log2(size): the hash keeps the top bits of a 32-bit product.
    shift: u32,
}

impl AddrTable {
    /// A table able to hold `capacity` live entries at load factor <= 1/2.
    pub fn new(capacity: usize) -> Self {
        let size = (capacity.max(1) * 2).next_power_of_two();
        let keys: Vec<AtomicUsize> = (0..size).map(|_| AtomicUsize::new(EMPTY)).collect();
        let values: Vec<AtomicU32> = (0..size).map(|_| AtomicU32::new(0)).collect();
        let shift = 32 - size.trailing_zeros().min(32);
        AddrTable { keys: keys.into_boxed_slice(), values: values.into_boxed_slice(), mask: size - 1, shift }
    }

    /// Bytes of memory the table occupies.
    pub fn bytes(&self) -> usize {
        self.keys.len() * (core::mem::size_of::<AtomicUsize>() + core::mem::size_of::<AtomicU32>())
    }

    #[inline(always)]
    fn home(&self, addr: usize) -> usize {
        // Fibonacci hashing of the word index: the top bits of a 32-bit
        // product mix every bit of it, so functions at regular strides do
        // not collide. (Words 16 GiB apart share a home; that only lengthens
        // a chain.) A 64-bit shift, so a table of 2^32 entries works too.
        let h = ((addr >> 2) as u32).wrapping_mul(0x9E37_79B1);
        ((h as u64) >> self.shift) as usize & self.mask
    }

    /// The probe index stored for `addr`. Callers must confirm the index
    /// against the probe record (see module docs).
    #[inline(always)]
    pub fn lookup(&self, addr: usize) -> Option<u32> {
        let mut i = self.home(addr);
        for _ in 0..=self.mask {
            // SAFETY: i <= mask, and both arrays have mask + 1 entries.
            let key = unsafe { self.keys.get_unchecked(i) }.load(Ordering::Acquire);
            if key == addr {
                // SAFETY: as above.
                return Some(unsafe { self.values.get_unchecked(i) }.load(Ordering::Relaxed));
            }
            if key == EMPTY {
                return None;
            }
            i = (i + 1) & self.mask;
        }
        None
    }

    /// Insert `addr → index`. Caller holds the registry lock and has checked
    /// that `addr` is not present; the table never fills because the
    /// registry caps live entries at the capacity given to [`Self::new`].
    pub fn insert(&self, addr: usize, index: u32) {
        debug_assert!(addr > TOMBSTONE);
        let mut i = self.home(addr);
        loop {
            let key = self.keys[i].load(Ordering::Relaxed);
            if key == EMPTY || key == TOMBSTONE {
                // Value first, then publish the key with Release: a reader
                // that sees the key also sees the value and the probe record
                // written before this call.
                self.values[i].store(index, Ordering::Relaxed);
                self.keys[i].store(addr, Ordering::Release);
                return;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Remove `addr`. Caller holds the registry lock.
    pub fn remove(&self, addr: usize) {
        let mut i = self.home(addr);
        for _ in 0..=self.mask {
            let key = self.keys[i].load(Ordering::Relaxed);
            if key == addr {
                self.keys[i].store(TOMBSTONE, Ordering::Release);
                return;
            }
            if key == EMPTY {
                return;
            }
            i = (i + 1) & self.mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_lookup_remove_reinsert() {
        let t = AddrTable::new(64);
        for k in 0..64usize {
            t.insert(0x4000_0000 + k * 0x1000, k as u32);
        }
        for k in 0..64usize {
            assert_eq!(t.lookup(0x4000_0000 + k * 0x1000), Some(k as u32));
        }
        assert_eq!(t.lookup(0x4000_0004), None);
        for k in (0..64usize).step_by(2) {
            t.remove(0x4000_0000 + k * 0x1000);
        }
        for k in 0..64usize {
            let expect = if k % 2 == 0 { None } else { Some(k as u32) };
            assert_eq!(t.lookup(0x4000_0000 + k * 0x1000), expect, "k={k}");
        }
        for k in (0..64usize).step_by(2) {
            t.insert(0x5000_0000 + k * 4, 100 + k as u32);
        }
        for k in (0..64usize).step_by(2) {
            assert_eq!(t.lookup(0x5000_0000 + k * 4), Some(100 + k as u32));
        }
    }
}
