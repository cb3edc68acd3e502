//! The live-attach protocol between `probec` on a host and the agent in a
//! target (docs/live-attach.md, "Protocol").
//!
//! Two layers, both `no_std` and allocation-free so the target's agent can
//! use them as they are:
//!
//! - [`frame`]: a message travels as `0x00, COBS(payload ++ CRC-32), 0x00`.
//!   COBS leaves no 0x00 inside the frame, so frames can share a single
//!   UART with console text (a reader takes everything between two 0x00
//!   as a frame and everything outside as text), and a receiver that lost
//!   bytes resynchronises at the next 0x00. The CRC-32 (IEEE) catches
//!   corrupted frames, which are dropped and counted.
//! - [`msg`]: what a payload means. Host→target [`Request`]s and
//!   target→host [`Event`]s; each starts with its type byte and the
//!   session id, little-endian fields after that ([`codec`]).
#![no_std]
#![warn(missing_docs)]

pub mod codec;
pub mod frame;
pub mod msg;

pub use frame::{encode_frame, FrameError, FrameReader};
pub use msg::{Event, Request, WireError};

/// Version of the protocol; the host sends it in `Hello` and the agent
/// refuses another.
pub const PROTOCOL_VERSION: u16 = 1;

/// Largest payload (before COBS and CRC) either side sends or accepts.
pub const MAX_PAYLOAD: usize = 4096;

/// Largest encoded frame: COBS overhead, CRC and the two delimiters.
pub const MAX_FRAME: usize = cobs::max_encoding_length(MAX_PAYLOAD + 4) + 2;

/// Object bytes per `LoadChunk` (what fits a payload with its header).
pub const CHUNK_BYTES: usize = 2048;
