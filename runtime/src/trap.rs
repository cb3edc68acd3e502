//! Exception entry points the embedder's vectors call. Each returns `true`
//! when the exception was the runtime's (the frame has been updated and the
//! embedder should restore it and ERET), `false` when it belongs to someone
//! else (another BRK user, a genuine fault), so embedders can chain.

use crate::Frame;

/// BRK exception (ESR.EC 0x3C) taken at EL1. `esr` is ESR_EL1.
pub fn on_brk(frame: &mut Frame, esr: u64) -> bool {
    let _ = (frame, esr);
    false
}

/// Software-step exception (ESR.EC 0x32 or 0x33). `esr` is ESR_EL1.
pub fn on_step(frame: &mut Frame, esr: u64) -> bool {
    let _ = (frame, esr);
    false
}

/// Synchronous data or instruction abort. `far` is FAR_EL1. Returns `true`
/// if the runtime fixed the frame up so execution can resume; when the
/// fault happened in an XOL slot it rewinds the frame to the probed address
/// and returns `false`, so the embedder reports the fault where it belongs.
pub fn on_fault(frame: &mut Frame, esr: u64, far: u64) -> bool {
    let _ = (frame, esr, far);
    false
}
