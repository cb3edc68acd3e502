//! Messages. Every payload is `type: u8, session: u32, fields...`.
//!
//! The session is 0 in `Hello` (the host has none yet; it sends a random
//! nonce the answer echoes) and in the agent's `Welcome`/`Busy` answers;
//! after that both sides put the agent-assigned session id in every
//! message, so several hosts sharing one line (through `probec boot`'s
//! proxy, which broadcasts the target's frames) each keep their own.
//!
//! Streams that can exceed one payload — a script's output records and a
//! map's entries — travel as byte streams cut into frames
//! ([`Event::Records`], [`Event::MapEntries`]); the receiver concatenates
//! and splits them ([`RecordHeader`], and the key/value sizes of the map's
//! descriptor).

use crate::codec::{Reader, Truncated, Writer};

/// Message type bytes.
pub mod ty {
    /// Host: open a session.
    pub const HELLO: u8 = 0x01;
    /// Host: keep the lease.
    pub const PING: u8 = 0x02;
    /// Host: an object of `size` bytes follows.
    pub const LOAD_BEGIN: u8 = 0x03;
    /// Host: part of the object.
    pub const LOAD_CHUNK: u8 = 0x04;
    /// Host: load and attach the object (all or nothing; BEGIN runs).
    pub const ATTACH: u8 = 0x05;
    /// Host: detach a script (END runs, its final output follows).
    pub const DETACH: u8 = 0x06;
    /// Host: report status.
    pub const STATUS: u8 = 0x07;
    /// Host: end the session (detaching what it still has).
    pub const BYE: u8 = 0x08;

    /// Agent: session opened.
    pub const WELCOME: u8 = 0x81;
    /// Agent: another host holds the target.
    pub const BUSY: u8 = 0x82;
    /// Agent: request done.
    pub const ACK: u8 = 0x83;
    /// Agent: request refused.
    pub const ERROR: u8 = 0x84;
    /// Agent: a script is attached.
    pub const ATTACHED: u8 = 0x85;
    /// Agent: output records (a byte stream).
    pub const RECORDS: u8 = 0x86;
    /// Agent: records lost on one CPU (running total).
    pub const LOST: u8 = 0x87;
    /// Agent: a map snapshot starts.
    pub const MAP_BEGIN: u8 = 0x88;
    /// Agent: map entries (a byte stream).
    pub const MAP_ENTRIES: u8 = 0x89;
    /// Agent: a map snapshot ends.
    pub const MAP_END: u8 = 0x8a;
    /// Agent: a handler called `exit()`.
    pub const EXIT: u8 = 0x8b;
    /// Agent: missed hits at a probe point (final report).
    pub const MISSED: u8 = 0x8c;
    /// Agent: a probe's error count (final report).
    pub const PROBE_ERRORS: u8 = 0x8d;
    /// Agent: a script is detached and its final report is complete.
    pub const DETACHED: u8 = 0x8e;
    /// Agent: status, first part.
    pub const STATUS_BEGIN: u8 = 0x8f;
    /// Agent: status, one attached script.
    pub const STATUS_SCRIPT: u8 = 0x90;
    /// Agent: status, one of the embedder's counters.
    pub const STATUS_COUNTER: u8 = 0x91;
    /// Agent: status complete.
    pub const STATUS_END: u8 = 0x92;
    /// Agent: the target's command finished (`probec run`).
    pub const FINISHED: u8 = 0x93;
}

/// Encodings of an object in transfer (`LoadBegin`).
pub mod encoding {
    /// The object's bytes as they are.
    pub const RAW: u8 = 0;
    /// zlib (RFC 1950): objects shrink to a third, and the line from host
    /// to target is the slowest part of an attach.
    pub const ZLIB: u8 = 1;
}

/// Error codes of [`Event::Error`].
pub mod code {
    /// The message was not understood.
    pub const MALFORMED: u16 = 1;
    /// Another protocol version.
    pub const VERSION: u16 = 2;
    /// No session, or another session's id.
    pub const NO_SESSION: u16 = 3;
    /// Chunks out of order, too big, or a checksum mismatch.
    pub const TRANSFER: u16 = 4;
    /// The runtime refused the object (the message says why).
    pub const LOAD: u16 = 5;
    /// No such script in this session.
    pub const NO_SCRIPT: u16 = 6;
    /// Out of memory.
    pub const MEMORY: u16 = 7;
    /// The object is for another kernel build.
    pub const BUILD_ID: u16 = 8;
}

