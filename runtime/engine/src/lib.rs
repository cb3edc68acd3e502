//! probec's probe engine, `#![no_std]`: the embedder implements
//! [`Platform`], calls [`init`], forwards BRK, software-step and data-abort
//! exceptions to the entry points in [`trap`], and attaches probes with
//! [`attach`]. On each hit the engine calls the handlers, then runs the
//! displaced instruction out of line (XOL) or simulates it, and resumes the
//! interrupted code.
//!
//! It knows nothing of script objects: the loader (`probec-loader`) reads
//! those and the facade (`probec-runtime`) binds them to this engine. The
//! instruction layer it builds on is `probec-arch`; the register frame is
//! part of the object contract (`probec-abi`).
#![no_std]
#![warn(missing_docs)]

extern crate alloc;

pub mod config;
pub mod handler;
mod hit;
pub mod percpu;
pub mod platform;
pub mod probes;
pub mod record;
mod retprobe;
pub mod returns;
pub mod runtime;
pub mod table;
mod thread;
pub mod trap;
pub mod xol;

pub use config::{Config, ExecArea, FrameContents, XolMode};
pub use handler::{Handler, Handlers, HitContext, ProbeId};
pub use platform::Platform;
pub use probec_abi::frame::Frame;
pub use probes::{attach, check, detach, stats, AttachError, DetachError, ProbeStats};
pub use runtime::{memory_per_probe, InitError};
pub use thread::ThreadState;

/// Initialise the engine once, before any probe is attached: records the
/// platform, writes the return trampoline, carves the executable area into
/// XOL slots and allocates the probe table and per-CPU state (the only
/// allocations the engine makes; attach and the hit path allocate nothing).
pub fn init(platform: &'static dyn Platform, config: Config) -> Result<(), InitError> {
    runtime::init(platform, config)
}
