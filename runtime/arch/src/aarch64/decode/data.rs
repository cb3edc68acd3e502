//! Integer data processing, immediate (op0 = 100x) and register (x101).
//!
//! All of it is position independent except ADR/ADRP, which are simulated;
//! the work here is knowing which encodings are allocated, and rejecting
//! the pointer-authentication AUT* forms.

use super::kind::SimKind;
use super::reason::RejectReason;
use super::{xol_if, Decoded, UNKNOWN};
use crate::aarch64::insn::{adr_imm, bit, bits, rd, rn};

/// Data processing (immediate): op0 = bits 25:23.
pub(super) fn immediate(insn: u32) -> Decoded {
    let sf = bit(insn, 31);
    match bits(insn, 25, 23) {
        0b000 | 0b001 => {
            let rd = rd(insn);
            let imm = adr_imm(insn);
            Decoded::Simulate(if sf { SimKind::Adrp { rd, offset: imm << 12 } } else { SimKind::Adr { rd, offset: imm } })
        }
        // ADD/ADDS/SUB/SUBS (immediate): every encoding allocated.
        0b010 => Decoded::Xol,
        0b011 => {
            if !bit(insn, 22) {
                // ADDG/SUBG (FEAT_MTE): sf = 1, S = 0, op3 (15:14) = 00.
                xol_if(sf && !bit(insn, 29) && bits(insn, 15, 14) == 0)
            } else {
                // SMAX/UMAX/SMIN/UMIN (immediate, FEAT_CSSC): op = S = 0.
                xol_if(bits(insn, 30, 29) == 0 && bits(insn, 21, 18) <= 0b0011)
            }
        }
        // AND/ORR/EOR/ANDS (immediate).
        0b100 => xol_if(bitmask_valid(insn, sf, true)),
        // MOVN/MOVZ/MOVK: opc = 01 unallocated, hw >= 2 needs sf.
        0b101 => xol_if(bits(insn, 30, 29) != 0b01 && (sf || !bit(insn, 22))),
        // SBFM/BFM/UBFM: opc = 11 unallocated, N must equal sf.
        0b110 => xol_if(bits(insn, 30, 29) != 0b11 && bit(insn, 22) == sf && bitmask_valid(insn, sf, false)),
        // EXTR: op21 = 00, o0 = 0, N = sf, imms < 32 when sf = 0.
        _ => xol_if(bits(insn, 30, 29) == 0 && !bit(insn, 21) && bit(insn, 22) == sf && (sf || !bit(insn, 15))),
    }
}

/// The ARM ARM's `DecodeBitMasks` reserved cases for N:immr:imms. The
/// 32-bit forms need N = 0, and the 32-bit bitfield moves immr, imms < 32.
/// For logical immediates an all-ones element (`imms` = all ones within the
/// element) is reserved too.
fn bitmask_valid(insn: u32, sf: bool, logical: bool) -> bool {
    let n = bits(insn, 22, 22);
    let immr = bits(insn, 21, 16);
    let imms = bits(insn, 15, 10);
    if !sf && (n == 1 || (!logical && (immr >= 32 || imms >= 32))) {
        return false;
    }
    // len = HighestSetBit(N:NOT(imms)).
    let combined = (n << 6) | (!imms & 0x3f);
    if combined == 0 {
        return false;
    }
    let len = 31 - combined.leading_zeros();
    if len < 1 {
        return false;
    }
    let levels = (1u32 << len) - 1;
    !(logical && imms & levels == levels)
}

