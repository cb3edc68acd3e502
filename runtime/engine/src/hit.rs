//! The hit path: what happens between a probe's BRK and the resumption of
//! the probed code. No allocation, no lock, no formatting, and no copies of
//! probe records (this path is what a probe costs; see docs/benchmarks.md).
//!
//! ```text
//! BRK #PROBE ─▶ pre-handler ─▶ simulate ─────────────────────────────────▶ post-handler ─▶ resume at next pc
//!                          ├─▶ XOL: ERET into slot ─▶ step exception / BRK #SLOT ─▶ post-handler ─▶ resume
//!                          └─▶ boosted XOL: ERET into slot ─▶ slot's B ─▶ resume (no second exception)
//! ```
//! A hit while a handler runs on the same CPU (the handler called a probed
//! function) is counted as missed: its instruction still executes, out of
//! line or simulated, but no handler runs, so there is no recursion.

use crate::handler::call_handler;
use crate::percpu::{HitState, PerCpu, Phase, NO_PROBE};
use crate::record::{Execution, ProbeConfig, ProbeRecord};
use crate::runtime::Runtime;
use crate::{retprobe, Frame, FrameContents, XolMode};
use core::sync::atomic::Ordering;
use probec_arch::aarch64::debug;
use probec_arch::aarch64::decode::SimKind;
use probec_arch::aarch64::pstate::{Pstate, SPSR};
use probec_arch::aarch64::simulate::{simulate, LiteralMemory, SimEnv};

/// Literal loads read the target's own memory: the instruction being
/// simulated would have read the same address.
struct TargetMemory;

impl LiteralMemory for TargetMemory {
    fn read(&self, addr: u64, size: usize, out: &mut [u8]) -> bool {
        if addr == 0 || out.len() < size {
            return false;
        }
        for (i, byte) in out[..size].iter_mut().enumerate() {
            // SAFETY: the probed instruction itself would load from here;
            // a bad address faults exactly as the original would have.
            *byte = unsafe { core::ptr::read_volatile((addr as usize + i) as *const u8) };
        }
        true
    }
}

/// A BRK #PROBE_IMM at `frame.pc`.
#[inline(always)]
pub(crate) fn probe_hit(rt: &Runtime, cpu: usize, this: &PerCpu, state: &HitState, frame: &mut Frame) -> bool {
    let addr = frame.pc as usize;
    let Some((index, record)) = rt.probe_at(addr) else {
        return vanished(rt, addr);
    };
    let config = record.config();
    let missed = match state.phase.get() {
        Phase::Idle => {
            record.hits.fetch_add(1, Ordering::Relaxed);
            state.probe.set(index);
            let handlers = &config.handlers;
            let mut call_data = 0;
            if let Some(pre) = handlers.pre {
                state.phase.set(Phase::Handling);
                call_data = call_handler(cpu, index, addr, config.cookie, pre, frame, 0);
            }
            if handlers.ret.is_some() {
                retprobe::hook_return(rt, this, index, record, frame, call_data);
            }
            false
        }
        // A handler of `state.probe` reached this probe: run the
        // instruction, skip the handlers, count it. The state stays the
        // outer hit's except while an XOL slot runs.
        Phase::Handling => {
            record.missed.fetch_add(1, Ordering::Relaxed);
            true
        }
        Phase::Stepping => return hit_while_stepping(rt),
    };
    match config.execution {
        Execution::Boost { slot } => {
            // Straight into the slot, PSTATE untouched: its closing B
            // returns to addr + 4.
            if !missed {
                state.phase.set(Phase::Idle);
            }
            frame.pc = rt.slots.slot_addr(slot) as u64;
            true
        }
        Execution::Simulate(kind) => {
            if !simulate_in_frame(rt, kind, addr, frame) {
                return simulation_failed(rt, state, missed);
            }
            if !missed {
                finish(cpu, state, index, addr, config, frame);
            }
            true
        }
        Execution::Xol { slot } => {
            to_slot(rt, this, state, index, slot, missed, frame);
            true
        }
    }
}

/// Simulate `kind` at `addr` on `frame`; false if the literal it loads is
/// unreadable.
#[inline(always)]
fn simulate_in_frame(rt: &Runtime, kind: SimKind, addr: usize, frame: &mut Frame) -> bool {
    match kind {
        SimKind::Br { .. } | SimKind::Blr { .. } | SimKind::LdrLiteral { .. } => simulate_with_context(rt, kind, addr, frame),
        // Everything else depends on the frame alone.
        _ => simulate(kind, addr as u64, frame, &TargetMemory, SimEnv::default()).is_ok(),
    }
}

