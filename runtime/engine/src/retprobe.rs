//! Return probes: hooking a function's return through the trampoline.
//!
//! At the entry hit the return address in X30 is saved in a return
//! instance and X30 is pointed at the trampoline (a `BRK #RETURN_IMM` in the
//! executable area). When the function returns there, the instance whose
//! entry SP equals the current SP is popped, the return handler runs with X0
//! as the return value, and execution continues at the saved address.
//!
//! Instances are kept in a list per thread (the platform's
//! [`crate::ThreadState`]), or per CPU on a platform without threads
//! (returns.rs says why). The pool is bounded: when it is empty the return
//! is not hooked and the probe counts a miss, so deep recursion never
//! corrupts a return address.

use crate::handler::{call_handler, Handler};
use crate::percpu::{HitState, PerCpu, Phase, NO_PROBE};
use crate::record::ProbeRecord;
use crate::returns::{ReturnInstance, ReturnList};
use crate::runtime::Runtime;
use crate::Frame;
use core::sync::atomic::Ordering;

/// The list the code running on this CPU keeps its instances in: its
/// thread's, or the CPU's on a platform without threads.
#[inline(always)]
fn list<'a>(rt: &'a Runtime, this: &'a PerCpu) -> &'a ReturnList {
    match rt.platform.current_thread() {
        Some(thread) => &thread.returns,
        None => &this.returns,
    }
}

/// At a return probe's entry hit (handlers phase, not nested): hook X30.
#[inline(never)]
pub(crate) fn hook_return(rt: &Runtime, this: &PerCpu, index: u32, record: &ProbeRecord, frame: &mut Frame, call_data: u64) {
    let instance =
        ReturnInstance { ret: frame.x[30], sp: frame.sp, probe: index, generation: record.generation.load(Ordering::Relaxed), call_data };
    // SAFETY: the list is this CPU's or its running thread's; exception
    // context, interrupts masked.
    if unsafe { rt.returns.push(list(rt, this), instance) } {
        frame.x[30] = rt.slots.trampoline() as u64;
    } else {
        record.missed.fetch_add(1, Ordering::Relaxed);
    }
}

/// A BRK at the trampoline: a hooked function returned.
#[inline(never)]
pub(crate) fn return_hit(rt: &Runtime, cpu: usize, this: &PerCpu, state: &HitState, frame: &mut Frame) -> bool {
    if frame.pc as usize != rt.slots.trampoline() {
        return false;
    }
    // SAFETY: as in `hook_return`. Instances above the one for this SP
    // belong to frames that were left without returning (a longjmp-like
    // unwind): they are dropped.
    let Some(instance) = (unsafe { rt.returns.pop_for_sp(list(rt, this), frame.sp) }) else {
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
