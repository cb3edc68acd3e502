//! `probec lines` and `probec run` as a user runs them: the built binary,
//! its stdout, stderr and exit status.
//!
//! `lines` is tested on an object probec itself compiles (an ELF with
//! function symbols and known code), and on the reference kernel when it
//! has been built. `run` is tested with a stand-in for QEMU (`PROBEC_QEMU`,
//! a shell script) so that the command line it builds, the streaming, the
//! exit status and the timeout are checked without booting anything; the
//! real boots are `cargo xtask test`'s example suite (xtask/src/examples.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn probec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_probec")).args(args).output().expect("run probec")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("probec-run-lines-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Compile `program` into `dir/name.o`.
fn compile(dir: &Path, name: &str, program: &str) -> PathBuf {
    let out = dir.join(format!("{name}.o"));
    let o = probec(&["-e", program, "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    out
}

#[test]
fn lines_lists_every_instruction_of_a_handler() {
    let dir = temp_dir("lines");
    let obj = compile(&dir, "count", "kprobe:a { @x = count(); } kretprobe:b { @h = hist(retval); }");
    let o = probec(&["lines", "--kernel", obj.to_str().unwrap(), "kprobe:a"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    // Header: name, address, size and count agree with each other.
    let header = lines[0];
    assert!(header.starts_with("kprobe:a at 0x0, "), "{header}");
    let size: usize = header.split(", ").nth(1).unwrap().strip_suffix(" bytes").unwrap().parse().unwrap();
    let count: usize = header.split(", ").nth(2).unwrap().strip_suffix(" instructions").unwrap().parse().unwrap();
    assert_eq!(size, 4 * count);
    assert_eq!(lines.len(), 1 + count);
    for (i, line) in lines[1..].iter().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields[0], format!("+{}", 4 * i), "{line}");
        assert_eq!(fields[1].len(), 8, "the word in hex: {line}");
        assert!(["xol", "simulate", "reject"].contains(&fields[2]), "{line}");
    }
    // A handler starts with a frame push (out of line) and ends with ret
    // (simulated); count() is an LDAXR..STLXR loop, rejected throughout.
    assert!(lines[1].contains("xol") && lines[1].contains("stp x29, x30"), "{}", lines[1]);
    assert!(lines[count].contains("simulate") && lines[count].ends_with("ret"), "{}", lines[count]);
    let ldaxr = lines.iter().position(|l| l.contains("ldaxr")).expect("an exclusive load");
    assert!(lines[ldaxr].contains("reject") && lines[ldaxr].contains("exclusive"));
    assert!(lines[ldaxr + 1].contains("reject"), "inside the sequence: {}", lines[ldaxr + 1]);
    assert!(lines[ldaxr + 1].contains("LDXR..STXR"), "{}", lines[ldaxr + 1]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn lines_suggests_close_names_for_an_unknown_function() {
    let dir = temp_dir("unknown");
    let obj = compile(&dir, "two", "kprobe:alpha { @x = count(); } kprobe:beta { @y = count(); }");
    let o = probec(&["lines", "--kernel", obj.to_str().unwrap(), "kprobe:alpah"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let err = text(&o.stderr);
    assert!(err.contains("no function `kprobe:alpah`"), "{err}");
    assert!(err.contains("close matches:") && err.contains("kprobe:alpha"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn lines_usage_errors() {
    let o = probec(&["lines", "--kernel", "/nonexistent/kernel", "f"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot read /nonexistent/kernel"));
    let o = probec(&["lines", "f"]);
    assert_eq!(o.status.code(), Some(2), "--kernel is required");
    // A file that is not an ELF: a target error.
    let dir = temp_dir("notelf");
    let f = dir.join("not-elf");
    std::fs::write(&f, b"hello").unwrap();
    let o = probec(&["lines", "--kernel", f.to_str().unwrap(), "f"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("not an ELF"));
    let _ = std::fs::remove_dir_all(&dir);
}

// `probec lines` on the real reference kernel needs the cross build: it is
// checked by `cargo xtask test` (xtask/src/test.rs, lines_on_the_kernel),
// which builds the kernel first, rather than here where it could only skip.

/// A stand-in for qemu-system-aarch64 running `body` (it never answers
/// the agent's protocol: these tests cover what happens around it).
fn fake_qemu(dir: &Path, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("fake-qemu");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn probec_run(qemu: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_probec")).arg("run").args(args).env("PROBEC_QEMU", qemu).output().expect("run probec")
}

#[test]
fn run_boots_with_the_loading_convention_and_exits_with_the_target_status() {
    let dir = temp_dir("run");
    let kernel = dir.join("kernel");
    std::fs::write(&kernel, b"not really a kernel").unwrap();
    // Print the arguments and a CRLF line (as a serial console sends), and
    // exit 7 without a script ever being attached.
    let qemu = fake_qemu(
        &dir,
        r#"for a in "$@"; do echo "arg: $a"; done
printf 'fib(10) = 55\r\n'
exit 7"#,
    );
    let k = kernel.to_str().unwrap();
    let o = probec_run(&qemu, &["--kernel", k, "--cpu", "max", "-e", "kprobe:f { @c = count(); }", "--", "fib", "10"]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(7), "the target's status: {out}{}", text(&o.stderr));
    let args: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("arg: ")).collect();
    let at = |flag: &str| args[args.iter().position(|a| *a == flag).unwrap_or_else(|| panic!("{flag} in {args:?}")) + 1];
    assert_eq!(at("-M"), "virt,gic-version=3");
    assert_eq!(at("-smp"), "4", "four CPUs unless --smp says otherwise");
    assert_eq!(at("-cpu"), "max");
    assert_eq!(at("-m"), "256M");
    assert_eq!(at("-semihosting-config"), "enable=on,target=native");
    assert!(!args.contains(&"-nographic"), "the serial line is on pipes, not the monitor's mux: {args:?}");
    assert!(Path::new(at("-kernel")).is_absolute(), "argv[0] lets the kernel find its own ELF");
    assert_eq!(at("-append"), "script=agent fib 10");
    assert!(out.contains("fib(10) = 55\n") && !out.contains('\r'), "CRs dropped: {out:?}");
    // With JSON, the console's lines are records too.
    let o = probec_run(&qemu, &["--kernel", k, "--format", "json", "-e", "kprobe:f { @c = count(); }", "--", "fib", "10"]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(7));
    assert!(out.lines().all(|l| l.starts_with("{\"type\": \"console\", \"data\": \"") && l.ends_with("\"}")), "{out}");
    assert!(out.contains("{\"type\": \"console\", \"data\": \"fib(10) = 55\"}\n"), "{out}");
    // A target that exits 0 without the script having run is a failure.
    let qemu0 = fake_qemu(&dir, "echo hello\nexit 0");
    let o = probec_run(&qemu0, &["--kernel", k, "-e", "kprobe:f { @c = count(); }", "--", "fib", "10"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("exited before the script ran"), "{}", text(&o.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_reports_errors_before_booting() {
    let dir = temp_dir("errors");
    let kernel = dir.join("kernel");
    std::fs::write(&kernel, b"k").unwrap();
    let marker = dir.join("booted");
    let qemu = fake_qemu(&dir, &format!("touch {}\nexit 0", marker.display()));
    let k = kernel.to_str().unwrap();
    // A script error: exit 1 with diagnostics, nothing booted.
    let o = probec_run(&qemu, &["--kernel", k, "-e", "kprobe:f { @c = $undefined + 1; }"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("error"), "{}", text(&o.stderr));
    // A script file that is not UTF-8: a located script error, exit 1.
    let latin1 = dir.join("latin1.pr");
    std::fs::write(&latin1, b"BEGIN { printf(\"caf\xe9\\n\"); }\n").unwrap();
    let o = probec_run(&qemu, &["--kernel", k, latin1.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("latin1.pr:1:20"), "{}", text(&o.stderr));
    // Usage: no kernel file, no program, a kernel argument with a space.
    let o = probec_run(&qemu, &["--kernel", "/nonexistent/kernel", "-e", "kprobe:f { @c = count(); }"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("/nonexistent/kernel"));
    let o = probec_run(&qemu, &["--kernel", k]);
    assert_eq!(o.status.code(), Some(2));
    let o = probec_run(&qemu, &["--kernel", k, "-e", "kprobe:f { @c = count(); }", "--", "fib 10"]);
    assert_eq!(o.status.code(), Some(2));
    let o = probec_run(&qemu, &["-e", "kprobe:f { @c = count(); }"]);
    assert_eq!(o.status.code(), Some(2), "--kernel is required");
    let o = probec_run(&qemu, &["--kernel", k, "--format", "xml", "-e", "kprobe:f { @c = count(); }"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!marker.exists(), "nothing was booted");
    // QEMU missing: a target error.
    let o = probec_run(&dir.join("no-such-qemu"), &["--kernel", k, "-e", "kprobe:f { @c = count(); }"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("cannot start"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_kills_a_target_that_hangs() {
    let dir = temp_dir("hang");
    let kernel = dir.join("kernel");
    std::fs::write(&kernel, b"k").unwrap();
    let qemu = fake_qemu(&dir, "echo booting\nexec sleep 60");
    let start = std::time::Instant::now();
    let o = probec_run(&qemu, &["--kernel", kernel.to_str().unwrap(), "--timeout", "1", "-e", "kprobe:f { @c = count(); }"]);
    assert!(start.elapsed().as_secs() < 30, "killed after the timeout");
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stdout).contains("booting"));
    assert!(text(&o.stderr).contains("did not exit within 1 s"), "{}", text(&o.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}