/// Data processing (register): op0 = bit 30, op1 = bit 28, op2 = bits 24:21,
/// op3 = bits 15:10.
pub(super) fn register(insn: u32) -> Decoded {
    let sf = bit(insn, 31);
    let op1 = bit(insn, 28);
    let op2 = bits(insn, 24, 21);
    let op3 = bits(insn, 15, 10);
    if !op1 {
        return if op2 & 0b1000 == 0 {
            // Logical (shifted register): imm6 < 32 when sf = 0.
            xol_if(sf || !bit(insn, 15))
        } else if op2 & 1 == 0 {
            // Add/subtract (shifted register): shift = 11 reserved.
            xol_if(bits(insn, 23, 22) != 0b11 && (sf || !bit(insn, 15)))
        } else {
            // Add/subtract (extended register): opt = 00, imm3 <= 4.
            xol_if(bits(insn, 23, 22) == 0 && bits(insn, 12, 10) <= 4)
        };
    }
    match op2 {
        0b0110 if bit(insn, 30) => one_source(insn, sf),
        0b0110 => two_source(insn, sf),
        0b0000 => match op3 {
            // ADC/ADCS/SBC/SBCS.
            0b000000 => Decoded::Xol,
            // RMIF: sf = 1, op = 0, S = 1, o2 = 0.
            _ if op3 & 0b011111 == 0b000001 => xol_if(bits(insn, 31, 29) == 0b101 && !bit(insn, 4)),
            // SETF8/SETF16: sf = 0, op = 0, S = 1, opcode2 = 0, o3 = 0, mask = 1101.
            _ if op3 & 0b001111 == 0b000010 => {
                xol_if(bits(insn, 31, 29) == 0b001 && bits(insn, 20, 15) == 0 && bits(insn, 4, 0) == 0b01101)
            }
            _ => UNKNOWN,
        },
        // CCMN/CCMP (register and immediate): S = 1, o2 = 0, o3 = 0.
        0b0010 => xol_if(bit(insn, 29) && !bit(insn, 10) && !bit(insn, 4)),
        // CSEL/CSINC/CSINV/CSNEG: S = 0, op2 = 0x.
        0b0100 => xol_if(!bit(insn, 29) && !bit(insn, 11)),
        _ if op2 & 0b1000 != 0 => three_source(insn, sf),
        _ => UNKNOWN,
    }
}

/// Data-processing (2 source): sf 0 S 11010110 Rm opcode Rn Rd.
fn two_source(insn: u32, sf: bool) -> Decoded {
    let s = bit(insn, 29);
    let opcode = bits(insn, 15, 10);
    let ok = match (s, opcode) {
        // SUBP (sf only) / SUBPS.
        (_, 0b000000) => sf,
        (true, _) => false,
        // UDIV, SDIV, LSLV, LSRV, ASRV, RORV; SMAX/UMAX/SMIN/UMIN (CSSC).
        (false, 0b000010 | 0b000011 | 0b001000..=0b001011 | 0b011000..=0b011011) => true,
        // IRG, GMI (MTE), PACGA.
        (false, 0b000100 | 0b000101 | 0b001100) => sf,
        // CRC32{B,H,W} and CRC32C{B,H,W} are 32-bit; CRC32X/CRC32CX 64-bit.
        (false, 0b010000..=0b010111) => sf == (opcode & 0b11 == 0b11),
        _ => false,
    };
    xol_if(ok)
}

/// Data-processing (1 source): sf 1 S 11010110 opcode2 opcode Rn Rd.
fn one_source(insn: u32, sf: bool) -> Decoded {
    if bit(insn, 29) {
        return UNKNOWN;
    }
    let opcode2 = bits(insn, 20, 16);
    let opcode = bits(insn, 15, 10);
    match opcode2 {
        // RBIT, REV16, REV (32) / REV32, REV (64), CLZ, CLS, and CSSC's CTZ,
        // CNT, ABS.
        0b00000 => xol_if(opcode <= 0b001000 && (sf || opcode != 0b000011)),
        0b00001 if sf => pointer_auth(opcode, rn(insn)),
        _ => UNKNOWN,
    }
}

/// PAC*/AUT*/XPAC* register forms (sf = 1, opcode2 = 00001).
fn pointer_auth(opcode: u32, rn: u8) -> Decoded {
    match opcode {
        // PACIA, PACIB, PACDA, PACDB.
        0b000000..=0b000011 => Decoded::Xol,
        // AUTIA, AUTIB, AUTDA, AUTDB.
        0b000100..=0b000111 => Decoded::Reject(RejectReason::Authentication),
        // PACIZA, PACIZB, PACDZA, PACDZB: Rn = 11111.
        0b001000..=0b001011 if rn == 31 => Decoded::Xol,
        // AUTIZA, AUTIZB, AUTDZA, AUTDZB.
        0b001100..=0b001111 if rn == 31 => Decoded::Reject(RejectReason::Authentication),
        // XPACI, XPACD.
        0b010000 | 0b010001 if rn == 31 => Decoded::Xol,
        _ => UNKNOWN,
    }
}

/// Data-processing (3 source): sf op54 11011 op31 Rm o0 Ra Rn Rd.
fn three_source(insn: u32, sf: bool) -> Decoded {
    if bits(insn, 30, 29) != 0 {
        return UNKNOWN;
    }
    let op31 = bits(insn, 23, 21);
    let o0 = bit(insn, 15);
    let ok = match op31 {
        // MADD/MSUB.
        0b000 => true,
        // SMADDL/SMSUBL, UMADDL/UMSUBL.
        0b001 | 0b101 => sf,
        // SMULH, UMULH: o0 = 0 (Ra is ignored, "should be" 11111).
        0b010 | 0b110 => sf && !o0,
        _ => false,
    };
    xol_if(ok)
}
