//! The target of the live suite: a reference kernel in `serve` mode booted
//! by `probec boot`, its console kept, its agent's address known; and what
//! "as it was" means after each scenario.

use probec_host::connection::Connection;
use probec_host::status::Status;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The target's command line: small workloads so iterations are many.
pub(crate) const SERVE: [&str; 7] = ["serve", "fib", "15", "sha256", "2000", "deflate", "2000"];

/// A target booted by `probec boot`.
pub(crate) struct Target {
    boot: Child,
    /// `tcp:127.0.0.1:PORT`.
    pub(crate) agent: String,
    /// `127.0.0.1:PORT`.
    addr: String,
    console: Arc<Mutex<String>>,
}

impl Target {
    pub(crate) fn boot(probec: &Path, elf: &Path, cpu: &str) -> Result<Target, String> {
        Self::boot_with(probec, elf, cpu, &SERVE)
    }

    /// Boot with the kernel command line `serve`.
    pub(crate) fn boot_with(probec: &Path, elf: &Path, cpu: &str, serve: &[&str]) -> Result<Target, String> {
        let mut boot = Command::new(probec)
            .args(["boot", "--kernel"])
            .arg(elf)
            .args(["--smp", "4", "--cpu", cpu, "--agent", "tcp:127.0.0.1:0", "--timeout", "900", "--"])
            .args(serve)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("probec boot: {e}"))?;
        let console = Arc::new(Mutex::new(String::new()));
        let out = boot.stdout.take().expect("piped");
        let sink = console.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let mut c = sink.lock().unwrap_or_else(|e| e.into_inner());
                c.push_str(&line);
                c.push('\n');
            }
        });
        let err = boot.stderr.take().expect("piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if let Some(a) = line.strip_prefix("probec boot: agent on ") {
                    let _ = tx.send(a.trim().to_string());
                } else {
                    eprintln!("[probec boot] {line}");
                }
            }
        });
        let agent = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(a) => a,
            Err(_) => {
                let _ = boot.kill();
                return Err("probec boot did not print its agent address".into());
            }
        };
        let addr = agent.strip_prefix("tcp:").unwrap_or(&agent).to_string();
        let target = Target { boot, agent, addr, console };
        // The agent answers once the kernel reached `serve`.
        let start = Instant::now();
        while target.status().is_err() {
            if start.elapsed() > Duration::from_secs(120) {
                return Err(format!("the agent never answered status; console:\n{}", target.console()));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(target)
    }

    pub(crate) fn console(&self) -> String {
        self.console.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn connect(&self) -> Result<Connection, String> {
        Connection::connect(&self.addr, Duration::from_secs(5)).map_err(|e| format!("connect {}: {e}", self.addr))
    }

    pub(crate) fn status(&self) -> Result<Status, String> {
        let mut c = self.connect()?;
        Status::query(&mut c).map_err(|e| e.to_string())
    }

    /// `probec attach AGENT --kernel ELF ARGS...`: (status, stdout, stderr).
    pub(crate) fn attach(&self, probec: &Path, elf: &Path, args: &[&str]) -> Result<(Option<i32>, String, String), String> {
        let elf = elf.to_str().ok_or("the kernel path is not UTF-8")?;
        let all: Vec<&str> = ["--kernel", elf].into_iter().chain(args.iter().copied()).collect();
        let mut child = self.spawn_attach(probec, &all, Stdio::piped())?;
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut out = child.stdout.take().expect("piped");
        let mut err = child.stderr.take().expect("piped");
        let t_out = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        });
        let t_err = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        let status = loop {
            if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
                break s.code();
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err("probec attach hung (killed after 120 s)".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Ok((status, t_out.join().unwrap_or_default(), t_err.join().unwrap_or_default()))
    }

    /// Start `probec attach AGENT ARGS...` with its standard output piped.
    pub(crate) fn spawn_attach(&self, probec: &Path, args: &[&str], stderr: Stdio) -> Result<Child, String> {
        Command::new(probec)
            .arg("attach")
            .arg(&self.agent)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("probec attach: {e}"))
    }

    pub(crate) fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.boot.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.boot.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.boot.kill();
        let _ = self.boot.wait();
    }
}

/// `probec [--kernel KERNEL] -e PROGRAM -o OUT`: the object's bytes.
pub(crate) fn compile(probec: &Path, kernel: Option<&Path>, program: &str, out: &Path) -> Result<Vec<u8>, String> {
    let mut cmd = Command::new(probec);
    if let Some(k) = kernel {
        cmd.arg("--kernel").arg(k);
    }
    let o = cmd.args(["-e", program, "-o"]).arg(out).output().map_err(|e| e.to_string())?;
    if !o.status.success() {
        return Err(format!("compiling {program}: {}", String::from_utf8_lossy(&o.stderr)));
    }
    std::fs::read(out).map_err(|e| e.to_string())
}

/// What "as it was" means: measured once before the first attach.
pub(super) struct Baseline {
    pub(super) text_crc: u32,
    pub(super) build_id: Vec<u8>,
}

/// Wait until no script is attached and no point armed (a lapsed lease
/// takes up to its length), then check the text and the self-checks.
pub(super) fn settled(t: &Target, base: &Baseline) -> Result<(), String> {
    let start = Instant::now();
    loop {
        let st = t.status()?;
        if st.armed == 0 && st.scripts.is_empty() {
            if st.text_crc != base.text_crc {
                return Err(format!("kernel text changed: crc {:08x}, was {:08x}", st.text_crc, base.text_crc));
            }
            if st.failures() != 0 {
                return Err(format!("self-check failures: {}\n{}", st.failures(), st.to_text()));
            }
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(10) {
            return Err(format!("still attached after 10 s:\n{}", st.to_text()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
