//! The launcher against stand-ins for QEMU: shell scripts that print their
//! arguments, write CRLF lines, exit with a status or hang.

use super::*;
use std::os::unix::fs::PermissionsExt;

/// A stand-in QEMU running `body` under /bin/sh, in a directory of its own.
fn fake(name: &str, body: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("probec-qemu-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("qemu");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn opts(qemu: PathBuf) -> Options {
    Options { qemu: Some(qemu), ..Options::default() }
}

#[test]
fn passes_the_machine_and_returns_the_status_and_console() {
    let qemu = fake("args", "for a in \"$@\"; do printf 'arg: %s\\r\\n' \"$a\"; done\necho oops >&2\nexit 7");
    let o = Options { smp: 4, icount: true, extra: vec!["-d".into(), "int".into()], ..opts(qemu) };
    let run = run(Path::new("/k/kernel"), "max", "script=/t/x.o fib 10", Duration::from_secs(30), &o).unwrap();
    assert_eq!(run.status, Some(7));
    assert!(!run.timed_out);
    assert!(!run.output.contains('\r'), "CRs dropped: {:?}", run.output);
    let args: Vec<&str> = run.output.lines().filter_map(|l| l.strip_prefix("arg: ")).collect();
    let want = "-M virt,gic-version=3 -cpu max -m 256M -nographic -no-reboot -semihosting-config enable=on,target=native -smp 4 -icount shift=0 -d int -kernel /k/kernel -append";
    assert_eq!(args[..want.split(' ').count()].join(" "), want);
    // The command line is the last argument.
    let rest = &args[want.split(' ').count()..];
    assert_eq!(rest, ["script=/t/x.o fib 10"]);
    assert!(run.output.ends_with("\n[qemu stderr] oops\n"), "stderr appended: {:?}", run.output);
}

#[test]
fn a_hanging_kernel_is_killed_at_the_deadline() {
    let qemu = fake("hang", "echo booting\nexec sleep 60");
    let start = Instant::now();
    let run = run(Path::new("k"), "cortex-a57", "", Duration::from_millis(300), &opts(qemu)).unwrap();
    assert!(start.elapsed() < Duration::from_secs(20));
    assert!(run.timed_out);
    assert_eq!(run.status, None);
    assert_eq!(run.output, "booting\n");
}

#[test]
fn streaming_alone_keeps_nothing() {
    let qemu = fake("stream", "echo hello");
    let o = Options { console: Console::Stream, ..opts(qemu) };
    let run = run(Path::new("k"), "cortex-a57", "", Duration::from_secs(30), &o).unwrap();
    assert_eq!(run.status, Some(0));
    assert_eq!(run.output, "");
}

#[test]
fn a_missing_qemu_is_an_error_that_says_what_to_install() {
    let o = opts(PathBuf::from("/nonexistent/qemu-system-aarch64"));
    let err = run(Path::new("k"), "cortex-a57", "", Duration::from_secs(1), &o).unwrap_err();
    assert!(matches!(err, LaunchError::Start { .. }));
    let msg = err.to_string();
    assert!(msg.starts_with("cannot start /nonexistent/qemu-system-aarch64: ") && msg.contains("qemu-system-arm"), "{msg}");
}

#[test]
fn pipes_put_the_serial_line_alone_on_stdio() {
    let qemu = fake("pipes", "for a in \"$@\"; do printf 'arg: %s\\n' \"$a\"; done");
    let o = Options { serial: Serial::Pipes, ..opts(qemu) };
    let run = run(Path::new("/k/kernel"), "max", "fib 10", Duration::from_secs(30), &o).unwrap();
    let args: Vec<&str> = run.output.lines().filter_map(|l| l.strip_prefix("arg: ")).collect();
    let want = "-M virt,gic-version=3 -cpu max -m 256M -display none -monitor none -chardev stdio,id=serial0,signal=off -serial chardev:serial0 -no-reboot -semihosting-config enable=on,target=native -kernel /k/kernel -append fib 10";
    assert_eq!(args.join(" "), want);
}

/// Read all of `from` on a thread.
fn read_all(mut from: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = from.read_to_end(&mut all);
        all
    })
}

#[test]
fn spawn_passes_every_byte_value_both_ways_and_returns_the_status() {
    // `cat` is a serial line that echoes; the status comes after stdin ends.
    let qemu = fake("spawn-echo", "cat\nexit 5");
    let o = Options { serial: Serial::Pipes, ..opts(qemu) };
    let mut s = spawn(Path::new("k"), "cortex-a57", "", &o).unwrap();
    let out = read_all(s.stdout);
    let bytes: Vec<u8> = (0..=255u8).chain([0, 1, b'x', 0]).collect();
    std::io::Write::write_all(&mut s.stdin, &bytes).unwrap();
    drop(s.stdin);
    assert_eq!(s.target.wait(Some(Instant::now() + Duration::from_secs(30)), || false).unwrap(), Exit::Status(5));
    assert_eq!(out.join().unwrap(), bytes);
}

#[test]
fn spawn_kills_at_the_deadline_on_a_stop_request_and_when_dropped() {
    let qemu = fake("spawn-hang", "exec sleep 60");
    let o = Options { serial: Serial::Pipes, ..opts(qemu) };
    let start = Instant::now();
    let mut s = spawn(Path::new("k"), "cortex-a57", "", &o).unwrap();
    assert_eq!(s.target.wait(Some(Instant::now() + Duration::from_millis(200)), || false).unwrap(), Exit::TimedOut);
    let mut s2 = spawn(Path::new("k"), "cortex-a57", "", &o).unwrap();
    let asked = std::sync::atomic::AtomicU32::new(0);
    let stop = || asked.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= 3;
    assert_eq!(s2.target.wait(None, stop).unwrap(), Exit::Stopped);
    // Dropped: killed, so its stdout ends.
    let s3 = spawn(Path::new("k"), "cortex-a57", "", &o).unwrap();
    let out = read_all(s3.stdout);
    drop(s3.target);
    assert_eq!(out.join().unwrap(), b"");
    assert!(start.elapsed() < Duration::from_secs(20));
    drop((s.stdin, s2.stdin));
}

#[test]
fn a_target_killed_by_a_signal_says_which() {
    let qemu = fake("spawn-signal", "kill -TERM $$");
    let o = Options { serial: Serial::Pipes, ..opts(qemu) };
    let mut s = spawn(Path::new("k"), "cortex-a57", "", &o).unwrap();
    assert_eq!(s.target.wait(Some(Instant::now() + Duration::from_secs(30)), || false).unwrap(), Exit::Signal(15));
}

#[cfg(target_os = "linux")]
#[test]
fn a_spawned_target_dies_with_the_thread_that_spawned_it() {
    // What makes QEMU go when its caller is killed with SIGKILL: the
    // parent-death signal, which Linux sends when the spawning thread ends.
    let qemu = fake("spawn-orphan", "exec sleep 60");
    let o = Options { serial: Serial::Pipes, ..opts(qemu) };
    let s = std::thread::spawn(move || spawn(Path::new("k"), "cortex-a57", "", &o).unwrap()).join().unwrap();
    let start = Instant::now();
    let out = read_all(s.stdout);
    assert_eq!(out.join().unwrap(), b"");
    assert!(start.elapsed() < Duration::from_secs(20));
    let mut target = s.target;
    assert_eq!(target.wait(None, || false).unwrap(), Exit::Signal(9));
}
