//! The executable area reserved for the probe runtime: XOL slots, return
//! trampolines and, later, compiled handler code.
//!
//! It lives inside the kernel's read-only + executable text mapping (the
//! linker script places it right after .text, page aligned), so the runtime
//! writes it only through the RAM write alias (`Platform::text_alias`) and
//! then performs the instruction-cache maintenance. It is filled with
//! `UDF #0xdead`, so a stray jump into an unused part of it stops with an
//! undefined-instruction exception and a register dump.

use core::arch::global_asm;

/// Size of the area.
pub const SIZE: usize = 256 * 1024;

/// The filler instruction: `UDF #0xdead`.
const UDF_DEAD: u32 = 0x0000_dead;

global_asm!(
    r#"
.pushsection .exec_area, "ax", %progbits
.balign 4096
.global __exec_area_start
__exec_area_start:
    .fill {words}, 4, {udf}
.global __exec_area_end
__exec_area_end:
.popsection
"#,
    words = const SIZE / 4,
    udf = const UDF_DEAD,
);

extern "C" {
    static __exec_area_start: u8;
}

/// First address of the area (4 KiB aligned).
pub fn start() -> usize {
    &raw const __exec_area_start as usize
}

/// Length of the area in bytes.
pub fn len() -> usize {
    SIZE
}
