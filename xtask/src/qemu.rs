//! Booting the reference kernel under qemu-system-aarch64.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a QEMU run produced.
pub struct Run {
    /// Everything the kernel printed on its console.
    pub output: String,
    /// The exit status the kernel gave through semihosting (None: killed).
    pub status: Option<i32>,
    /// The run was killed after the timeout.
    pub timed_out: bool,
}

/// Extra options for a run.
#[derive(Default, Clone)]
pub struct Options {
    /// Count instructions exactly (`-icount shift=0`).
    pub icount: bool,
    /// Print the console as it arrives as well as capturing it.
    pub stream: bool,
    /// More QEMU arguments (tracing options, for example).
    pub extra: Vec<String>,
    /// CPUs (`-smp N`); 0 means QEMU's default, one CPU.
    pub smp: u32,
}

/// Boot `kernel` on `cpu` with kernel command line `args`; kill it after
/// `timeout`. A kernel that hangs fails loudly instead of hanging the tests.
pub fn run(kernel: &Path, cpu: &str, args: &str, timeout: Duration, opts: &Options) -> Result<Run, String> {
    let mut cmd = Command::new("qemu-system-aarch64");
    cmd.args(["-M", "virt", "-cpu", cpu, "-m", "256M", "-nographic", "-no-reboot"])
        .args(["-semihosting-config", "enable=on,target=native"])
        .arg("-kernel")
        .arg(kernel)
        .args(["-append", args]);
    if opts.smp > 0 {
        cmd.args(["-smp", &opts.smp.to_string()]);
    }
    if opts.icount {
        cmd.args(["-icount", "shift=0"]);
    }
    cmd.args(&opts.extra);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start qemu-system-aarch64: {e}"))?;
    let mut stdout = child.stdout.take().expect("piped");
    let stream = opts.stream;
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if stream {
                        use std::io::Write;
                        let mut out = std::io::stdout();
                        let _ = out.write_all(&buf[..n]);
                        let _ = out.flush();
                    }
                    all.extend_from_slice(&buf[..n]);
                }
            }
        }
        all
    });
    let start = Instant::now();
    let (status, timed_out) = loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("qemu: {e}"))? {
            break (status.code(), false);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let mut output = String::from_utf8_lossy(&reader.join().unwrap_or_default()).replace("\r\n", "\n");
    if !stderr.trim().is_empty() {
        output.push_str("\n[qemu stderr] ");
        output.push_str(&stderr);
    }
    Ok(Run { output, status, timed_out })
}
