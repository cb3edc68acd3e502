//! The `probec` command line: options, exit statuses, output files.

use std::io::Write;
use std::process::{Command, Stdio};

fn probec() -> Command {
    Command::new(env!("CARGO_BIN_EXE_probec"))
}

fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("probec-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn help_reads_like_bpftrace() {
    let out = probec().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in ["probec [OPTIONS] FILENAME", "-e 'PROGRAM'", "EXAMPLES:", "--emit", "--target-features", "decode"] {
        assert!(text.contains(needle), "--help lacks {needle:?}:\n{text}");
    }
}

#[test]
fn program_on_command_line_writes_default_output() {
    let dir = tmpdir("default");
    let out = probec().current_dir(&dir).args(["-e", "kprobe:f { @c = count(); }"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let obj = std::fs::read(dir.join("probes.o")).unwrap();
    assert_eq!(&obj[..4], b"\x7fELF");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn file_and_output_option() {
    let dir = tmpdir("file");
    let script = dir.join("t.pr");
    std::fs::write(&script, "BEGIN { printf(\"hi\\n\"); }").unwrap();
    let obj = dir.join("out.o");
    let out = probec().arg(&script).arg("-o").arg(&obj).arg("-v").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("compiled"));
    assert!(obj.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn stdin_with_dash() {
    let mut child = probec().args(["-", "--emit", "ast"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"kprobe:f { @c = count(); }").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("kind=count()"));
}

#[test]
fn script_errors_exit_1_with_diagnostics() {
    let out = probec().args(["-e", "kprobe:f { @x = nsec; }", "-o", "/dev/null"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("<command line>:1:17"), "{err}");
    assert!(err.contains("did you mean `nsecs`?"), "{err}");
}

/// Run `probec -e PROGRAM -o /dev/null`; the exit status and stderr.
fn compile_program(program: &std::ffi::OsStr) -> (Option<i32>, String) {
    let out = probec().arg("-e").arg(program).args(["-o", "/dev/null"]).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_script_that_is_not_utf8_is_a_located_script_error() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tmpdir("utf8");
    let script = dir.join("latin1.pr");
    // "// café" in Latin-1: 0xe9 at line 2, column 7, byte offset 27 + 6 = 33.
    std::fs::write(&script, b"kprobe:f { @c = count(); }\n// caf\xe9\n").unwrap();
    let out = probec().arg(&script).args(["-o", "/dev/null"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("latin1.pr:2:7"), "{err}");
    assert!(err.contains("not valid UTF-8: byte offset 33"), "{err}");
    assert!(err.contains("0xe9 is not UTF-8"), "{err}");
    assert!(!err.contains("stream did not contain"), "{err}");
    // The same from standard input and from -e.
    let mut child = probec().args(["-", "-o", "/dev/null"]).stdin(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"BEGIN { }\xff").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("<stdin>:1:10"), "{}", String::from_utf8_lossy(&out.stderr));
    let (status, err) = compile_program(std::ffi::OsStr::from_bytes(b"BEGIN { printf(\"\xff\"); }"));
    assert_eq!(status, Some(1), "{err}");
    assert!(err.contains("<command line>:1:17"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn probe_types_the_language_lacks_are_named() {
    for (program, word, column) in [
        ("interval:s:1 { @c = count(); }", "interval", 1),
        ("kprobe:f { @a = count(); }\ntracepoint:sched:sched_switch { @c = count(); }", "tracepoint", 1),
        ("BEGIN { } uprobe:/bin/sh:main { @c = count(); }", "uprobe", 11),
        ("kprobe:f, profile:hz:99 { @c = count(); }", "profile", 11),
        ("kfunc:vfs_read { @c = count(); }", "kfunc", 1),
    ] {
        let (status, err) = compile_program(program.as_ref());
        assert_eq!(status, Some(1), "{program}: {err}");
        assert!(err.contains(&format!("error: unknown probe type `{word}`")), "{program}: {err}");
        let line = program.lines().count();
        assert!(err.contains(&format!("<command line>:{line}:{column}")), "{program}: {err}");
        assert!(err.contains("supported probe types are kprobe (k), kretprobe (kr), BEGIN and END"), "{err}");
        assert!(!err.contains("syntax error"), "{err}");
    }
}

#[test]
fn keywords_the_language_lacks_say_so() {
    for (program, keyword, column, alternative) in [
        ("kprobe:f { $i = 0; while ($i < 3) { $i++; } }", "`while` loops", 20, "for $i : 0..N"),
        ("kprobe:f { for $i : 0..3 { break; } }", "`break`", 28, "under an `if`"),
        ("kprobe:f { for $i : 0..3 { continue; } }", "`continue`", 28, "under an `if`"),
    ] {
        let (status, err) = compile_program(program.as_ref());
        assert_eq!(status, Some(1), "{program}: {err}");
        assert!(err.contains(&format!("error: {keyword} ")) && err.contains("not supported yet"), "{program}: {err}");
        assert!(err.contains(&format!("<command line>:1:{column}")), "{program}: {err}");
        assert!(err.contains(alternative), "{program}: {err}");
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(probec().arg("--no-such-option").output().unwrap().status.code(), Some(2));
    assert_eq!(probec().output().unwrap().status.code(), Some(2));
    assert_eq!(probec().arg("/no/such/file.pr").output().unwrap().status.code(), Some(2));
    let bad_feature = probec().args(["-e", "BEGIN {}", "--target-features", "+sve"]).output().unwrap();
    assert_eq!(bad_feature.status.code(), Some(2));
    let both = probec().args(["x.pr", "-e", "BEGIN {}"]).output().unwrap();
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn emit_kinds_go_to_stdout() {
    for (kind, needle) in [("asm", "<kprobe:f>:"), ("clif", "function"), ("ast", "handler \"kprobe:f\"")] {
        let out = probec().args(["-e", "kprobe:f { @c = count(); }", "--emit", kind]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(needle), "--emit {kind}:\n{text}");
    }
}

#[test]
fn dump_shows_every_pass() {
    let out = probec().args(["-e", "kprobe:f { @c = count(); }", "-d", "-o", "/dev/null"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    for pass in ["parse", "check", "lower", "emit"] {
        assert!(err.contains(&format!("===== after {pass} =====")), "{pass} missing");
    }
}

#[test]
fn decode_subcommand_still_dispatches() {
    // The decode subcommand belongs to another module; only check that the
    // CLI routes to it rather than treating `decode` as a script file.
    let out = probec().args(["decode", "d503201f"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("cannot read decode"), "{err}");
    assert!(out.status.code() == Some(0) || err.contains("probec decode"), "{err}");
}
