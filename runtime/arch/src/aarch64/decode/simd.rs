//! Advanced SIMD vector instructions (op0 = 0xx0 in the SIMD&FP space),
//! including the AES instructions that live in the same space.
//!
//! Allocation depends on (U, opcode) and on the element size and Q. The
//! tables hold, per (U, opcode), the allowed sizes as a bit mask: low nibble
//! for Q = 1 (128-bit), high nibble for Q = 0 (64-bit, where 64-bit
//! elements usually do not exist). Bit `n` of a nibble allows size = n.

use super::{xol_if, Decoded, UNKNOWN};
use crate::aarch64::insn::{bit, bits};

/// Look up `size` (and Q) in a two-nibble size mask.
pub(super) fn size_allowed(mask: u8, q: bool, size: u32) -> bool {
    let nibble = if q { mask & 0xf } else { mask >> 4 };
    (nibble >> size) & 1 == 1
}

/// Bit `index` of a 32-bit set of allowed opcodes.
pub(super) fn in_set(set: u32, index: u32) -> bool {
    (set >> index) & 1 == 1
}

/// Three same: U = 0, then U = 1, indexed by opcode (bits 15:11).
#[rustfmt::skip]
const THREE_SAME: [[u8; 32]; 2] = [
    [0x77, 0x7f, 0x77, 0xff, 0x77, 0x7f, 0x7f, 0x7f, // SHADD SQADD SRHADD logic SHSUB SQSUB CMGT CMGE
     0x7f, 0x7f, 0x7f, 0x7f, 0x77, 0x77, 0x77, 0x77, // SSHL SQSHL SRSHL SQRSHL SMAX SMIN SABD SABA
     0x7f, 0x7f, 0x77, 0x77, 0x77, 0x77, 0x66, 0x7f, // ADD CMTST MLA MUL SMAXP SMINP SQDMULH ADDP
     0x5f, 0x5f, 0x5f, 0x13, 0x13, 0x55, 0x5f, 0x5f], // FMAXNM/FMINNM FMLA/S FADD/FSUB FMULX FCMEQ FMLAL/FMLSL FMAX/FMIN FRECPS/FRSQRTS
    [0x77, 0x7f, 0x77, 0xff, 0x77, 0x7f, 0x7f, 0x7f, // UHADD UQADD URHADD EOR/BSL/BIT/BIF UHSUB UQSUB CMHI CMHS
     0x7f, 0x7f, 0x7f, 0x7f, 0x77, 0x77, 0x77, 0x77, // USHL UQSHL URSHL UQRSHL UMAX UMIN UABD UABA
     0x7f, 0x7f, 0x77, 0x11, 0x77, 0x77, 0x66, 0x00, // SUB CMEQ MLS PMUL UMAXP UMINP SQRDMULH -
     0x5f, 0x55, 0x5f, 0x13, 0x5f, 0x5f, 0x5f, 0x13], // FMAXNMP/FMINNMP FMLAL2/FMLSL2 FADDP/FABD FMUL FCMGE/FCMGT FACGE/FACGT FMAXP/FMINP FDIV
];

/// Three different (long/wide/narrow), opcode bits 15:12; Q is free
/// (it selects the "2" forms), so one nibble of sizes.
#[rustfmt::skip]
const THREE_DIFFERENT: [[u8; 16]; 2] = [
    // SADDL SADDW SSUBL SSUBW ADDHN SABAL SUBHN SABDL SMLAL SQDMLAL SMLSL SQDMLSL SMULL SQDMULL PMULL -
    [0x7, 0x7, 0x7, 0x7, 0x7, 0x7, 0x7, 0x7, 0x7, 0x6, 0x7, 0x6, 0x7, 0x6, 0x9, 0x0],
    // UADDL UADDW USUBL USUBW RADDHN UABAL RSUBHN UABDL UMLAL - UMLSL - UMULL - - -
    [0x7, 0x7, 0x7, 0x7, 0x7, 0x7, 0x7, 0x7, 0x7, 0x0, 0x7, 0x0, 0x7, 0x0, 0x0, 0x0],
];