/// The simulations that need more than the frame: BR/BLR (BTYPE depends
/// on the page and the CPU) and literal loads (memory; SIMD&FP registers).
#[inline(never)]
fn simulate_with_context(rt: &Runtime, kind: SimKind, addr: usize, frame: &mut Frame) -> bool {
    let indirect = matches!(kind, SimKind::Br { .. } | SimKind::Blr { .. });
    let bti_guarded = indirect && rt.platform.bti_guarded(addr);
    if simulate(kind, addr as u64, frame, &TargetMemory, SimEnv { bti_guarded }).is_err() {
        return false;
    }
    if indirect && !rt.has_bti {
        // BTYPE is RES0 without FEAT_BTI: never hand it to ERET.
        let mut pstate = Pstate::new(frame.pstate);
        pstate.modify(SPSR::BTYPE::None);
        frame.pstate = pstate.get();
    }
    if let SimKind::LdrLiteral { rt: reg, kind, .. } = kind {
        if kind.is_simd_fp() && rt.frame == FrameContents::GeneralRegisters {
            // The embedder restores no V registers: put the loaded value
            // where the interrupted code will find it.
            probec_arch::aarch64::vreg::write_q(reg, frame.v[reg as usize & 31]);
        }
    }
    true
}

/// Send the CPU to XOL slot `slot` for probe `index`, to trap back after
/// the displaced instruction (single-step or the slot's BRK).
#[inline(never)]
fn to_slot(rt: &Runtime, this: &PerCpu, state: &HitState, index: u32, slot: u32, missed: bool, frame: &mut Frame) {
    // A nested (missed) hit remembers the handler it interrupted.
    state.outer.set(if missed { state.probe.get() } else { NO_PROBE });
    state.saved_pstate.set(frame.pstate);
    let mut pstate = Pstate::new(frame.pstate);
    // Interrupts stay masked while the slot runs: an interrupt handler
    // hitting a probe would find this CPU mid-step.
    pstate.modify(SPSR::I::SET + SPSR::F::SET);
    if rt.mode == XolMode::SingleStep {
        // Step exactly one instruction after ERET: SPSR.SS=1 with
        // MDSCR_EL1.SS/KDE set, and debug exceptions unmasked.
        pstate.modify(SPSR::SS::SET + SPSR::D::CLEAR);
        state.saved_mdscr.set(debug::arm_step());
    }
    frame.pstate = pstate.get();
    frame.pc = rt.slots.slot_addr(slot) as u64;
    state.phase.set(Phase::Stepping);
    state.probe.set(index);
    state.missed.set(missed);
    // Other CPUs' detach waits while this CPU is between the two traps.
    this.active.store(index, Ordering::Relaxed);
}

/// Only the displaced instruction runs between the ERET into a slot and
/// its completion, and it is never a BRK or a branch; reaching another
/// probe means the state is corrupt. Decline the exception so the embedder
/// reports it.
#[cold]
#[inline(never)]
fn hit_while_stepping(rt: &Runtime) -> bool {
    rt.platform.console_write("probec: probe hit while an XOL slot was executing; declining\n");
    false
}

/// The word at `addr` was a probe BRK when the CPU executed it but the
/// probe is gone: if a detach restored the original, execute it again.
///
/// Before that, store the word back unchanged, with a compare-and-swap
/// through the alias (so a probe attached there meanwhile is never
/// overwritten), and do the usual cache maintenance. On hardware this
/// changes nothing: the detach's broadcast IC IVAU and this exception's
/// ERET already make the CPU fetch the restored word. Under QEMU's
/// multi-threaded TCG a CPU that translated the code while the detach was
/// writing it can keep executing a stale translation that still holds the
/// BRK, and only a later write to the page makes QEMU discard it; without
/// this store such a CPU would come back here forever.
#[cold]
#[inline(never)]
fn vanished(rt: &Runtime, addr: usize) -> bool {
    // SAFETY: the CPU just executed this address, so it is mapped text.
    let word = unsafe { core::ptr::read_volatile(addr as *const u32) };
    if probec_arch::aarch64::brk::brk_imm(word) == Some(probec_arch::aarch64::brk::PROBE_IMM) {
        // A probe BRK is there again: another CPU detached the probe this
        // CPU hit and attached a new one at the same address between this
        // CPU's look-up and now. Attach publishes the table entry before
        // it plants the BRK, so after this fence a second look-up finds
        // it: execute the BRK again, and the next trap handles it. With no
        // entry the BRK is nobody's: decline, so the embedder reports it.
        core::sync::atomic::fence(Ordering::SeqCst);
        return rt.probe_at(addr).is_some();
    }
    if let Some(alias) = rt.platform.text_alias(addr) {
        // SAFETY: the platform vouches that `alias` is a writable mapping
        // of the word at `addr` (4-byte aligned, as every instruction).
        let cell = unsafe { &*(alias as *const core::sync::atomic::AtomicU32) };
        if cell.compare_exchange(word, word, Ordering::AcqRel, Ordering::Relaxed).is_ok() {
            // SAFETY: both addresses are mapped (see above).
            unsafe { probec_arch::aarch64::cache::sync_icache(addr, alias) };
        }
    }
    true
}

