//! The agent's TCP side: any number of clients; every frame from the target
//! goes to all of them, every client's frames go to the target's serial
//! input, one whole frame at a time.
//!
//! The proxy knows nothing of what frames say: the clients pick theirs by
//! the session ids inside, and the target's agent decides who it talks to.
//! - Target → clients: [`Hub::broadcast`] never blocks. Each client has a
//!   queue drained by a thread of its own; a client that lets more than
//!   [`QUEUE_LIMIT`] bytes pile up (it does not read, or is gone) is
//!   dropped, so the target's output never waits for a client.
//! - Clients → target: each client's bytes are cut into frames
//!   ([`super::cut`]) and each frame is written under the line's lock, so
//!   frames of two clients never interleave on the line. A client that
//!   disconnects in the middle of a frame loses that frame.

use super::cut::Cutter;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};

/// The most bytes that may wait for a client before it is dropped.
pub const QUEUE_LIMIT: usize = 8 << 20;

/// The connected clients and the target's serial input.
pub struct Hub {
    addr: SocketAddr,
    clients: Mutex<Vec<Client>>,
    line: Mutex<Box<dyn Write + Send>>,
    next_id: AtomicU64,
    queue_limit: usize,
    closed: AtomicBool,
}

struct Client {
    id: u64,
    peer: Option<SocketAddr>,
    queue: mpsc::Sender<Arc<[u8]>>,
    queued: Arc<AtomicUsize>,
    stream: TcpStream,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Accept clients on `listener` (on a thread of its own) and forward their
/// frames to `line`, the target's serial input.
pub fn serve(listener: TcpListener, line: Box<dyn Write + Send>) -> std::io::Result<Arc<Hub>> {
    serve_with_limit(listener, line, QUEUE_LIMIT)
}

pub(crate) fn serve_with_limit(listener: TcpListener, line: Box<dyn Write + Send>, queue_limit: usize) -> std::io::Result<Arc<Hub>> {
    let hub = Arc::new(Hub {
        addr: listener.local_addr()?,
        clients: Mutex::new(Vec::new()),
        line: Mutex::new(line),
        next_id: AtomicU64::new(0),
        queue_limit,
        closed: AtomicBool::new(false),
    });
    let h = hub.clone();
    std::thread::Builder::new().name("probec-boot-accept".into()).spawn(move || h.accept(listener))?;
    Ok(hub)
}

impl Hub {
    /// The address clients connect to (the real port if 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many clients are connected.
    pub fn clients(&self) -> usize {
        lock(&self.clients).len()
    }

    /// Send a frame from the target to every client; drops the clients
    /// that let too much pile up. Never blocks on a client.
    pub fn broadcast(&self, frame: &[u8]) {
        let frame: Arc<[u8]> = frame.into();
        lock(&self.clients).retain(|c| {
            let queued = c.queued.fetch_add(frame.len(), Ordering::Relaxed) + frame.len();
            if queued > self.queue_limit {
                let peer = c.peer.map(|p| p.to_string()).unwrap_or_else(|| "?".into());
                eprintln!("probec boot: dropped client {peer}: it did not read ({queued} bytes waiting)");
            } else if c.queue.send(frame.clone()).is_ok() {
                return true;
            }
            let _ = c.stream.shutdown(Shutdown::Both);
            false
        });
    }

    /// Stop accepting and disconnect every client (the target is gone).
    pub fn close(&self) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        for c in lock(&self.clients).drain(..) {
            let _ = c.stream.shutdown(Shutdown::Both);
        }
        // Wake the accepting thread, which then sees `closed`.
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(if wake.is_ipv4() { [127, 0, 0, 1].into() } else { std::net::Ipv6Addr::LOCALHOST.into() });
        }
        let _ = TcpStream::connect_timeout(&wake, std::time::Duration::from_secs(1));
    }

    fn accept(self: Arc<Hub>, listener: TcpListener) {
        for stream in listener.incoming() {
            if self.closed.load(Ordering::SeqCst) {
                return;
            }
            match stream {
                Ok(stream) => {
                    if let Err(e) = self.add(stream) {
                        eprintln!("probec boot: cannot serve a client: {e}");
                    }
                }
                // Out of descriptors, a connection reset before accept:
                // wait a little and go on.
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
            }
        }
    }

    fn add(self: &Arc<Hub>, stream: TcpStream) -> std::io::Result<()> {
        let _ = stream.set_nodelay(true);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (queue, frames) = mpsc::channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let writer = stream.try_clone()?;
        let reader = stream.try_clone()?;
        let q = queued.clone();
        std::thread::Builder::new().name(format!("probec-boot-to-{id}")).spawn(move || send(writer, frames, q))?;
        {
            let mut clients = lock(&self.clients);
            if self.closed.load(Ordering::SeqCst) {
                let _ = stream.shutdown(Shutdown::Both);
                return Ok(());
            }
            clients.push(Client { id, peer: stream.peer_addr().ok(), queue, queued, stream });
        }
        let hub = self.clone();
        std::thread::Builder::new().name(format!("probec-boot-from-{id}")).spawn(move || hub.receive(id, reader))?;
        Ok(())
    }

    /// Forward a client's frames to the line until it disconnects.
    fn receive(&self, id: u64, mut from: TcpStream) {
        let mut cutter = Cutter::new();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    for unit in cutter.feed(&buf[..n]) {
                        let mut line = lock(&self.line);
                        // The target gone: its end is seen on its output.
                        let _ = line.write_all(unit.bytes()).and_then(|_| line.flush());
                    }
                }
            }
        }
        // A frame left open in the cutter is dropped with it.
        let mut clients = lock(&self.clients);
        if let Some(i) = clients.iter().position(|c| c.id == id) {
            let c = clients.swap_remove(i);
            let _ = c.stream.shutdown(Shutdown::Both);
        }
    }
}

