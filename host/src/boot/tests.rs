//! `probec boot` against stand-ins for QEMU (shell scripts, as in the qemu
//! crate's tests): one prints console text and frames and exits with a
//! status, one is a serial line that echoes (`cat`: what it gets on its
//! input, the clients get back as frames), one hangs.

use super::demux::{Demux, Event};
use super::*;
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// A stand-in QEMU running `body` under /bin/sh.
fn fake(name: &str, body: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("probec-boot-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("qemu");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn config(qemu: PathBuf) -> Config {
    Config {
        kernel: "k".into(),
        cpu: "cortex-a57".into(),
        smp: 4,
        append: "serve fib 22".into(),
        agent: "127.0.0.1:0".parse().unwrap(),
        timeout: None,
        qemu: Some(qemu),
    }
}

/// A console that keeps what is written to it.
#[derive(Clone, Default)]
struct Console(Arc<Mutex<Vec<u8>>>);

impl Write for Console {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn soon() -> Option<Instant> {
    Some(Instant::now() + Duration::from_secs(30))
}

fn until(what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Read frames from a client connection until it closes, counting the
/// bytes in `read` as they come (console text there would be a bug:
/// clients get frames only).
fn frames_until_closed(mut c: TcpStream, read: Arc<AtomicUsize>) -> std::thread::JoinHandle<Vec<Vec<u8>>> {
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n @ 1..) = c.read(&mut buf) {
            all.extend_from_slice(&buf[..n]);
            read.fetch_add(n, Ordering::SeqCst);
        }
        let mut d = Demux::new();
        let mut frames = Vec::new();
        for e in d.feed(&all).into_iter().chain(d.finish()) {
            match e {
                Event::Frame(f) => frames.push(f),
                Event::Text(t) => panic!("a client got bytes outside frames: {:?}", String::from_utf8_lossy(&t)),
            }
        }
        frames
    })
}

#[test]
fn console_text_goes_to_the_console_and_the_status_comes_back() {
    // The command line is QEMU's last argument; it reaches the kernel.
    let qemu = fake("status", "for a; do last=$a; done\nprintf 'boot: %s\\r\\n\\000\\001frame\\000ok\\r\\n' \"$last\"\nexit 7");
    let console = Console::default();
    let booted = start(&config(qemu), Box::new(console.clone())).unwrap();
    assert_ne!(booted.agent().port(), 0, "port 0 picks a free port");
    assert_eq!(booted.wait(soon(), || false).unwrap(), Exit::Status(7));
    assert_eq!(String::from_utf8_lossy(&console.0.lock().unwrap()), "boot: serve fib 22\nok\n");
}

#[test]
fn frames_reach_every_client_and_clients_are_disconnected_when_the_target_exits() {
    // Frames only after both clients are there: the stand-in waits for a
    // line on its input (a frame sent by the test) before it prints.
    let qemu = fake("frames", "read go\nprintf 'text\\n\\000one\\000\\000two\\000'\nexit 3");
    let console = Console::default();
    let booted = start(&config(qemu), Box::new(console.clone())).unwrap();
    let a = TcpStream::connect(booted.agent()).unwrap();
    let b = TcpStream::connect(booted.agent()).unwrap();
    until("two clients", || booted.clients() == 2);
    (&a).write_all(b"\0go\n\0").unwrap();
    let (a, b) = (frames_until_closed(a, Default::default()), frames_until_closed(b, Default::default()));
    assert_eq!(booted.wait(soon(), || false).unwrap(), Exit::Status(3));
    let want = [b"\0one\0".to_vec(), b"\0two\0".to_vec()];
    assert_eq!(a.join().unwrap(), want);
    assert_eq!(b.join().unwrap(), want);
    assert_eq!(String::from_utf8_lossy(&console.0.lock().unwrap()), "text\n");
}

/// The frame client `who` sends as its `i`-th: a header, then filler of a
/// size that varies from 1 to about 9 KB (frames longer than a pipe's
/// atomic write).
fn client_frame(who: u8, i: usize) -> Vec<u8> {
    let mut f = format!("\0{}{i:04}:", who as char).into_bytes();
    f.resize(f.len() + 1 + (i * 997) % 9000, who.to_ascii_lowercase());
    f.push(0);
    f
}

#[test]
fn two_clients_sending_at_once_get_whole_frames_to_the_target() {
    // `cat`: the target's input comes back as its output, so what the
    // observer sees is what reached the target's serial input.
    let qemu = fake("echo", "exec cat");
    let booted = start(&config(qemu), Box::new(Console::default())).unwrap();
    let observer = TcpStream::connect(booted.agent()).unwrap();
    let senders: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(booted.agent()).unwrap()).collect();
    until("three clients", || booted.clients() == 3);
    let echoed = Arc::new(AtomicUsize::new(0));
    let seen = frames_until_closed(observer, echoed.clone());
    const N: usize = 150;
    let threads: Vec<_> = senders
        .into_iter()
        .zip([b'A', b'B'])
        .map(|(mut s, who)| {
            std::thread::spawn(move || {
                for i in 0..N {
                    // Each frame in a few writes, so that the two clients'
                    // bytes do arrive interleaved at the proxy.
                    let f = client_frame(who, i);
                    for part in f.chunks(1500) {
                        s.write_all(part).unwrap();
                    }
                }
                s
            })
        })
        .collect();
    let senders: Vec<TcpStream> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let total: usize = (0..N).map(|i| client_frame(b'A', i).len() + client_frame(b'B', i).len()).sum();
    // Stopped (as by Ctrl-C) once all of it has come back.
    assert_eq!(booted.wait(soon(), || echoed.load(Ordering::SeqCst) >= total).unwrap(), Exit::Stopped);
    drop(senders);
    let frames = seen.join().unwrap();
    let from = |who: u8| frames.iter().filter(|f| f[1] == who).cloned().collect::<Vec<_>>();
    assert_eq!(from(b'A'), (0..N).map(|i| client_frame(b'A', i)).collect::<Vec<_>>());
    assert_eq!(from(b'B'), (0..N).map(|i| client_frame(b'B', i)).collect::<Vec<_>>());
    assert_eq!(frames.len(), 2 * N);
}

#[test]
fn a_target_that_does_not_exit_is_killed_at_the_deadline() {
    let qemu = fake("hang", "exec sleep 60");
    let booted = start(&config(qemu), Box::new(Console::default())).unwrap();
    let start = Instant::now();
    assert_eq!(booted.wait(Some(Instant::now() + Duration::from_millis(300)), || false).unwrap(), Exit::TimedOut);
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn a_port_in_use_is_an_error_before_anything_boots() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut c = config(fake("unused", "echo booted; exit 1"));
    c.agent = taken.local_addr().unwrap();
    let err = start(&c, Box::new(Console::default())).err().expect("the port is taken");
    assert!(err.to_string().starts_with(&format!("cannot listen on tcp:{}: ", c.agent)), "{err}");
}
