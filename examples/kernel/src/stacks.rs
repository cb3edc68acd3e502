//! Per-CPU boot stacks (also the exception stacks: exceptions are taken on
//! SP_EL1, the stack the kernel runs on).
//!
//! Each stack has a guard page below it that the MMU leaves unmapped, so an
//! overflow faults instead of silently overwriting .bss (the exception dump
//! then says "stack overflow").

use core::cell::UnsafeCell;
use core::ops::Range;

use crate::cpu::MAX_CPUS;

/// Usable stack per CPU.
pub const STACK_SIZE: usize = 256 * 1024;
/// Unmapped guard page below each stack.
pub const GUARD_SIZE: usize = 4096;
/// Distance between consecutive CPUs' stacks (the boot code uses it).
pub const STACK_STRIDE: usize = GUARD_SIZE + STACK_SIZE;

/// One CPU's stack: the guard page, then the stack (which grows down
/// towards it).
#[repr(C, align(4096))]
pub struct CpuStack {
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

const EMPTY: CpuStack =
    CpuStack { _guard: UnsafeCell::new([0; GUARD_SIZE]), _stack: UnsafeCell::new([0; STACK_SIZE]) };

#[link_section = ".stacks"]
pub static STACKS: Stacks = Stacks([EMPTY; MAX_CPUS]);

const _: () = assert!(core::mem::size_of::<CpuStack>() == STACK_STRIDE);

/// Address range of CPU `cpu`'s guard page.
pub fn guard(cpu: usize) -> Range<usize> {
    let start = &raw const STACKS as usize + cpu * STACK_STRIDE;
    start..start + GUARD_SIZE
}

/// Whether `addr` lies in any CPU's guard page.
pub fn in_guard(addr: usize) -> bool {
    (0..MAX_CPUS).any(|cpu| guard(cpu).contains(&addr))
}
