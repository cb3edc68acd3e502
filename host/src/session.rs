//! A session with an agent: `Hello`, the object transfer, attach, detach,
//! pings for the lease, `Bye`. Events that are not answers (a script's
//! output) are handed to the caller's `on_event` as they arrive, so none
//! is lost while a request waits for its answer.

use crate::connection::Connection;
use probec_wire::msg::{code, encoding, ty, Event, Request};
use probec_wire::{CHUNK_BYTES, PROTOCOL_VERSION};
use std::time::{Duration, Instant};

/// What went wrong talking to the agent.
#[derive(Debug)]
pub enum HostError {
    /// The connection failed or closed.
    Io(std::io::Error),
    /// No answer in time.
    Timeout(&'static str),
    /// Another host holds the target.
    Busy {
        /// Until its lease lapses if it stays silent.
        lease_left_ms: u32,
    },
    /// The agent refused a request.
    Refused {
        /// The request's type byte.
        request: u8,
        /// `probec_wire::msg::code`.
        code: u16,
        /// The agent's reason.
        message: String,
    },
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostError::Io(e) => write!(f, "connection to the agent: {e}"),
            HostError::Timeout(what) => write!(f, "the agent did not answer {what} in time"),
            HostError::Busy { lease_left_ms } => write!(
                f,
                "target busy: another host holds it (its lease lapses in {:.1} s if it stays silent)",
                f64::from(*lease_left_ms) / 1000.0
            ),
            HostError::Refused { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for HostError {}

impl From<std::io::Error> for HostError {
    fn from(e: std::io::Error) -> Self {
        HostError::Io(e)
    }
}

/// What the agent told in `Welcome`.
#[derive(Clone, Debug)]
pub struct Welcome {
    /// The session id.
    pub session: u32,
    /// Runtime ABI version.
    pub abi_version: u32,
    /// `probec_abi::FEATURE_*` bits.
    pub cpu_features: u32,
    /// CPUs.
    pub cpus: u16,
    /// The lease granted.
    pub lease_ms: u32,
    /// The runtime's version.
    pub runtime: String,
    /// The kernel's build-id.
    pub build_id: Vec<u8>,
}

/// How long to wait for an answer to a request.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// An open session.
pub struct Session {
    /// The connection.
    pub conn: Connection,
    /// The agent's welcome.
    pub welcome: Welcome,
    last_sent: Instant,
}

/// A random-enough 32-bit number (nonces, status ids).
pub fn nonce() -> u32 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (t.subsec_nanos() ^ (t.as_secs() as u32).rotate_left(7) ^ std::process::id().rotate_left(16)) | 1
}

impl Session {
    /// Say hello on `conn`, asking for a lease of `lease_ms`.
    pub fn open(conn: Connection, lease_ms: u32) -> Result<Session, HostError> {
        Session::open_retrying(conn, lease_ms, Instant::now() + Duration::from_secs(10), Duration::from_secs(10))
    }

    /// [`Session::open`] for a target that may still be booting: say hello
    /// again every `every` (with the same nonce, so a late answer to an
    /// earlier hello is as good) until `deadline`.
    pub fn open_retrying(mut conn: Connection, lease_ms: u32, deadline: Instant, every: Duration) -> Result<Session, HostError> {
        let nonce = nonce();
        loop {
            conn.send(0, &Request::Hello { version: PROTOCOL_VERSION, nonce, lease_ms })?;
            let until = (Instant::now() + every).min(deadline);
            while let Some(p) = conn.recv(until)? {
                match Event::decode(&p) {
                    Ok((0, Event::Welcome { nonce: n, session, abi_version, cpu_features, cpus, lease_ms, runtime, build_id, .. }))
                        if n == nonce =>
                    {
                        let welcome = Welcome {
                            session,
                            abi_version,
                            cpu_features,
                            cpus,
                            lease_ms,
                            runtime: runtime.to_string(),
                            build_id: build_id.to_vec(),
                        };
                        return Ok(Session { conn, welcome, last_sent: Instant::now() });
                    }
                    Ok((0, Event::Busy { nonce: n, lease_left_ms })) if n == nonce => return Err(HostError::Busy { lease_left_ms }),
                    Ok((0, Event::Error { request: ty::HELLO, code, message })) => {
                        return Err(HostError::Refused { request: ty::HELLO, code, message: message.to_string() })
                    }
                    _ => {}
                }
            }
            if Instant::now() >= deadline {
                return Err(HostError::Timeout("hello"));
            }
        }
    }

    /// The session id.
    pub fn id(&self) -> u32 {
        self.welcome.session
    }

    /// Send a request.
    pub fn send(&mut self, req: &Request<'_>) -> Result<(), HostError> {
        self.conn.send(self.id(), req)?;
        self.last_sent = Instant::now();
        Ok(())
    }

    /// Ping if a quarter of the lease passed without a request.
    pub fn keep_lease(&mut self) -> Result<(), HostError> {
        if self.last_sent.elapsed() >= Duration::from_millis(u64::from(self.welcome.lease_ms) / 4) {
            self.send(&Request::Ping)?;
        }
        Ok(())
    }

    /// The next payload of this session, until `deadline`.
    pub fn next(&mut self, deadline: Instant) -> Result<Option<Vec<u8>>, HostError> {
        loop {
            let Some(p) = self.conn.recv(deadline)? else { return Ok(None) };
            if p.len() >= 5 && u32::from_le_bytes([p[1], p[2], p[3], p[4]]) == self.id() {
                return Ok(Some(p));
            }
        }
    }

    /// Wait for the answer to request `request`: `Ack` (its value) or
    /// `Error`; everything else goes to `on_event`.
    pub fn answer(&mut self, request: u8, on_event: &mut dyn FnMut(&Event<'_>)) -> Result<u32, HostError> {
        let deadline = Instant::now() + ANSWER_TIMEOUT;
        loop {
            let Some(p) = self.next(deadline)? else { return Err(HostError::Timeout("a request")) };
            match Event::decode(&p) {
                Ok((_, Event::Ack { request: r, value })) if r == request => return Ok(value),
                Ok((_, Event::Error { request: r, code, message })) if r == request => {
                    return Err(HostError::Refused { request, code, message: message.to_string() })
                }
                Ok((_, ev)) => on_event(&ev),
                Err(_) => {}
            }
        }
    }

    /// Send `object` (zlib-compressed: the line to the target is the slow
    /// part of an attach) and attach it: `(script, probes)`.
    pub fn attach(&mut self, object: &[u8], on_event: &mut dyn FnMut(&Event<'_>)) -> Result<(u64, u32), HostError> {
        let too_large = || HostError::Refused {
            request: ty::LOAD_BEGIN,
            code: code::TRANSFER,
            message: format!("object of {} bytes is too large", object.len()),
        };
        let object_size = u32::try_from(object.len()).map_err(|_| too_large())?;
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(object, 9);
        let size = u32::try_from(packed.len()).map_err(|_| too_large())?;
        let crc = crc32fast::hash(object);
        self.send(&Request::LoadBegin { size, crc, encoding: encoding::ZLIB, object_size })?;
        self.answer(ty::LOAD_BEGIN, on_event)?;
        // One chunk in flight at a time: a UART without flow control must
        // not be sent more than the agent has asked for.
        for (i, chunk) in packed.chunks(CHUNK_BYTES).enumerate() {
            self.send(&Request::LoadChunk { offset: (i * CHUNK_BYTES) as u32, bytes: chunk })?;
            self.answer(ty::LOAD_CHUNK, on_event)?;
        }
        self.send(&Request::Attach)?;
        let deadline = Instant::now() + ANSWER_TIMEOUT;
        loop {
            let Some(p) = self.next(deadline)? else { return Err(HostError::Timeout("attach")) };
            match Event::decode(&p) {
                Ok((_, Event::Attached { script, probes })) => return Ok((script, probes)),
                Ok((_, Event::Error { request: ty::ATTACH, code, message })) => {
                    return Err(HostError::Refused { request: ty::ATTACH, code, message: message.to_string() })
                }
                Ok((_, ev)) => on_event(&ev),
                Err(_) => {}
            }
        }
    }

    /// Detach `script`, passing its final output to `on_event` until
    /// `Detached`.
    pub fn detach(&mut self, script: u64, on_event: &mut dyn FnMut(&Event<'_>)) -> Result<(), HostError> {
        self.send(&Request::Detach { script })?;
        let deadline = Instant::now() + ANSWER_TIMEOUT;
        loop {
            let Some(p) = self.next(deadline)? else { return Err(HostError::Timeout("detach")) };
            match Event::decode(&p) {
                Ok((_, ev @ Event::Detached { script: s })) if s == script => {
                    on_event(&ev);
                    return Ok(());
                }
                Ok((_, Event::Error { request: ty::DETACH, code, message })) => {
                    return Err(HostError::Refused { request: ty::DETACH, code, message: message.to_string() })
                }
                Ok((_, ev)) => on_event(&ev),
                Err(_) => {}
            }
        }
    }

    /// End the session.
    pub fn bye(mut self, on_event: &mut dyn FnMut(&Event<'_>)) -> Result<(), HostError> {
        self.send(&Request::Bye)?;
        self.answer(ty::BYE, on_event).map(|_| ())
    }
}
