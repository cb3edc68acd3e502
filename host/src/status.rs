//! `probec status`: what the target says about itself. Needs no session,
//! so it works while another host holds the target.

use crate::connection::Connection;
use crate::session::{nonce, HostError};
use probec_wire::msg::{Event, Request};
use std::fmt::Write;
use std::time::{Duration, Instant};

/// The status report.
#[derive(Clone, Debug, Default)]
pub struct Status {
    /// Nanoseconds since the target booted.
    pub uptime_ns: u64,
    /// CPUs.
    pub cpus: u16,
    /// Frames the agent dropped.
    pub bad_frames: u64,
    /// Probe points armed.
    pub armed: u32,
    /// CRC-32 of the kernel text (0: not offered).
    pub text_crc: u32,
    /// The kernel's build-id.
    pub build_id: Vec<u8>,
    /// `(script, session, probes)` attached.
    pub scripts: Vec<(u64, u32, u32)>,
    /// `(label, iterations, failures)` of the embedder's counters.
    pub counters: Vec<(String, u64, u64)>,
}

impl Status {
    /// Ask the agent on `conn`.
    pub fn query(conn: &mut Connection) -> Result<Status, HostError> {
        // Not a session id: a number with the top bit set, which the
        // agent's own ids (counting from 1) never reach.
        let id = nonce() | 0x8000_0000;
        conn.send(id, &Request::Status)?;
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut st = Status::default();
        loop {
            let Some(p) = conn.recv(deadline)? else { return Err(HostError::Timeout("status")) };
            match Event::decode(&p) {
                Ok((s, ev)) if s == id => match ev {
                    Event::StatusBegin { uptime_ns, cpus, bad_frames, armed, text_crc, build_id } => {
                        st = Status { uptime_ns, cpus, bad_frames, armed, text_crc, build_id: build_id.to_vec(), ..Status::default() }
                    }
                    Event::StatusScript { script, session, probes } => st.scripts.push((script, session, probes)),
                    Event::StatusCounter { label, iterations, failures } => st.counters.push((label.to_string(), iterations, failures)),
                    Event::StatusEnd => return Ok(st),
                    _ => {}
                },
                _ => {}
            }
        }
    }

    /// Self-check failures over all counters.
    pub fn failures(&self) -> u64 {
        self.counters.iter().map(|c| c.2).sum()
    }

    /// The report as text, one fact per line.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let hex: String = self.build_id.iter().map(|b| format!("{b:02x}")).collect();
        let _ = writeln!(s, "build-id: {}", if hex.is_empty() { "(none)".into() } else { hex });
        let _ = writeln!(s, "cpus: {}", self.cpus);
        let _ = writeln!(s, "uptime: {:.3} s", self.uptime_ns as f64 / 1e9);
        let _ = writeln!(s, "attached scripts: {} ({} probe points armed)", self.scripts.len(), self.armed);
        for (script, session, probes) in &self.scripts {
            let _ = writeln!(s, "  script {}.{}: {probes} probes (session {session})", script >> 32, script & 0xffff_ffff);
        }
        for (label, iterations, failures) in &self.counters {
            let _ = writeln!(s, "workload {label}: {iterations} iterations, {failures} failures");
        }
        let _ = writeln!(s, "self-check failures: {}", self.failures());
        let _ = writeln!(s, "frames dropped by the agent: {}", self.bad_frames);
        if self.text_crc != 0 {
            let _ = writeln!(s, "kernel text crc32: {:08x}", self.text_crc);
        }
        s
    }
}
