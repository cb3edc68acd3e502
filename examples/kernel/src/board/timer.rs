//! The per-CPU tick: the EL1 virtual timer of the ARM generic timer
//! (CNTV_*_EL0), which interrupts as private interrupt 27 on every CPU.
//!
//! The virtual timer is the one an EL1 kernel always may use: it needs no
//! EL2 permission (boot.rs sets CNTVOFF_EL2 to 0 when entered at EL2, so
//! virtual and physical counts agree and `time::now_ns` reads the same
//! count). Deadlines are absolute (CNTV_CVAL_EL0): each tick advances the
//! previous deadline by one period, so a late interrupt does not make the
//! tick drift; a CPU that fell more than a period behind (a host that did
//! not run the vCPU for a while) skips to the next period from now.

use core::arch::asm;

/// INTID of the EL1 virtual timer (a PPI; QEMU virt: ARCH_TIMER_VIRT_IRQ
/// 11 + 16).
pub const VIRTUAL_TIMER_INTID: u32 = 27;

/// CNTV_CTL_EL0.ENABLE; IMASK (bit 1) stays 0.
const CTL_ENABLE: u64 = 1;

/// Counter frequency in Hz (CNTFRQ_EL0: 62.5 MHz on QEMU 7.2 virt).
pub fn frequency() -> u64 {
    let freq: u64;
    // SAFETY: reading CNTFRQ_EL0 has no side effects.
    unsafe { asm!("mrs {}, cntfrq_el0", out(reg) freq, options(nomem, nostack, preserves_flags)) };
    freq
}

/// The virtual count now.
#[inline]
pub fn count() -> u64 {
    let count: u64;
    // SAFETY: reading the counter has no side effects; the ISB keeps the
    // read from being hoisted above earlier instructions.
    unsafe { asm!("isb", "mrs {}, cntvct_el0", out(reg) count, options(nomem, nostack, preserves_flags)) };
    count
}

/// Counter ticks per period for a tick rate of `hz` (at least one).
pub fn period_for(hz: u64) -> u64 {
    (frequency() / hz.max(1)).max(1)
}

/// Arm the calling CPU's timer to fire at absolute count `deadline`.
#[inline]
pub fn set_deadline(deadline: u64) {
    // SAFETY: this CPU's virtual timer registers; writing CVAL and CTL
    // only schedules the interrupt.
    unsafe {
        asm!(
            "msr cntv_cval_el0, {d}",
            "msr cntv_ctl_el0, {ctl}",
            "isb",
            d = in(reg) deadline,
            ctl = in(reg) CTL_ENABLE,
            options(nomem, nostack, preserves_flags)
        )
    };
}

/// The next deadline after `previous`, one `period` later, or one period
/// from now if that has already passed.
#[inline]
pub fn next_deadline(previous: u64, period: u64) -> u64 {
    let next = previous.wrapping_add(period);
    let now = count();
    if next <= now {
        now + period
    } else {
        next
    }
}

/// Stop the calling CPU's timer (no tick until the next `set_deadline`).
pub fn stop() {
    // SAFETY: this CPU's virtual timer control; disabling it has no other
    // effect.
    unsafe { asm!("msr cntv_ctl_el0, xzr", "isb", options(nomem, nostack, preserves_flags)) };
}
