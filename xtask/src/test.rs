//! `cargo xtask test` and `cargo xtask demo`.

use crate::{kernel, qemu, setup};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The QEMU configurations every engine test runs on.
const CPUS: [&str; 2] = ["cortex-a57", "max"];
const XOL_MODES: [&str; 2] = ["step", "brk"];

/// A run of the in-kernel suite may take this long before it counts as hung.
const SELFTEST_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
}

/// Parse `<prefix> N passed, M failed` (the line the kernel and cargo print).
fn parse_counts(line: &str) -> Option<(u64, u64)> {
    let (before, after) = line.split_once(" passed")?;
    let passed = before.rsplit(|c: char| !c.is_ascii_digit()).next()?.parse().ok()?;
    let failed_part = after.trim_start_matches([',', ';', ' ']);
    let failed = failed_part.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()?;
    Some((passed, failed))
}

/// Host tests of every workspace crate, streamed; returns their totals.
fn host_tests() -> Result<Tally, String> {
    let mut child = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["test", "--workspace", "--color", "never"])
        .current_dir(crate::repo_root())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cargo test: {e}"))?;
    let mut tally = Tally::default();
    for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line.map_err(|e| e.to_string())?;
        println!("{line}");
        if let Some(rest) = line.strip_prefix("test result: ") {
            if let Some((p, f)) = parse_counts(rest) {
                tally.passed += p;
                tally.failed += f;
            }
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if !status.success() && tally.failed == 0 {
        // A build failure prints no test result: count it, never pass it.
        tally.failed += 1;
    }
    Ok(tally)
}

/// `cargo xtask test`: everything, failing loudly on anything missing.
pub fn run(_args: &[String]) -> Result<(), String> {
    setup::run()?;
    let host = host_tests()?;
    println!("host: {} passed, {} failed", host.passed, host.failed);
    let elf = kernel::build()?;
    let mut total = Tally { passed: host.passed, failed: host.failed };
    for cpu in CPUS {
        for mode in XOL_MODES {
            let run = qemu::run(&elf, cpu, &format!("selftest xol={mode}"), SELFTEST_TIMEOUT, &qemu::Options::default())?;
            let summary = run.output.lines().rev().find_map(|l| l.strip_prefix("selftest: ").and_then(parse_counts));
            let (passed, mut failed) = summary.unwrap_or((0, 0));
            let clean_exit = run.status == Some(if failed == 0 { 0 } else { 1 });
            if summary.is_none() || !clean_exit {
                failed += 1;
            }
            if failed > 0 {
                eprintln!("---- qemu {cpu} {mode} output ----\n{}", run.output);
                if run.timed_out {
                    eprintln!("---- killed after {}s: the kernel hung ----", SELFTEST_TIMEOUT.as_secs());
                }
            }
            println!("qemu {cpu} {mode}: {passed} passed, {failed} failed");
            total.passed += passed;
            total.failed += failed;
        }
    }
    println!("total: {} passed, {} failed", total.passed, total.failed);
    if total.failed > 0 {
        return Err(format!("{} failed", total.failed));
    }
    Ok(())
}

/// `cargo xtask examples`: the example scripts through `probec run` alone.
pub fn examples() -> Result<(), String> {
    setup::run()?;
    let elf = kernel::build()?;
    let (passed, failed) = crate::examples::run(&elf)?;
    println!("examples: {passed} passed, {failed} failed");
    if failed > 0 {
        return Err(format!("{failed} failed"));
    }
    Ok(())
}

/// `cargo xtask demo`: probes on a real workload in the reference kernel.
pub fn demo(args: &[String]) -> Result<(), String> {
    let elf = kernel::build()?;
    let cpu = args.first().map(String::as_str).unwrap_or("cortex-a57");
    let opts = qemu::Options { stream: true, ..Default::default() };
    let run = qemu::run(&elf, cpu, "demo", Duration::from_secs(300), &opts)?;
    match run.status {
        Some(0) => Ok(()),
        other => Err(format!("the kernel exited with {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_counts;

    #[test]
    fn parses_kernel_and_cargo_summaries() {
        assert_eq!(parse_counts("selftest: 12 passed, 3 failed"), Some((12, 3)));
        assert_eq!(parse_counts("ok. 5 passed; 0 failed; 0 ignored"), Some((5, 0)));
        assert_eq!(parse_counts("nothing here"), None);
    }
}
