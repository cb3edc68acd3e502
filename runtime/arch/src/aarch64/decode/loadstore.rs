//! Loads and stores (op0 = x1x0), except the SIMD structure loads.
//!
//! Loads and stores address memory through registers (or SP, pre/post
//! index included), so they run out of line unchanged — except the literal
//! loads, which are PC-relative and simulated, the exclusives, which a trap
//! breaks, and MOPS, which must run as an uninterrupted-in-place triple.

use super::kind::{LiteralKind, SimKind};
use super::reason::RejectReason;
use super::{exclusive, loadstore_simd, xol_if, Decoded, UNKNOWN};
use crate::aarch64::insn::{bit, bits, imm19_offset, rd, rm, rt2};

/// Loads and stores: op0 = bits 31:28, op1 = bit 26, op2 = bits 24:23,
/// op3 = bits 21:16, op4 = bits 11:10.
pub(super) fn decode(insn: u32) -> Decoded {
    let op1 = bit(insn, 26);
    let op2 = bits(insn, 24, 23);
    match bits(insn, 29, 28) {
        0b00 if op1 => {
            if bit(insn, 31) {
                UNKNOWN
            } else {
                loadstore_simd::decode(insn)
            }
        }
        0b00 if op2 & 0b10 == 0 => ordered_or_exclusive(insn),
        0b00 => UNKNOWN,
        0b01 if op2 & 0b10 == 0 => literal(insn),
        // Load/store memory tags: 11011001 opc 1 imm9 op2 Rn Rt.
        0b01 if bits(insn, 31, 24) == 0b1101_1001 && bit(insn, 21) => memory_tags(insn),
        0b01 => {
            let op4 = bits(insn, 11, 10);
            if bit(insn, 21) {
                UNKNOWN
            } else if op4 == 0b01 {
                // CPYP/CPYM/CPYE and SETP/SETM/SETE in all their variants.
                if bits(insn, 31, 30) == 0 {
                    Decoded::Reject(RejectReason::MemoryCopySet)
                } else {
                    UNKNOWN
                }
            } else if op4 == 0b00 && !op1 {
                rcpc_unscaled(insn)
            } else {
                UNKNOWN
            }
        }
        0b10 => pair(insn),
        _ => single(insn),
    }
}

/// Exclusive, load-acquire/store-release (ordered) and compare-and-swap:
/// size 001000 o2 L o1 Rs o0 Rt2 Rn Rt.
fn ordered_or_exclusive(insn: u32) -> Decoded {
    if exclusive(insn).is_some() {
        return Decoded::Reject(RejectReason::Exclusive);
    }
    let o2 = bit(insn, 23);
    let o1 = bit(insn, 21);
    let rt2_ones = rt2(insn) == 31;
    let ok = match (o2, o1) {
        // CASP family (size = 0x): register pairs must be even.
        (false, _) => rt2_ones && rm(insn) & 1 == 0 && rd(insn) & 1 == 0,
        // LDAR/STLR/LDLAR/STLLR: Rs and Rt2 are all ones.
        (true, false) => rt2_ones && rm(insn) == 31,
        // CAS family.
        (true, true) => rt2_ones,
    };
    xol_if(ok)
}

/// STG/STZG/ST2G/STZ2G/LDG and the EL1 bulk forms STGM/STZGM/LDGM.
fn memory_tags(insn: u32) -> Decoded {
    let opc = bits(insn, 23, 22);
    let imm9 = bits(insn, 20, 12);
    let op2 = bits(insn, 11, 10);
    // With op2 = 00 only LDG takes an offset; the bulk forms need imm9 = 0.
    xol_if(op2 != 0 || opc == 0b01 || imm9 == 0)
}

/// LDR/LDRSW/PRFM (literal): opc 011 V 00 imm19 Rt. All simulated: the
/// address is PC-relative.
fn literal(insn: u32) -> Decoded {
    let rt = rd(insn);
    let offset = imm19_offset(insn);
    let kind = match (bits(insn, 31, 30), bit(insn, 26)) {
        (0b00, false) => LiteralKind::W,
        (0b01, false) => LiteralKind::X,
        (0b10, false) => LiteralKind::Sw,
        (0b11, false) => return Decoded::Simulate(SimKind::PrfmLiteral { offset }),
        (0b00, true) => LiteralKind::S,
        (0b01, true) => LiteralKind::D,
        (0b10, true) => LiteralKind::Q,
        _ => return UNKNOWN,
    };
    Decoded::Simulate(SimKind::LdrLiteral { rt, kind, offset })
}

/// LDAPUR*/STLUR* (FEAT_LRCPC2): size 011001 opc 0 imm9 00 Rn Rt.
fn rcpc_unscaled(insn: u32) -> Decoded {
    let size = bits(insn, 31, 30);
    let opc = bits(insn, 23, 22);
    // Bytes and halfwords have all four forms; words lack a 32-bit signed
    // load, doublewords have only STLUR/LDAPUR.
    xol_if(size <= 0b01 || (size == 0b10 && opc != 0b11) || (size == 0b11 && opc <= 0b01))
}