/// A payload that is not a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireError {
    /// Shorter than its fields.
    Truncated,
    /// Longer than its fields.
    TrailingBytes,
    /// An unknown type byte.
    UnknownType(u8),
}

impl From<Truncated> for WireError {
    fn from(_: Truncated) -> Self {
        WireError::Truncated
    }
}

impl core::fmt::Display for WireError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            WireError::Truncated => f.write_str("message shorter than its fields"),
            WireError::TrailingBytes => f.write_str("message longer than its fields"),
            WireError::UnknownType(t) => write!(f, "unknown message type {t:#04x}"),
        }
    }
}

/// Host → target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request<'a> {
    /// Open a session: protocol version, a nonce the answer echoes, the
    /// lease (the agent detaches everything of a session it has not heard
    /// from for this long).
    Hello {
        /// [`crate::PROTOCOL_VERSION`] of the host.
        version: u16,
        /// Echoed in `Welcome`/`Busy`.
        nonce: u32,
        /// Lease in milliseconds (the agent clamps it).
        lease_ms: u32,
    },
    /// Keep the lease; answered with `Ack`.
    Ping,
    /// An object follows.
    LoadBegin {
        /// Bytes that will come in `LoadChunk`s.
        size: u32,
        /// CRC-32 of the object (after decoding).
        crc: u32,
        /// How the bytes are encoded: [`encoding::RAW`] or
        /// [`encoding::ZLIB`].
        encoding: u8,
        /// Size of the object after decoding.
        object_size: u32,
    },
    /// Object bytes at `offset` (chunks come in order).
    LoadChunk {
        /// Where these bytes go.
        offset: u32,
        /// The bytes.
        bytes: &'a [u8],
    },
    /// Load and attach the received object.
    Attach,
    /// Detach a script.
    Detach {
        /// As `Attached` named it.
        script: u64,
    },
    /// Report status.
    Status,
    /// End the session.
    Bye,
}

impl<'a> Request<'a> {
    /// `LoadBegin` of `object` sent as it is.
    pub fn load_raw(object: &[u8]) -> Request<'static> {
        let size = object.len() as u32;
        Request::LoadBegin { size, crc: crc32fast::hash(object), encoding: encoding::RAW, object_size: size }
    }

    /// The type byte.
    pub fn ty(&self) -> u8 {
        match self {
            Request::Hello { .. } => ty::HELLO,
            Request::Ping => ty::PING,
            Request::LoadBegin { .. } => ty::LOAD_BEGIN,
            Request::LoadChunk { .. } => ty::LOAD_CHUNK,
            Request::Attach => ty::ATTACH,
            Request::Detach { .. } => ty::DETACH,
            Request::Status => ty::STATUS,
            Request::Bye => ty::BYE,
        }
    }

    /// Encode with `session` into `out`; `None` if it does not fit.
    pub fn encode(&self, session: u32, out: &mut [u8]) -> Option<usize> {
        let mut w = Writer::new(out);
        w.u8(self.ty()).u32(session);
        match *self {
            Request::Hello { version, nonce, lease_ms } => {
                w.u16(version).u32(nonce).u32(lease_ms);
            }
            Request::LoadBegin { size, crc, encoding, object_size } => {
                w.u32(size).u32(crc).u8(encoding).u32(object_size);
            }
            Request::LoadChunk { offset, bytes } => {
                w.u32(offset).bytes(bytes);
            }
            Request::Detach { script } => {
                w.u64(script);
            }
            Request::Ping | Request::Attach | Request::Status | Request::Bye => {}
        }
        w.finish()
    }

    /// Decode a payload: `(session, request)`.
    pub fn decode(payload: &'a [u8]) -> Result<(u32, Request<'a>), WireError> {
        let mut r = Reader::new(payload);
        let t = r.u8()?;
        let session = r.u32()?;
        let req = match t {
            ty::HELLO => Request::Hello { version: r.u16()?, nonce: r.u32()?, lease_ms: r.u32()? },
            ty::PING => Request::Ping,
            ty::LOAD_BEGIN => Request::LoadBegin { size: r.u32()?, crc: r.u32()?, encoding: r.u8()?, object_size: r.u32()? },
            ty::LOAD_CHUNK => Request::LoadChunk { offset: r.u32()?, bytes: r.rest() },
            ty::ATTACH => Request::Attach,
            ty::DETACH => Request::Detach { script: r.u64()? },
            ty::STATUS => Request::Status,
            ty::BYE => Request::Bye,
            other => return Err(WireError::UnknownType(other)),
        };
        if !r.is_empty() {
            return Err(WireError::TrailingBytes);
        }
        Ok((session, req))
    }
}

