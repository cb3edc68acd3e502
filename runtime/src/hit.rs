//! The hit path: what happens between a probe's BRK and the resumption of
//! the probed code. No allocation, no lock, no formatting, and no copies of
//! probe records (this path is what a probe costs; see docs/benchmarks.md).
//!
//! ```text
//! BRK #PROBE ─▶ pre-handler ─▶ simulate ───────────────────────▶ post-handler ─▶ resume at next pc
//!                          └─▶ XOL: ERET into slot ─▶ step exception / BRK #SLOT ─▶ post-handler ─▶ resume
//! ```
//! A hit while a handler runs on the same CPU (the handler called a probed
//! function) is counted as missed: its instruction still executes, out of
//! line or simulated, but no handler runs, so there is no recursion.

use crate::arch::aarch64::debug;
use crate::arch::aarch64::decode::SimKind;
use crate::arch::aarch64::pstate::{Pstate, SPSR};
use crate::arch::aarch64::simulate::{simulate, LiteralMemory, SimEnv};
use crate::handler::{Handler, HitContext, ProbeId};
use crate::percpu::{HitState, Phase, NO_PROBE};
use crate::record::{Execution, ProbeConfig};
use crate::retprobe;
use crate::runtime::Runtime;
use crate::{Frame, XolMode};
use core::sync::atomic::Ordering;

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

/// Call `handler` for probe `index` (the CPU is in the handler phase).
#[inline(always)]
pub(crate) fn call_handler(
    cpu: usize,
    index: u32,
    addr: usize,
    config: &ProbeConfig,
    handler: Handler,
    frame: &mut Frame,
    call_data: u64,
) -> u64 {
    let mut ctx = HitContext { frame, probe: ProbeId(index), addr, cpu, cookie: config.cookie, call_data };
    handler(&mut ctx);
    ctx.call_data
}

