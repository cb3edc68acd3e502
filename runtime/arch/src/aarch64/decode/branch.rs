//! Branches, exception generation and system instructions (op0 = 101x).
//!
//! Branches all write the PC, so every allocated one is simulated or
//! rejected; the system space is delegated to `system`.

use super::kind::SimKind;
use super::reason::RejectReason;
use super::{system, Decoded, UNKNOWN};
use crate::aarch64::insn::{bit, bits, imm14_offset, imm19_offset, imm26_offset, rd, rn};

const fn sim(kind: SimKind) -> Decoded {
    Decoded::Simulate(kind)
}

const fn reject(reason: RejectReason) -> Decoded {
    Decoded::Reject(reason)
}

pub(super) fn decode(insn: u32) -> Decoded {
    match bits(insn, 31, 29) {
        // B / BL: op 00101 imm26.
        0b000 => sim(SimKind::B { offset: imm26_offset(insn) }),
        0b100 => sim(SimKind::Bl { offset: imm26_offset(insn) }),
        0b001 | 0b101 => compare_or_test(insn),
        0b010 => conditional(insn),
        0b110 => match bits(insn, 25, 24) {
            0b00 => exception(insn),
            0b01 => system::decode(insn),
            _ => register_branch(insn),
        },
        _ => UNKNOWN,
    }
}

/// CBZ/CBNZ (bit 25 = 0) and TBZ/TBNZ (bit 25 = 1).
fn compare_or_test(insn: u32) -> Decoded {
    let nonzero = bit(insn, 24);
    let rt = rd(insn);
    if !bit(insn, 25) {
        sim(SimKind::Cbz { rt, sf: bit(insn, 31), nonzero, offset: imm19_offset(insn) })
    } else {
        let bitnum = ((bits(insn, 31, 31) << 5) | bits(insn, 23, 19)) as u8;
        sim(SimKind::Tbz { rt, bit: bitnum, nonzero, offset: imm14_offset(insn) })
    }
}

/// B.cond and BC.cond: 0101010 o1 imm19 o0 cond, o1 must be 0.
fn conditional(insn: u32) -> Decoded {
    if bit(insn, 25) || bit(insn, 24) {
        return UNKNOWN;
    }
    let cond = bits(insn, 3, 0) as u8;
    let offset = imm19_offset(insn);
    if bit(insn, 4) {
        sim(SimKind::BcCond { cond, offset })
    } else {
        sim(SimKind::BCond { cond, offset })
    }
}

/// Exception generation: 11010100 opc imm16 op2 LL.
fn exception(insn: u32) -> Decoded {
    if bits(insn, 4, 2) != 0 {
        return UNKNOWN;
    }
    match (bits(insn, 23, 21), bits(insn, 1, 0)) {
        // SVC, HVC, SMC; BRK; HLT; DCPS1..3.
        (0b000, 0b01..=0b11) | (0b001, 0b00) | (0b010, 0b00) | (0b101, 0b01..=0b11) => reject(RejectReason::ExceptionGenerating),
        // TCANCEL.
        (0b011, 0b00) => reject(RejectReason::Transactional),
        _ => UNKNOWN,
    }
}

/// Unconditional branch (register): 1101011 opc op2 op3 Rn op4.
fn register_branch(insn: u32) -> Decoded {
    if bits(insn, 20, 16) != 0b11111 {
        return UNKNOWN;
    }
    let opc = bits(insn, 24, 21);
    let op3 = bits(insn, 15, 10);
    let op4 = bits(insn, 4, 0);
    let n = rn(insn);
    // op3 = 00001x with op4 = 11111 is the pointer-authenticated variant of
    // BR/BLR/RET/ERET (key A or B); op4 = Rm for BRAA/BLRAA.
    let auth_zero = (op3 >> 1) == 0b00001 && op4 == 0b11111;
    match opc {
        0b0000..=0b0010 if op3 == 0 && op4 == 0 => sim(match opc {
            0b0000 => SimKind::Br { rn: n },
            0b0001 => SimKind::Blr { rn: n },
            _ => SimKind::Ret { rn: n },
        }),
        0b0000 | 0b0001 if auth_zero => reject(RejectReason::AuthenticatedBranch),
        0b0010 if auth_zero && n == 0b11111 => reject(RejectReason::AuthenticatedBranch),
        0b0100 if n == 0b11111 && ((op3 == 0 && op4 == 0) || auth_zero) => reject(RejectReason::ExceptionReturn),
        0b0101 if n == 0b11111 && op3 == 0 && op4 == 0 => reject(RejectReason::ExceptionReturn),
        0b1000 | 0b1001 if (op3 >> 1) == 0b00001 => reject(RejectReason::AuthenticatedBranch),
        _ => UNKNOWN,
    }
}
