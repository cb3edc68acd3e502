//! System instructions: 1101010100 L op0 op1 CRn CRm op2 Rt.
//!
//! Hints, barriers, PSTATE writes, SYS/SYSL and MRS/MSR. Most of this space
//! is position independent; what matters is which instructions depend on
//! state the probe's trap changes (DAIF, ELR/SPSR/ESR/FAR, MDSCR) or change
//! state the exception return would undo (MSR).

use super::kind::SimKind;
use super::reason::RejectReason;
use super::{Decoded, UNKNOWN};
use crate::aarch64::insn::{bit, bits, rd};

const fn reject(reason: RejectReason) -> Decoded {
    Decoded::Reject(reason)
}

/// CLREX (any CRm): clears the local exclusive monitor.
pub(crate) const fn is_clrex(insn: u32) -> bool {
    insn & 0xffff_f0ff == 0xd503_305f
}

pub(super) fn decode(insn: u32) -> Decoded {
    if bits(insn, 23, 22) != 0 {
        return UNKNOWN;
    }
    let l = bit(insn, 21);
    let op0 = bits(insn, 20, 19);
    let op1 = bits(insn, 18, 16);
    let crn = bits(insn, 15, 12);
    let crm = bits(insn, 11, 8);
    let op2 = bits(insn, 7, 5);
    let rt = rd(insn);
    match (l, op0) {
        (false, 0b00) => match (crn, op1) {
            // WFET, WFIT (FEAT_WFxT): system instructions with a register.
            (0b0001, 0b011) if crm == 0 && op2 <= 1 => reject(RejectReason::WaitForInterrupt),
            (0b0010, 0b011) if rt == 31 => hint(crm << 3 | op2),
            (0b0011, 0b011) if rt == 31 => barrier(crm, op2),
            (0b0100, _) if rt == 31 => pstate(op1, crm, op2),
            _ => UNKNOWN,
        },
        // System instructions with result: TSTART (CRm = 0), TTEST (CRm = 1).
        (true, 0b00) if op1 == 0b011 && crn == 0b0011 && crm <= 1 && op2 == 0b011 => reject(RejectReason::Transactional),
        (true, 0b00) => UNKNOWN,
        (false, 0b01) => sys(crn),
        // SYSL: the only architected users are GCS and it returns state the
        // decoder does not model; nothing the runtime needs to allow.
        (true, 0b01) => reject(RejectReason::UnknownSystemInstruction),
        (false, _) => reject(RejectReason::SystemRegisterWrite),
        (true, _) => mrs(op0, op1, crn, crm, op2, rt),
    }
}

/// The hint space, indexed by CRm:op2.
fn hint(index: u32) -> Decoded {
    match index {
        // NOP, and BTI (all targets): once the trap has happened the BTI
        // check is over (BRK is compatible with every BTYPE), so these only
        // advance the PC.
        0 | 32 | 34 | 36 | 38 => Decoded::Simulate(SimKind::Nop),
        // YIELD, SEV, SEVL, DGH: no state the trap touches.
        1 | 4 | 5 | 6 => Decoded::Xol,
        // WFE, WFI.
        2 | 3 => reject(RejectReason::WaitForInterrupt),
        // XPACLRI, PACIA1716, PACIB1716, PACIAZ, PACIASP, PACIBZ, PACIBSP:
        // signing never faults and uses only registers and SP.
        7 | 8 | 10 | 24 | 25 | 26 | 27 => Decoded::Xol,
        // AUTIA1716, AUTIB1716, AUTIAZ, AUTIASP, AUTIBZ, AUTIBSP.
        12 | 14 | 28 | 29 | 30 | 31 => reject(RejectReason::Authentication),
        // ESB.
        16 => reject(RejectReason::ErrorSynchronization),
        // PSB CSYNC, TSB CSYNC, GCSB DSYNC, CSDB, CLRBHB: barriers on
        // trace, GCS and speculation, position independent.
        17 | 18 | 19 | 20 | 22 => Decoded::Xol,
        // CHKFEAT X16: reads feature enables into X16.
        40 => Decoded::Xol,
        _ => reject(RejectReason::UnknownHint),
    }
}

/// Barriers: CRn = 0011, op1 = 011, Rt = 11111.
fn barrier(crm: u32, op2: u32) -> Decoded {
    match op2 {
        // CLREX, DSB (incl. SSBB/PSSBB), DMB, ISB.
        0b010 | 0b100 | 0b101 | 0b110 => Decoded::Xol,
        // SB.
        0b111 if crm == 0 => Decoded::Xol,
        // DSB nXS (FEAT_XS).
        0b001 if crm & 0b11 == 0b10 => Decoded::Xol,
        // TCOMMIT.
        0b011 if crm == 0 => reject(RejectReason::Transactional),
        _ => UNKNOWN,
    }
}

/// MSR (immediate) and the flag-manipulation instructions sharing its space.
fn pstate(op1: u32, crm: u32, op2: u32) -> Decoded {
    match (op1, op2) {
        // CFINV, XAFLAG, AXFLAG (FEAT_FlagM/FlagM2): they only change NZCV,
        // which the exception return restores from the saved frame as
        // updated by the slot; run them out of line.
        (0b000, 0b000..=0b010) if crm == 0 => Decoded::Xol,
        // MSR SVCRSM/SVCRZA/SVCRSMZA: SMSTART and SMSTOP.
        (0b011, 0b011) => reject(RejectReason::ScalableVector),
        _ => reject(RejectReason::SystemRegisterWrite),
    }
}

/// SYS: allowed in the architected maintenance groups only.
fn sys(crn: u32) -> Decoded {
    match crn {
        // CRn = 7: AT, DC, IC, CFP/DVP/CPP/COSP RCTX, BRB, GCS.
        // CRn = 8, 9: TLBI (and TLBI ... nXS). None of them reads the PC.
        7..=9 => Decoded::Xol,
        _ => reject(RejectReason::UnknownSystemInstruction),
    }
}

/// MRS: simulate DAIF, reject the exception-state registers, step the rest.
fn mrs(op0: u32, op1: u32, crn: u32, crm: u32, op2: u32, rt: u8) -> Decoded {
    match (op0, op1, crn, crm, op2) {
        // DAIF: the trap masked it, a stepped MRS would read the mask.
        (3, 3, 4, 2, 1) => Decoded::Simulate(SimKind::MrsDaif { rt }),
        // SPSR_ELx, ELR_ELx (x = 1, 2, 3: op1 = 0, 4, 6), ESR_ELx, FAR_ELx:
        // the probe's BRK exception overwrote them.
        (3, 0 | 4 | 6, 4, 0, 0 | 1) | (3, 0 | 4 | 6, 5, 2, 0) | (3, 0 | 4 | 6, 6, 0, 0) => reject(RejectReason::ExceptionStateRead),
        // MDSCR_EL1: hardware single-step mode sets MDSCR_EL1.SS/KDE.
        (2, 0, 0, 2, 2) => reject(RejectReason::ExceptionStateRead),
        _ => Decoded::Xol,
    }
}
