//! The reference kernel's pieces for live attach, tested under QEMU:
//!
//! - `serve-test`: the `serve` command's workload threads (one per pair,
//!   each iteration self-checked against an unprobed reference) for a few
//!   seconds on 4 CPUs, both CPU models: every pair must have run and none
//!   may have failed;
//! - `info`'s `build-id:` line must equal the GNU build-id of the ELF as
//!   the host reads it (the `object` crate);
//! - `uart-test`: a line sent to the console UART's input is received by
//!   polling (`uart::read_byte`) and echoed back byte for byte.
//!
//! `cargo xtask serve` runs these alone; `cargo xtask test` runs them too.

use crate::qemu;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// CPU models `serve-test` runs on.
const SERVE_CPUS: [&str; 2] = ["cortex-a57", "max"];

/// The pairs and how long (seconds) `serve-test` runs them: every
/// workload, small arguments (each pair gets thousands of iterations).
const SERVE_SECONDS: u64 = 2;
const SERVE_PAIRS: [(&str, u64); 4] = [("fib", 15), ("sha256", 2000), ("deflate", 2000), ("sort", 500)];

/// Every run here takes a few seconds; this long means hung.
const TIMEOUT: Duration = Duration::from_secs(120);

/// All of these tests: (passed, failed).
pub fn run(elf: &Path) -> Result<(u64, u64), String> {
    let mut results = Vec::new();
    for cpu in SERVE_CPUS {
        results.push(serve_test(elf, cpu)?);
    }
    results.push(build_id_test(elf)?);
    results.push(uart_test(elf)?);
    let passed = results.iter().filter(|&&ok| ok).count() as u64;
    Ok((passed, results.len() as u64 - passed))
}

/// `cargo xtask serve`: build the kernel and run these tests alone.
pub fn standalone() -> Result<(), String> {
    crate::setup::run()?;
    let elf = crate::kernel::build()?;
    let (passed, failed) = run(&elf)?;
    println!("serve: {passed} passed, {failed} failed");
    match failed {
        0 => Ok(()),
        n => Err(format!("{n} failed")),
    }
}

/// Print `LABEL: ok|FAILED (why)` and the output if it failed.
fn report(label: &str, problems: &[String], output: &str, secs: f64) -> bool {
    if problems.is_empty() {
        println!("{label}: ok ({secs:.0} s)");
        return true;
    }
    println!("{label}: FAILED ({})", problems.join("; "));
    eprintln!("---- {label} output ----\n{output}");
    false
}

/// `serve-test SECONDS PAIRS...` on `cpu` with 4 CPUs: exit 0, and a line
/// `serve-test: LABEL: N iterations, 0 failures` with N ≥ 1 per pair.
fn serve_test(elf: &Path, cpu: &str) -> Result<bool, String> {
    let pairs: Vec<String> = SERVE_PAIRS.iter().map(|(w, a)| format!("{w} {a}")).collect();
    let args = format!("serve-test {SERVE_SECONDS} {}", pairs.join(" "));
    let opts = qemu::Options { smp: 4, ..qemu::Options::default() };
    let start = Instant::now();
    let run = qemu::run(elf, cpu, &args, TIMEOUT, &opts)?;
    let secs = start.elapsed().as_secs_f64();
    let mut problems = Vec::new();
    if run.status != Some(0) {
        problems.push(format!("exit status {:?}{}", run.status, if run.timed_out { " (hung)" } else { "" }));
    }
    let mut total = 0;
    for label in &pairs {
        match parse_pair(&run.output, label) {
            Some((iterations, failures)) => {
                total += iterations;
                if iterations == 0 || failures != 0 {
                    problems.push(format!("{label}: {iterations} iterations, {failures} failures"));
                }
            }
            None => problems.push(format!("no line for {label}")),
        }
    }
    if !run.output.lines().any(|l| l == "serve-test: self-check failures: 0") {
        problems.push("no `self-check failures: 0`".into());
    }
    let label = format!("serve-test {cpu} (-smp 4, {} pairs, {total} iterations)", pairs.len());
    Ok(report(&label, &problems, &run.output, secs))
}

/// (iterations, failures) from `serve-test: LABEL: N iterations, F failures`.
fn parse_pair(output: &str, label: &str) -> Option<(u64, u64)> {
    let prefix = format!("serve-test: {label}: ");
    let rest = output.lines().find_map(|l| l.strip_prefix(prefix.as_str()))?;
    let (n, f) = rest.strip_suffix(" failures")?.split_once(" iterations, ")?;
    Some((n.parse().ok()?, f.parse().ok()?))
}