/// Load/store pair (no-allocate, post-index, offset, pre-index):
/// opc 101 V type L imm7 Rt2 Rn Rt.
fn pair(insn: u32) -> Decoded {
    let opc = bits(insn, 31, 30);
    let kind = bits(insn, 24, 23);
    let simd = bit(insn, 26);
    let ok = if simd {
        opc != 0b11
    } else {
        match opc {
            0b00 | 0b10 => true,
            // STGP (L = 0) and LDPSW (L = 1) have no no-allocate form.
            0b01 => kind != 0b00,
            _ => false,
        }
    };
    // A load pair into one register is CONSTRAINED UNPREDICTABLE.
    let load_same = bit(insn, 22) && rd(insn) == rt2(insn);
    // Post- (01) and pre-index (11) write the base back.
    let writeback = kind & 1 == 1;
    xol_if(ok && !load_same && (simd || writeback_ok(insn, writeback, true)))
}

/// Writing back a base register that is also transferred is CONSTRAINED
/// UNPREDICTABLE (it may be UNDEFINED); compilers never emit it, so the
/// allow-list leaves it out. Rn = 31 is SP, never a transfer register.
fn writeback_ok(insn: u32, writeback: bool, pair: bool) -> bool {
    let n = bits(insn, 9, 5) as u8;
    !writeback || n == 31 || (n != rd(insn) && !(pair && n == rt2(insn)))
}

/// Single-register loads and stores: size 111 V op2 opc ...
fn single(insn: u32) -> Decoded {
    let size = bits(insn, 31, 30);
    let v = bit(insn, 26);
    let opc = bits(insn, 23, 22);
    if bit(insn, 24) {
        // Unsigned immediate.
        return xol_if(register_form_allocated(size, v, opc, true));
    }
    let op4 = bits(insn, 11, 10);
    if !bit(insn, 21) {
        return xol_if(match op4 {
            // Unscaled immediate (LDUR/STUR, PRFUM).
            0b00 => register_form_allocated(size, v, opc, true),
            // Unprivileged (LDTR/STTR): general registers only.
            0b10 => !v && register_form_allocated(size, v, opc, false),
            // Post- and pre-indexed.
            _ => register_form_allocated(size, v, opc, false) && (v || writeback_ok(insn, true, false)),
        });
    }
    match op4 {
        0b00 => atomic(insn, size, v),
        // Register offset: option<1> must be 1 (UXTW, LSL, SXTW, SXTX).
        0b10 => xol_if(bit(insn, 14) && register_form_allocated(size, v, opc, true)),
        // LDRAA/LDRAB: 64-bit general registers only. A failed
        // authentication makes the address fault like any bad pointer.
        _ => xol_if(size == 0b11 && !v && writeback_ok(insn, bit(insn, 11), false)),
    }
}

/// Allocation of the size/V/opc combinations shared by the single-register
/// forms. `prfm` says whether size = 11, opc = 10 means PRFM in this form.
fn register_form_allocated(size: u32, v: bool, opc: u32, prfm: bool) -> bool {
    if v {
        // B/H/S/D with opc 0x; Q uses size = 00 with opc 1x.
        return size == 0 || opc <= 0b01;
    }
    match (size, opc) {
        (_, 0b00 | 0b01) => true,
        // LDRSB/LDRSH to X and W.
        (0b00 | 0b01, _) => true,
        // LDRSW.
        (0b10, 0b10) => true,
        (0b11, 0b10) => prfm,
        _ => false,
    }
}

/// Atomic memory operations: size 111 V 00 A R 1 Rs o3 opc 00 Rn Rt.
fn atomic(insn: u32, size: u32, v: bool) -> Decoded {
    if v {
        return UNKNOWN;
    }
    let o3 = bit(insn, 15);
    let opc = bits(insn, 14, 12);
    let a = bit(insn, 23);
    let r = bit(insn, 22);
    let rs = rm(insn);
    let ok = match (o3, opc) {
        // LDADD, LDCLR, LDEOR, LDSET, LDSMAX, LDSMIN, LDUMAX, LDUMIN.
        (false, _) => true,
        // SWP.
        (true, 0b000) => true,
        // LDAPR (FEAT_LRCPC).
        (true, 0b100) => a && !r && rs == 31,
        // ST64B (Rs = 11111), ST64BV0, ST64BV, LD64B (Rs = 11111): FEAT_LS64.
        (true, 0b001 | 0b101) => size == 0b11 && !a && !r && rs == 31,
        (true, 0b010 | 0b011) => size == 0b11 && !a && !r,
        _ => false,
    };
    xol_if(ok)
}
