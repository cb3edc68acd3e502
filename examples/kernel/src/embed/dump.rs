//! Human-readable register dump for fatal exceptions. It formats straight
//! to the UART and never allocates: the allocator may be the very thing
//! that faulted.

use probec_runtime::Frame;

use probec_runtime::arch::aarch64::esr::{class, ec, iss};

use crate::stacks;

/// Print what happened and the whole interrupted register state.
pub fn exception(what: &str, frame: &Frame, esr: u64, far: u64) {
    let ec = class(esr);
    println!();
    println!("*** {what}: {} ***", describe(ec));
    println!("  ESR  {esr:#018x}  EC {ec:#04x}  ISS {:#09x}", iss(esr));
    match ec {
        ec::DABT_CUR | ec::DABT_LOWER | ec::IABT_CUR | ec::IABT_LOWER => {
            println!("  {}", fault_status(esr));
        }
        ec::BRK64 => println!("  brk #{:#x}", esr & 0xffff),
        _ => {}
    }
    println!("  FAR  {far:#018x}  ELR {:#018x}  SPSR {:#018x}", frame.pc, frame.pstate);
    if matches!(ec, ec::DABT_CUR | ec::DABT_LOWER) && stacks::in_guard(far as usize) {
        println!("  FAR is in a stack guard page: kernel stack overflow");
    }
    for (n, x) in frame.x.iter().enumerate() {
        print!("  x{n:<2} {x:016x}");
        if n % 4 == 3 {
            println!();
        }
    }
    println!("  sp  {:016x}", frame.sp);
    // From the registers, not the frame: the general-registers frame does
    // not save them, and no (softfloat) code since the exception has
    // changed them, so they hold the interrupted values with either frame.
    let (fpsr, fpcr) = fpsr_fpcr();
    println!("  FPSR {fpsr:#010x}  FPCR {fpcr:#010x}");
}

fn fpsr_fpcr() -> (u64, u64) {
    let (fpsr, fpcr): (u64, u64);
    // SAFETY: reading FPSR/FPCR has no side effects (FP is enabled).
    unsafe {
        core::arch::asm!(
            ".arch_extension fp",
            "mrs {}, fpsr",
            "mrs {}, fpcr",
            out(reg) fpsr,
            out(reg) fpcr,
            options(nomem, nostack, preserves_flags),
        )
    };
    (fpsr, fpcr)
}

/// A short description of an exception class.
fn describe(ec: u64) -> &'static str {
    match ec {
        ec::UNKNOWN => "undefined instruction",
        ec::IABT_LOWER | ec::IABT_CUR => "instruction abort",
        ec::DABT_LOWER | ec::DABT_CUR => "data abort",
        0x22 => "PC alignment fault",
        0x26 => "SP alignment fault",
        ec::SOFTSTEP_LOWER | ec::SOFTSTEP_CUR => "software step",
        ec::BRK64 => "BRK instruction",
        _ => "exception",
    }
}

/// The fault status code (ISS.xFSC) of an abort, in words.
fn fault_status(esr: u64) -> &'static str {
    let fsc = esr & 0x3f;
    match (fsc & 0x3c, fsc & 3) {
        _ if fsc == 0x21 => "alignment fault",
        (0x00, _) => "address size fault",
        (0x04, 0) => "translation fault, level 0",
        (0x04, 1) => "translation fault, level 1",
        (0x04, 2) => "translation fault, level 2",
        (0x04, _) => "translation fault, level 3",
        (0x08, _) => "access flag fault",
        (0x0c, _) => "permission fault",
        _ => "other fault",
    }
}
