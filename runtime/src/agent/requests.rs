//! The agent's answers to requests: decoding, the session check, and one
//! method per request (the session's life and the streaming stay in
//! `mod.rs`).

use super::embedder::{AgentTarget, ByteChannel};
use super::transfer::{self, Transfer};
use super::{Agent, Attached, Session};
use crate::global::installed;
use crate::script;
use alloc::format;
use alloc::vec::Vec;
use probec_wire::msg::{code, ty, Event, Request};
use probec_wire::PROTOCOL_VERSION;

impl Agent {
    pub(super) fn handle(&mut self, chan: &mut dyn ByteChannel, target: &dyn AgentTarget, payload: &[u8]) {
        let (session, req) = match Request::decode(payload) {
            Ok(r) => r,
            Err(e) => {
                self.stats.bad_frames += 1;
                // Answer only a host we know: garbage on the line gets no
                // reply (it would be garbage in the other direction).
                if let (Some(s), Some(id)) = (&self.session, payload.get(1..5)) {
                    let id = u32::from_le_bytes([id[0], id[1], id[2], id[3]]);
                    if id == s.id {
                        let msg = format!("{e}");
                        self.error(chan, id, payload[0], code::MALFORMED, &msg);
                    }
                }
                return;
            }
        };
        let now = Self::now_ns();
        if let Request::Hello { version, nonce, lease_ms } = req {
            self.hello(chan, target, version, nonce, lease_ms, now);
            return;
        }
        if let Request::Status = req {
            // Status needs no session (a user may look while another host
            // holds the target); the answer carries the id the request
            // did, so the asking host recognises it.
            if let Some(s) = self.session.as_mut().filter(|s| s.id == session) {
                s.heard_ns = now;
            }
            self.status(chan, target, session, now);
            return;
        }
        match &mut self.session {
            Some(s) if s.id == session => s.heard_ns = now,
            _ => {
                self.error(chan, session, req.ty(), code::NO_SESSION, "no such session (it ended, or its lease lapsed)");
                return;
            }
        }
        match req {
            Request::Hello { .. } => {}
            Request::Ping => self.send(chan, session, &Event::Ack { request: ty::PING, value: 0 }),
            Request::LoadBegin { size, crc, encoding, object_size } => {
                let limit = self.config.max_object;
                let s = self.session.as_mut().expect("checked");
                s.transfer = None;
                match Transfer::begin(size, crc, encoding, object_size, limit) {
                    Ok(t) => {
                        s.transfer = Some(t);
                        self.send(chan, session, &Event::Ack { request: ty::LOAD_BEGIN, value: 0 });
                    }
                    Err(e) => {
                        let c = if matches!(e, transfer::TransferError::NoMemory { .. }) { code::MEMORY } else { code::TRANSFER };
                        self.error(chan, session, ty::LOAD_BEGIN, c, &format!("{e}"));
                    }
                }
            }
            Request::LoadChunk { offset, bytes } => {
                let s = self.session.as_mut().expect("checked");
                let r = match s.transfer.as_mut() {
                    Some(t) => t.chunk(offset, bytes),
                    None => Err(transfer::TransferError::NotStarted),
                };
                match r {
                    Ok(n) => self.send(chan, session, &Event::Ack { request: ty::LOAD_CHUNK, value: n as u32 }),
                    Err(e) => {
                        s.transfer = None;
                        self.error(chan, session, ty::LOAD_CHUNK, code::TRANSFER, &format!("{e}"));
                    }
                }
            }
            Request::Attach => self.attach(chan, target, session),
            Request::Detach { script } => {
                let s = self.session.as_mut().expect("checked");
                match s.scripts.iter().position(|a| a.id.to_raw() == script) {
                    Some(i) => {
                        let a = s.scripts.remove(i);
                        self.detach(chan, session, a.id);
                    }
                    None => self.error(chan, session, ty::DETACH, code::NO_SCRIPT, "no such script in this session"),
                }
            }
            Request::Status => {}
            Request::Bye => {
                let s = self.session.take().expect("checked");
                for a in s.scripts {
                    self.detach(chan, session, a.id);
                }
                self.send(chan, session, &Event::Ack { request: ty::BYE, value: 0 });
            }
        }
        // The lease runs from the end of the request: an attach or detach
        // that took long (grace periods on a busy target) is the agent's
        // time, not silence of the host.
        let now = Self::now_ns();
        if let Some(s) = self.session.as_mut().filter(|s| s.id == session) {
            s.heard_ns = now;
        }
    }

