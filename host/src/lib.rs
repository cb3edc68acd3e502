//! The host side of live attach (docs/live-attach.md).
//!
//! - [`boot`]: `probec boot` — QEMU with the target's serial line on pipes,
//!   console text to standard output, agent frames to and from TCP clients.
//! - [`connection`]: frames over TCP to the target's byte channel.
//! - [`session`]: a session with the agent: hello, transfer, attach,
//!   detach, the lease.
//! - [`output`]: a script's streamed events back into output, formatted
//!   by the loader's formatter (the same code the target formats with).
//! - [`status`]: `probec status`.
//! - [`trace`]: one script through a session, for `probec attach` and
//!   `probec run`.
//! - [`lines`]: whole lines on standard output, console lines as JSON.

pub mod boot;
pub mod connection;
pub mod lines;
pub mod output;
pub mod session;
pub mod status;
pub mod trace;
