//! The live-attach agent: speaks the [`probec_wire`] protocol over a byte
//! channel the embedder provides, and loads, attaches, streams and
//! detaches scripts for one host at a time (docs/live-attach.md).
//!
//! The embedder owns one [`Agent`] and calls [`Agent::poll`] from a
//! thread, often (every millisecond or so, and in a tight loop while
//! [`Poll::Busy`]): loading and detaching wait for grace periods, so the
//! agent must not run in interrupt context. Nothing here is on the hit
//! path; handlers write to rings and maps as always, and `poll` drains
//! them into `Records` and `Lost` events.
//!
//! One session at a time: `Hello` opens it and every request of its host
//! renews its lease. A second host's `Hello` gets `Busy` with the time the
//! lease has left. When the lease lapses (the host was killed, the cable
//! pulled) the agent detaches and frees everything the session attached,
//! so no probe stays armed for a host that is gone.

mod embedder;
mod outbox;
mod requests;
mod transfer;

pub use embedder::{AgentTarget, ByteChannel};

use crate::global::installed;
use crate::script::{self, LoadOptions, ScriptId};
use alloc::format;
use alloc::vec::Vec;
use outbox::{Discard, Outbox, StreamSink};
use probec_wire::msg::{code, ty, Event};
use probec_wire::{FrameReader, MAX_FRAME};
use transfer::Transfer;

/// Knobs of the agent.
#[derive(Clone, Copy, Debug)]
pub struct AgentConfig {
    /// Largest object accepted, in bytes. Default 4 MiB.
    pub max_object: usize,
    /// Shortest lease granted (a host asking for less gets this).
    pub min_lease_ms: u32,
    /// Longest lease granted.
    pub max_lease_ms: u32,
    /// How scripts are loaded.
    pub load: LoadOptions,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig { max_object: 4 << 20, min_lease_ms: 200, max_lease_ms: 600_000, load: LoadOptions::default() }
    }
}

/// What [`Agent::poll`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Poll {
    /// Bytes arrived, a frame is half received, or output was sent: call
    /// again soon.
    Busy,
    /// Nothing to do: the caller may sleep a little.
    Idle,
}

/// Counters of the agent's life, for status and tests.
#[derive(Clone, Copy, Debug, Default)]
pub struct AgentStats {
    /// Frames dropped: bad checksum, not COBS, too long, or not a message.
    pub bad_frames: u64,
    /// Sessions opened.
    pub sessions: u64,
    /// Leases that lapsed.
    pub leases_expired: u64,
    /// `Hello`s refused because another host held the target.
    pub busy: u64,
    /// Scripts attached.
    pub attached: u64,
    /// Frames sent.
    pub frames_sent: u64,
}

struct Attached {
    id: ScriptId,
    probes: u32,
    /// `Exit` already sent.
    exit_sent: bool,
}

struct Session {
    id: u32,
    nonce: u32,
    lease_ns: u64,
    heard_ns: u64,
    scripts: Vec<Attached>,
    transfer: Option<Transfer>,
}

/// The agent (see the module documentation).
pub struct Agent {
    config: AgentConfig,
    reader: Option<alloc::boxed::Box<FrameReader<MAX_FRAME>>>,
    /// When bytes last arrived.
    heard_ns: u64,
    out: Outbox,
    session: Option<Session>,
    next_session: u32,
    pending: Vec<u8>,
    stats: AgentStats,
    /// A frame is partly received.
    mid_frame: bool,
}

/// How long after the last byte a half-received frame keeps `poll` busy.
const MID_FRAME_NS: u64 = 50_000_000;

/// Records taken from each CPU's ring per poll: about a frame's worth,
/// so requests (a ping, a detach) are read between frames even while
/// handlers fill the rings faster than the line empties them.
const DRAIN_BUDGET: usize = 64;

/// Bytes read from the channel per poll step.
const READ_CHUNK: usize = 256;

