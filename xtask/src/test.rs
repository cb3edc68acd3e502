//! `cargo xtask test` and `cargo xtask demo`.

use crate::{kernel, qemu, setup};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

/// One QEMU configuration: CPU, XOL mode (`xol=`) and exception frame
/// (`frame=`) of the reference kernel.
#[derive(Clone, Copy, Debug)]
struct Config {
    cpu: &'static str,
    xol: &'static str,
    frame: &'static str,
}

impl Config {
    const fn gp(cpu: &'static str, xol: &'static str) -> Config {
        Config { cpu, xol, frame: "gp" }
    }

    /// `cortex-a57 boost gp`: how the lines name it.
    fn name(&self) -> String {
        format!("{} {} {}", self.cpu, self.xol, self.frame)
    }

    /// The kernel options that select it.
    fn options(&self) -> String {
        format!("xol={} frame={}", self.xol, self.frame)
    }
}

/// Where the engine selftest and the differential suite run: both CPUs in
/// every XOL mode with the kernel's default general-registers frame, and
/// the full frame once so that entry path stays covered.
const ENGINE_CONFIGS: [Config; 7] = [
    Config::gp("cortex-a57", "step"),
    Config::gp("cortex-a57", "brk"),
    Config::gp("cortex-a57", "boost"),
    Config::gp("max", "step"),
    Config::gp("max", "brk"),
    Config::gp("max", "boost"),
    Config { cpu: "cortex-a57", xol: "step", frame: "full" },
];

/// Where probe-every runs: both CPUs in every XOL mode, general registers.
const PROBE_EVERY_CONFIGS: [Config; 6] = [
    Config::gp("cortex-a57", "step"),
    Config::gp("cortex-a57", "brk"),
    Config::gp("cortex-a57", "boost"),
    Config::gp("max", "step"),
    Config::gp("max", "brk"),
    Config::gp("max", "boost"),
];

/// `frame-test` on both CPUs with both frames.
const FRAME_TEST_CONFIGS: [Config; 4] = [
    Config::gp("cortex-a57", "step"),
    Config { frame: "full", ..Config::gp("cortex-a57", "step") },
    Config::gp("max", "step"),
    Config { frame: "full", ..Config::gp("max", "step") },
];

/// A run of the in-kernel suite may take this long before it counts as hung.
const SELFTEST_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
}

impl Tally {
    /// Add one suite's (passed, failed).
    fn add(&mut self, (passed, failed): (u64, u64)) {
        self.passed += passed;
        self.failed += failed;
    }
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

/// Options of `cargo xtask test`: `--seed S` and `--count N` for the
/// differential suite (default: PROBEC_DIFF_SEED / PROBEC_DIFF_COUNT, else
/// the kernel's fixed seed and 100,000).
#[derive(Default, Debug, PartialEq)]
struct DiffArgs {
    seed: Option<String>,
    count: Option<String>,
}

fn parse_args(args: &[String]) -> Result<DiffArgs, String> {
    let mut out = DiffArgs { seed: std::env::var("PROBEC_DIFF_SEED").ok(), count: std::env::var("PROBEC_DIFF_COUNT").ok() };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (key, inline) = match arg.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (arg.as_str(), None),
        };
        let slot = match key {
            "--seed" => &mut out.seed,
            "--count" => &mut out.count,
            _ => return Err(format!("unknown argument {arg:?}; `cargo xtask test [--seed S] [--count N]`")),
        };
        let value = inline.or_else(|| it.next().cloned()).ok_or(format!("{key} needs a value"))?;
        let digits = value.strip_prefix("0x").map_or(value.parse::<u64>().is_ok(), |h| u64::from_str_radix(h, 16).is_ok());
        if !digits {
            return Err(format!("{key} {value}: expected a decimal or 0x-hex number"));
        }
        *slot = Some(value);
    }
    Ok(out)
}