/// Two-register miscellaneous, opcode bits 16:12.
#[rustfmt::skip]
const TWO_MISC: [[u8; 32]; 2] = [
    [0x77, 0x11, 0x77, 0x7f, 0x77, 0x11, 0x77, 0x7f, // REV64 REV16 SADDLP SUQADD CLS CNT SADALP SQABS
     0x7f, 0x7f, 0x7f, 0x7f, 0x4c, 0x4c, 0x4c, 0x4c, // CMGT CMEQ CMLT ABS FCMGT FCMEQ FCMLT FABS (#0)
     0x00, 0x00, 0x77, 0x00, 0x77, 0x00, 0x77, 0x33, // - - XTN - SQXTN - FCVTN/BFCVTN FCVTL
     0x5f, 0x5f, 0x5f, 0x5f, 0x57, 0x5f, 0x13, 0x13], // FRINTN/P FRINTM/Z FCVTNS/PS FCVTMS/ZS FCVTAS/URECPE SCVTF/FRECPE FRINT32Z FRINT64Z
    [0x33, 0x00, 0x77, 0x7f, 0x77, 0x33, 0x77, 0x7f, // REV32 - UADDLP USQADD CLZ NOT/RBIT UADALP SQNEG
     0x7f, 0x7f, 0x00, 0x7f, 0x4c, 0x4c, 0x00, 0x4c, // CMGE CMLE - NEG FCMGE FCMLE - FNEG
     0x00, 0x00, 0x77, 0x77, 0x77, 0x00, 0x22, 0x00, // - - SQXTUN SHLL UQXTN - FCVTXN -
     0x13, 0x5f, 0x5f, 0x5f, 0x57, 0x5f, 0x13, 0x5f], // FRINTA FRINTX/I FCVTNU/PU FCVTMU/ZU FCVTAU/URSQRTE UCVTF/FRSQRTE FRINT32X FRINT64X/FSQRT
];

/// Two-register miscellaneous (FP16), per (U, a): allowed opcodes.
const TWO_MISC_FP16: [u32; 4] = [
    0x3f << 24,                       // U0 a0: FRINTN FRINTM FCVTNS FCVTMS FCVTAS SCVTF
    0xf << 12 | 0x2f << 24,           // U0 a1: FCMGT FCMEQ FCMLT FABS; FRINTP FRINTZ FCVTPS FCVTZS FRECPE
    0x3f << 24,                       // U1 a0: FRINTA FRINTX FCVTNU FCVTMU FCVTAU UCVTF
    0b1011 << 12 | 0b1010_1110 << 24, // U1 a1: FCMGE FCMLE FNEG; FRINTI FCVTPU FCVTZU FRSQRTE FSQRT
];

/// Three same (FP16), per (U, a): allowed opcodes (bits 13:11).
const THREE_SAME_FP16: [u8; 4] = [0xdf, 0xc7, 0xfd, 0x75];

pub(super) fn decode(insn: u32) -> Decoded {
    let q = bit(insn, 30);
    let u = bit(insn, 29) as usize;
    let size = bits(insn, 23, 22);
    let op2 = bits(insn, 22, 19);
    if bit(insn, 24) {
        // op1 = 1x: indexed element (bit 10 = 0), immediate forms (op1 = 10,
        // bit 10 = 1); op1 = 11 with bit 10 = 1 is unallocated.
        return if !bit(insn, 10) {
            indexed(insn)
        } else if !bit(insn, 23) {
            if op2 == 0 {
                modified_immediate(insn)
            } else {
                shift_immediate(insn)
            }
        } else {
            UNKNOWN
        };
    }
    if bit(insn, 21) {
        // op2 = x1xx.
        if bit(insn, 10) {
            return three_same(insn, q, u, size);
        }
        if !bit(insn, 11) {
            return xol_if(in_set(THREE_DIFFERENT[u][bits(insn, 15, 12) as usize] as u32, size));
        }
        // bits 11:10 = 10: two-register classes, keyed by bits 20:19.
        if bits(insn, 18, 17) != 0 {
            return UNKNOWN;
        }
        let opcode = bits(insn, 16, 12);
        return match bits(insn, 20, 19) {
            0b00 => xol_if(size_allowed(TWO_MISC[u][opcode as usize], q, size)),
            0b10 => across_lanes(u, opcode, q, size),
            // AES: 01001110 size 10100 opcode 10 (op0 = 0100 only).
            0b01 => xol_if(bits(insn, 31, 28) == 0b0100 && size == 0 && (4..=7).contains(&opcode)),
            // Two-register miscellaneous (FP16): 0 Q U 01110 a 111100 opcode 10.
            _ if bit(insn, 22) => {
                let index = u << 1 | bit(insn, 23) as usize;
                xol_if(in_set(TWO_MISC_FP16[index], opcode))
            }
            _ => UNKNOWN,
        };
    }
    // op2 = x0xx.
    match (bit(insn, 15), bit(insn, 10)) {
        (true, true) => three_extension(insn, q, u == 1, size),
        (true, false) => UNKNOWN,
        (false, true) if bit(insn, 22) => {
            // Three same (FP16): 0 Q U 01110 a 10 Rm 00 opcode 1.
            let index = u << 1 | bit(insn, 23) as usize;
            xol_if(!bit(insn, 14) && (THREE_SAME_FP16[index] >> bits(insn, 13, 11)) & 1 == 1)
        }
        (false, true) if bit(insn, 23) => UNKNOWN,
        (false, true) => copy(insn, q),
        (false, false) => lookup_permute_extract(insn, q, size),
    }
}

