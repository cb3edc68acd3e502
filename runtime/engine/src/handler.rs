//! What a handler sees and how it is called.

use crate::Frame;

/// Identifies an attached probe (an index into the runtime's probe table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProbeId(pub u32);

/// The context passed to every handler.
pub struct HitContext<'a> {
    /// The interrupted register state. Pre-handlers see it as it was before
    /// the probed instruction; post-handlers after it; return handlers at
    /// the moment the probed function returned (X0 holds the return value).
    /// Handlers may change it, as kprobe handlers may; the runtime then runs
    /// the displaced instruction on the changed state.
    pub frame: &'a mut Frame,
    /// The probe that fired.
    pub probe: ProbeId,
    /// The probed instruction address.
    pub addr: usize,
    /// The calling CPU.
    pub cpu: usize,
    /// The value given at attach time (the loader stores its handler table
    /// entry here).
    pub cookie: usize,
    /// For return probes: one word the entry handler may set and the return
    /// handler reads for the same call (e.g. an entry timestamp).
    pub call_data: u64,
}

/// A handler. Runs in exception context with interrupts masked: it must not
/// block, and a probe it hits is counted as missed rather than recursed into.
pub type Handler = fn(&mut HitContext<'_>);

/// The handlers of one probe.
#[derive(Clone, Copy, Default)]
pub struct Handlers {
    /// Called before the probed instruction runs.
    pub pre: Option<Handler>,
    /// Called after the probed instruction ran (out of line or simulated).
    pub post: Option<Handler>,
    /// Makes the probe a return probe: called when the function whose entry
    /// is probed returns. Only meaningful on a function's first instruction.
    pub ret: Option<Handler>,
}

/// Call `handler` for probe `index`; returns the handler's `call_data`.
#[inline(always)]
pub(crate) fn call_handler(cpu: usize, index: u32, addr: usize, cookie: usize, handler: Handler, frame: &mut Frame, call_data: u64) -> u64 {
    let mut ctx = HitContext { frame, probe: ProbeId(index), addr, cpu, cookie, call_data };
    handler(&mut ctx);
    ctx.call_data
}