/// `cargo xtask test`: everything, failing loudly on anything missing.
pub fn run(args: &[String]) -> Result<(), String> {
    let diff_args = parse_args(args)?;
    let toolchain = setup::run()?;
    println!("toolchain for the kernel: {toolchain}");
    crate::lint::run()?;
    let host = host_tests()?;
    println!("host: {} passed, {} failed", host.passed, host.failed);
    let elf = kernel::build()?;
    let mut total = Tally { passed: host.passed, failed: host.failed };
    // The exception entry itself: every register through the vectors.
    for config in FRAME_TEST_CONFIGS {
        total.add(frame_test(&elf, config)?);
    }
    for config in ENGINE_CONFIGS {
        total.add(selftest(&elf, config)?);
    }
    for config in ENGINE_CONFIGS {
        total.add(differential(&elf, config, &diff_args)?);
    }
    // A counting probe on every instruction of real third-party code at
    // once (the kernel's probe-every command, docs/differential.md).
    for config in PROBE_EVERY_CONFIGS {
        total.add(probe_every(&elf, config)?);
    }
    // Probes attached and detached while a second CPU hits them.
    for config in SMP_TEST_CONFIGS {
        total.add(smp_test(&elf, config)?);
    }
    // Every CPU busy with threads, interrupts and preemption: exact
    // per-thread counts from a script (xtask/src/stress.rs).
    total.add(crate::stress::run(&elf)?);
    // The kernel's live-attach pieces: `serve`'s self-checked threads on
    // 4 CPUs, its build-id, UART receive (xtask/src/serve_test.rs).
    total.add(crate::serve_test::run(&elf)?);
    // Live attach: one running target, scripts attached and detached by
    // `probec attach`, the fault list thrown at its agent
    // (xtask/src/live.rs).
    total.add(crate::live::run(&elf)?);
    total.add(lines_on_the_kernel(&elf)?);
    // Names under both mangling schemes: this kernel and a legacy copy.
    total.add(crate::names_test::run(&elf)?);
    // The fault-safe loads, with and without a probe on each, in every XOL
    // mode: an abort inside a slot must reach the kernel's fixup table.
    for config in FAULT_TEST_CONFIGS {
        total.add(fault_test(&elf, config)?);
    }
    // Every example script through `probec run` (xtask/src/examples/).
    let (passed, failed) = crate::examples::run(&elf)?;
    println!("examples: {passed} passed, {failed} failed");
    total.add((passed, failed));
    println!("total: {} passed, {} failed", total.passed, total.failed);
    if total.failed > 0 {
        return Err(format!("{} failed", total.failed));
    }
    Ok(())
}

/// `probec lines` on the reference kernel's ELF: fib is found by its Rust
/// path, its two recursive BLs are simulated, a near miss gets a
/// suggestion. One test.
fn lines_on_the_kernel(elf: &std::path::Path) -> Result<(u64, u64), String> {
    let probec = crate::examples::build_probec()?;
    let lines = |name: &str| {
        Command::new(&probec).args(["lines", "--kernel"]).arg(elf).arg(name).output().map_err(|e| format!("probec lines: {e}"))
    };
    let found = lines("refkernel::workload::fib")?;
    let out = String::from_utf8_lossy(&found.stdout);
    let bls = out.lines().filter(|l| l.contains(" simulate ") && l.contains(" bl ")).count();
    let missed = lines("refkernel::workload::fibb")?;
    let suggestion = String::from_utf8_lossy(&missed.stderr);
    let ok = found.status.success()
        && out.starts_with("refkernel::workload::fib at 0x4")
        && bls == 2
        && out.lines().last().is_some_and(|l| l.ends_with("ret"))
        && missed.status.code() == Some(1)
        && suggestion.contains("    refkernel::workload::fib\n");
    println!("probec lines on the reference kernel: {}", if ok { "ok" } else { "FAILED" });
    if !ok {
        eprintln!("---- probec lines output ----\n{out}{}\n---- near miss ----\n{suggestion}", String::from_utf8_lossy(&found.stderr));
    }
    Ok(if ok { (1, 0) } else { (0, 1) })
}

/// `smp-test` (with `-smp 2`): both CPUs in every XOL mode.
const SMP_TEST_CONFIGS: [Config; 6] = PROBE_EVERY_CONFIGS;

/// An smp-test run may take this long before it counts as hung (it takes
/// 15-40 s per configuration; a stuck CPU makes the kernel panic within
/// seconds, this is for a kernel that stops making progress altogether).
const SMP_TEST_TIMEOUT: Duration = Duration::from_secs(300);

/// The kernel's `smp-test` on two CPUs: its own `smp-test: N passed, M
/// failed` counts, plus one failure if that line is missing (a hang, a
/// panic) or the exit status disagrees with it.
fn smp_test(elf: &std::path::Path, config: Config) -> Result<(u64, u64), String> {
    let opts = qemu::Options { smp: 2, ..qemu::Options::default() };
    let label = format!("smp-test {} (-smp 2)", config.name());
    counted_test(elf, config, "smp-test", &label, SMP_TEST_TIMEOUT, &opts, |_| String::new())
}

