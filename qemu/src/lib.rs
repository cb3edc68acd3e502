//! Booting an arm64 kernel under `qemu-system-aarch64 -M virt`, the one
//! launcher behind `probec run` and every QEMU run of `cargo xtask`.
//!
//! The machine is the one the reference kernel and its loading convention
//! (docs/reference-kernel.md) are written for: `-M virt,gic-version=3`, 256 MB of RAM, the
//! console on the serial line (`-nographic`), semihosting on so that the
//! kernel reads its command line and files from the host and gives its exit
//! status back (which becomes QEMU's). A run has a deadline: a kernel that
//! hangs is killed, so neither a user nor the test suite waits forever.
//!
//! [`run`] boots, follows the console and waits. [`spawn`] boots and hands
//! back the serial line as two pipes (`probec boot`, which shares the line
//! between the console and the target's agent: docs/live-attach.md) with a
//! [`Target`] that waits with a deadline and kills QEMU when dropped.

mod console;
mod spawn;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub use console::Console;
pub use spawn::{spawn, Exit, Spawned, Target};

/// The QEMU binary: `$PROBEC_QEMU` if set (a stand-in in tests, another
/// build of QEMU), else `qemu-system-aarch64` on `PATH`.
pub fn binary() -> PathBuf {
    std::env::var_os("PROBEC_QEMU").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("qemu-system-aarch64"))
}

/// Where QEMU's own standard error goes.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Stderr {
    /// Captured and appended to [`Run::output`] after a `[qemu stderr]` tag
    /// (the test suites show it with a failure).
    #[default]
    Capture,
    /// Left on the caller's standard error (`probec run`: the user sees
    /// QEMU's complaints as they happen).
    Inherit,
}

/// How the board's serial line (the PL011) meets the host.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Serial {
    /// `-nographic`: the serial line on QEMU's standard input and output
    /// through a `mon:stdio` multiplexer, which also carries the QEMU
    /// monitor: Ctrl-A (0x01) starts an escape (`Ctrl-A x` quits QEMU), so
    /// bytes the host sends are not all delivered. Fine for a console.
    #[default]
    Nographic,
    /// `-display none -monitor none -chardev stdio,id=serial0,signal=off
    /// -serial chardev:serial0`: the serial line alone on QEMU's standard
    /// input and output, every byte value passed through unchanged in both
    /// directions (0x00 and 0x01 included); no monitor, no signals from
    /// the line. For a binary protocol on the line (`probec boot`).
    Pipes,
}

/// Options of a run beyond the kernel, CPU and command line.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Count instructions exactly (`-icount shift=0`): the benchmarks.
    pub icount: bool,
    /// What happens to the console output.
    pub console: Console,
    /// What happens to QEMU's standard error.
    pub stderr: Stderr,
    /// How the serial line is connected.
    pub serial: Serial,
    /// CPUs (`-smp N`); 0 means QEMU's default, one CPU.
    pub smp: u32,
    /// More QEMU arguments (tracing options, for example).
    pub extra: Vec<String>,
    /// The QEMU binary; None: [`binary()`].
    pub qemu: Option<PathBuf>,
}

/// What a run produced.
#[derive(Debug)]
pub struct Run {
    /// The console output, CRs of the serial line's CRLFs dropped (empty
    /// unless [`Options::console`] captures), then QEMU's standard error if
    /// captured and not empty.
    pub output: String,
    /// QEMU's exit status, which is the kernel's semihosting exit status
    /// (None: killed, by the deadline or a signal).
    pub status: Option<i32>,
    /// Killed because the deadline passed.
    pub timed_out: bool,
}

/// Why a run did not happen or could not be followed.
#[derive(Debug)]
pub enum LaunchError {
    /// QEMU could not be started (not installed, not executable).
    Start { binary: PathBuf, error: std::io::Error },
    /// Waiting for QEMU failed.
    Wait { binary: PathBuf, error: std::io::Error },
}

impl std::fmt::Display for LaunchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LaunchError::Start { binary, error } => {
                write!(f, "cannot start {}: {error} (install qemu-system-arm, or set PROBEC_QEMU)", binary.display())
            }
            LaunchError::Wait { binary, error } => write!(f, "waiting for {}: {error}", binary.display()),
        }
    }
}

impl std::error::Error for LaunchError {}

/// The QEMU command line for booting `kernel` on `cpu` with kernel command
/// line `append` (argv[0], which semihosting prepends, is the kernel's path).
pub fn command(qemu: &Path, kernel: &Path, cpu: &str, append: &str, opts: &Options) -> Command {
    let mut cmd = Command::new(qemu);
    cmd.args(["-M", MACHINE, "-cpu", cpu, "-m", "256M"]);
    match opts.serial {
        Serial::Nographic => cmd.arg("-nographic"),
        Serial::Pipes => {
            cmd.args(["-display", "none", "-monitor", "none", "-chardev", "stdio,id=serial0,signal=off", "-serial", "chardev:serial0"])
        }
    };
    cmd.arg("-no-reboot").args(["-semihosting-config", "enable=on,target=native"]);
    if opts.smp > 0 {
        cmd.args(["-smp", &opts.smp.to_string()]);
    }
    if opts.icount {
        cmd.args(["-icount", "shift=0"]);
    }
    cmd.args(&opts.extra);
    // The kernel and its command line last (stand-ins for QEMU in tests
    // read the command line as the last argument).
    cmd.arg("-kernel").arg(kernel).args(["-append", append]);
    cmd
}

/// The machine: QEMU `virt` with a GICv3, whose system-register CPU
/// interface and redistributors the reference kernel drives (its tick,
/// IPIs; QEMU's default for `virt` is a GICv2), and which takes up to 123
/// CPUs (a GICv2 stops at 8).
pub const MACHINE: &str = "virt,gic-version=3";

/// How often the deadline is checked while QEMU runs.
const POLL: Duration = Duration::from_millis(10);

/// Boot `kernel` on `cpu` with kernel command line `append` under
/// QEMU; kill it once `timeout` has passed.
pub fn run(kernel: &Path, cpu: &str, append: &str, timeout: Duration, opts: &Options) -> Result<Run, LaunchError> {
    let qemu = opts.qemu.clone().unwrap_or_else(binary);
    let stderr = match opts.stderr {
        Stderr::Capture => Stdio::piped(),
        Stderr::Inherit => Stdio::inherit(),
    };
    let mut child = command(&qemu, kernel, cpu, append, opts)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(|error| LaunchError::Start { binary: qemu.clone(), error })?;
    let console = console::follow(child.stdout.take().expect("stdout is piped"), opts.console);
    // Read stderr on its own thread too: a QEMU that fills the stderr pipe
    // would otherwise block before it exits.
    let stderr = child.stderr.take().map(|mut e| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut e, &mut text);
            text
        })
    });
    let deadline = Instant::now() + timeout;
    let waited = Target::new(child, qemu).wait(Some(deadline), || false).map(|exit| match exit {
        Exit::Status(code) => (Some(code), false),
        Exit::TimedOut => (None, true),
        Exit::Signal(_) | Exit::Stopped => (None, false),
    });
    let mut output = console.join().unwrap_or_default();
    let stderr = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    let (status, timed_out) = waited?;
    if !stderr.trim().is_empty() {
        output.push_str("\n[qemu stderr] ");
        output.push_str(&stderr);
    }
    Ok(Run { output, status, timed_out })
}

#[cfg(test)]
mod tests;
