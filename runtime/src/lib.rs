//! probec runtime: what an embedder links, `#![no_std]`.
//!
//! The engine ([`probec_engine`]), the object contract ([`abi`]), the
//! instruction layer ([`arch`]) and the script loader ([`probec_loader`])
//! are separate crates; this one binds loaded scripts to the engine
//! ([`script`]: placing code, arming probe points, the helpers handlers
//! call) and re-exports the rest.
//!
//! An embedder (a kernel, hypervisor or firmware) implements [`Platform`],
//! calls [`init`], forwards BRK, software-step and data-abort exceptions to
//! the entry points in [`trap`], and attaches probes with [`attach`]. On each
//! hit the runtime calls the handlers, then runs the displaced instruction
//! out of line (XOL) or simulates it, and resumes the interrupted code.
//! ([`init`] builds a [`Runtime`] value and installs it for the exception
//! vectors; the free functions act on the installed one, and scripts are
//! bound to it.)
//!
//! The crate builds and unit-tests on any host; the parts that touch system
//! registers or caches have host fallbacks.
#![no_std]
#![warn(missing_docs)]

extern crate alloc;

// The parts, under the paths embedders and tests have always used.
pub use probec_abi as abi;
pub use probec_abi::frame;
pub use probec_arch as arch;
pub use probec_engine::{config, global, handler, percpu, platform, probes, record, runtime, table, trap, xol};
pub mod agent;
pub mod script;

pub use config::{Config, ExecArea, FrameContents, XolMode};
pub use frame::Frame;
pub use global::{attach, check, detach, init, install, installed, memory_per_probe, stats};
pub use handler::{Handler, Handlers, HitContext, ProbeId};
pub use platform::Platform;
pub use probec_engine::ThreadState;
pub use probes::{AttachError, DetachError, ProbeStats};
pub use runtime::{InitError, Runtime};
pub use script::{LoadError, LoadOptions, ObjectError, OutputFormat, ScriptId, SymbolSource};