/// A literal load's address was unreadable: the original instruction
/// would have faulted. Decline, so the embedder reports the BRK.
#[cold]
#[inline(never)]
fn simulation_failed(rt: &Runtime, state: &HitState, missed: bool) -> bool {
    rt.platform.console_write("probec: simulating the probed instruction failed; declining\n");
    if !missed {
        state.phase.set(Phase::Idle);
        state.probe.set(NO_PROBE);
    }
    false
}

/// The slot's instruction completed: `frame.pc` is the word after it (the
/// step exception's return address, or the trailing BRK).
#[inline(never)]
pub(crate) fn slot_done(rt: &Runtime, cpu: usize, this: &PerCpu, state: &HitState, frame: &mut Frame) -> bool {
    if state.phase.get() != Phase::Stepping {
        return false;
    }
    let index = state.probe.get();
    let record = &rt.probes[index as usize];
    let config = record.config();
    let Execution::Xol { slot } = config.execution else { return false };
    if frame.pc as usize != rt.slots.slot_addr(slot) + 4 {
        return false;
    }
    if rt.mode == XolMode::SingleStep {
        debug::disarm_step(state.saved_mdscr.get());
    }
    // Keep what the instruction computed (NZCV), give back the interrupted
    // context's interrupt and debug masks, and leave single-step off.
    let saved = Pstate::new(state.saved_pstate.get());
    let mut pstate = Pstate::new(frame.pstate);
    pstate.modify(SPSR::DAIF.val(saved.read(SPSR::DAIF)) + SPSR::SS::CLEAR);
    frame.pstate = pstate.get();
    let addr = record.addr.load(Ordering::Relaxed);
    frame.pc = addr as u64 + 4;
    this.active.store(NO_PROBE, Ordering::Relaxed);
    if state.missed.get() {
        leave_slot(state);
    } else {
        finish(cpu, state, index, addr, config, frame);
    }
    true
}

/// A non-missed hit's instruction has executed: post-handler, then idle.
#[inline(always)]
fn finish(cpu: usize, state: &HitState, index: u32, addr: usize, config: &ProbeConfig, frame: &mut Frame) {
    if let Some(post) = config.handlers.post {
        state.phase.set(Phase::Handling);
        state.probe.set(index);
        call_handler(cpu, index, addr, config.cookie, post, frame, 0);
    }
    state.phase.set(Phase::Idle);
}

/// An XOL slot of a missed hit is done (or abandoned): back to the
/// handler it interrupted, or to idle.
fn leave_slot(state: &HitState) {
    let outer = state.outer.replace(NO_PROBE);
    state.phase.set(if outer == NO_PROBE { Phase::Idle } else { Phase::Handling });
    state.probe.set(outer);
    state.missed.set(false);
}

/// A fault taken with the PC at the start of an XOL slot: the displaced
/// instruction faulted. Put the frame back at the probed address so the
/// embedder handles the fault where the instruction really lives (its
/// fixup tables name original addresses), and leave the hit.
pub(crate) fn fault_in_slot(rt: &Runtime, this: &PerCpu, state: &HitState, frame: &mut Frame) {
    let pc = frame.pc as usize;
    if state.phase.get() == Phase::Stepping {
        let record = &rt.probes[state.probe.get() as usize];
        if let Execution::Xol { slot } = record.config().execution {
            if pc == rt.slots.slot_addr(slot) {
                if rt.mode == XolMode::SingleStep {
                    debug::disarm_step(state.saved_mdscr.get());
                }
                // The instruction did not complete: the interrupted PSTATE
                // is exact.
                frame.pstate = state.saved_pstate.get();
                frame.pc = record.addr.load(Ordering::Relaxed) as u64;
                this.active.store(NO_PROBE, Ordering::Relaxed);
                if state.missed.get() {
                    leave_slot(state);
                } else {
                    state.phase.set(Phase::Idle);
                }
                return;
            }
        }
    }
    // A boosted slot runs with the interrupted PSTATE and outside any hit:
    // only the PC needs to go back.
    if rt.mode == XolMode::Boost {
        if let Some(addr) = rt.slots.boosted_probe_at(pc) {
            frame.pc = addr as u64;
        }
    }
}

/// The record of the probe at `addr`, if one is attached there.
impl Runtime {
    #[inline(always)]
    pub(crate) fn probe_at(&self, addr: usize) -> Option<(u32, &ProbeRecord)> {
        let index = self.table.lookup(addr)?;
        debug_assert!((index as usize) < self.probes.len());
        // SAFETY: the table holds only indexes attach took from the free
        // list of `probes`.
        let record = unsafe { self.probes.get_unchecked(index as usize) };
        (record.addr.load(Ordering::Acquire) == addr).then_some((index, record))
    }
}
