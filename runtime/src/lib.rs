//! probec runtime: the `#![no_std]` arm64 probe engine.
//!
//! An embedder (a kernel, hypervisor or firmware) implements [`Platform`],
//! calls [`init`], forwards BRK, software-step and data-abort exceptions to
//! the entry points in [`trap`], and attaches probes with [`attach`]. On each
//! hit the runtime calls the handlers, then runs the displaced instruction
//! out of line (XOL) or simulates it, and resumes the interrupted code.
//!
//! The crate builds and unit-tests on any host; the parts that touch system
//! registers or caches have host fallbacks.
#![no_std]
#![warn(missing_docs)]

extern crate alloc;

pub mod abi;
pub mod arch;
pub mod config;
pub mod frame;
pub mod handler;
mod hit;
pub mod percpu;
pub mod platform;
pub mod probes;
pub mod record;
mod retprobe;
pub mod runtime;
pub mod script;
pub mod table;
mod thread;
pub mod trap;
pub mod xol;

pub use config::{Config, ExecArea, FrameContents, XolMode};
pub use frame::Frame;
pub use handler::{Handler, Handlers, HitContext, ProbeId};
pub use platform::Platform;
pub use thread::ThreadState;
pub use probes::{attach, check, detach, stats, AttachError, DetachError, ProbeStats};
pub use runtime::{memory_per_probe, InitError};
pub use script::{LoadError, LoadOptions, OutputFormat, ScriptId, SymbolSource};

/// Initialise the runtime once, before any probe is attached: records the
/// platform, writes the return trampoline, carves the executable area into
/// XOL slots and allocates the probe table and per-CPU state (the only
/// allocations the runtime makes; attach and the hit path allocate nothing).
pub fn init(platform: &'static dyn Platform, config: Config) -> Result<(), InitError> {
    runtime::init(platform, config)
}
