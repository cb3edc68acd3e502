//! Return probes: hooking a function's return through the trampoline.
//!
//! At the entry hit the return address in X30 is saved in a per-CPU return
//! instance and X30 is pointed at the trampoline (a `BRK #RETURN_IMM` in the
//! executable area). When the function returns there, the instance whose
//! entry SP equals the current SP is popped, the return handler runs with X0
//! as the return value, and execution continues at the saved address.
//!
//! Instances form a per-CPU stack (returns are LIFO on a CPU as long as the
//! embedder does not switch tasks between a hooked entry and its return;
//! an embedder with preemptive threads would key the stack by thread). The
//! stack is bounded: when it is full the return is not hooked and the probe
//! counts a miss, so deep recursion never corrupts a return address.

use crate::handler::{call_handler, Handler};
use crate::percpu::{HitState, PerCpu, Phase, ReturnInstance, NO_PROBE};
use crate::record::ProbeRecord;
use crate::runtime::Runtime;
use crate::Frame;
use core::sync::atomic::Ordering;

/// At a return probe's entry hit (handlers phase, not nested): hook X30.
#[inline(never)]
pub(crate) fn hook_return(rt: &Runtime, this: &PerCpu, index: u32, record: &ProbeRecord, frame: &mut Frame, call_data: u64) {
    // SAFETY: this CPU, exception context, interrupts masked.
    let returns = unsafe { this.returns() };
    if returns.len() >= this.return_capacity() {
        record.missed.fetch_add(1, Ordering::Relaxed);
        return;
    }
    returns.push(ReturnInstance {
        ret: frame.x[30],
        sp: frame.sp,
        probe: index,
        generation: record.generation.load(Ordering::Relaxed),
        call_data,
    });
    frame.x[30] = rt.slots.trampoline() as u64;
}

/// A BRK at the trampoline: a hooked function returned.
#[inline(never)]
pub(crate) fn return_hit(rt: &Runtime, cpu: usize, this: &PerCpu, state: &HitState, frame: &mut Frame) -> bool {
    if frame.pc as usize != rt.slots.trampoline() {
        return false;
    }
    // SAFETY: this CPU, exception context, interrupts masked.
    let returns = unsafe { this.returns() };
    // Instances above the one for this SP belong to frames that were left
    // without returning (a longjmp-like unwind): drop them.
    while returns.last().is_some_and(|top| top.sp < frame.sp) {
        returns.pop();
    }
    let Some(instance) = returns.pop_if(|top| top.sp == frame.sp) else {
        rt.platform.console_write("probec: return trampoline reached with no matching return instance; declining\n");
        return false;
    };
    frame.pc = instance.ret;
    frame.x[30] = instance.ret;
    let record = &rt.probes[instance.probe as usize];
    let live = record.generation.load(Ordering::Acquire) == instance.generation;
    let handler: Option<Handler> = if live { record.config().handlers.ret } else { None };
    match (state.phase.get(), handler) {
        (Phase::Idle, Some(ret)) => {
            state.phase.set(Phase::Handling);
            state.probe.set(instance.probe);
            let addr = record.addr.load(Ordering::Relaxed);
            call_handler(cpu, instance.probe, addr, record.config().cookie, ret, frame, instance.call_data);
            state.phase.set(Phase::Idle);
            state.probe.set(NO_PROBE);
        }
        (_, Some(_)) => {
            record.missed.fetch_add(1, Ordering::Relaxed);
        }
        (_, None) => {}
    }
    true
}
