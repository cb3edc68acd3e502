//! `probec boot`: boot a kernel under QEMU and keep it running, its console
//! on standard output and its agent on a local TCP port.
//!
//! The target has one serial line (QEMU `virt`'s PL011), shared by its
//! console and its agent (docs/live-attach.md, "probec boot"). QEMU gets the
//! line alone on two pipes ([`probec_qemu::Serial::Pipes`]: `-nographic`'s
//! monitor multiplexer would eat Ctrl-A bytes of binary frames). What the
//! target writes is split ([`demux`]) into console text, written to
//! standard output, and frames, sent to every TCP client ([`proxy`]);
//! clients' frames go to the line whole, one at a time. The proxy is
//! byte-level: it does not look inside frames.

pub mod addr;
pub mod cut;
pub mod demux;
pub mod proxy;
mod signals;

use demux::{Demux, Event};
use probec_qemu::{Exit, LaunchError, Target};
use proxy::Hub;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// What to boot, and where the agent listens.
#[derive(Clone, Debug)]
pub struct Config {
    /// The kernel ELF.
    pub kernel: PathBuf,
    /// QEMU CPU model.
    pub cpu: String,
    /// CPUs (`-smp`).
    pub smp: u32,
    /// The kernel command line (`serve fib 22 sha256 50000`).
    pub append: String,
    /// Where the agent listens (port 0: a free port).
    pub agent: SocketAddr,
    /// Kill the target after this long (None: never).
    pub timeout: Option<Duration>,
    /// The QEMU binary (None: [`probec_qemu::binary`]).
    pub qemu: Option<PathBuf>,
}

/// Why a boot did not start.
#[derive(Debug)]
pub enum Error {
    /// The agent's port could not be opened.
    Listen { addr: SocketAddr, error: std::io::Error },
    /// QEMU could not be started or followed.
    Launch(LaunchError),
    /// A thread of the proxy could not be started.
    Thread(std::io::Error),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Listen { addr, error } => write!(f, "cannot listen on {}: {error}", addr::show(*addr)),
            Error::Launch(e) => e.fmt(f),
            Error::Thread(e) => write!(f, "cannot start a thread: {e}"),
        }
    }
}

impl std::error::Error for Error {}

/// A running target and its proxy.
pub struct Booted {
    target: Target,
    hub: Arc<Hub>,
    /// Says when the target's output has ended and all of it is written.
    drained: mpsc::Receiver<()>,
}

/// How long to let the last output of a target that exited reach the
/// console and the clients.
const DRAIN: Duration = Duration::from_secs(2);

/// Listen on the agent's address, boot the target, and follow its serial
/// line: console text to `console`, frames to the clients.
pub fn start(config: &Config, console: Box<dyn Write + Send>) -> Result<Booted, Error> {
    let listener = TcpListener::bind(config.agent).map_err(|error| Error::Listen { addr: config.agent, error })?;
    let opts = probec_qemu::Options {
        serial: probec_qemu::Serial::Pipes,
        stderr: probec_qemu::Stderr::Inherit,
        smp: config.smp,
        qemu: config.qemu.clone(),
        ..Default::default()
    };
    let spawned = probec_qemu::spawn(&config.kernel, &config.cpu, &config.append, &opts).map_err(Error::Launch)?;
    let hub = proxy::serve(listener, Box::new(spawned.stdin)).map_err(Error::Thread)?;
    let (done, drained) = mpsc::channel();
    let h = hub.clone();
    let stdout = spawned.stdout;
    std::thread::Builder::new()
        .name("probec-boot-line".into())
        .spawn(move || {
            follow(stdout, console, &h);
            let _ = done.send(());
        })
        .map_err(Error::Thread)?;
    Ok(Booted { target: spawned.target, hub, drained })
}

/// Read the target's output to its end: text to `console`, frames to the
/// clients. A console that cannot be written to (a closed pipe) does not
/// stop the frames.
fn follow(mut line: impl Read, mut console: Box<dyn Write + Send>, hub: &Hub) {
    let mut demux = Demux::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let (events, end) = match line.read(&mut buf) {
            Ok(0) => (demux.finish(), true),
            Ok(n) => (demux.feed(&buf[..n]), false),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => (demux.finish(), true),
        };
        for e in &events {
            match e {
                Event::Text(t) => {
                    let _ = console.write_all(t).and_then(|_| console.flush());
                }
                Event::Frame(f) => hub.broadcast(f),
            }
        }
        if end {
            return;
        }
    }
}

impl Booted {
    /// Where the agent listens (the real port when 0 was asked for).
    pub fn agent(&self) -> SocketAddr {
        self.hub.addr()
    }

    /// How many clients are connected.
    pub fn clients(&self) -> usize {
        self.hub.clients()
    }

    /// Wait until the target exits, `deadline` passes or `stop()` says so
    /// (then QEMU is killed); the target's last output is written out and
    /// the clients are disconnected.
    pub fn wait(mut self, deadline: Option<Instant>, stop: impl Fn() -> bool) -> Result<Exit, LaunchError> {
        let exit = self.target.wait(deadline, stop);
        let _ = self.drained.recv_timeout(DRAIN);
        self.hub.close();
        exit
    }
}

/// `probec boot`: boot, print where the agent listens, wait; returns the
/// exit status: the target's, 128 + N if stopped by signal N (Ctrl-C:
/// 130), 1 if it was killed by the timeout or could not be started.
pub fn main(config: &Config) -> i32 {
    let stop = match signals::Stop::install() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("probec boot: cannot handle signals: {e}");
            return 1;
        }
    };
    let deadline = config.timeout.map(|t| Instant::now() + t);
    let booted = match start(config, Box::new(std::io::stdout())) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("probec boot: {e}");
            return 1;
        }
    };
    eprintln!("probec boot: agent on {}", addr::show(booted.agent()));
    match booted.wait(deadline, || stop.requested().is_some()) {
        Ok(Exit::Status(code)) => code,
        Ok(Exit::Signal(sig)) => {
            eprintln!("probec boot: {} was killed by signal {sig}", config.qemu.clone().unwrap_or_else(probec_qemu::binary).display());
            128 + sig
        }
        Ok(Exit::TimedOut) => {
            eprintln!("probec boot: the target did not exit within {} s; killed it", config.timeout.unwrap_or_default().as_secs());
            1
        }
        Ok(Exit::Stopped) => 128 + stop.requested().unwrap_or(signals::SIGINT),
        Err(e) => {
            eprintln!("probec boot: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests;
