//! The stress suite: tests/stress/stress.pr through `probec run` on the
//! reference kernel's `stress` command, 4 CPUs, a 4 kHz tick, 8 threads
//! per workload, 1000 attach/detach cycles of other probes meanwhile, on
//! both CPU models in every XOL mode.
//!
//! The kernel prints what each thread did, counted natively
//! (`stress: tid 7 fib/0 calls=16662 retsum=55923 (verified)`); the
//! script's per-`tid` maps must equal those numbers exactly: calls,
//! returns, and for `fib` the sum of the return values (so a return
//! credited to the wrong thread, lost, or returning with the wrong value
//! shows). For the tick, every entry on every CPU must have returned (but
//! the one a CPU may be in when the script is unloaded), and
//! the tick counts it returned must fit the CPU's own count. No
//! event may be reported lost or missed. With boosted XOL, interrupts must
//! have arrived with the PC inside a slot (otherwise the test did not test
//! preemption there). With single-step and BRK-after-slot XOL a slot runs
//! with interrupts masked, so the few counted there are interrupts taken
//! at the return trampoline (also in the runtime's executable area), which
//! the kernel treats the same way.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// CPU model and XOL mode of each run.
const CONFIGS: [(&str, &str); 6] =
    [("cortex-a57", "step"), ("cortex-a57", "brk"), ("cortex-a57", "boost"), ("max", "step"), ("max", "brk"), ("max", "boost")];

/// Threads per workload, rounds, attach/detach cycles, tick rate.
const THREADS: usize = 8;
const ROUNDS: usize = 20;
const CYCLES: usize = 1000;
const TICK_HZ: u64 = 4000;

/// A run that takes longer is hung (a boost run takes about a minute on
/// a 2-core host: 4 vCPUs share it, and every detach waits for the others).
const TIMEOUT_SECS: u64 = 900;

/// One thread's native counts, from its `stress: tid` line.
#[derive(Debug, Default, PartialEq, Eq)]
struct Native {
    kind: String,
    /// Its name (`fib/0`): what `comm` must say in it.
    name: String,
    calls: u64,
    extra: Option<u64>,
    verified: bool,
}

/// Parse `stress: tid T KIND/I calls=C [retsum=S|blocks=B] (verified)`.
fn parse_native(line: &str) -> Option<(u64, Native)> {
    let rest = line.strip_prefix("stress: tid ")?;
    let mut words = rest.split_whitespace();
    let tid = words.next()?.parse().ok()?;
    let name = words.next()?.to_string();
    let kind = name.split('/').next()?.to_string();
    let mut native = Native { kind, name, ..Native::default() };
    for w in words {
        if let Some(v) = w.strip_prefix("calls=") {
            native.calls = v.parse().ok()?;
        } else if let Some(v) = w.strip_prefix("retsum=").or_else(|| w.strip_prefix("blocks=")) {
            native.extra = Some(v.parse().ok()?);
        } else if w == "(verified)" {
            native.verified = true;
        }
    }
    Some((tid, native))
}

/// Every `@name[key]: value` line with an integer key, by map and key.
fn parse_maps(output: &str) -> BTreeMap<String, BTreeMap<u64, u64>> {
    let mut maps: BTreeMap<String, BTreeMap<u64, u64>> = BTreeMap::new();
    for (name, key, v) in map_lines(output) {
        if let Ok(k) = key.parse() {
            maps.entry(name.to_string()).or_default().insert(k, v);
        }
    }
    maps
}

/// `(map, key as printed, value)` of every `@name[key]: value` line.
fn map_lines(output: &str) -> impl Iterator<Item = (&str, &str, u64)> {
    output.lines().filter_map(|line| {
        let (name, rest) = line.strip_prefix('@')?.split_once('[')?;
        let (key, value) = rest.rsplit_once("]: ")?;
        Some((name, key, value.trim().parse().ok()?))
    })
}