/// Target → host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A session is open (sent with session 0; `session` is the new id).
    Welcome {
        /// The agent's protocol version.
        version: u16,
        /// The host's nonce.
        nonce: u32,
        /// The session id to use.
        session: u32,
        /// `probec_abi::ABI_VERSION` of the runtime.
        abi_version: u32,
        /// `probec_abi::FEATURE_*` bits of the CPUs.
        cpu_features: u32,
        /// CPUs online.
        cpus: u16,
        /// The lease granted, in milliseconds.
        lease_ms: u32,
        /// The runtime's version string.
        runtime: &'a str,
        /// The kernel's GNU build-id (empty if it has none).
        build_id: &'a [u8],
    },
    /// Another host holds the target (sent with session 0).
    Busy {
        /// The host's nonce.
        nonce: u32,
        /// Milliseconds until the holder's lease lapses if it stays silent.
        lease_left_ms: u32,
    },
    /// A request succeeded.
    Ack {
        /// Its type byte.
        request: u8,
        /// Request-specific (bytes received for `LoadChunk`).
        value: u32,
    },
    /// A request failed.
    Error {
        /// Its type byte.
        request: u8,
        /// A [`code`].
        code: u16,
        /// Why, for the user.
        message: &'a str,
    },
    /// A script is attached.
    Attached {
        /// Its id.
        script: u64,
        /// Probes attached (bpftrace's `Attaching N probes`).
        probes: u32,
    },
    /// Part of a script's record stream: [`RecordHeader`] + payload, again
    /// and again; a record may continue in the next `Records`.
    Records {
        /// The script.
        script: u64,
        /// Stream bytes.
        data: &'a [u8],
    },
    /// Records dropped on `cpu` because its ring was full (a running total).
    Lost {
        /// The script.
        script: u64,
        /// The CPU.
        cpu: u16,
        /// Total lost on that CPU so far.
        total: u64,
    },
    /// A map snapshot starts (`print(@m)`, or the final maps after END).
    MapBegin {
        /// The script.
        script: u64,
        /// Map index in the object.
        map: u32,
        /// Part of the final report.
        last: bool,
        /// Entries that follow.
        entries: u32,
        /// New keys dropped because the map was full.
        dropped: u64,
        /// Updates abandoned.
        errors: u64,
    },
    /// Entry bytes (key then value, sizes from the map's descriptor).
    MapEntries {
        /// The script.
        script: u64,
        /// Map index.
        map: u32,
        /// Stream bytes.
        data: &'a [u8],
    },
    /// A map snapshot is complete.
    MapEnd {
        /// The script.
        script: u64,
        /// Map index.
        map: u32,
    },
    /// A handler called `exit()`: the host should detach the script.
    Exit {
        /// The script.
        script: u64,
    },
    /// Hits at a probe point that were missed during the script's life.
    Missed {
        /// The script.
        script: u64,
        /// The probe point's name.
        target: &'a str,
        /// How many.
        count: u64,
    },
    /// A probe's error count (faulted reads, unavailable values).
    ProbeErrors {
        /// The script.
        script: u64,
        /// The probe's name.
        probe: &'a str,
        /// How many.
        count: u64,
    },
    /// A script is detached; its output is complete.
    Detached {
        /// The script.
        script: u64,
    },
    /// Status: the target.
    StatusBegin {
        /// Nanoseconds since boot.
        uptime_ns: u64,
        /// CPUs online.
        cpus: u16,
        /// Frames the agent dropped (bad checksum, encoding, length).
        bad_frames: u64,
        /// Probe points armed now (all scripts).
        armed: u32,
        /// CRC-32 of the kernel's text as it reads now (0: the embedder
        /// does not say): equal before an attach and after its detach
        /// when every probed word was restored.
        text_crc: u32,
        /// The kernel's GNU build-id.
        build_id: &'a [u8],
    },
    /// Status: one attached script.
    StatusScript {
        /// Its id.
        script: u64,
        /// The session that attached it.
        session: u32,
        /// Probes attached.
        probes: u32,
    },
    /// Status: one counter of the embedder (`serve`'s workloads).
    StatusCounter {
        /// What it counts.
        label: &'a str,
        /// Iterations.
        iterations: u64,
        /// Self-check failures.
        failures: u64,
    },
    /// Status complete.
    StatusEnd,
    /// The command the target ran with the script attached finished
    /// (`probec run`): the host detaches and ends the session, then the
    /// target exits with `status`.
    Finished {
        /// The command's exit status.
        status: i32,
    },
}