impl Agent {
    /// An agent with no session.
    pub fn new(config: AgentConfig) -> Self {
        Agent {
            config,
            reader: Some(alloc::boxed::Box::new(FrameReader::new())),
            heard_ns: 0,
            out: Outbox::new(),
            session: None,
            next_session: 1,
            pending: Vec::new(),
            stats: AgentStats::default(),
            mid_frame: false,
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> AgentStats {
        AgentStats { frames_sent: self.out.frames_sent, ..self.stats }
    }

    /// Whether a host holds the target.
    pub fn has_session(&self) -> bool {
        self.session.is_some()
    }

    /// The scripts the session has attached.
    pub fn scripts(&self) -> Vec<ScriptId> {
        self.session.as_ref().map_or_else(Vec::new, |s| s.scripts.iter().map(|a| a.id).collect())
    }

    /// Tell the session's host that the target's command finished with
    /// `status` (the embedder's `probec run` convention: the host then
    /// detaches and ends the session). Returns whether a host was told.
    pub fn announce_finished(&mut self, chan: &mut dyn ByteChannel, status: i32) -> bool {
        let Some(id) = self.session.as_ref().map(|s| s.id) else { return false };
        // Output the command produced goes first.
        self.stream(chan);
        self.send(chan, id, &Event::Finished { status });
        true
    }

    /// Read what arrived, act on every whole request, stream the output of
    /// the session's scripts, and end a lapsed lease.
    pub fn poll(&mut self, chan: &mut dyn ByteChannel, target: &dyn AgentTarget) -> Poll {
        let mut busy = false;
        let mut buf = [0u8; READ_CHUNK];
        // Read until the channel is empty, but let output through between
        // reads of a long object.
        let mut reader = self.reader.take().expect("the reader is put back after each poll");
        for _ in 0..64 {
            let n = chan.read(&mut buf);
            if n == 0 {
                break;
            }
            busy = true;
            self.heard_ns = Self::now_ns();
            for &b in &buf[..n] {
                self.mid_frame = b != 0;
                match reader.push(b) {
                    None => {}
                    Some(Ok(payload)) => self.handle(chan, target, payload),
                    Some(Err(_)) => self.stats.bad_frames += 1,
                }
            }
        }
        self.reader = Some(reader);
        if self.stream(chan) {
            busy = true;
        }
        self.check_lease(target);
        // A frame half received: its rest is on the way (but garbage that
        // never ends a frame does not keep the caller spinning).
        let receiving = self.mid_frame && Self::now_ns().saturating_sub(self.heard_ns) < MID_FRAME_NS;
        if busy || receiving {
            Poll::Busy
        } else {
            Poll::Idle
        }
    }

    fn now_ns() -> u64 {
        installed().map_or(0, |rt| rt.platform.now_ns())
    }

    fn send(&mut self, chan: &mut dyn ByteChannel, session: u32, ev: &Event<'_>) {
        self.out.send(chan, session, ev);
    }

    fn error(&mut self, chan: &mut dyn ByteChannel, session: u32, request: u8, code: u16, message: &str) {
        self.send(chan, session, &Event::Error { request, code, message });
    }

    /// Unload `id`, sending its final output; `Detached` ends it.
    fn detach(&mut self, chan: &mut dyn ByteChannel, session: u32, id: ScriptId) {
        let mut sink = StreamSink { out: &mut self.out, chan, session, script: id.to_raw(), pending: &mut self.pending, records: 0 };
        if let Err(e) = script::unload_to(id, &mut sink) {
            let msg = format!("{e}");
            self.error(chan, session, ty::DETACH, code::NO_SCRIPT, &msg);
        }
    }

    /// Drain the session's scripts; returns whether anything was sent.
    fn stream(&mut self, chan: &mut dyn ByteChannel) -> bool {
        let Some(s) = self.session.as_mut() else { return false };
        let before = self.out.frames_sent;
        for a in s.scripts.iter_mut() {
            let mut sink =
                StreamSink { out: &mut self.out, chan, session: s.id, script: a.id.to_raw(), pending: &mut self.pending, records: 0 };
            let _ = script::drain_to(a.id, &mut sink, DRAIN_BUDGET);
            sink.flush();
            if !a.exit_sent && script::exit_requested(a.id) {
                a.exit_sent = true;
                self.out.send(chan, s.id, &Event::Exit { script: a.id.to_raw() });
            }
        }
        self.out.frames_sent != before
    }

    fn check_lease(&mut self, target: &dyn AgentTarget) {
        let Some(s) = &self.session else { return };
        let now = Self::now_ns();
        if now.saturating_sub(s.heard_ns) > s.lease_ns {
            self.expire(target);
        }
    }

    /// End the session whose host went silent: detach and free everything
    /// it attached, its output discarded.
    fn expire(&mut self, target: &dyn AgentTarget) {
        let Some(s) = self.session.take() else { return };
        self.stats.leases_expired += 1;
        let n = s.scripts.len();
        for a in s.scripts {
            let _ = script::unload_to(a.id, &mut Discard);
        }
        target.log(format_args!(
            "agent: the lease of session {} lapsed ({} ms without a word from its host); detached {n} script{}",
            s.id,
            s.lease_ns / 1_000_000,
            if n == 1 { "" } else { "s" }
        ));
    }
}
