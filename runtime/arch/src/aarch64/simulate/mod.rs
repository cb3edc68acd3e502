//! Simulation of the instructions that cannot run out of line.
//!
//! Each simulator is a pure update of the saved [`Frame`]: it reads
//! registers and flags from the frame, writes the results back, and sets
//! `frame.pc` to the next instruction (the branch target or `pc + 4`). The
//! only side input is literal memory, through [`LiteralMemory`], so the
//! simulators run unchanged in host tests on software frames.
//!
//! On error the frame is left exactly as it was.

mod branch;
mod literal;

use super::decode::SimKind;
use super::pstate::{Pstate, SPSR};
use probec_abi::frame::Frame;

/// Read access to the memory literal loads (`LDR (literal)`) read.
pub trait LiteralMemory {
    /// Copy `size` bytes at `addr` into `out[..size]`. Returns false if the
    /// memory is unreadable (the load would fault); `out` is then ignored.
    fn read(&self, addr: u64, size: usize, out: &mut [u8]) -> bool;
}

/// What the simulators need to know about the probed instruction's context.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimEnv {
    /// The probed instruction is in a BTI guarded page (its stage 1 GP bit
    /// is set, FEAT_BTI). Decides the BTYPE a BR leaves behind.
    pub bti_guarded: bool,
}

/// Why a simulation could not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimError {
    /// A literal load's address could not be read; the instruction would
    /// have taken a data abort. The frame is unchanged.
    LiteralUnreadable {
        /// The literal's address.
        addr: u64,
    },
}

impl SimError {
    /// A readable description of the error.
    pub const fn message(&self) -> &'static str {
        match self {
            SimError::LiteralUnreadable { .. } => "the literal a simulated LDR (literal) reads is unreadable: the load would fault",
        }
    }
}

impl core::fmt::Display for SimError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SimError::LiteralUnreadable { addr } => write!(f, "{} (address {addr:#x})", self.message()),
        }
    }
}

/// Update `frame` as if the instruction at `pc` described by `kind` had
/// executed, and set `frame.pc` to the next PC.
///
/// PSTATE.BTYPE is updated as the architecture does after the instruction:
/// BR and BLR set it (see [`SimEnv`]), every other simulated instruction
/// clears it.
///
/// Inlined: it is on every simulated hit's path, where the call and the
/// copy of `kind` would cost as much as most simulations.
#[inline(always)]
pub fn simulate(kind: SimKind, pc: u64, frame: &mut Frame, mem: &dyn LiteralMemory, env: SimEnv) -> Result<(), SimError> {
    let next = pc.wrapping_add(4);
    // BTypeNext: 00 unless the instruction is BR or BLR.
    let mut btype = 0b00;
    let new_pc = match kind {
        SimKind::B { offset } => branch::relative(pc, offset),
        SimKind::Bl { offset } => {
            frame.x[30] = next;
            branch::relative(pc, offset)
        }
        SimKind::BCond { cond, offset } | SimKind::BcCond { cond, offset } => branch::conditional(pc, frame.pstate, cond, offset),
        SimKind::Cbz { rt, sf, nonzero, offset } => branch::compare(pc, frame.xzr(rt as u32), sf, nonzero, offset),
        SimKind::Tbz { rt, bit, nonzero, offset } => branch::test(pc, frame.xzr(rt as u32), bit, nonzero, offset),
        SimKind::Adr { rd, offset } => {
            frame.set_xzr(rd as u32, branch::relative(pc, offset));
            next
        }
        SimKind::Adrp { rd, offset } => {
            frame.set_xzr(rd as u32, branch::relative(pc & !0xfff, offset));
            next
        }
        SimKind::Br { rn } => {
            btype = branch::br_btype(rn, env.bti_guarded);
            frame.xzr(rn as u32)
        }
        SimKind::Blr { rn } => {
            // Read the target first: BLR X30 branches to the old X30.
            let target = frame.xzr(rn as u32);
            frame.x[30] = next;
            btype = 0b10;
            target
        }
        SimKind::Ret { rn } => frame.xzr(rn as u32),
        // The one simulator that calls out (to read memory) is a tail
        // call out of line, so the others need no stack frame: this
        // function is on every simulated hit's path.
        SimKind::LdrLiteral { rt, kind, offset } => {
            return load_literal(frame, mem, rt, kind, branch::relative(pc, offset), next);
        }
        SimKind::PrfmLiteral { .. } | SimKind::Nop => next,
        SimKind::MrsDaif { rt } => {
            // MRS DAIF returns D, A, I, F in bits 9:6, everything else zero.
            let daif = Pstate::new(frame.pstate).read(SPSR::DAIF);
            frame.set_xzr(rt as u32, daif << 6);
            next
        }
    };
    retire(frame, new_pc, btype);
    Ok(())
}

/// `LDR (literal)` of the literal at `addr`; the next instruction is at
/// `next`.
#[inline(never)]
fn load_literal(
    frame: &mut Frame,
    mem: &dyn LiteralMemory,
    rt: u8,
    kind: crate::aarch64::decode::LiteralKind,
    addr: u64,
    next: u64,
) -> Result<(), SimError> {
    literal::load(frame, mem, rt, kind, addr)?;
    retire(frame, next, 0b00);
    Ok(())
}

/// Finish an instruction: BTYPE as it leaves it, and the next PC.
#[inline(always)]
fn retire(frame: &mut Frame, next_pc: u64, btype: u64) {
    let mut pstate = Pstate::new(frame.pstate);
    pstate.modify(SPSR::BTYPE.val(btype));
    frame.pstate = pstate.get();
    frame.pc = next_pc;
}
