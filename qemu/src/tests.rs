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