    fn hello(&mut self, chan: &mut dyn ByteChannel, target: &dyn AgentTarget, version: u16, nonce: u32, lease_ms: u32, now: u64) {
        if version != PROTOCOL_VERSION {
            let msg = format!("protocol version {version} is not this agent's ({PROTOCOL_VERSION}); use a matching probec");
            self.error(chan, 0, ty::HELLO, code::VERSION, &msg);
            return;
        }
        if let Some(s) = &self.session {
            let left = s.lease_ns.saturating_sub(now.saturating_sub(s.heard_ns));
            if s.nonce != nonce && left > 0 {
                self.stats.busy += 1;
                let lease_left_ms = (left / 1_000_000).max(1) as u32;
                self.send(chan, 0, &Event::Busy { nonce, lease_left_ms });
                return;
            }
            if s.nonce != nonce {
                // The holder's lease has run out, though poll has not
                // noticed yet: end it before taking the new host.
                self.expire(target);
            }
        }
        let lease_ms = lease_ms.clamp(self.config.min_lease_ms, self.config.max_lease_ms);
        let id = match &self.session {
            Some(s) => s.id, // the same host asked again (its Welcome was lost)
            None => {
                let id = self.next_session;
                self.next_session = self.next_session.wrapping_add(1).max(1);
                self.stats.sessions += 1;
                self.session = Some(Session {
                    id,
                    nonce,
                    lease_ns: u64::from(lease_ms) * 1_000_000,
                    heard_ns: now,
                    scripts: Vec::new(),
                    transfer: None,
                });
                id
            }
        };
        let (cpus, features) = match installed() {
            Some(rt) => (rt.platform.max_cpus() as u16, script::cpu_features()),
            None => (0, 0),
        };
        let ev = Event::Welcome {
            version: PROTOCOL_VERSION,
            nonce,
            session: id,
            abi_version: probec_abi::ABI_VERSION,
            cpu_features: features,
            cpus,
            lease_ms,
            runtime: env!("CARGO_PKG_VERSION"),
            build_id: target.build_id(),
        };
        self.send(chan, 0, &ev);
    }

    fn attach(&mut self, chan: &mut dyn ByteChannel, target: &dyn AgentTarget, session: u32) {
        let s = self.session.as_mut().expect("checked");
        let object = match s.transfer.take().map(Transfer::finish) {
            Some(Ok(o)) => o,
            Some(Err(e)) => return self.error(chan, session, ty::ATTACH, code::TRANSFER, &format!("{e}")),
            None => {
                return self.error(
                    chan,
                    session,
                    ty::ATTACH,
                    code::TRANSFER,
                    "attach without an object (send LoadBegin and LoadChunks first)",
                )
            }
        };
        match script::object::build_id(&object) {
            Ok(Some(id)) if id.as_slice() != target.build_id() => {
                let msg =
                    format!("the object was compiled for kernel build-id {}, but this kernel's is {}", Hex(&id), Hex(target.build_id()));
                return self.error(chan, session, ty::ATTACH, code::BUILD_ID, &msg);
            }
            Err(e) => return self.error(chan, session, ty::ATTACH, code::LOAD, &format!("{e}")),
            _ => {}
        }
        match script::load(&object, target.symbols(), &self.config.load) {
            Ok(id) => {
                drop(object);
                let probes = script::attached_probes(id).unwrap_or(0) as u32;
                self.stats.attached += 1;
                self.send(chan, session, &Event::Attached { script: id.to_raw(), probes });
                let s = self.session.as_mut().expect("checked");
                s.scripts.push(Attached { id, probes, exit_sent: false });
            }
            Err(e) => self.error(chan, session, ty::ATTACH, code::LOAD, &format!("{e}")),
        }
    }

    fn status(&mut self, chan: &mut dyn ByteChannel, target: &dyn AgentTarget, session: u32, now: u64) {
        let cpus = installed().map_or(0, |rt| rt.platform.max_cpus() as u16);
        let ev = Event::StatusBegin {
            uptime_ns: now,
            cpus,
            bad_frames: self.stats.bad_frames,
            armed: script::armed_points() as u32,
            text_crc: target.text_crc().unwrap_or(0),
            build_id: target.build_id(),
        };
        self.send(chan, session, &ev);
        if let Some(s) = &self.session {
            let list: Vec<(u64, u32)> = s.scripts.iter().map(|a| (a.id.to_raw(), a.probes)).collect();
            let sid = s.id;
            for (script, probes) in list {
                self.send(chan, session, &Event::StatusScript { script, session: sid, probes });
            }
        }
        let out = &mut self.out;
        target.counters(&mut |label, iterations, failures| {
            out.send(chan, session, &Event::StatusCounter { label, iterations, failures });
        });
        self.send(chan, session, &Event::StatusEnd);
    }
}

/// Bytes as lowercase hex.
struct Hex<'a>(&'a [u8]);

impl core::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(none)");
        }
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}