/// The number after `key=` in the kernel line starting with `prefix`.
fn field(output: &str, prefix: &str, key: &str) -> Option<u64> {
    let line = output.lines().find(|l| l.starts_with(prefix))?;
    line.split_whitespace().find_map(|w| w.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
}

/// Everything wrong with one run's output (empty: passed).
fn check(output: &str, status: Option<i32>, xol: &str) -> Vec<String> {
    let mut bad = Vec::new();
    if status != Some(0) {
        bad.push(format!("exit status {status:?}"));
    }
    let natives: BTreeMap<u64, Native> = output.lines().filter_map(parse_native).collect();
    if natives.len() != 3 * THREADS {
        bad.push(format!("{} thread lines, expected {}", natives.len(), 3 * THREADS));
    }
    let maps = parse_maps(output);
    let get = |map: &str, tid: u64| maps.get(map).and_then(|m| m.get(&tid)).copied();
    for (tid, n) in &natives {
        if !n.verified {
            bad.push(format!("tid {tid} ({}): the workload's own check failed", n.kind));
        }
        let mut want = vec![(format!("{}_calls", n.kind), n.calls), (format!("{}_rets", n.kind), n.calls)];
        match (n.kind.as_str(), n.extra) {
            ("fib", Some(s)) => want.push(("fib_retsum".into(), s)),
            ("sha", Some(b)) => want.push(("sha_blocks".into(), b)),
            ("deflate", None) => {}
            _ => bad.push(format!("tid {tid}: unexpected thread line {n:?}")),
        }
        for (map, value) in want {
            if get(&map, *tid) != Some(value) {
                bad.push(format!("@{map}[{tid}] is {:?}, the thread counted {value}", get(&map, *tid)));
            }
        }
    }
    // `comm` names the thread the hit came from.
    let by_comm: BTreeMap<&str, u64> = map_lines(output).filter(|(m, _, _)| *m == "fib_by_comm").map(|(_, k, v)| (k, v)).collect();
    let fib_threads: BTreeMap<&str, u64> = natives.values().filter(|n| n.kind == "fib").map(|n| (n.name.as_str(), n.calls)).collect();
    if by_comm != fib_threads {
        bad.push(format!("@fib_by_comm is {by_comm:?}, the fib threads counted {fib_threads:?}"));
    }
    // No other thread called the workload functions.
    for kind in ["fib", "sha", "deflate"] {
        for map in [format!("{kind}_calls"), format!("{kind}_rets")] {
            for tid in maps.get(&map).into_iter().flat_map(|m| m.keys()) {
                if natives.get(tid).is_none_or(|n| n.kind != kind) {
                    bad.push(format!("@{map}[{tid}]: no {kind} thread has tid {tid}"));
                }
            }
        }
    }
    // The tick: every entry returned, on every CPU; the last count
    // returned is at most the CPU's own.
    let cpus = maps.get("tick_calls").map_or(0, |m| m.len());
    if cpus != 4 {
        bad.push(format!("ticks seen on {cpus} CPUs, expected 4"));
    }
    for cpu in 0..cpus as u64 {
        let (calls, rets, last) = (get("tick_calls", cpu), get("tick_rets", cpu), get("tick_last", cpu));
        // One tick per CPU may still be in flight when the script is
        // unloaded (its entry counted, its return after the detach).
        let in_flight = calls.zip(rets).map(|(c, r)| c.checked_sub(r));
        if !matches!(in_flight, Some(Some(0 | 1))) {
            bad.push(format!("cpu {cpu}: {calls:?} ticks entered, {rets:?} returned"));
        }
        // The script was attached before the kernel printed the CPU's
        // count and detached after: its last tick is at or past that
        // count, and it saw at most that many ticks.
        let native = field(output, &format!("stress: cpu {cpu} "), "ticks");
        if last.is_none() || native.is_none() || last < native || calls > last {
            bad.push(format!(
                "cpu {cpu}: {calls:?} ticks seen, the last returned {last:?}, the CPU had counted {native:?} when it printed"
            ));
        }
    }
    for must in ["stress: workloads: 24 of 24 verified", "stress: entry words restored: 4 of 4"] {
        if !output.lines().any(|l| l == must) {
            bad.push(format!("no line `{must}`"));
        }
    }
    let cycles = output.lines().find(|l| l.starts_with("stress: cycles: ")).unwrap_or("");
    if !cycles.starts_with(&format!("stress: cycles: {CYCLES} attach/detach")) || !cycles.contains(" 0 errors, 0 words not restored") {
        bad.push(format!("attach/detach cycling: `{cycles}`"));
    }
    for l in output.lines() {
        if l.starts_with("Lost ") || l.contains("missed") || l.starts_with("WARNING") || l.contains("declining") {
            bad.push(format!("reported: `{l}`"));
        }
    }
    let in_slot: u64 =
        output.lines().find_map(|l| l.strip_prefix("stress: interrupts with the PC in an XOL slot: ")?.parse().ok()).unwrap_or(0);
    if xol == "boost" && in_slot == 0 {
        bad.push("no interrupt arrived with the PC in a boosted slot: preemption there was not tested".into());
    }
    bad
}

/// Run the suite; returns (passed, failed), one test per configuration.
pub fn run(elf: &Path) -> Result<(u64, u64), String> {
    let probec = crate::examples::build_probec()?;
    let script = crate::repo_root().join("tests/stress/stress.pr");
    let (mut passed, mut failed) = (0, 0);
    for (cpu, xol) in CONFIGS {
        let start = Instant::now();
        let out = Command::new(&probec)
            .args(["run", "--kernel"])
            .arg(elf)
            .args(["--cpu", cpu, "--smp", "4", "--timeout", &TIMEOUT_SECS.to_string()])
            .arg(&script)
            .arg("--")
            .args([format!("xol={xol}"), format!("tick={TICK_HZ}"), "stress".into()])
            .args([THREADS, ROUNDS, CYCLES].map(|n| n.to_string()))
            .output()
            .map_err(|e| format!("probec run: {e}"))?;
        let output = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let bad = check(&output, out.status.code(), xol);
        let in_slot = output.lines().find_map(|l| l.strip_prefix("stress: interrupts with the PC in an XOL slot: ")).unwrap_or("?");
        let secs = start.elapsed().as_secs_f64();
        if bad.is_empty() {
            passed += 1;
            println!("stress {cpu} {xol}: ok ({} threads exact, {in_slot} interrupts in slots, {secs:.0} s)", 3 * THREADS);
        } else {
            failed += 1;
            println!("stress {cpu} {xol}: FAILED ({secs:.0} s)");
            for b in bad.iter().take(20) {
                eprintln!("  {b}");
            }
            eprintln!("---- stress {cpu} {xol} output ----\n{output}");
        }
    }
    Ok((passed, failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_thread_lines() {
        let (tid, n) = parse_native("stress: tid 7 fib/0 calls=16662 retsum=55923 (verified)").unwrap();
        assert_eq!((tid, n.kind.as_str(), n.calls, n.extra, n.verified), (7, "fib", 16662, Some(55923), true));
        let (_, n) = parse_native("stress: tid 9 deflate/3 calls=20 (2 MISMATCHES)").unwrap();
        assert_eq!((n.calls, n.extra, n.verified), (20, None, false));
        assert!(parse_native("stress: cycles: 1000").is_none());
    }

    #[test]
    fn a_count_off_by_one_fails() {
        let mut out = String::from("stress: tid 2 fib/0 calls=3 retsum=2 (verified)\n");
        out += "@fib_calls[2]: 3\n@fib_rets[2]: 3\n@fib_retsum[2]: 2\n@fib_by_comm[fib/0]: 3\n";
        let bad = check(&out, Some(0), "step");
        assert!(!bad.iter().any(|b| b.contains("@fib_")), "{bad:?}");
        let renamed = out.replace("@fib_by_comm[fib/0]", "@fib_by_comm[main]");
        assert!(check(&renamed, Some(0), "step").iter().any(|b| b.contains("@fib_by_comm")));
        let wrong = out.replace("@fib_rets[2]: 3", "@fib_rets[2]: 2");
        assert!(check(&wrong, Some(0), "step").iter().any(|b| b.contains("@fib_rets[2]")));
        let stray = format!("{out}@fib_calls[1]: 5\n");
        assert!(check(&stray, Some(0), "step").iter().any(|b| b.contains("no fib thread has tid 1")));
    }
}