/// `info` prints `build-id: HEX`, the ELF's GNU build-id read on the host.
fn build_id_test(elf: &Path) -> Result<bool, String> {
    use object::Object;
    let data = std::fs::read(elf).map_err(|e| format!("{}: {e}", elf.display()))?;
    let file = object::File::parse(&*data).map_err(|e| format!("{}: {e}", elf.display()))?;
    let host = match file.build_id() {
        Ok(Some(id)) => Some(id.iter().map(|b| format!("{b:02x}")).collect::<String>()),
        _ => None,
    };
    let start = Instant::now();
    let run = qemu::run(elf, "cortex-a57", "info", TIMEOUT, &qemu::Options::default())?;
    let secs = start.elapsed().as_secs_f64();
    let target = run.output.lines().find_map(|l| l.strip_prefix("build-id: ")).map(str::to_string);
    let mut problems = Vec::new();
    match (&host, &target) {
        (None, _) => problems.push("the ELF has no GNU build-id note".into()),
        (Some(h), _) if h.len() != 40 => problems.push(format!("the ELF's build-id {h} is not 20 bytes (sha1)")),
        (Some(_), None) => problems.push("no `build-id:` line".into()),
        (Some(h), Some(t)) if h != t => problems.push(format!("the kernel says {t}, the ELF {h}")),
        _ => {}
    }
    if run.status != Some(0) {
        problems.push(format!("exit status {:?}", run.status));
    }
    let label = format!("build-id in info = ELF's ({})", host.as_deref().unwrap_or("none"));
    Ok(report(&label, &problems, &run.output, secs))
}

/// `uart-test`: wait for its prompt, send a line longer than the UART's
/// receive FIFO on QEMU's standard input, and expect it echoed back with
/// the right length and hash and no receive errors.
fn uart_test(elf: &Path) -> Result<bool, String> {
    // Printable ASCII only (QEMU's console multiplexer takes Ctrl-A).
    let line: String = (0..300u32).map(|i| char::from(b'!' + (i * 7 % 90) as u8)).collect();
    let hash = line.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    let start = Instant::now();
    let (output, status) = run_with_input(elf, "uart-test", "uart-test: send a line", &format!("{line}\n"))?;
    let secs = start.elapsed().as_secs_f64();
    let mut problems = Vec::new();
    if status != Some(0) {
        problems.push(format!("exit status {status:?}"));
    }
    if !output.lines().any(|l| l.strip_prefix("uart-test: echo: ") == Some(line.as_str())) {
        problems.push("the line did not come back as sent".into());
    }
    let want = format!("uart-test: received {} bytes, fnv1a64 {hash:#018x}, 0 with errors", line.len());
    if !output.lines().any(|l| l == want) {
        problems.push(format!("no `{want}`"));
    }
    Ok(report(&format!("uart-test ({} bytes in)", line.len()), &problems, &output, secs))
}

/// Boot `elf` with `append` on cortex-a57, send `input` to the console
/// once the line `prompt` has been printed (bytes sent earlier would be
/// lost: the kernel resets the UART's receive FIFO when it programs the
/// UART), and wait for QEMU to exit. Returns the console output (CRs
/// dropped) and the exit status (None: killed after [`TIMEOUT`]).
fn run_with_input(elf: &Path, append: &str, prompt: &str, input: &str) -> Result<(String, Option<i32>), String> {
    let binary = probec_qemu::binary();
    let mut child = probec_qemu::command(&binary, elf, "cortex-a57", append, &qemu::Options::default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let stdout = child.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line.replace('\r', "")).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + TIMEOUT;
    let mut output = String::new();
    // Kept open until QEMU exits (EOF on its standard input is a hangup).
    let mut stdin = child.stdin.take().expect("piped");
    let mut sent = false;
    let status = loop {
        match rx.recv_timeout(Duration::from_millis(10)) {
            Ok(line) => {
                if line == prompt && !sent {
                    sent = true;
                    if let Err(e) = stdin.write_all(input.as_bytes()).and_then(|_| stdin.flush()) {
                        let _ = child.kill();
                        let _ = child.wait();
                        return Err(format!("writing to QEMU: {e}"));
                    }
                }
                output.push_str(&line);
                output.push('\n');
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break child.wait().map_err(|e| e.to_string())?.code(),
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            output.push_str("---- killed: the kernel hung ----\n");
            break None;
        }
    };
    drop(stdin);
    let _ = reader.join();
    Ok((output, status))
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_pair_lines() {
        let out = "serve-test: fib 15: 41406 iterations, 0 failures\nserve-test: sha256 2000: 3 iterations, 2 failures\n";
        assert_eq!(super::parse_pair(out, "fib 15"), Some((41406, 0)));
        assert_eq!(super::parse_pair(out, "sha256 2000"), Some((3, 2)));
        assert_eq!(super::parse_pair(out, "fib 1"), None);
        assert_eq!(super::parse_pair("serve-test: fib 15: many iterations, 0 failures", "fib 15"), None);
    }
}
