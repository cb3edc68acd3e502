//! The executable area reserved for the probe runtime: XOL slots, return
//! trampolines and, later, compiled handler code.
//!
//! It lives inside the kernel's read-only + executable text mapping (the
//! linker script places it right after .text, page aligned), so the runtime
//! writes it only through the RAM write alias (`Platform::text_alias`) and
//! then performs the instruction-cache maintenance. It is filled with
//! `UDF #0xdead`, so a stray jump into an unused part of it stops with an
//! undefined-instruction exception and a register dump.

use crate::embed::text_region::text_region;

/// Size of the area.
pub const SIZE: usize = 256 * 1024;

/// The filler instruction: `UDF #0xdead`.
const UDF_DEAD: u32 = 0x0000_dead;

text_region!(section: ".exec_area", start: __exec_area_start, end: __exec_area_end, size: SIZE, filler: UDF_DEAD);

/// First address of the area (4 KiB aligned).
pub fn start() -> usize {
    region_start()
}

/// Length of the area in bytes.
pub fn len() -> usize {
    SIZE
}
