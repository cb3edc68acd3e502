//! CPU identity. Per-CPU state in this kernel (boot stacks, and the
//! runtime's per-CPU state via `Platform::cpu_id`) is indexed by MPIDR_EL1
//! affinity level 0, which is the CPU number on QEMU `virt`.

use core::arch::asm;

/// CPUs this kernel keeps per-CPU state for (boot stacks, scheduler and
/// interrupt state). QEMU's `-smp N` decides how many of them exist: the
/// boot CPU starts the others through PSCI until one is refused
/// (board/smp.rs); the runtime gets per-CPU state for those online.
pub const MAX_CPUS: usize = 8;

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

/// PSTATE.I in DAIF: IRQs masked.
const DAIF_I: u64 = 1 << 7;

/// Mask IRQs on this CPU and return the previous DAIF, for [`irq_restore`].
#[inline(always)]
pub fn irq_save() -> u64 {
    let daif: u64;
    // SAFETY: masking IRQs on this CPU has no other effect; the compiler
    // must not move memory accesses across it (no `nomem`).
    unsafe { asm!("mrs {}, daif", "msr daifset, #2", out(reg) daif, options(nostack, preserves_flags)) };
    daif
}

/// Restore the IRQ mask that [`irq_save`] returned.
#[inline(always)]
pub fn irq_restore(daif: u64) {
    if daif & DAIF_I == 0 {
        irq_enable();
    }
}

/// Unmask IRQs on this CPU.
#[inline(always)]
pub fn irq_enable() {
    // SAFETY: unmasking IRQs; the kernel's IRQ vector is installed before
    // any CPU calls this (board/smp.rs, sched).
    unsafe { asm!("msr daifclr, #2", options(nostack, preserves_flags)) };
}

/// Wait for an interrupt (the idle loop). Returns after any interrupt
/// became pending, taken or not.
#[inline(always)]
pub fn wait_for_interrupt() {
    // SAFETY: WFI only suspends this CPU until an interrupt is pending.
    unsafe { asm!("dsb sy", "wfi", options(nomem, nostack, preserves_flags)) };
}
