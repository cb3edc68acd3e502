//! Per-CPU boot stacks (also the exception stacks: exceptions are taken on
//! SP_EL1, the stack the kernel runs on).
//!
//! Each stack has a guard page below it that the MMU leaves unmapped, so an
//! overflow faults instead of silently overwriting other data. The fault's
//! own exception entry then faults again while pushing its frame (sp is
//! still in the guard page), a few times, until sp has descended past the
//! guard into the landing zone below it: there the handler runs, prints the
//! dump ("kernel stack overflow") and panics, without touching .bss. The
//! original context is lost, but the overflow is reported, not silent.

use core::cell::UnsafeCell;
use core::ops::Range;

use crate::board::cpu::MAX_CPUS;

/// Usable stack per CPU (unoptimised builds of miniz_oxide need ~300 KiB).
pub const STACK_SIZE: usize = 512 * 1024;
/// Unmapped guard page below each stack.
pub const GUARD_SIZE: usize = 4096;
/// Where the exception handler lands after a stack overflow (see above).
pub const LANDING_SIZE: usize = 16 * 1024;
/// Distance between consecutive CPUs' stacks (the boot code uses it).
pub const STACK_STRIDE: usize = LANDING_SIZE + GUARD_SIZE + STACK_SIZE;

/// One CPU's stack: the landing zone, the guard page, then the stack
/// (which grows down towards them).
#[repr(C, align(4096))]
pub struct CpuStack {
    _landing: UnsafeCell<[u8; LANDING_SIZE]>,
    _guard: UnsafeCell<[u8; GUARD_SIZE]>,
    _stack: UnsafeCell<[u8; STACK_SIZE]>,
}

/// The stacks, in their own NOLOAD section (see link.ld). Only the boot
/// code touches them, through the symbol's address.
#[repr(C)]
pub struct Stacks([CpuStack; MAX_CPUS]);

// SAFETY: each CPU uses only its own stack; Rust code never forms
// references into this memory.
unsafe impl Sync for Stacks {}

#[link_section = ".stacks"]
pub static STACKS: Stacks = Stacks(
    [const {
        CpuStack {
            _landing: UnsafeCell::new([0; LANDING_SIZE]),
            _guard: UnsafeCell::new([0; GUARD_SIZE]),
            _stack: UnsafeCell::new([0; STACK_SIZE]),
        }
    }; MAX_CPUS],
);

const _: () = assert!(core::mem::size_of::<CpuStack>() == STACK_STRIDE);

/// Address range of CPU `cpu`'s guard page.
pub fn guard(cpu: usize) -> Range<usize> {
    let start = &raw const STACKS as usize + cpu * STACK_STRIDE + LANDING_SIZE;
    start..start + GUARD_SIZE
}

/// Whether `addr` lies in any CPU's guard page.
pub fn in_guard(addr: usize) -> bool {
    (0..MAX_CPUS).any(|cpu| guard(cpu).contains(&addr))
}