/// `fault-test` in every XOL mode.
const FAULT_TEST_CONFIGS: [Config; 3] =
    [Config::gp("cortex-a57", "step"), Config::gp("cortex-a57", "brk"), Config::gp("cortex-a57", "boost")];

/// The kernel's `fault-test` on one configuration: one test.
fn fault_test(elf: &std::path::Path, config: Config) -> Result<(u64, u64), String> {
    line_test(elf, config, "fault-test", "fault-test: kernel carried on: ok")
}

/// The kernel's `frame-test` on one configuration: one test.
fn frame_test(elf: &std::path::Path, config: Config) -> Result<(u64, u64), String> {
    line_test(elf, config, "frame-test", &format!("frame-test: {} frame: saved frame ok, restored frame ok", config.frame))
}

/// A kernel command that passes by exiting 0 having printed the line
/// `want`: one test, its output shown if it fails.
fn line_test(elf: &std::path::Path, config: Config, command: &str, want: &str) -> Result<(u64, u64), String> {
    let name = config.name();
    let run = qemu::run(elf, config.cpu, &format!("{} {command}", config.options()), Duration::from_secs(60), &qemu::Options::default())?;
    let ok = run.status == Some(0) && run.output.lines().any(|l| l == want);
    println!("{command} {name}: {}", if ok { "ok" } else { "FAILED" });
    if !ok {
        eprintln!("---- {command} {name} output ----\n{}", run.output);
    }
    Ok(if ok { (1, 0) } else { (0, 1) })
}

/// The engine selftest on one configuration: its own counts, plus one
/// failure if its summary is missing or the exit status disagrees.
fn selftest(elf: &std::path::Path, config: Config) -> Result<(u64, u64), String> {
    let label = format!("qemu {}", config.name());
    counted_test(elf, config, "selftest", &label, SELFTEST_TIMEOUT, &qemu::Options::default(), |_| String::new())
}

/// Run the kernel command `command` on `config` and take its own
/// `COMMAND: N passed, M failed` line: those counts, plus one failure if the
/// line is missing (a hang, a panic) or the exit status disagrees with it.
/// Prints `LABEL: N passed, M failed (EXTRA, S s)` with `extra(output)`,
/// and the kernel's output if anything failed.
fn counted_test(
    elf: &std::path::Path,
    config: Config,
    command: &str,
    label: &str,
    timeout: Duration,
    opts: &qemu::Options,
    extra: impl Fn(&str) -> String,
) -> Result<(u64, u64), String> {
    let start = std::time::Instant::now();
    let run = qemu::run(elf, config.cpu, &format!("{} {command}", config.options()), timeout, opts)?;
    let secs = start.elapsed().as_secs_f64();
    let prefix = format!("{command}: ");
    let summary = run.output.lines().rev().find_map(|l| l.strip_prefix(prefix.as_str()).and_then(parse_counts));
    let (passed, mut failed) = summary.unwrap_or((0, 0));
    if summary.is_none() || run.status != Some(if failed == 0 { 0 } else { 1 }) {
        failed += 1;
    }
    let extra = extra(&run.output);
    let sep = if extra.is_empty() { "" } else { ", " };
    println!("{label}: {passed} passed, {failed} failed ({extra}{sep}{secs:.0} s)");
    if failed > 0 {
        eprintln!("---- {label} output ----\n{}", run.output);
        if run.timed_out {
            eprintln!("---- killed after {}s: the kernel hung ----", timeout.as_secs());
        }
    }
    Ok((passed, failed))
}

