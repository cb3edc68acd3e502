//! MDSCR_EL1, the debug control register that arms hardware single-step.

use tock_registers::interfaces::{ReadWriteable, Readable, Writeable};

// The macro generates items without docs of their own; the fields are
// documented inside it.
#[allow(missing_docs)]
mod fields {
    use tock_registers::register_bitfields;

    register_bitfields! {u64,
        /// MDSCR_EL1 fields the runtime uses.
        pub MDSCR [
            /// Monitor debug events (breakpoints, watchpoints) enable.
            MDE OFFSET(15) NUMBITS(1) [],
            /// Local (kernel) debug enable: debug exceptions taken from the
            /// current EL, which single-stepping at EL1 needs.
            KDE OFFSET(13) NUMBITS(1) [],
            /// Software step enable.
            SS OFFSET(0) NUMBITS(1) []
        ]
    }
}
pub use fields::MDSCR;

/// The MDSCR_EL1 register of the calling CPU.
pub struct MdscrEl1;

/// The register accessor.
pub static MDSCR_EL1: MdscrEl1 = MdscrEl1;

#[cfg(target_arch = "aarch64")]
impl Readable for MdscrEl1 {
    type T = u64;
    type R = MDSCR::Register;
    fn get(&self) -> u64 {
        let value: u64;
        // SAFETY: reading MDSCR_EL1 at EL1 has no side effects.
        unsafe { core::arch::asm!("mrs {}, mdscr_el1", out(reg) value, options(nomem, nostack)) };
        value
    }
}

#[cfg(target_arch = "aarch64")]
impl Writeable for MdscrEl1 {
    type T = u64;
    type R = MDSCR::Register;
    fn set(&self, value: u64) {
        // SAFETY: the runtime only changes SS and KDE, and only while it owns
        // the CPU's debug state for a step (see trap handling); the ISB makes
        // the change take effect before the ERET that starts the step.
        unsafe { core::arch::asm!("msr mdscr_el1, {}", "isb", in(reg) value, options(nostack)) };
    }
}

/// Host fallback: one process-wide value, so state machines that set and
/// clear single-step can be unit-tested on the host.
#[cfg(not(target_arch = "aarch64"))]
static HOST_MDSCR: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

#[cfg(not(target_arch = "aarch64"))]
impl Readable for MdscrEl1 {
    type T = u64;
    type R = MDSCR::Register;
    fn get(&self) -> u64 {
        HOST_MDSCR.load(core::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(not(target_arch = "aarch64"))]
impl Writeable for MdscrEl1 {
    type T = u64;
    type R = MDSCR::Register;
    fn set(&self, value: u64) {
        HOST_MDSCR.store(value, core::sync::atomic::Ordering::Relaxed)
    }
}

/// Arm single-step for the next ERET (together with SPSR.SS = 1 and
/// SPSR.D = 0 in the frame). Returns the previous MDSCR_EL1 value, to be
/// given back to [`disarm_step`].
pub fn arm_step() -> u64 {
    let previous = MDSCR_EL1.get();
    MDSCR_EL1.modify(MDSCR::KDE::SET + MDSCR::SS::SET);
    previous
}

/// Stop single-stepping and restore KDE to what the embedder had.
pub fn disarm_step(previous: u64) {
    MDSCR_EL1.set(previous & !MDSCR::SS::SET.value);
}
