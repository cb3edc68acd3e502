//! The example scripts, end to end: every `examples/*.pr` compiled and run
//! through `probec run` on the reference kernel, its output checked
//! against expectations the script itself states.
//!
//! Each script names the kernel command it is meant to run with on a line
//! `// run: COMMAND ARGS` (a workload: `fib 20`), and what its output must
//! be on `// expect:` lines (below). For every script the harness
//!
//! 1. reads the directives: one that does not parse, names an unknown
//!    function or an undefined variable fails the example before anything
//!    runs (`file:line:column: what is wrong`), as does a script without
//!    any `// expect:`;
//! 2. runs the workload alone (no script) and keeps its result line
//!    (`fib(20) = 6765`);
//! 3. runs `probec run --kernel KERNEL SCRIPT -- COMMAND ARGS` on three
//!    configurations (cortex-a57 with single-step XOL, max with
//!    BRK-after-slot XOL, cortex-a57 with boosted XOL), all with the
//!    kernel's default general-registers exception frame, and once more
//!    with `--format json` on the first if the script has `// expect-json:`
//!    lines;
//! 4. checks the exit status (0), that the result line is the same as
//!    without probes, and every directive.
//!
//! Prints `examples: N passed, M failed` (one test per script and
//! configuration).
//!
//! # Directives
//!
//! ```text
//! // expect: CONDITION          must hold on every text run's output
//! // expect-json: LINE          the JSON run prints exactly these lines, in order
//! // let: NAME = VALUE          names a value computed from N and the models
//! ```
//!
//! A CONDITION is an expression with Rust's operators (`== != < <= > >=`,
//! `&& || !`, `+ - * / % &`, integers are i128, decimal or `0x` hex).
//! `N` is the workload's argument from the `// run:` line. It reads the
//! output with
//!
//! - `@name`: the map as printed: a value, a histogram (bucket lower bound
//!   → count, empty buckets left out) or a keyed map (key → value); keys
//!   and values that read as numbers are numbers. Printed several times,
//!   all prints must agree. Not printed: the directive fails, unless
//!   written `@name or DEFAULT`. `@name[key]` is one key (`@m["a", 0]` a
//!   tuple key, as printed: `a, 0`).
//! - `empty(@name)`: nothing but zeros, no keys, no histogram entries;
//!   `printed(@name)`: how many times it was printed.
//! - `lines("text")`, `lines_starting("text")`: how many lines equal (start
//!   with) the text; `lines_matching("fib({a}) from 0x{lr:x}", a > 25)`:
//!   how many lines match the whole pattern with captures satisfying the
//!   condition.
//!
//! and computes expected values with the functions of `expect/functions.rs`
//! (the workload models of `model.rs`: `fib(k)`, `fib_calls(n, k)`,
//! `fib_total(n)`, `sha256_compress_calls(n)`; the buckets `log2_bucket(v)`,
//! `linear_bucket(v, min, max, step)`; `popcount(v)`, `total(map)`,
//! `hist_json(map)`) and comprehensions: `sum(E for k in 0..=N if C)`,
//! `min(...)`, `max(...)`, `all(C for b in @m)`, and `counts(KEY: COUNT for
//! ...)`, the count map (or histogram) a script would build. Strings take
//! `${EXPR}`; so do JSON lines. A failing directive prints itself and the
//! values of the comparison that failed (`@calls is 21890, fib_total(N) is
//! 21891`). The same text, with examples, is in examples/README.md.

mod expect;
mod model;
mod output;

use crate::qemu;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// QEMU CPU and kernel XOL option of each configuration.
const CONFIGS: [(&str, &str); 3] = [("cortex-a57", "xol=step"), ("max", "xol=brk"), ("cortex-a57", "xol=boost")];

/// `probec run` gives up on a target after this long.
const RUN_TIMEOUT_SECS: u64 = 300;

/// The kernel command a script runs with: its `// run:` line.
pub fn run_hint(source: &str) -> Option<Vec<String>> {
    source.lines().find_map(|l| {
        let args = l.trim().strip_prefix("// run:")?;
        Some(args.split_whitespace().map(str::to_string).collect())
    })
}

/// `examples/*.pr`, sorted.
pub fn scripts() -> Result<Vec<PathBuf>, String> {
    let dir = crate::repo_root().join("examples");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pr"))
        .collect();
    out.sort();
    Ok(out)
}