/// The header of each record in a [`Event::Records`] stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    /// `probec_abi::RecordKind` raw value.
    pub kind: u16,
    /// The CPU that wrote it.
    pub cpu: u16,
    /// Format or map index.
    pub id: u32,
    /// Payload bytes that follow.
    pub len: u32,
}

impl RecordHeader {
    /// Encoded size.
    pub const BYTES: usize = 12;

    /// Encode.
    pub fn to_bytes(&self) -> [u8; Self::BYTES] {
        let mut b = [0u8; Self::BYTES];
        b[0..2].copy_from_slice(&self.kind.to_le_bytes());
        b[2..4].copy_from_slice(&self.cpu.to_le_bytes());
        b[4..8].copy_from_slice(&self.id.to_le_bytes());
        b[8..12].copy_from_slice(&self.len.to_le_bytes());
        b
    }

    /// Decode.
    pub fn from_bytes(b: &[u8; Self::BYTES]) -> Self {
        RecordHeader {
            kind: u16::from_le_bytes([b[0], b[1]]),
            cpu: u16::from_le_bytes([b[2], b[3]]),
            id: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
            len: u32::from_le_bytes([b[8], b[9], b[10], b[11]]),
        }
    }
}

/// Longest string the agent puts in a message.
pub const MAX_STR: usize = 1024;

/// Header bytes of a stream event (`Records`: type, session, script;
/// `MapEntries` adds the map index).
pub const STREAM_HEADER: usize = 1 + 4 + 8 + 4;

impl<'a> Event<'a> {
    /// The type byte.
    pub fn ty(&self) -> u8 {
        match self {
            Event::Welcome { .. } => ty::WELCOME,
            Event::Busy { .. } => ty::BUSY,
            Event::Ack { .. } => ty::ACK,
            Event::Error { .. } => ty::ERROR,
            Event::Attached { .. } => ty::ATTACHED,
            Event::Records { .. } => ty::RECORDS,
            Event::Lost { .. } => ty::LOST,
            Event::MapBegin { .. } => ty::MAP_BEGIN,
            Event::MapEntries { .. } => ty::MAP_ENTRIES,
            Event::MapEnd { .. } => ty::MAP_END,
            Event::Exit { .. } => ty::EXIT,
            Event::Missed { .. } => ty::MISSED,
            Event::ProbeErrors { .. } => ty::PROBE_ERRORS,
            Event::Detached { .. } => ty::DETACHED,
            Event::StatusBegin { .. } => ty::STATUS_BEGIN,
            Event::StatusScript { .. } => ty::STATUS_SCRIPT,
            Event::StatusCounter { .. } => ty::STATUS_COUNTER,
            Event::StatusEnd => ty::STATUS_END,
            Event::Finished { .. } => ty::FINISHED,
        }
    }