/// Write a client's queue to it, batching what has piled up.
fn send(mut to: TcpStream, frames: mpsc::Receiver<Arc<[u8]>>, queued: Arc<AtomicUsize>) {
    let mut batch = Vec::new();
    while let Ok(frame) = frames.recv() {
        batch.extend_from_slice(&frame);
        while batch.len() < 64 * 1024 {
            match frames.try_recv() {
                Ok(f) => batch.extend_from_slice(&f),
                Err(_) => break,
            }
        }
        if to.write_all(&batch).is_err() {
            break;
        }
        queued.fetch_sub(batch.len(), Ordering::Relaxed);
        batch.clear();
    }
    let _ = to.shutdown(Shutdown::Both);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// A line that keeps what is written to it.
    #[derive(Clone, Default)]
    struct Line(Arc<Mutex<Vec<u8>>>);

    impl Write for Line {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            lock(&self.0).extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn hub(limit: usize) -> (Arc<Hub>, Line) {
        let line = Line::default();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        (serve_with_limit(listener, Box::new(line.clone()), limit).unwrap(), line)
    }

    fn until(what: &str, f: impl Fn() -> bool) {
        let start = Instant::now();
        while !f() {
            assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn frames_reach_every_client_and_the_line_gets_whole_frames() {
        let (hub, line) = hub(QUEUE_LIMIT);
        let mut a = TcpStream::connect(hub.addr()).unwrap();
        let mut b = TcpStream::connect(hub.addr()).unwrap();
        until("two clients", || hub.clients() == 2);
        hub.broadcast(b"\0one\0");
        hub.broadcast(b"\0two\0");
        for c in [&mut a, &mut b] {
            let mut got = [0u8; 10];
            c.read_exact(&mut got).unwrap();
            assert_eq!(&got, b"\0one\0\0two\0");
        }
        a.write_all(b"\0fr").unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(*lock(&line.0), b"", "half a frame is held back");
        a.write_all(b"om a\0").unwrap();
        until("the frame", || *lock(&line.0) == b"\0from a\0");
    }

    #[test]
    fn a_client_that_goes_mid_frame_loses_the_frame() {
        let (hub, line) = hub(QUEUE_LIMIT);
        let mut a = TcpStream::connect(hub.addr()).unwrap();
        until("the client", || hub.clients() == 1);
        a.write_all(b"\0whole\0\0half").unwrap();
        until("the whole frame", || *lock(&line.0) == b"\0whole\0");
        drop(a);
        until("the client's end", || hub.clients() == 0);
        let mut b = TcpStream::connect(hub.addr()).unwrap();
        b.write_all(b"\0next\0").unwrap();
        until("the next frame", || lock(&line.0).len() == 13);
        assert_eq!(*lock(&line.0), b"\0whole\0\0next\0");
    }

    #[test]
    fn a_client_that_does_not_read_is_dropped_and_never_blocks_the_target() {
        let (hub, _) = hub(64 * 1024);
        let slow = TcpStream::connect(hub.addr()).unwrap();
        until("the client", || hub.clients() == 1);
        let frame = [&[0u8][..], &[b'x'; 1000], &[0]].concat();
        // Far more than the kernel's socket buffers and the queue hold.
        let start = Instant::now();
        let mut sent = 0;
        while hub.clients() == 1 {
            hub.broadcast(&frame);
            sent += frame.len();
            assert!(sent < 1 << 30, "never dropped");
        }
        assert!(start.elapsed() < Duration::from_secs(20));
        // Its connection is closed: what it reads ends.
        let mut got = Vec::new();
        let _ = (&slow).read_to_end(&mut got);
        assert!(got.len() < sent);
    }

    #[test]
    fn close_disconnects_everyone_and_stops_accepting() {
        let (hub, _) = hub(QUEUE_LIMIT);
        let mut a = TcpStream::connect(hub.addr()).unwrap();
        until("the client", || hub.clients() == 1);
        hub.close();
        let mut rest = Vec::new();
        a.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        assert_eq!(a.read_to_end(&mut rest).unwrap(), 0);
        // The listener is gone with the accepting thread.
        until("the listener to close", || TcpStream::connect(hub.addr()).is_err());
    }
}
