//! CPU identity. Per-CPU state in this kernel (boot stacks, and the
//! runtime's per-CPU state via `Platform::cpu_id`) is indexed by MPIDR_EL1
//! affinity level 0, which is the CPU number on QEMU `virt`.

use core::arch::asm;

/// CPUs this kernel keeps per-CPU state for (stacks, the runtime's per-CPU
/// state). CPU 1 runs only for `smp-test` (board/smp.rs), started through PSCI.
pub const MAX_CPUS: usize = 2;

/// Index of the calling CPU: MPIDR_EL1.Aff0.
#[inline]
pub fn id() -> usize {
    let mpidr: u64;
    // SAFETY: reading MPIDR_EL1 has no side effects.
    unsafe { asm!("mrs {}, mpidr_el1", out(reg) mpidr, options(nomem, nostack, preserves_flags)) };
    (mpidr & 0xff) as usize
}

/// MIDR_EL1: implementer, part number and revision of this CPU.
pub fn midr() -> u64 {
    let midr: u64;
    // SAFETY: reading MIDR_EL1 has no side effects.
    unsafe { asm!("mrs {}, midr_el1", out(reg) midr, options(nomem, nostack, preserves_flags)) };
    midr
}

/// Stop this CPU for good (when there is no host to exit to).
pub fn halt() -> ! {
    loop {
        // SAFETY: waiting for an event has no other effect.
        unsafe { asm!("wfe", options(nomem, nostack, preserves_flags)) };
    }
}
