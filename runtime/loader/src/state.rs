//! What the hit path and the helpers see of a loaded script: its maps,
//! rings and counters ([`ScriptState`]) and one [`Attachment`] per probe
//! point (a descriptor expanded to one address, or BEGIN/END). A compiled
//! handler's `HandlerCtx::runtime` points at its attachment.

use crate::maps::Map;
use crate::ring::Ring;
use alloc::boxed::Box;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use probec_abi::frame::Frame;
use probec_abi::{self as abi, HandlerCtx};

/// State shared by a script's handlers on every CPU. Lives in a `Box` that
/// is freed only after its probes are detached and a grace period passed.
pub struct ScriptState {
    /// Maps, by map index.
    pub maps: Box<[Map]>,
    /// Output rings, by CPU.
    pub rings: Box<[Ring]>,
    /// Argument record size of each format (printf records are checked
    /// against it on the hit path).
    pub record_sizes: Box<[u32]>,
    /// Failed fault-safe reads and missing context values, by probe index.
    pub errors: Box<[AtomicU64]>,
    /// Context value names, by requirement index.
    pub requires: Box<[Box<str>]>,
    /// Handlers run only while this is set (after BEGIN, until exit() or
    /// unload), so a half-attached or exiting script does nothing.
    pub active: AtomicBool,
    /// The activation number this script got when it became active (0:
    /// not yet). A function entered before it was active does not report
    /// its return to it (a kretprobe reports the returns of the calls it
    /// saw enter, as Linux's do).
    pub active_since: core::sync::atomic::AtomicU64,
    /// `exit()` was called.
    pub exit: AtomicBool,
    /// Time of attach (`elapsed` is relative to it).
    pub start_ns: AtomicU64,
}

// SAFETY: every field is either immutable after construction or atomic;
// maps and rings are designed for concurrent use (see their modules).
unsafe impl Sync for ScriptState {}

/// One probe point of a script.
pub struct Attachment {
    /// The script (outlives the attachment).
    pub state: *const ScriptState,
    /// The compiled (or native) handler.
    pub handler: abi::Handler,
    /// Index of the `ProbeDesc`.
    pub probe_id: u32,
    /// Return probe: runs at the function's return.
    pub ret: bool,
    /// The handler reads `now_ns`/`start_ns`; otherwise hits skip the
    /// clock and pass 0.
    pub clock: bool,
    /// Probed function's entry (0 for addresses, BEGIN and END).
    pub func_addr: u64,
    /// `func`: the probed function's name.
    pub func: Box<str>,
    /// `probe`: the probe's name (globs expanded to the matched symbol).
    pub probe: Box<str>,
}

// SAFETY: immutable after construction; `state` points to a `Sync` value
// that outlives every use (freed after a grace period).
unsafe impl Sync for Attachment {}
// SAFETY: as above.
unsafe impl Send for Attachment {}

impl Attachment {
    /// The script state.
    pub fn state(&self) -> &ScriptState {
        // SAFETY: see the `Sync` impl.
        unsafe { &*self.state }
    }

    /// Run the handler for a hit on `cpu` (exception context), if the
    /// script is active.
    #[inline]
    pub fn fire(&self, frame: *const Frame, cpu: usize, retval: u64, now_ns: u64) {
        let state = self.state();
        if !state.active.load(Ordering::Acquire) {
            return;
        }
        self.call(frame, cpu, retval, now_ns);
    }

    /// Run the handler unconditionally (BEGIN/END, from normal context).
    pub fn call(&self, frame: *const Frame, cpu: usize, retval: u64, now_ns: u64) {
        let ctx = HandlerCtx {
            frame,
            probe_id: self.probe_id,
            cpu: cpu as u32,
            now_ns,
            start_ns: self.state().start_ns.load(Ordering::Relaxed),
            retval,
            func_addr: self.func_addr,
            runtime: self as *const Attachment as *mut core::ffi::c_void,
        };
        // SAFETY: the handler was validated and placed (or given natively)
        // with the `abi::Handler` signature; `ctx` outlives the call.
        unsafe { (self.handler)(&ctx) };
    }

    /// Count a failed read or missing value against this probe.
    pub fn count_error(&self) {
        if let Some(c) = self.state().errors.get(self.probe_id as usize) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The attachment behind a handler context (null-safe).
///
/// # Safety
/// `ctx` is null or a context built by [`Attachment::call`].
pub unsafe fn attachment<'a>(ctx: *const HandlerCtx) -> Option<&'a Attachment> {
    // SAFETY: `ctx` is null or a live context built by `Attachment::call`
    // (the caller's contract); `as_ref` handles null.
    let ctx = unsafe { ctx.as_ref() }?;
    // SAFETY: `Attachment::call` set `runtime` to the attachment running the
    // handler, which outlives the handler call and so this borrow's use.
    unsafe { (ctx.runtime as *const Attachment).as_ref() }
}
