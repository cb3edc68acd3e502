//! `probec boot` as a user runs it: the built binary with a stand-in for
//! QEMU (`PROBEC_QEMU`, a shell script), its stdout, stderr, exit status,
//! the agent's port and signals. The proxy itself is tested in
//! host/src/boot; a boot of the real reference kernel is by hand or in the
//! end-to-end suite.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("probec-boot-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A stand-in for qemu-system-aarch64 running `body`, and a kernel file.
fn fake(dir: &Path, body: &str) -> (PathBuf, PathBuf) {
    let qemu = dir.join("qemu");
    std::fs::write(&qemu, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&qemu, std::fs::Permissions::from_mode(0o755)).unwrap();
    let kernel = dir.join("kernel");
    std::fs::write(&kernel, b"not an ELF: the stand-in does not read it").unwrap();
    (qemu, kernel)
}

fn boot(qemu: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_probec"));
    c.arg("boot").env("PROBEC_QEMU", qemu);
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn console_on_stdout_agent_line_on_stderr_and_the_target_status() {
    let dir = temp_dir("status");
    // The kernel gets its command line as QEMU's last argument.
    let (qemu, kernel) = fake(&dir, "for a; do last=$a; done\nprintf '%s\\r\\n\\000frame\\000done\\r\\n' \"$last\"\nexit 7");
    let o: Output = boot(&qemu).args(["--kernel", kernel.to_str().unwrap(), "--", "fib", "10"]).output().unwrap();
    assert_eq!(o.status.code(), Some(7), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "fib 10\ndone\n");
    let err = text(&o.stderr);
    let port: u16 = err.strip_prefix("probec boot: agent on tcp:127.0.0.1:").and_then(|r| r.trim_end().parse().ok()).expect(&err);
    assert_ne!(port, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_client_talks_to_the_target_and_sigterm_stops_it() {
    let dir = temp_dir("sigterm");
    // A serial line that echoes: the client's frame comes back.
    let (qemu, kernel) = fake(&dir, "echo booted\nexec cat");
    let mut child = boot(&qemu)
        .args(["--kernel", kernel.to_str().unwrap(), "--agent", "tcp:127.0.0.1:0", "--", "serve", "fib", "22"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = line.trim_end().strip_prefix("probec boot: agent on tcp:").expect(&line).to_string();
    let mut c = TcpStream::connect(&addr).unwrap();
    c.write_all(b"\0hello\x01target\0").unwrap();
    let mut back = [0u8; 14];
    c.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"\0hello\x01target\0");
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143));
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert_eq!(out, "booted\n");
    // The target is gone: the client's connection ends.
    let mut rest = Vec::new();
    c.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    assert_eq!(c.read_to_end(&mut rest).unwrap(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_timeout_kills_the_target() {
    let dir = temp_dir("timeout");
    let (qemu, kernel) = fake(&dir, "exec sleep 60");
    let start = std::time::Instant::now();
    let o = boot(&qemu).args(["--kernel", kernel.to_str().unwrap(), "--timeout", "1"]).output().unwrap();
    assert!(start.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("the target did not exit within 1 s; killed it"), "{}", text(&o.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_address_that_is_not_loopback_needs_agent_any() {
    let dir = temp_dir("any");
    let (qemu, kernel) = fake(&dir, "echo booted");
    let o = boot(&qemu).args(["--kernel", kernel.to_str().unwrap(), "--agent", "tcp:0.0.0.0:0"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "nothing booted");
    assert!(text(&o.stderr).contains("not a loopback address") && text(&o.stderr).contains("--agent-any"), "{}", text(&o.stderr));
    let o = boot(&qemu).args(["--kernel", kernel.to_str().unwrap(), "--agent", "tcp:0.0.0.0:0", "--agent-any"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stderr).starts_with("probec boot: agent on tcp:0.0.0.0:"), "{}", text(&o.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_has_an_example() {
    let o = Command::new(env!("CARGO_BIN_EXE_probec")).args(["boot", "--help"]).output().unwrap();
    assert!(o.status.success());
    let help = text(&o.stdout);
    assert!(help.contains("probec boot --kernel refkernel --agent tcp:127.0.0.1:4444 -- serve fib 22"), "{help}");
}
