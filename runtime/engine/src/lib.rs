//! probec's probe engine, `#![no_std]`: the embedder implements
//! [`Platform`], calls [`init`], forwards BRK, software-step and data-abort
//! exceptions to the entry points in [`trap`], and attaches probes with
//! [`attach`]. On each hit the engine calls the handlers, then runs the
//! displaced instruction out of line (XOL) or simulates it, and resumes the
//! interrupted code.
//!
//! The engine's state is a value, [`Runtime`]: [`Runtime::new`] builds
//! one and its methods attach, detach and take traps. The only global is
//! the runtime the exception vectors reach ([`global`]): [`init`] builds
//! and installs it, and the free functions ([`attach`], [`trap::on_brk`],
//! ...) act on it.
//!
//! It knows nothing of script objects: the loader (`probec-loader`) reads
//! those and the facade (`probec-runtime`) binds them to this engine. The
//! instruction layer it builds on is `probec-arch`; the register frame is
//! part of the object contract (`probec-abi`).
#![no_std]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(any(test, feature = "test-support"))]
extern crate std;

pub mod config;
pub mod global;
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
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
mod thread;
pub mod trap;
pub mod xol;

pub use config::{Config, ExecArea, FrameContents, XolMode};
pub use global::{attach, check, detach, init, install, installed, memory_per_probe, stats};
pub use handler::{Handler, Handlers, HitContext, ProbeId};
pub use platform::Platform;
pub use probec_abi::frame::Frame;
pub use probes::{AttachError, DetachError, ProbeStats};
pub use runtime::{InitError, Runtime};
pub use thread::ThreadState;