/// Build the probec binary; returns its path.
pub fn build_probec() -> Result<PathBuf, String> {
    let root = crate::repo_root();
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "-p", "probec", "--bin", "probec"])
        .current_dir(&root)
        .status()
        .map_err(|e| format!("cargo build -p probec: {e}"))?;
    if !status.success() {
        return Err("building probec failed".into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let bin = target.join("debug/probec");
    if !bin.exists() {
        return Err(format!("{} is missing after the build", bin.display()));
    }
    Ok(bin)
}

/// What `probec run` printed and returned.
pub struct ScriptRun {
    /// stdout: the target's console.
    pub stdout: String,
    /// stderr: probec's and QEMU's messages.
    pub stderr: String,
    /// Exit status.
    pub status: Option<i32>,
}

/// `probec run --kernel ELF --cpu CPU [--format F] SCRIPT -- ARGS`.
pub fn probec_run(probec: &Path, elf: &Path, cpu: &str, format: &str, script: &Path, args: &[String]) -> Result<ScriptRun, String> {
    let out = Command::new(probec)
        .arg("run")
        .arg("--kernel")
        .arg(elf)
        .args(["--cpu", cpu, "--format", format, "--timeout", &RUN_TIMEOUT_SECS.to_string()])
        .arg(script)
        .arg("--")
        .args(args)
        .current_dir(crate::repo_root())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{}: {e}", probec.display()))?;
    Ok(ScriptRun {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        status: out.status.code(),
    })
}

/// The console lines of JSON output (`{"type": "console", "data": LINE}`).
fn console_text(stdout: &str) -> String {
    let mut text = String::new();
    for l in stdout.lines() {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(l) {
            if v["type"] == "console" {
                text.push_str(v["data"].as_str().unwrap_or_default());
                text.push('\n');
            }
        }
    }
    text
}

/// The workload's result line: `NAME(ARG) = RESULT` (a script's printf
/// lines may start with `NAME(` too, and stream in before it).
fn result_line<'a>(output: &'a str, workload: &str) -> Option<&'a str> {
    let prefix = format!("{workload}(");
    output.lines().find(|l| l.starts_with(&prefix) && l.contains(") = "))
}

/// Run every example on every configuration; returns (passed, failed).
pub fn run(elf: &Path) -> Result<(u64, u64), String> {
    let probec = build_probec()?;
    let mut passed = 0;
    let mut failed = 0;
    let mut baselines: BTreeMap<Vec<String>, Option<String>> = BTreeMap::new();
    for script in scripts()? {
        let name = script.file_stem().and_then(|s| s.to_str()).unwrap_or("?").to_string();
        let source = std::fs::read_to_string(&script).map_err(|e| format!("{}: {e}", script.display()))?;
        let Some(args) = run_hint(&source).filter(|a| !a.is_empty()) else {
            println!("example {name}: FAILED: no `// run: COMMAND ARGS` line");
            failed += CONFIGS.len() as u64;
            continue;
        };
        let workload = args[0].clone();
        // The directives first: a mistake in them fails the example before
        // anything runs.
        let shown = script.strip_prefix(crate::repo_root()).unwrap_or(&script).display().to_string();
        let expectations = match expect::read(&shown, &source, &args) {
            Ok(e) => e,
            Err(errors) => {
                println!("example {name}: FAILED: bad directives");
                for e in errors {
                    println!("    {e}");
                }
                failed += CONFIGS.len() as u64;
                continue;
            }
        };
        // The result line without any probe.
        let baseline = match baselines.get(&args) {
            Some(b) => b.clone(),
            None => {
                let plain =
                    qemu::run(elf, "cortex-a57", &args.join(" "), Duration::from_secs(RUN_TIMEOUT_SECS), &qemu::Options::default())?;
                let line = result_line(&plain.output, &workload).map(str::to_string);
                baselines.insert(args.clone(), line.clone());
                line
            }
        };
        let json = expectations.has_json().then_some((CONFIGS[0].0, CONFIGS[0].1, "json"));
        for (cpu, xol, format) in CONFIGS.iter().map(|&(c, x)| (c, x, "text")).chain(json) {
            let mut kernel_args = vec![xol.to_string()];
            kernel_args.extend(args.iter().cloned());
            let run = probec_run(&probec, elf, cpu, format, &script, &kernel_args)?;
            let mut failures = Vec::new();
            if run.status != Some(0) {
                failures.push(format!("exit status {:?}, want 0", run.status));
            }
            // With JSON the console's lines are `console` records.
            let console = match format {
                "json" => console_text(&run.stdout),
                _ => run.stdout.clone(),
            };
            match (&baseline, result_line(&console, &workload)) {
                (None, _) => failures.push(format!("the workload `{}` printed no result line without probes", args.join(" "))),
                (Some(b), Some(l)) if b == l => {}
                (Some(b), got) => failures.push(format!("result line {got:?}, without probes {b:?}")),
            }
            failures.extend(match format {
                "json" => expectations.check_json(&run.stdout),
                _ => expectations.check_text(&run.stdout),
            });
            let what = format!("example {name} ({cpu} {xol} {format}, {})", args.join(" "));
            if failures.is_empty() {
                passed += 1;
                println!("{what}: ok");
            } else {
                failed += 1;
                println!("{what}: FAILED");
                for f in &failures {
                    println!("    {f}");
                }
                eprintln!("---- probec run output ----\n{}---- stderr ----\n{}", run.stdout, run.stderr);
            }
        }
    }
    Ok((passed, failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_run_hints() {
        assert_eq!(run_hint("// x\n// run: fib 20\nkprobe:f {}"), Some(vec!["fib".to_string(), "20".to_string()]));
        assert_eq!(run_hint("kprobe:f {}"), None);
    }

    #[test]
    fn finds_the_result_line() {
        let out = "Attaching 1 probe...\nfib(20) = 6765\n@calls: 21891\n";
        assert_eq!(result_line(out, "fib"), Some("fib(20) = 6765"));
        assert_eq!(result_line(out, "sha256"), None);
    }
}
