//! A connection to an agent: frames over TCP (to `probec boot`'s proxy, or
//! anything else that carries the target's byte channel).

use probec_wire::msg::Request;
use probec_wire::{encode_frame, FrameReader, MAX_FRAME, MAX_PAYLOAD};
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Parse `tcp:HOST:PORT` (the only transport so far).
pub fn parse_address(spec: &str) -> Result<String, String> {
    let rest = spec.strip_prefix("tcp:").ok_or_else(|| format!("agent address {spec:?}: expected tcp:HOST:PORT"))?;
    match rest.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => Ok(rest.to_string()),
        _ => Err(format!("agent address {spec:?}: expected tcp:HOST:PORT")),
    }
}

/// Frames to and from the agent.
pub struct Connection {
    stream: TcpStream,
    reader: Box<FrameReader<MAX_FRAME>>,
    frames: VecDeque<Vec<u8>>,
    /// Frames that failed their checksum or were not COBS.
    pub bad_frames: u64,
    /// Bytes received.
    pub bytes_in: u64,
}

impl Connection {
    /// Connect to `addr` (`HOST:PORT`) within `timeout`.
    pub fn connect(addr: &str, timeout: Duration) -> io::Result<Connection> {
        let mut last = io::Error::new(io::ErrorKind::NotFound, format!("{addr} resolves to no address"));
        for a in addr.to_socket_addrs()? {
            match TcpStream::connect_timeout(&a, timeout) {
                Ok(stream) => {
                    stream.set_nodelay(true)?;
                    return Ok(Connection {
                        stream,
                        reader: Box::new(FrameReader::new()),
                        frames: VecDeque::new(),
                        bad_frames: 0,
                        bytes_in: 0,
                    });
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Send a request as one frame.
    pub fn send(&mut self, session: u32, req: &Request<'_>) -> io::Result<()> {
        let mut payload = [0u8; MAX_PAYLOAD];
        let n = req.encode(session, &mut payload).ok_or_else(|| io::Error::other("request larger than a frame"))?;
        self.send_raw_payload(&payload[..n])
    }

    /// Send any payload as a frame (tests send malformed messages).
    pub fn send_raw_payload(&mut self, payload: &[u8]) -> io::Result<()> {
        let mut frame = vec![0u8; MAX_FRAME];
        let f = encode_frame(payload, &mut frame).ok_or_else(|| io::Error::other("payload larger than a frame"))?;
        self.stream.write_all(&frame[..f])
    }

    /// Send raw bytes, framed or not (tests: garbage on the line).
    pub fn send_bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// The next frame's payload, waiting until `deadline`; `Ok(None)` at
    /// the deadline. The connection closing is an error.
    pub fn recv(&mut self, deadline: Instant) -> io::Result<Option<Vec<u8>>> {
        let mut buf = [0u8; 8192];
        loop {
            if let Some(f) = self.frames.pop_front() {
                return Ok(Some(f));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            self.stream.set_read_timeout(Some((deadline - now).max(Duration::from_millis(1))))?;
            match self.stream.read(&mut buf) {
                Ok(0) => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the agent's end of the connection closed")),
                Ok(n) => {
                    self.bytes_in += n as u64;
                    for &b in &buf[..n] {
                        match self.reader.push(b) {
                            None => {}
                            Some(Ok(p)) => self.frames.push_back(p.to_vec()),
                            Some(Err(_)) => self.bad_frames += 1,
                        }
                    }
                }
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
    }
}