/// Three same: 0 Q U 01110 size 1 Rm opcode 1.
fn three_same(insn: u32, q: bool, u: usize, size: u32) -> Decoded {
    let opcode = bits(insn, 15, 11) as usize;
    xol_if(size_allowed(THREE_SAME[u][opcode], q, size))
}

/// Across lanes: 0 Q U 01110 size 11000 opcode 10.
fn across_lanes(u: usize, opcode: u32, q: bool, size: u32) -> Decoded {
    let mask = match (u, opcode) {
        // [SU]ADDLV, [SU]MAXV, [SU]MINV, ADDV: no .2S form.
        (_, 0b00011 | 0b01010 | 0b11010) | (0, 0b11011) => 0x37,
        // FMAXNMV/FMINNMV, FMAXV/FMINV: half precision (U = 0) in both
        // widths, single precision (U = 1) only on .4S.
        (0, 0b01100 | 0b01111) => 0x55,
        (1, 0b01100 | 0b01111) => 0x05,
        _ => 0,
    };
    xol_if(size_allowed(mask, q, size))
}

/// Three-register extension: 0 Q U 01110 size 0 Rm 1 opcode 1.
fn three_extension(insn: u32, q: bool, u: bool, size: u32) -> Decoded {
    let opcode = bits(insn, 14, 11);
    let ok = match (u, opcode) {
        // SDOT, USDOT.
        (false, 0b0010 | 0b0011) => size == 0b10,
        // SMMLA, USMMLA.
        (false, 0b0100 | 0b0101) => size == 0b10 && q,
        // SQRDMLAH, SQRDMLSH.
        (true, 0b0000 | 0b0001) => size == 0b01 || size == 0b10,
        // UDOT.
        (true, 0b0010) => size == 0b10,
        // UMMLA.
        (true, 0b0100) => size == 0b10 && q,
        // FCMLA (10xx) and FCADD (11x0): half, single, double (128-bit only).
        (true, 0b1000..=0b1011 | 0b1100 | 0b1110) => size == 0b01 || size == 0b10 || (size == 0b11 && q),
        // BFMMLA.
        (true, 0b1101) => size == 0b01 && q,
        // BFDOT, BFMLALB/BFMLALT.
        (true, 0b1111) => size == 0b01 || size == 0b11,
        _ => false,
    };
    xol_if(ok)
}

/// Table lookup, permute and extract (op2 = x0xx, bits 15 and 10 zero).
fn lookup_permute_extract(insn: u32, q: bool, size: u32) -> Decoded {
    if bit(insn, 29) {
        // EXT: op2 (23:22) = 00; the 64-bit form takes imm4 < 8.
        xol_if(size == 0 && (q || !bit(insn, 14)))
    } else if !bit(insn, 11) {
        // TBL/TBX: op2 (23:22) = 00.
        xol_if(size == 0)
    } else {
        // UZP1/TRN1/ZIP1/UZP2/TRN2/ZIP2: opcode<1:0> != 00, no .1D.
        xol_if(bits(insn, 13, 12) != 0 && (q || size != 0b11))
    }
}

