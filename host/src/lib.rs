//! The host side of live attach (docs/live-attach.md).
//!
//! - [`boot`]: `probec boot` — QEMU with the target's serial line on pipes,
//!   console text to standard output, agent frames to and from TCP clients.

pub mod boot;
