//! An object that asks for more than the embedder allows, or for memory
//! the target does not have.

use alloc::string::String;
use core::fmt;

/// What the object needs that the target cannot spare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resources {
    /// An allocation failed.
    NoMemory {
        /// What was being allocated (`symbols`, `bytes of data sections`).
        what: &'static str,
        /// How many of them, if known.
        count: Option<u64>,
    },
    /// Handlers need more stack than the embedder's exception stack spares.
    HandlerStack {
        /// The header's `max_stack`.
        max_stack: u32,
        /// What a handler's frame record and saved registers add.
        frame_bytes: u32,
        /// What the embedder allows (`LoadOptions::max_handler_stack`).
        limit: u32,
    },
    /// More probe points than the embedder allows.
    ProbePoints {
        /// The probe whose points went over the limit.
        probe: String,
        /// The limit (`LoadOptions::max_points`).
        limit: usize,
    },
    /// The data sections are larger than the loader places.
    DataSections {
        /// Their size in bytes.
        bytes: usize,
        /// The most the loader places, in bytes.
        limit: usize,
    },
    /// The code area has no free block large enough.
    CodeArea {
        /// Bytes of code to place.
        bytes: usize,
        /// Bytes free in the code area, in total.
        free: usize,
    },
    /// Part of the code area has no writable alias after all.
    CodeAreaNotPatchable,
    /// The maps need more memory than the embedder allows.
    MapBytes {
        /// Bytes the maps need.
        bytes: u64,
        /// The limit (`LoadOptions::max_map_bytes`).
        limit: u64,
    },
    /// A map could not be allocated.
    MapMemory {
        /// Its name.
        map: String,
    },
    /// The per-CPU output rings could not be allocated.
    RingMemory,
    /// A format's records do not fit the output ring.
    RecordTooLarge {
        /// Format index.
        format: usize,
        /// The format string.
        text: String,
        /// Bytes of one record's arguments.
        record_size: u32,
        /// Bytes of the ring.
        ring_bytes: usize,
    },
}

impl fmt::Display for Resources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resources::NoMemory { what, count: Some(n) } => write!(f, "no memory for {n} {what}"),
            Resources::NoMemory { what, count: None } => write!(f, "no memory for {what}"),
            Resources::HandlerStack { max_stack, frame_bytes, limit } => write!(
                f,
                "handlers need up to {} bytes of stack (header field `max_stack` {max_stack} + {frame_bytes}); the embedder allows {limit}",
                u64::from(*max_stack) + u64::from(*frame_bytes)
            ),
            Resources::ProbePoints { probe, limit } => write!(f, "{probe}: more than {limit} probe points (the embedder's limit)"),
            Resources::DataSections { bytes, limit } => write!(f, "{bytes} bytes of data sections (at most {} MiB)", limit >> 20),
            Resources::CodeArea { bytes, free } => {
                write!(f, "the code area has no free {bytes}-byte block ({free} bytes free in total)")
            }
            Resources::CodeAreaNotPatchable => f.write_str("the platform has no writable alias for part of the code area"),
            Resources::MapBytes { bytes, limit } => write!(f, "the maps need {bytes} bytes; the embedder allows {limit}"),
            Resources::MapMemory { map } => write!(f, "no memory for map {map}"),
            Resources::RingMemory => f.write_str("no memory for the output rings"),
            Resources::RecordTooLarge { format, text, record_size, ring_bytes } => {
                write!(f, "format {format} {text:?}: its {record_size}-byte records do not fit the {ring_bytes}-byte output ring")
            }
        }
    }
}