    /// Encode with `session` into `out`; `None` if it does not fit.
    pub fn encode(&self, session: u32, out: &mut [u8]) -> Option<usize> {
        let mut w = Writer::new(out);
        w.u8(self.ty()).u32(session);
        match *self {
            Event::Welcome { version, nonce, session, abi_version, cpu_features, cpus, lease_ms, runtime, build_id } => {
                w.u16(version).u32(nonce).u32(session).u32(abi_version).u32(cpu_features).u16(cpus).u32(lease_ms);
                w.str(runtime, MAX_STR).blob(build_id);
            }
            Event::Busy { nonce, lease_left_ms } => {
                w.u32(nonce).u32(lease_left_ms);
            }
            Event::Ack { request, value } => {
                w.u8(request).u32(value);
            }
            Event::Error { request, code, message } => {
                w.u8(request).u16(code).str(message, MAX_STR);
            }
            Event::Attached { script, probes } => {
                w.u64(script).u32(probes);
            }
            Event::Records { script, data } => {
                w.u64(script).u32(data.len() as u32).bytes(data);
            }
            Event::Lost { script, cpu, total } => {
                w.u64(script).u16(cpu).u64(total);
            }
            Event::MapBegin { script, map, last, entries, dropped, errors } => {
                w.u64(script).u32(map).u8(last as u8).u32(entries).u64(dropped).u64(errors);
            }
            Event::MapEntries { script, map, data } => {
                w.u64(script).u32(map).bytes(data);
            }
            Event::MapEnd { script, map } => {
                w.u64(script).u32(map);
            }
            Event::Exit { script } | Event::Detached { script } => {
                w.u64(script);
            }
            Event::Missed { script, target: name, count } | Event::ProbeErrors { script, probe: name, count } => {
                w.u64(script).str(name, MAX_STR).u64(count);
            }
            Event::StatusBegin { uptime_ns, cpus, bad_frames, armed, text_crc, build_id } => {
                w.u64(uptime_ns).u16(cpus).u64(bad_frames).u32(armed).u32(text_crc).blob(build_id);
            }
            Event::StatusScript { script, session, probes } => {
                w.u64(script).u32(session).u32(probes);
            }
            Event::StatusCounter { label, iterations, failures } => {
                w.str(label, MAX_STR).u64(iterations).u64(failures);
            }
            Event::StatusEnd => {}
            Event::Finished { status } => {
                w.u32(status as u32);
            }
        }
        w.finish()
    }

    /// Decode a payload: `(session, event)`.
    pub fn decode(payload: &'a [u8]) -> Result<(u32, Event<'a>), WireError> {
        let mut r = Reader::new(payload);
        let t = r.u8()?;
        let session = r.u32()?;
        let ev = match t {
            ty::WELCOME => Event::Welcome {
                version: r.u16()?,
                nonce: r.u32()?,
                session: r.u32()?,
                abi_version: r.u32()?,
                cpu_features: r.u32()?,
                cpus: r.u16()?,
                lease_ms: r.u32()?,
                runtime: r.str()?,
                build_id: r.blob()?,
            },
            ty::BUSY => Event::Busy { nonce: r.u32()?, lease_left_ms: r.u32()? },
            ty::ACK => Event::Ack { request: r.u8()?, value: r.u32()? },
            ty::ERROR => Event::Error { request: r.u8()?, code: r.u16()?, message: r.str()? },
            ty::ATTACHED => Event::Attached { script: r.u64()?, probes: r.u32()? },
            ty::RECORDS => {
                let script = r.u64()?;
                let n = r.u32()? as usize;
                Event::Records { script, data: r.bytes(n)? }
            }
            ty::LOST => Event::Lost { script: r.u64()?, cpu: r.u16()?, total: r.u64()? },
            ty::MAP_BEGIN => Event::MapBegin {
                script: r.u64()?,
                map: r.u32()?,
                last: r.u8()? != 0,
                entries: r.u32()?,
                dropped: r.u64()?,
                errors: r.u64()?,
            },
            ty::MAP_ENTRIES => Event::MapEntries { script: r.u64()?, map: r.u32()?, data: r.rest() },
            ty::MAP_END => Event::MapEnd { script: r.u64()?, map: r.u32()? },
            ty::EXIT => Event::Exit { script: r.u64()? },
            ty::MISSED => Event::Missed { script: r.u64()?, target: r.str()?, count: r.u64()? },
            ty::PROBE_ERRORS => Event::ProbeErrors { script: r.u64()?, probe: r.str()?, count: r.u64()? },
            ty::DETACHED => Event::Detached { script: r.u64()? },
            ty::STATUS_BEGIN => Event::StatusBegin {
                uptime_ns: r.u64()?,
                cpus: r.u16()?,
                bad_frames: r.u64()?,
                armed: r.u32()?,
                text_crc: r.u32()?,
                build_id: r.blob()?,
            },
            ty::STATUS_SCRIPT => Event::StatusScript { script: r.u64()?, session: r.u32()?, probes: r.u32()? },
            ty::STATUS_COUNTER => Event::StatusCounter { label: r.str()?, iterations: r.u64()?, failures: r.u64()? },
            ty::STATUS_END => Event::StatusEnd,
            ty::FINISHED => Event::Finished { status: r.u32()? as i32 },
            other => return Err(WireError::UnknownType(other)),
        };
        if !r.is_empty() {
            return Err(WireError::TrailingBytes);
        }
        Ok((session, ev))
    }
}