/// `cargo xtask stress`: the stress suite alone.
pub fn stress() -> Result<(), String> {
    setup::run()?;
    let elf = kernel::build()?;
    let (passed, failed) = crate::stress::run(&elf)?;
    println!("stress: {passed} passed, {failed} failed");
    if failed > 0 {
        return Err(format!("{failed} failed"));
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

/// A differential run may take this long before it counts as hung (the
/// default 100,000 instructions take under a minute per configuration).
const DIFFERENTIAL_TIMEOUT: Duration = Duration::from_secs(900);

/// Parse `differential: N instructions, K classes, D divergences`.
fn parse_differential(line: &str) -> Option<(u64, u64, u64)> {
    let rest = line.strip_prefix("differential: ")?;
    let mut numbers = rest.split(", ").map(|part| part.split(' ').next().and_then(|n| n.parse().ok()));
    let n = numbers.next()??;
    let k = numbers.next()??;
    let d = numbers.next()??;
    rest.ends_with(" divergences").then_some((n, k, d))
}

/// Parse `differential rejects: W words, R reasons, F failures`.
fn parse_rejects(line: &str) -> Option<(u64, u64, u64)> {
    let rest = line.strip_prefix("differential rejects: ")?;
    if !rest.ends_with(" failures") {
        return None;
    }
    let mut numbers = rest.split(", ").map(|part| part.split(' ').next().and_then(|n| n.parse().ok()));
    Some((numbers.next()??, numbers.next()??, numbers.next()??))
}

/// The words of `DIVERGENCE`/`REJECT FAILURE` lines, disassembled on the
/// host (the target prints hex only).
fn disassemble(words: &[u32]) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("probec-diff-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("words.bin");
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let text = std::fs::write(&file, bytes)
        .ok()
        .and_then(|_| Command::new("aarch64-linux-gnu-objdump").args(["-D", "-b", "binary", "-m", "aarch64"]).arg(&file).output().ok());
    let _ = std::fs::remove_dir_all(&dir);
    let text = text.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    // Lines look like "   4:\td503201f \tnop".
    let mut by_offset = std::collections::HashMap::new();
    for line in text.lines() {
        let mut parts = line.trim().splitn(3, '\t');
        let (Some(off), Some(_), Some(asm)) = (parts.next(), parts.next(), parts.next()) else { continue };
        if let Ok(off) = usize::from_str_radix(off.trim_end_matches(':'), 16) {
            by_offset.insert(off / 4, asm.trim().replace('\t', " "));
        }
    }
    (0..words.len()).map(|i| by_offset.get(&i).cloned().unwrap_or_else(|| "?".into())).collect()
}

/// The randomized differential instruction suite on one configuration
/// (docs/differential.md), with the kernel's defaults unless `--seed`, `--count` or
/// PROBEC_DIFF_SEED/PROBEC_DIFF_COUNT say otherwise. Counts as one passed
/// test, or its divergences and wrong refusals as failures.
fn differential(elf: &std::path::Path, config: Config, opts: &DiffArgs) -> Result<(u64, u64), String> {
    let name = config.name();
    let mut args = format!("{} differential", config.options());
    if opts.seed.is_some() || opts.count.is_some() {
        args += &format!(" {} {}", opts.seed.as_deref().unwrap_or("0x5eed0fd1ff"), opts.count.as_deref().unwrap_or("100000"));
    }
    let start = std::time::Instant::now();
    let run = qemu::run(elf, config.cpu, &args, DIFFERENTIAL_TIMEOUT, &qemu::Options::default())?;
    let secs = start.elapsed().as_secs_f64();
    let main = run.output.lines().find_map(parse_differential);
    let rejects = run.output.lines().find_map(parse_rejects);
    let (n, k, d) = main.unwrap_or((0, 0, 0));
    let (w, _, f) = rejects.unwrap_or((0, 0, 0));
    let mut failed = d + f;
    if main.is_none() || rejects.is_none() || run.status != Some(if failed == 0 { 0 } else { 1 }) {
        failed = failed.max(1);
    }
    println!("qemu {name} differential: {n} instructions, {k} classes, {d} divergences; {w} refusal checks, {f} wrong ({secs:.0} s)");
    if failed > 0 {
        eprintln!("---- qemu {name} differential output ----\n{}", run.output);
        if run.timed_out {
            eprintln!("---- killed after {}s: the kernel hung ----", DIFFERENTIAL_TIMEOUT.as_secs());
        }
        let words: Vec<u32> = run
            .output
            .lines()
            .filter(|l| l.starts_with("DIVERGENCE") || l.starts_with("REJECT FAILURE") || l.starts_with('#'))
            .filter_map(|l| l.split("word 0x").nth(1))
            .filter_map(|w| u32::from_str_radix(&w[..w.len().min(8)], 16).ok())
            .collect();
        if !words.is_empty() {
            eprintln!("---- the words involved, disassembled ----");
            for (w, asm) in words.iter().zip(disassemble(&words)) {
                eprintln!("  {w:#010x}  {asm}");
            }
        }
        return Ok((0, failed));
    }
    Ok((1, 0))
}

/// A probe-every run may take this long before it counts as hung (the
/// default workloads take about 6 s per configuration).
const PROBE_EVERY_TIMEOUT: Duration = Duration::from_secs(300);

/// The kernel's `probe-every` command (default workloads) on one
/// configuration: its own `probe-every: N passed, M failed` counts, plus one
/// failure if that line is missing or the exit status disagrees with it.
fn probe_every(elf: &std::path::Path, config: Config) -> Result<(u64, u64), String> {
    let label = format!("probe-every {}", config.name());
    counted_test(elf, config, "probe-every", &label, PROBE_EVERY_TIMEOUT, &qemu::Options::default(), |output| {
        let probes = output
            .lines()
            .find_map(|l| l.strip_prefix("probe-every: ")?.split(" probes attached").next()?.rsplit(' ').next()?.parse::<u64>().ok())
            .unwrap_or(0);
        format!("{probes} probes")
    })
}

/// The script `cargo xtask demo` runs: a histogram from a probe inside
/// miniz_oxide, run with the workload on its `// run:` line.
const DEMO_SCRIPT: &str = "examples/inflate_match_lengths.pr";

/// `cargo xtask demo [CPU]`: build the reference kernel and probec, and run
/// an example script through `probec run` on the kernel (the kernel's own
/// Rust-handler `demo` command is still there: `-append demo`).
pub fn demo(args: &[String]) -> Result<(), String> {
    let elf = kernel::build()?;
    let probec = crate::examples::build_probec()?;
    let cpu = args.first().map(String::as_str).unwrap_or("cortex-a57");
    let root = crate::repo_root();
    let source = std::fs::read_to_string(root.join(DEMO_SCRIPT)).map_err(|e| format!("{DEMO_SCRIPT}: {e}"))?;
    let workload = crate::examples::run_hint(&source).ok_or_else(|| format!("{DEMO_SCRIPT} has no `// run:` line"))?;
    let shown_elf = elf.strip_prefix(&root).unwrap_or(&elf);
    println!("$ cat {DEMO_SCRIPT}\n{}", source.trim_end());
    println!("\n$ probec run --kernel {} --cpu {cpu} {DEMO_SCRIPT} -- {}", shown_elf.display(), workload.join(" "));
    let status = Command::new(&probec)
        .args(["run", "--kernel"])
        .arg(&elf)
        .args(["--cpu", cpu, "--timeout", "300", DEMO_SCRIPT, "--"])
        .args(&workload)
        .current_dir(&root)
        .status()
        .map_err(|e| format!("{}: {e}", probec.display()))?;
    match status.code() {
        Some(0) => Ok(()),
        other => Err(format!("probec run exited with {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_counts;

    #[test]
    fn parses_differential_lines() {
        use super::{parse_differential, parse_rejects};
        assert_eq!(parse_differential("differential: 100000 instructions, 87 classes, 2 divergences"), Some((100000, 87, 2)));
        assert_eq!(parse_differential("differential: seed 0x5, instructions 0..10, features: x"), None);
        assert_eq!(parse_rejects("differential rejects: 5000 words, 17 reasons, 0 failures"), Some((5000, 17, 0)));
        assert_eq!(parse_rejects("differential rejects: random words 3 xol, 2 simulated; by reason: a=1"), None);
    }

    #[test]
    fn parses_seed_and_count() {
        let a = |v: &[&str]| super::parse_args(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let got = a(&["--seed", "0x12", "--count=500"]).unwrap();
        assert_eq!((got.seed.as_deref(), got.count.as_deref()), (Some("0x12"), Some("500")));
        assert!(a(&["--seed"]).is_err());
        assert!(a(&["--count", "many"]).is_err());
        assert!(a(&["--verbose"]).is_err());
    }

    #[test]
    fn disassembles_divergent_words() {
        let ok = std::process::Command::new("aarch64-linux-gnu-objdump").arg("--version").output().is_ok();
        if ok {
            let got = super::disassemble(&[0xd503_201f, 0x8b02_0020]);
            assert_eq!(got, ["nop", "add x0, x1, x2"]);
        }
    }

    #[test]
    fn parses_kernel_and_cargo_summaries() {
        assert_eq!(parse_counts("selftest: 12 passed, 3 failed"), Some((12, 3)));
        assert_eq!(parse_counts("ok. 5 passed; 0 failed; 0 ignored"), Some((5, 0)));
        assert_eq!(parse_counts("nothing here"), None);
    }
}