/// A BRK #PROBE_IMM at `frame.pc`.
pub(crate) fn probe_hit(rt: &Runtime, cpu: usize, frame: &mut Frame) -> bool {
    let addr = frame.pc as usize;
    let Some(index) = rt.table.lookup(addr) else {
        return vanished(addr);
    };
    let record = &rt.probes[index as usize];
    if record.addr.load(Ordering::Acquire) != addr {
        return vanished(addr);
    }
    let config = record.config();
    // SAFETY: this CPU, exception context, interrupts masked.
    let state = unsafe { rt.cpus[cpu].state() };
    match state.phase {
        Phase::Idle => {
            record.hits.fetch_add(1, Ordering::Relaxed);
            state.phase = Phase::Handling;
            state.probe = index;
            state.missed = false;
            let mut call_data = 0;
            if let Some(pre) = config.handlers.pre {
                call_data = call_handler(cpu, index, addr, config, pre, frame, 0);
            }
            if config.handlers.ret.is_some() {
                retprobe::hook_return(rt, cpu, index, record, frame, call_data);
            }
            execute(rt, cpu, state, addr, config, frame)
        }
        Phase::Handling => {
            // A handler of `state.probe` reached this probe: run the
            // instruction, skip the handlers, count it.
            record.missed.fetch_add(1, Ordering::Relaxed);
            state.outer = Some((state.probe, state.missed));
            state.probe = index;
            state.missed = true;
            execute(rt, cpu, state, addr, config, frame)
        }
        Phase::Stepping => hit_while_stepping(rt),
    }
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
#[cold]
#[inline(never)]
fn vanished(addr: usize) -> bool {
    // SAFETY: the CPU just executed this address, so it is mapped text.
    let word = unsafe { core::ptr::read_volatile(addr as *const u32) };
    crate::arch::aarch64::brk::brk_imm(word) != Some(crate::arch::aarch64::brk::PROBE_IMM)
}

/// Run the displaced instruction of the probe in `state`, at `addr`.
#[inline(always)]
fn execute(rt: &Runtime, cpu: usize, state: &mut HitState, addr: usize, config: &ProbeConfig, frame: &mut Frame) -> bool {
    match config.execution {
        Execution::Simulate(kind) => {
            // Only BR and BLR set BTYPE; ask the platform only for them.
            let indirect = matches!(kind, SimKind::Br { .. } | SimKind::Blr { .. });
            let bti_guarded = indirect && rt.platform.bti_guarded(addr);
            if simulate(kind, frame.pc, frame, &TargetMemory, SimEnv { bti_guarded }).is_err() {
                return simulation_failed(rt, state);
            }
            if indirect && !rt.has_bti {
                // BTYPE is RES0 without FEAT_BTI: never hand it to ERET.
                let mut pstate = Pstate::new(frame.pstate);
                pstate.modify(SPSR::BTYPE::None);
                frame.pstate = pstate.get();
            }
            finish(cpu, state, addr, config, frame);
            true
        }
        Execution::Xol { slot } => {
            state.saved_pstate = frame.pstate;
            let mut pstate = Pstate::new(frame.pstate);
            // Interrupts stay masked while the slot runs: an interrupt
            // handler hitting a probe would find this CPU mid-step.
            pstate.modify(SPSR::I::SET + SPSR::F::SET);
            if rt.mode == XolMode::SingleStep {
                // Step exactly one instruction after ERET: SPSR.SS=1 with
                // MDSCR_EL1.SS/KDE set, and debug exceptions unmasked.
                pstate.modify(SPSR::SS::SET + SPSR::D::CLEAR);
                state.saved_mdscr = debug::arm_step();
            }
            frame.pstate = pstate.get();
            frame.pc = rt.slots.slot_addr(slot) as u64;
            state.phase = Phase::Stepping;
            true
        }
    }
}

/// A literal load's address was unreadable: the original instruction
/// would have faulted. Decline, so the embedder reports the BRK.
#[cold]
#[inline(never)]
fn simulation_failed(rt: &Runtime, state: &mut HitState) -> bool {
    rt.platform.console_write("probec: simulating the probed instruction failed; declining\n");
    leave_hit(state);
    false
}

/// The slot's instruction completed: `frame.pc` is the word after it (the
/// step exception's return address, or the trailing BRK).
#[inline(never)]
pub(crate) fn slot_done(rt: &Runtime, cpu: usize, frame: &mut Frame) -> bool {
    // SAFETY: this CPU, exception context, interrupts masked.
    let state = unsafe { rt.cpus[cpu].state() };
    if state.phase != Phase::Stepping {
        return false;
    }
    let record = &rt.probes[state.probe as usize];
    let config = record.config();
    let Execution::Xol { slot } = config.execution else { return false };
    if frame.pc as usize != rt.slots.slot_addr(slot) + 4 {
        return false;
    }
    if rt.mode == XolMode::SingleStep {
        debug::disarm_step(state.saved_mdscr);
    }
    // Keep what the instruction computed (NZCV), give back the interrupted
    // context's interrupt and debug masks, and leave single-step off.
    let saved = Pstate::new(state.saved_pstate);
    let mut pstate = Pstate::new(frame.pstate);
    pstate.modify(SPSR::DAIF.val(saved.read(SPSR::DAIF)) + SPSR::SS::CLEAR);
    frame.pstate = pstate.get();
    let addr = record.addr.load(Ordering::Relaxed);
    frame.pc = addr as u64 + 4;
    finish(cpu, state, addr, config, frame);
    true
}

/// The instruction has executed: post-handler, then back to the state
/// before this hit.
#[inline(always)]
fn finish(cpu: usize, state: &mut HitState, addr: usize, config: &ProbeConfig, frame: &mut Frame) {
    if !state.missed {
        if let Some(post) = config.handlers.post {
            state.phase = Phase::Handling;
            call_handler(cpu, state.probe, addr, config, post, frame, 0);
        }
    }
    leave_hit(state);
}

/// End the current hit: back to the handler a nested hit interrupted, or
/// to idle.
fn leave_hit(state: &mut HitState) {
    match state.outer.take() {
        Some((probe, missed)) => {
            state.phase = Phase::Handling;
            state.probe = probe;
            state.missed = missed;
        }
        None => {
            state.phase = Phase::Idle;
            state.probe = NO_PROBE;
            state.missed = false;
        }
    }
}

/// A fault taken with this CPU mid-slot: if it was the displaced
/// instruction that faulted, put the frame back at the probed address so
/// the embedder handles the fault where the instruction really lives
/// (its fixup tables name original addresses), and leave the hit.
pub(crate) fn fault_in_slot(rt: &Runtime, cpu: usize, frame: &mut Frame) {
    // SAFETY: this CPU, exception context.
    let state = unsafe { rt.cpus[cpu].state() };
    if state.phase != Phase::Stepping {
        return;
    }
    let record = &rt.probes[state.probe as usize];
    let Execution::Xol { slot } = record.config().execution else { return };
    if frame.pc as usize != rt.slots.slot_addr(slot) {
        return;
    }
    if rt.mode == XolMode::SingleStep {
        debug::disarm_step(state.saved_mdscr);
    }
    // The instruction did not complete: the interrupted PSTATE is exact.
    frame.pstate = state.saved_pstate;
    frame.pc = record.addr.load(Ordering::Relaxed) as u64;
    leave_hit(state);
}
