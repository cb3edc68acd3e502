//! The A64 instruction classifier: can a probe replace this instruction?
//!
//! Every instruction word is classified as [`Decoded::Xol`] (run out of line
//! in a slot: it must not read the PC or state the probe's trap changed),
//! [`Decoded::Simulate`] (the simulators in `simulate` update the saved frame
//! instead) or [`Decoded::Reject`] with a reason a user can read.
//!
//! The decoder is an allow-list: it walks the ARM ARM's encoding index down
//! to the instruction and only returns `Xol` for encodings it knows are
//! allocated and position independent. Everything else — unallocated
//! encodings, instructions newer than this decoder, implementation-defined
//! spaces — is rejected. Each file below covers one top-level encoding group,
//! in the spirit of Linux's `arch/arm64/kernel/probes/decode-insn.c` but far
//! more precise about what it lets through.
//!
//! Decisions beyond what Linux does (the reasons carry the why):
//! - simulated: also LDR (literal) to S/D/Q, PRFM (literal), BC.cond,
//!   `MRS Xt, DAIF` (the trap masked DAIF), BTI (a no-op once trapped);
//! - out of line: PAC* signing hints and registers, XPAC*, CLREX, barriers,
//!   CFINV/XAFLAG/AXFLAG (only NZCV), SYS in the architected groups
//!   (CRn = 7, 8, 9: DC, IC, AT, TLBI, prediction restriction, BRB, GCS),
//!   every MRS except DAIF and the exception state below, LSE atomics, CAS,
//!   LDAR/STLR/LDAPR, LD64B/ST64B*, MTE tag loads/stores;
//! - rejected: MRS of ELR/SPSR/ESR/FAR (EL1-3) and MDSCR_EL1, WFI/WFE/
//!   WFIT/WFET, ESB, AUT* in every form, SYSL and implementation-defined
//!   SYS, TME, hints without a known meaning, and CONSTRAINED UNPREDICTABLE
//!   register overlaps (load pair into one register, written-back base that
//!   is also transferred, non-one "should be" fields).
//!
//! Decoding allocates nothing and never panics.

mod branch;
mod data;
mod fp;
mod kind;
mod loadstore;
mod loadstore_simd;
mod reason;
mod simd;
mod simd_scalar;
mod system;

pub use kind::{LiteralKind, SimKind};
pub use reason::RejectReason;

use super::insn::bits;

/// The classification of one instruction word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// Safe to execute out of line: position independent and independent of
    /// the state the probe's trap changes.
    Xol,
    /// Must be simulated on the saved frame.
    Simulate(SimKind),
    /// Cannot be probed.
    Reject(RejectReason),
}

/// Shorthand used by the group decoders: allocated and safe → `Xol`,
/// otherwise rejected as unknown.
const fn xol_if(known: bool) -> Decoded {
    if known {
        Decoded::Xol
    } else {
        Decoded::Reject(RejectReason::Unknown)
    }
}

const UNKNOWN: Decoded = Decoded::Reject(RejectReason::Unknown);

/// Classify one A64 instruction word (as read from memory, little-endian
/// already converted to a `u32`).
pub fn decode(insn: u32) -> Decoded {
    // Top-level encoding index: op0 = bits 28:25.
    match bits(insn, 28, 25) {
        0b0000 => reserved(insn),
        0b0010 => Decoded::Reject(RejectReason::ScalableVector),
        0b1000 | 0b1001 => data::immediate(insn),
        0b1010 | 0b1011 => branch::decode(insn),
        0b0100 | 0b0110 | 0b1100 | 0b1110 => loadstore::decode(insn),
        0b0101 | 0b1101 => data::register(insn),
        0b0111 | 0b1111 => fp::decode(insn),
        _ => UNKNOWN,
    }
}

/// op0 = 0000: UDF, or the SME encodings when bit 31 is set.
fn reserved(insn: u32) -> Decoded {
    if insn >> 31 == 1 {
        Decoded::Reject(RejectReason::ScalableVector)
    } else if bits(insn, 30, 16) == 0 {
        Decoded::Reject(RejectReason::PermanentlyUndefined)
    } else {
        UNKNOWN
    }
}

/// Is `insn` one of the load/store exclusive register or pair forms
/// (LDXR, LDAXR, STXR, STLXR, LDXP, LDAXP, STXP, STLXP, all sizes)?
/// Returns `Some(is_load)`.
pub(crate) fn exclusive(insn: u32) -> Option<bool> {
    // size 001000 o2 L o1 Rs o0 Rt2 Rn Rt with o2 = 0. With o1 = 1 and
    // size = 0x the same space holds CASP, which is not exclusive.
    if bits(insn, 29, 23) != 0b0010000 {
        return None;
    }
    let o1 = bits(insn, 21, 21) == 1;
    if o1 && insn >> 31 == 0 {
        return None;
    }
    Some(bits(insn, 22, 22) == 1)
}

/// The longest run of instructions before a probe point that
/// [`inside_exclusive_sequence`] examines (Linux uses the same bound).
pub const EXCLUSIVE_SCAN_LIMIT: usize = 16;

/// True if a probe at the instruction after `preceding` (oldest first, the
/// words before the probe point within the function, at most 16 are looked
/// at) would sit inside an LDXR..STXR sequence: a load-exclusive appears with
/// no store-exclusive (or CLREX, which abandons the sequence) after it.
pub fn inside_exclusive_sequence(preceding: &[u32]) -> bool {
    for &insn in preceding.iter().rev().take(EXCLUSIVE_SCAN_LIMIT) {
        if system::is_clrex(insn) {
            return false;
        }
        match exclusive(insn) {
            Some(true) => return true,
            Some(false) => return false,
            None => {}
        }
    }
    false
}
