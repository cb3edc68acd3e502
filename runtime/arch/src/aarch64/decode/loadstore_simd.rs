//! Advanced SIMD load/store multiple and single structures (LD1..LD4,
//! ST1..ST4, LD1R..LD4R), with and without post-index. Position independent
//! and run out of line; this file only knows which encodings exist.

use super::{xol_if, Decoded, UNKNOWN};
use crate::aarch64::insn::{bit, bits};

/// 0 Q 0011 0 op2 L ... with op2 = bits 24:23.
pub(super) fn decode(insn: u32) -> Decoded {
    let post = bit(insn, 23);
    if !bit(insn, 24) {
        // Multiple structures: bits 21:16 are zero without post-index; with
        // post-index bit 21 is zero and 20:16 is Rm.
        let zero_field = if post { bits(insn, 21, 21) } else { bits(insn, 21, 16) };
        if zero_field != 0 {
            return UNKNOWN;
        }
        multiple(insn)
    } else {
        if !post && bits(insn, 20, 16) != 0 {
            return UNKNOWN;
        }
        single(insn)
    }
}

/// opcode = bits 15:12: the register count and interleave.
fn multiple(insn: u32) -> Decoded {
    let q = bit(insn, 30);
    let size = bits(insn, 11, 10);
    match bits(insn, 15, 12) {
        // LD4/ST4, LD3/ST3, LD2/ST2: no .1D arrangement.
        0b0000 | 0b0100 | 0b1000 => xol_if(q || size != 0b11),
        // LD1/ST1 with 4, 3, 1 and 2 registers.
        0b0010 | 0b0110 | 0b0111 | 0b1010 => Decoded::Xol,
        _ => UNKNOWN,
    }
}

/// opcode = bits 15:13, S = bit 12, size = bits 11:10, L = bit 22.
fn single(insn: u32) -> Decoded {
    let l = bit(insn, 22);
    let s = bit(insn, 12);
    let size = bits(insn, 11, 10);
    let ok = match bits(insn, 15, 13) {
        // Byte lanes.
        0b000 | 0b001 => true,
        // Halfword lanes: size<0> = 0.
        0b010 | 0b011 => size & 1 == 0,
        // Word lanes (size = 00) or doubleword lanes (size = 01, S = 0).
        0b100 | 0b101 => size == 0b00 || (size == 0b01 && !s),
        // LD1R..LD4R: loads only, S = 0.
        _ => l && !s,
    };
    xol_if(ok)
}
