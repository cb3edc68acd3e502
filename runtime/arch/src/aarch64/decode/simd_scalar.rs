//! Advanced SIMD scalar instructions (op0 = 01x1 in the SIMD&FP space),
//! including the SHA-1/SHA-256 instructions that share the space.
//!
//! Scalar forms have no Q bit, so the tables hold one nibble of allowed
//! sizes (bit `n` allows size = n).

use super::simd::in_set;
use super::{xol_if, Decoded, UNKNOWN};
use crate::aarch64::insn::{bit, bits};

/// Scalar three same, per U, indexed by opcode (bits 15:11).
#[rustfmt::skip]
const THREE_SAME: [[u8; 32]; 2] = [
    // - SQADD - - - SQSUB CMGT CMGE | SSHL SQSHL SRSHL SQRSHL - - - -
    // ADD CMTST - - - - SQDMULH - | - - - FMULX FCMEQ - - FRECPS/FRSQRTS
    [0x0, 0xf, 0x0, 0x0, 0x0, 0xf, 0x8, 0x8, 0x8, 0xf, 0x8, 0xf, 0x0, 0x0, 0x0, 0x0,
     0x8, 0x8, 0x0, 0x0, 0x0, 0x0, 0x6, 0x0, 0x0, 0x0, 0x0, 0x3, 0x3, 0x0, 0x0, 0xf],
    // - UQADD - - - UQSUB CMHI CMHS | USHL UQSHL URSHL UQRSHL - - - -
    // SUB CMEQ - - - - SQRDMULH - | - - FABD - FCMGE/FCMGT FACGE/FACGT - -
    [0x0, 0xf, 0x0, 0x0, 0x0, 0xf, 0x8, 0x8, 0x8, 0xf, 0x8, 0xf, 0x0, 0x0, 0x0, 0x0,
     0x8, 0x8, 0x0, 0x0, 0x0, 0x0, 0x6, 0x0, 0x0, 0x0, 0xc, 0x0, 0xf, 0xf, 0x0, 0x0],
];

/// Scalar two-register miscellaneous, per U, indexed by opcode (16:12).
#[rustfmt::skip]
const TWO_MISC: [[u8; 32]; 2] = [
    // - - - SUQADD - - - SQABS | CMGT CMEQ CMLT ABS FCMGT FCMEQ FCMLT - (#0)
    // - - - - SQXTN - - - | - - FCVTNS/PS FCVTMS/ZS FCVTAS SCVTF/FRECPE - FRECPX
    [0x0, 0x0, 0x0, 0xf, 0x0, 0x0, 0x0, 0xf, 0x8, 0x8, 0x8, 0x8, 0xc, 0xc, 0xc, 0x0,
     0x0, 0x0, 0x0, 0x0, 0x7, 0x0, 0x0, 0x0, 0x0, 0x0, 0xf, 0xf, 0x3, 0xf, 0x0, 0xc],
    // - - - USQADD - - - SQNEG | CMGE CMLE - NEG FCMGE FCMLE - - (#0)
    // - - SQXTUN - UQXTN - FCVTXN - | - - FCVTNU/PU FCVTMU/ZU FCVTAU UCVTF/FRSQRTE - -
    [0x0, 0x0, 0x0, 0xf, 0x0, 0x0, 0x0, 0xf, 0x8, 0x8, 0x0, 0x8, 0xc, 0xc, 0x0, 0x0,
     0x0, 0x0, 0x7, 0x0, 0x7, 0x0, 0x2, 0x0, 0x0, 0x0, 0xf, 0xf, 0x3, 0xf, 0x0, 0x0],
];

/// Scalar two-register miscellaneous (FP16), per (U, a): allowed opcodes.
const TWO_MISC_FP16: [u32; 4] = [
    0b1111 << 26,                  // FCVTNS FCVTMS FCVTAS SCVTF
    0b111 << 12 | 0b10_1011 << 26, // FCMGT FCMEQ FCMLT (#0); FCVTPS FCVTZS FRECPE FRECPX
    0b1111 << 26,                  // FCVTNU FCVTMU FCVTAU UCVTF
    0b11 << 12 | 0b1011 << 26,     // FCMGE FCMLE (#0); FCVTPU FCVTZU FRSQRTE
];

/// Scalar three same (FP16), per (U, a): allowed opcodes (bits 13:11).
const THREE_SAME_FP16: [u8; 4] = [0x98, 0x80, 0x30, 0x34];

