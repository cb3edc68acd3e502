//! CPU features the runtime's behaviour depends on.

/// Whether this CPU implements FEAT_BTI (ID_AA64PFR1_EL1.BT != 0). Without
/// it PSTATE.BTYPE does not exist and SPSR[11:10] are RES0, so simulated
/// branches must leave them zero.
#[cfg(target_arch = "aarch64")]
pub fn has_bti() -> bool {
    let pfr1: u64;
    // SAFETY: ID registers are readable at EL1 and have no side effects.
    unsafe { core::arch::asm!("mrs {}, id_aa64pfr1_el1", out(reg) pfr1, options(nomem, nostack, preserves_flags)) };
    pfr1 & 0xf != 0
}

/// Host fallback: no BTI.
#[cfg(not(target_arch = "aarch64"))]
pub fn has_bti() -> bool {
    false
}
