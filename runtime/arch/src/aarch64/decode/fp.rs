//! Scalar floating-point and Advanced SIMD (op0 = x111): the top-level
//! split, the scalar floating-point classes and the SHA-512/SHA-3/SM3/SM4
//! cryptographic extension. All of it is register-to-register arithmetic
//! and runs out of line; the only question is allocation.

use super::{simd, simd_scalar, xol_if, Decoded, UNKNOWN};
use crate::aarch64::insn::{bit, bits};

/// op0 = bits 31:28, op1 = bits 24:23, op2 = bits 22:19, op3 = bits 18:10.
pub(super) fn decode(insn: u32) -> Decoded {
    let op0 = bits(insn, 31, 28);
    if op0 & 0b1001 == 0b0000 {
        simd::decode(insn)
    } else if op0 & 0b1101 == 0b0101 {
        simd_scalar::decode(insn)
    } else if op0 & 0b0101 == 0b0001 {
        scalar_fp(insn)
    } else if op0 == 0b1100 {
        crypto(insn)
    } else {
        UNKNOWN
    }
}

/// ptype = 10 is unallocated in every scalar floating-point class (00 is
/// single, 01 double, 11 half precision).
fn ptype_ok(insn: u32) -> bool {
    bits(insn, 23, 22) != 0b10
}

/// M 0 S 11110/11111 ...: the scalar floating-point classes.
fn scalar_fp(insn: u32) -> Decoded {
    let m_or_s = bit(insn, 29);
    if bit(insn, 24) {
        // FMADD/FMSUB/FNMADD/FNMSUB: M = S = 0.
        return xol_if(!bit(insn, 31) && !m_or_s && ptype_ok(insn));
    }
    if !bit(insn, 21) {
        return fixed_conversion(insn);
    }
    if bits(insn, 15, 10) == 0 {
        return int_conversion(insn);
    }
    // All remaining classes need M = 0, S = 0 and a valid ptype.
    if bit(insn, 31) || m_or_s || !ptype_ok(insn) {
        return UNKNOWN;
    }
    let ok = if bits(insn, 14, 10) == 0b10000 {
        one_source(insn)
    } else if bits(insn, 13, 10) == 0b1000 {
        // FCMP/FCMPE: op = 00, opcode2 = xx000.
        bits(insn, 15, 14) == 0 && bits(insn, 2, 0) == 0
    } else if bits(insn, 12, 10) == 0b100 {
        // FMOV (scalar, immediate): imm5 = 0.
        bits(insn, 9, 5) == 0
    } else {
        match bits(insn, 11, 10) {
            // FCCMP/FCCMPE, FCSEL.
            0b01 | 0b11 => true,
            // FMUL..FNMUL: opcode <= 1000.
            0b10 => bits(insn, 15, 12) <= 0b1000,
            _ => false,
        }
    };
    xol_if(ok)
}

/// SCVTF/UCVTF/FCVTZS/FCVTZU (fixed-point): sf 0 S 11110 ptype 0 rmode
/// opcode scale.
fn fixed_conversion(insn: u32) -> Decoded {
    let sf = bit(insn, 31);
    let rmode_opcode = bits(insn, 20, 16);
    let op_ok = matches!(rmode_opcode, 0b00010 | 0b00011 | 0b11000 | 0b11001);
    // 32-bit integers allow at most 32 fraction bits: scale >= 32.
    xol_if(!bit(insn, 29) && ptype_ok(insn) && op_ok && (sf || bit(insn, 15)))
}

/// Conversions between floating-point and integer, and FMOV to and from
/// general registers: sf 0 S 11110 ptype 1 rmode opcode 000000.
fn int_conversion(insn: u32) -> Decoded {
    if bit(insn, 29) {
        return UNKNOWN;
    }
    let sf = bit(insn, 31);
    let ptype = bits(insn, 23, 22);
    let rmode = bits(insn, 20, 19);
    let opcode = bits(insn, 18, 16);
    let ok = match opcode {
        // FCVTN*/FCVTP*/FCVTM*/FCVTZ* (rmode selects rounding).
        0b000 | 0b001 => ptype != 0b10,
        // SCVTF/UCVTF, FCVTAS/FCVTAU.
        0b010..=0b101 => ptype != 0b10 && rmode == 0,
        // FMOV general <-> FP.
        _ => match (rmode, ptype, sf) {
            (0b00, 0b00, false) | (0b00, 0b01, true) | (0b00, 0b11, _) => true,
            // FMOV Xd, Vn.D[1] and FMOV Vd.D[1], Xn.
            (0b01, 0b10, true) => true,
            // FJCVTZS (FEAT_JSCVT).
            (0b11, 0b01, false) => opcode == 0b110,
            _ => false,
        },
    };
    xol_if(ok)
}

/// Floating-point data-processing (1 source): opcode = bits 20:15.
fn one_source(insn: u32) -> bool {
    let ptype = bits(insn, 23, 22);
    let opcode = bits(insn, 20, 15);
    match opcode {
        // FMOV, FABS, FNEG, FSQRT.
        0b000000..=0b000011 => true,
        // FCVT to another precision (never to the same one): target in
        // opcode<1:0>: 00 single, 01 double, 11 half.
        0b000100 | 0b000101 | 0b000111 => opcode & 0b11 != ptype,
        // BFCVT (single to BFloat16), encoded with ptype = 01.
        0b000110 => ptype == 0b01,
        // FRINTN, FRINTP, FRINTM, FRINTZ, FRINTA, -, FRINTX, FRINTI.
        0b001000..=0b001111 => opcode != 0b001101,
        // FRINT32Z/32X/64Z/64X (FEAT_FRINTTS): single and double only.
        0b010000..=0b010011 => ptype != 0b11,
        _ => false,
    }
}

/// SHA-512, SHA-3, SM3, SM4 (op0 = 1100).
fn crypto(insn: u32) -> Decoded {
    let op2 = bits(insn, 22, 21);
    if bits(insn, 24, 23) == 0b00 {
        let ok = if !bit(insn, 15) {
            // EOR3, BCAX, SM3SS1.
            op2 != 0b11
        } else if op2 == 0b10 {
            // SM3TT1A/1B/2A/2B.
            !bit(insn, 14)
        } else if op2 == 0b11 {
            // SHA512H/H2/SU1, RAX1 (O = 0); SM3PARTW1/2, SM4EKEY (O = 1).
            bits(insn, 13, 12) == 0 && !(bit(insn, 14) && bits(insn, 11, 10) == 0b11)
        } else {
            false
        };
        xol_if(ok)
    } else if bits(insn, 24, 23) == 0b01 {
        // XAR; SHA512SU0 and SM4E.
        xol_if(op2 == 0 || bits(insn, 22, 12) == 0b100_0000_1000 && !bit(insn, 11))
    } else {
        UNKNOWN
    }
}
