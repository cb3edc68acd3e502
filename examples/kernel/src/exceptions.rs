//! Exception dispatch: where the vectors (vectors.rs) land in Rust.
//!
//! Synchronous exceptions are offered to the probe runtime first, by class
//! (ESR_EL1.EC), then to the kernel's own mechanisms; what nobody handles
//! is fatal. The runtime's entry points return `true` when the exception
//! was theirs and the frame is ready to be restored; BRKs and steps it
//! declines go to the kernel's own hooks (trap_test.rs), as a kernel with
//! other BRK users (BUG(), kgdb) would chain them.

use probec_runtime::{trap, Frame};

use crate::{dump, extable, semihosting, trap_test};

// Exception classes (ESR_EL1.EC) this kernel cares about.
pub const EC_UNKNOWN: u64 = 0x00;
pub const EC_IABT_LOWER: u64 = 0x20;
pub const EC_IABT_CUR: u64 = 0x21;
pub const EC_DABT_LOWER: u64 = 0x24;
pub const EC_DABT_CUR: u64 = 0x25;
pub const EC_SOFTSTEP_LOWER: u64 = 0x32;
pub const EC_SOFTSTEP_CUR: u64 = 0x33;
pub const EC_BRK64: u64 = 0x3c;

/// ESR_EL1.EC.
pub fn ec(esr: u64) -> u64 {
    (esr >> 26) & 0x3f
}

/// Synchronous exception taken from EL1 (SP_EL1). Returns if handled; the
/// vector code then restores `frame` (possibly modified) and ERETs.
///
/// This is on every probe hit, so it is kept small: the runtime's entry
/// points first, the kernel's own hooks only when the runtime declines,
/// and everything fatal out of line in [`unhandled`].
pub extern "C" fn handle_sync(frame: &mut Frame, esr: u64, far: u64) {
    let ec = ec(esr);
    // BRK first (every probe hit is one), then software step (the second
    // exception of a single-stepped XOL hit); the rest out of line.
    let handled = if ec == EC_BRK64 {
        trap::on_brk(frame, esr) || trap_test::on_brk(frame, esr)
    } else if ec == EC_SOFTSTEP_CUR || ec == EC_SOFTSTEP_LOWER {
        trap::on_step(frame, esr) || trap_test::on_step(frame, esr)
    } else {
        handle_abort(frame, esr, far, ec)
    };
    if !handled {
        unhandled(frame, esr, far);
    }
}

/// Aborts; `false` for any other class.
#[inline(never)]
fn handle_abort(frame: &mut Frame, esr: u64, far: u64, ec: u64) -> bool {
    match ec {
        // A fault in an XOL slot is the runtime's to fix up or to rewind to
        // the probed address; only then do the kernel's fixups apply.
        EC_DABT_LOWER | EC_DABT_CUR => trap::on_fault(frame, esr, far) || extable::fixup(frame),
        EC_IABT_LOWER | EC_IABT_CUR => trap::on_fault(frame, esr, far),
        _ => false,
    }
}

/// A synchronous exception nobody handled: a semihosting call without
/// semihosting, or a fatal exception (register dump and panic). Out of
/// line so its formatting does not weigh on `handle_sync`'s stack frame
/// and saved registers.
#[cold]
#[inline(never)]
fn unhandled(frame: &mut Frame, esr: u64, far: u64) -> ! {
    if ec(esr) == EC_UNKNOWN && semihosting::is_trapped_call(frame.pc) {
        semihosting_disabled();
    }
    dump::exception("unhandled synchronous exception", frame, esr, far);
    panic!("unhandled synchronous exception (EC {:#04x}) at {:#x}", ec(esr), frame.pc);
}

/// Any other vector: IRQ, FIQ, SError, or an exception from SP_EL0 or a
/// lower EL. `kind` is the vector index (0-15).
pub extern "C" fn handle_unexpected(frame: &mut Frame, kind: u64, esr: u64, far: u64) -> ! {
    const SOURCES: [&str; 4] = ["EL1 with SP_EL0", "EL1 with SP_EL1", "EL0 AArch64", "EL0 AArch32"];
    const TYPES: [&str; 4] = ["synchronous exception", "IRQ", "FIQ", "SError"];
    let what = TYPES[(kind & 3) as usize];
    let from = SOURCES[((kind >> 2) & 3) as usize];
    dump::exception(what, frame, esr, far);
    panic!("unexpected {what} from {from}");
}

/// A semihosting call trapped as an undefined instruction: QEMU was started
/// without semihosting, so there is no way to report or exit. Say so on the
/// console and stop.
fn semihosting_disabled() -> ! {
    println!("refkernel: semihosting is disabled; run QEMU with -semihosting-config enable=on,target=native");
    crate::cpu::halt()
}
