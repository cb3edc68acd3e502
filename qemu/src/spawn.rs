//! A QEMU that keeps running while the caller talks to its serial line:
//! spawned with standard input and output piped, waited for with a deadline
//! and a stop request, killed when dropped.

use crate::{command, LaunchError, Options, Stderr};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Stdio};
use std::time::Instant;

/// A running QEMU. Dropping it kills QEMU (if it still runs) and reaps it,
/// so an error or a panic in the caller never leaves a QEMU behind.
#[derive(Debug)]
pub struct Target {
    child: Child,
    qemu: PathBuf,
    reaped: bool,
}

/// How a [`Target`] ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// QEMU exited with this status (the kernel's semihosting exit status).
    Status(i32),
    /// QEMU was killed by this signal, not by us.
    Signal(i32),
    /// The deadline passed; QEMU was killed.
    TimedOut,
    /// The caller asked to stop; QEMU was killed.
    Stopped,
}

/// A spawned QEMU and its serial line.
#[derive(Debug)]
pub struct Spawned {
    /// The process.
    pub target: Target,
    /// Bytes written here arrive on the target's serial input.
    pub stdin: ChildStdin,
    /// The target's serial output.
    pub stdout: ChildStdout,
    /// QEMU's own standard error, if [`Options::stderr`] captures it.
    pub stderr: Option<ChildStderr>,
}

/// Boot `kernel` on `cpu` with kernel command line `append` and return at
/// once, with the serial line on pipes. Pass [`crate::Serial::Pipes`] in
/// `opts` for a line that carries binary data: with the default
/// (`-nographic`) QEMU's monitor multiplexer eats Ctrl-A sequences.
///
/// QEMU gets a process group of its own, so a Ctrl-C at the terminal
/// reaches the caller only, which decides when to stop the target. On
/// Linux QEMU is also killed when the thread that spawned it ends (as the
/// process is killed with SIGKILL, which no handler sees): spawn from a
/// thread that lives as long as the target.
pub fn spawn(kernel: &Path, cpu: &str, append: &str, opts: &Options) -> Result<Spawned, LaunchError> {
    let qemu = opts.qemu.clone().unwrap_or_else(crate::binary);
    let mut cmd = command(&qemu, kernel, cpu, append, opts);
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(match opts.stderr {
        Stderr::Capture => Stdio::piped(),
        Stderr::Inherit => Stdio::inherit(),
    });
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
        #[cfg(target_os = "linux")]
        {
            let parent = std::process::id();
            // SAFETY: the closure runs in the child between fork and exec
            // and calls only async-signal-safe functions (prctl, getppid,
            // _exit); it allocates nothing and takes no lock.
            unsafe {
                cmd.pre_exec(move || {
                    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    // The parent may have gone before prctl took effect.
                    if libc::getppid() as u32 != parent {
                        libc::_exit(1);
                    }
                    Ok(())
                });
            }
        }
    }
    let mut child = cmd.spawn().map_err(|error| LaunchError::Start { binary: qemu.clone(), error })?;
    let stdin = child.stdin.take().expect("stdin is piped");
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take();
    Ok(Spawned { target: Target::new(child, qemu), stdin, stdout, stderr })
}

impl Target {
    pub(crate) fn new(child: Child, qemu: PathBuf) -> Target {
        Target { child, qemu, reaped: false }
    }

    /// QEMU's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Wait until QEMU exits, `deadline` passes (None: never) or `stop()`
    /// returns true; in the last two cases QEMU is killed and reaped.
    /// `stop` is asked every few milliseconds.
    pub fn wait(&mut self, deadline: Option<Instant>, stop: impl Fn() -> bool) -> Result<Exit, LaunchError> {
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    self.reaped = true;
                    return Ok(match status.code() {
                        Some(code) => Exit::Status(code),
                        None => Exit::Signal(std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0)),
                    });
                }
                Ok(None) if deadline.is_some_and(|d| Instant::now() >= d) => {
                    self.kill();
                    return Ok(Exit::TimedOut);
                }
                Ok(None) if stop() => {
                    self.kill();
                    return Ok(Exit::Stopped);
                }
                Ok(None) => std::thread::sleep(crate::POLL),
                Err(error) => {
                    self.kill();
                    return Err(LaunchError::Wait { binary: self.qemu.clone(), error });
                }
            }
        }
    }

    /// Kill QEMU if it still runs, and reap it.
    pub fn kill(&mut self) {
        if !self.reaped {
            let _ = self.child.kill();
            let _ = self.child.wait();
            self.reaped = true;
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        self.kill();
    }
}
