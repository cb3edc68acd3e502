//! Exception dispatch: where the vectors (embed/vectors.rs) land in Rust.
//!
//! Synchronous exceptions are offered to the probe runtime first, by class
//! (ESR_EL1.EC), then to the kernel's own mechanisms; what nobody handles
//! is fatal. The runtime's entry points return `true` when the exception
//! was theirs and the frame is ready to be restored; BRKs and steps it
//! declines go to the hooks other code registered ([`register_hooks`]), as
//! Linux chains `register_kernel_break_hook` users (BUG(), kgdb).

use core::sync::atomic::{AtomicUsize, Ordering};

use probec_runtime::arch::aarch64::esr::{class, ec};
use probec_runtime::{trap, Frame};

use crate::{board::semihosting, embed::dump, embed::extable};

/// A kernel BRK or software-step hook: returns `true` if the exception was
/// its own (the frame is then restored and the CPU resumes).
pub type TrapHook = fn(&mut Frame, u64) -> bool;

/// The registered hooks, as `fn` pointers (0: none). Written once at boot,
/// before any such exception can be taken.
static BRK_HOOK: AtomicUsize = AtomicUsize::new(0);
static STEP_HOOK: AtomicUsize = AtomicUsize::new(0);

/// Register the kernel's own BRK and software-step hooks, tried when the
/// runtime declines an exception (one of each: the self-tests').
pub fn register_hooks(brk: TrapHook, step: TrapHook) {
    BRK_HOOK.store(brk as usize, Ordering::Release);
    STEP_HOOK.store(step as usize, Ordering::Release);
}

/// Call the hook in `slot`, if any.
#[inline(always)]
fn chained(slot: &AtomicUsize, frame: &mut Frame, esr: u64) -> bool {
    match slot.load(Ordering::Acquire) {
        0 => false,
        f => {
            // SAFETY: only `register_hooks` stores into the slots, and only
            // values of type `TrapHook` cast to usize.
            let hook = unsafe { core::mem::transmute::<usize, TrapHook>(f) };
            hook(frame, esr)
        }
    }
}

/// Synchronous exception taken from EL1 (SP_EL1). Returns if handled; the
/// vector code then restores `frame` (possibly modified) and ERETs.
///
/// This is on every probe hit, so it is kept small: the runtime's entry
/// points first, the kernel's own hooks only when the runtime declines,
/// and everything fatal out of line in [`unhandled`].
pub extern "C" fn handle_sync(frame: &mut Frame, esr: u64, far: u64) {
    let ec = class(esr);
    // BRK first (every probe hit is one), then software step (the second
    // exception of a single-stepped XOL hit); the rest out of line.
    let handled = if ec == ec::BRK64 {
        trap::on_brk(frame, esr) || chained(&BRK_HOOK, frame, esr)
    } else if ec == ec::SOFTSTEP_CUR || ec == ec::SOFTSTEP_LOWER {
        trap::on_step(frame, esr) || chained(&STEP_HOOK, frame, esr)
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
        ec::DABT_LOWER | ec::DABT_CUR => trap::on_fault(frame, esr, far) || extable::fixup(frame),
        ec::IABT_LOWER | ec::IABT_CUR => trap::on_fault(frame, esr, far),
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
    if class(esr) == ec::UNKNOWN && semihosting::is_trapped_call(frame.pc) {
        semihosting_disabled();
    }
    dump::exception("unhandled synchronous exception", frame, esr, far);
    panic!("unhandled synchronous exception (EC {:#04x}) at {:#x}", class(esr), frame.pc);
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
    crate::board::cpu::halt()
}