/// Advanced SIMD copy: 0 Q op 01110000 imm5 0 imm4 1.
fn copy(insn: u32, q: bool) -> Decoded {
    let imm5 = bits(insn, 20, 16);
    let imm4 = bits(insn, 14, 11);
    // Element size from the lowest set bit of imm5: 0 = B .. 3 = D.
    let esize = imm5.trailing_zeros();
    if esize > 3 {
        return UNKNOWN;
    }
    let ok = if bit(insn, 29) {
        // INS (element).
        q
    } else {
        match imm4 {
            // DUP (element), DUP (general).
            0b0000 | 0b0001 => esize < 3 || q,
            // INS (general).
            0b0011 => q,
            // SMOV: to W from B/H, to X from B/H/S.
            0b0101 => esize < 2 || (q && esize == 2),
            // UMOV: to W from B/H/S, to X from D.
            0b0111 => {
                if q {
                    esize == 3
                } else {
                    esize < 3
                }
            }
            _ => false,
        }
    };
    xol_if(ok)
}

/// Modified immediate: 0 Q op 0111100000 abc cmode o2 1 defgh Rd.
fn modified_immediate(insn: u32) -> Decoded {
    let op = bit(insn, 29);
    let cmode = bits(insn, 15, 12);
    if bit(insn, 11) {
        // FMOV (vector, immediate), half precision.
        return xol_if(!op && cmode == 0b1111);
    }
    // FMOV .2D needs Q = 1; there is no 64-bit double vector.
    xol_if(!(op && cmode == 0b1111 && !bit(insn, 30)))
}

/// Shift by immediate: 0 Q U 011110 immh immb opcode 1 (immh != 0).
fn shift_immediate(insn: u32) -> Decoded {
    let q = bit(insn, 30);
    let immh = bits(insn, 22, 19);
    let doubleword = immh & 0b1000 != 0;
    let same_width_ok = !doubleword || q;
    let ok = match (bit(insn, 29), bits(insn, 15, 11)) {
        // SSHR, SSRA, SRSHR, SRSRA, SHL, SQSHL.
        (false, 0b00000 | 0b00010 | 0b00100 | 0b00110 | 0b01010 | 0b01110) => same_width_ok,
        // USHR, USRA, URSHR, URSRA, SRI, SLI, SQSHLU, UQSHL.
        (true, 0b00000 | 0b00010 | 0b00100 | 0b00110 | 0b01000 | 0b01010 | 0b01100 | 0b01110) => same_width_ok,
        // Narrowing shifts and SSHLL/USHLL: no 64-bit source elements.
        (_, 0b10000..=0b10100) => !doubleword,
        // SCVTF/UCVTF/FCVTZS/FCVTZU (fixed point): H, S, D elements.
        (_, 0b11100 | 0b11111) => immh >= 0b0010 && same_width_ok,
        _ => false,
    };
    xol_if(ok)
}

/// Vector x indexed element: 0 Q U 01111 size L M Rm opcode H 0.
fn indexed(insn: u32) -> Decoded {
    let q = bit(insn, 30);
    let size = bits(insn, 23, 22);
    let l = bit(insn, 21);
    let integer = size == 0b01 || size == 0b10;
    let ok = match (bit(insn, 29), bits(insn, 15, 12)) {
        // FMLA, FMLS, FMUL, FMULX: half, single, double (index H only, Q = 1).
        (false, 0b0001 | 0b0101 | 0b1001) | (true, 0b1001) => size == 0b00 || size == 0b10 || (size == 0b11 && !l && q),
        // FMLAL, FMLSL, FMLAL2, FMLSL2; SDOT, UDOT.
        (false, 0b0000 | 0b0100 | 0b1110) | (true, 0b1000 | 0b1100 | 0b1110) => size == 0b10,
        // SUDOT, BFDOT, USDOT, BFMLALB/T.
        (false, 0b1111) => true,
        // FCMLA: half (index H:L, only 0..1 in 64 bits) or single (index
        // H, 128 bits only).
        (true, 0b0001 | 0b0011 | 0b0101 | 0b0111) => (size == 0b01 && (q || !bit(insn, 11))) || (size == 0b10 && !l && q),
        // Integer multiply(-accumulate), long and saturating forms.
        (false, 0b0010 | 0b0011 | 0b0110 | 0b0111 | 0b1000 | 0b1010 | 0b1011 | 0b1100 | 0b1101)
        | (true, 0b0000 | 0b0010 | 0b0100 | 0b0110 | 0b1010 | 0b1101 | 0b1111) => integer,
        _ => false,
    };
    xol_if(ok)
}
