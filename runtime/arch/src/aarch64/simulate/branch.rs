//! Branch arithmetic: targets, conditions and BTYPE.

use crate::aarch64::condition::condition_holds;
use crate::aarch64::pstate::{Pstate, SPSR};

/// `base + offset` with the wrap-around of 64-bit address arithmetic.
pub(super) fn relative(base: u64, offset: i64) -> u64 {
    base.wrapping_add(offset as u64)
}

/// B.cond / BC.cond: taken if the condition holds on the saved NZCV.
pub(super) fn conditional(pc: u64, pstate: u64, cond: u8, offset: i64) -> u64 {
    let nzcv = Pstate::new(pstate).read(SPSR::NZCV) as u8;
    if condition_holds(cond, nzcv) {
        relative(pc, offset)
    } else {
        pc.wrapping_add(4)
    }
}

/// CBZ/CBNZ: the W form tests only the low 32 bits.
pub(super) fn compare(pc: u64, value: u64, sf: bool, nonzero: bool, offset: i64) -> u64 {
    let value = if sf { value } else { value & 0xffff_ffff };
    if (value != 0) == nonzero {
        relative(pc, offset)
    } else {
        pc.wrapping_add(4)
    }
}

/// TBZ/TBNZ.
pub(super) fn test(pc: u64, value: u64, bit: u8, nonzero: bool, offset: i64) -> u64 {
    if ((value >> (bit & 63)) & 1 == 1) == nonzero {
        relative(pc, offset)
    } else {
        pc.wrapping_add(4)
    }
}

/// BTypeNext for BR (ARM ARM, BR pseudocode): in a guarded page, a BR via
/// X16/X17 sets 01 (so a `BTI c` landing pad accepts it, as PLT stubs
/// need) and any other register 11; outside a guarded page BR always
/// sets 01. On CPUs without FEAT_BTI the SPSR bits are RES0: the hit path
/// clears them after simulating (`Runtime::has_bti`).
pub(super) fn br_btype(rn: u8, guarded: bool) -> u64 {
    if guarded && rn != 16 && rn != 17 {
        0b11
    } else {
        0b01
    }
}