pub(super) fn decode(insn: u32) -> Decoded {
    let u = bit(insn, 29) as usize;
    let size = bits(insn, 23, 22);
    if bit(insn, 24) {
        return if !bit(insn, 10) {
            indexed(insn)
        } else if !bit(insn, 23) {
            shift_immediate(insn)
        } else {
            UNKNOWN
        };
    }
    if bit(insn, 21) {
        if bit(insn, 10) {
            return xol_if(in_set(THREE_SAME[u][bits(insn, 15, 11) as usize] as u32, size));
        }
        if !bit(insn, 11) {
            // Scalar three different: SQDMLAL, SQDMLSL, SQDMULL (H, S).
            let opcode = bits(insn, 15, 12);
            return xol_if(u == 0 && matches!(opcode, 0b1001 | 0b1011 | 0b1101) && (size == 1 || size == 2));
        }
        if bits(insn, 18, 17) != 0 {
            return UNKNOWN;
        }
        let opcode = bits(insn, 16, 12);
        return match bits(insn, 20, 19) {
            0b00 => xol_if(in_set(TWO_MISC[u][opcode as usize] as u32, size)),
            0b10 => pairwise(u, opcode, size),
            // SHA1H, SHA1SU1, SHA256SU0 (op0 = 0101).
            0b01 => xol_if(bits(insn, 31, 28) == 0b0101 && size == 0 && opcode <= 0b00010),
            _ if bit(insn, 22) => {
                let index = u << 1 | bit(insn, 23) as usize;
                xol_if(in_set(TWO_MISC_FP16[index], opcode))
            }
            _ => UNKNOWN,
        };
    }
    // op2 = x0xx.
    match (bit(insn, 15), bit(insn, 10)) {
        // Scalar three same extra: SQRDMLAH, SQRDMLSH (H, S).
        (true, true) => xol_if(u == 1 && bits(insn, 14, 12) == 0 && (size == 1 || size == 2)),
        (false, true) if bit(insn, 22) => {
            // Scalar three same (FP16).
            let index = u << 1 | bit(insn, 23) as usize;
            xol_if(!bit(insn, 14) && (THREE_SAME_FP16[index] >> bits(insn, 13, 11)) & 1 == 1)
        }
        // Scalar copy: DUP (element), op = 0, imm4 = 0000, imm5 != x0000.
        (false, true) => xol_if(!bit(insn, 23) && u == 0 && bits(insn, 14, 11) == 0 && bits(insn, 19, 16) != 0),
        // SHA1C/P/M, SHA1SU0, SHA256H/H2/SU1 (op0 = 0101, size = 00).
        (false, false) => xol_if(bits(insn, 31, 28) == 0b0101 && size == 0 && bits(insn, 11, 10) == 0 && bits(insn, 14, 12) != 0b111),
        _ => UNKNOWN,
    }
}

/// Scalar pairwise: 01 U 11110 size 11000 opcode 10.
fn pairwise(u: usize, opcode: u32, size: u32) -> Decoded {
    let mask: u32 = match (u, opcode) {
        // ADDP (D).
        (0, 0b11011) => 0x8,
        // Half precision (U = 0): FMAXNMP/FMINNMP, FADDP, FMAXP/FMINP.
        (0, 0b01100 | 0b01111) => 0x5,
        (0, 0b01101) => 0x1,
        // Single and double (U = 1).
        (1, 0b01100 | 0b01111) => 0xf,
        (1, 0b01101) => 0x3,
        _ => 0,
    };
    xol_if(in_set(mask, size))
}

/// Scalar shift by immediate: 01 U 111110 immh immb opcode 1.
fn shift_immediate(insn: u32) -> Decoded {
    let immh = bits(insn, 22, 19);
    let ok = match (bit(insn, 29), bits(insn, 15, 11)) {
        // Doubleword only: SSHR, SSRA, SRSHR, SRSRA, SHL / USHR, USRA,
        // URSHR, URSRA, SRI, SLI.
        (false, 0b00000 | 0b00010 | 0b00100 | 0b00110 | 0b01010) | (true, 0b00000 | 0b00010 | 0b00100 | 0b00110 | 0b01000 | 0b01010) => {
            immh >= 0b1000
        }
        // Any element: SQSHL / SQSHLU, UQSHL.
        (false, 0b01110) | (true, 0b01100 | 0b01110) => immh != 0,
        // Narrowing: SQSHRN, SQRSHRN / SQSHRUN, SQRSHRUN, UQSHRN, UQRSHRN.
        (false, 0b10010 | 0b10011) | (true, 0b10000..=0b10011) => immh != 0 && immh < 0b1000,
        // Fixed-point conversions: H, S, D.
        (_, 0b11100 | 0b11111) => immh >= 0b0010,
        _ => false,
    };
    xol_if(ok)
}

/// Scalar x indexed element: 01 U 11111 size L M Rm opcode H 0.
fn indexed(insn: u32) -> Decoded {
    let size = bits(insn, 23, 22);
    let ok = match (bit(insn, 29), bits(insn, 15, 12)) {
        // FMLA, FMLS, FMUL, FMULX: H, S, D (index H only).
        (false, 0b0001 | 0b0101 | 0b1001) | (true, 0b1001) => size == 0b00 || size == 0b10 || (size == 0b11 && !bit(insn, 21)),
        // SQDMLAL, SQDMLSL, SQDMULL, SQDMULH, SQRDMULH / SQRDMLAH, SQRDMLSH.
        (false, 0b0011 | 0b0111 | 0b1011 | 0b1100 | 0b1101) | (true, 0b1101 | 0b1111) => size == 0b01 || size == 0b10,
        _ => false,
    };
    xol_if(ok)
}
