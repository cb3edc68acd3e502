//! `cargo xtask profile [xol|sim|ret|brk] [step|brk|boost] [CPU] [frame=full]`:
//! where the instructions of one probe hit go. Words with `=` are passed
//! to the kernel as options (`frame=full`: the full-frame exception entry
//! instead of the default general-registers one).
//!
//! Boots the reference kernel with `bench-once CASE` under QEMU with one
//! instruction per translation block and the execution log on, so every
//! executed instruction is one `Trace` line with its PC. The lines between
//! the kernel's `bench_mark_begin` and `bench_mark_end` are one hit (plus
//! the call of the bench function itself); each PC is attributed to the
//! function containing it, from the kernel's symbol table (`nm`). A
//! development tool for the hit path, not a benchmark: `cargo xtask bench`
//! gives the figures (the trace has no `-icount`, but the instruction
//! stream is the same).

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::{kernel, qemu};

/// Run the profile and print the table.
pub fn run(args: &[String]) -> Result<(), String> {
    let (options, args): (Vec<&String>, Vec<&String>) = args.iter().partition(|a| a.contains('='));
    let options: Vec<&str> = options.iter().map(|s| s.as_str()).collect();
    let case = args.first().map_or("sim", |s| s.as_str());
    let mode = args.get(1).map_or("step", |s| s.as_str());
    let cpu = args.get(2).map_or("cortex-a57", |s| s.as_str());
    let elf = kernel::build()?;
    let symbols = Symbols::read(&elf)?;
    let log = std::env::temp_dir().join(format!("probec-profile-{}.log", std::process::id()));
    let opts = qemu::Options {
        extra: ["-singlestep", "-d", "nochain,exec", "-D"].iter().map(|s| s.to_string()).chain([log.display().to_string()]).collect(),
        ..Default::default()
    };
    let options = options.join(" ");
    let run = qemu::run(&elf, cpu, &format!("xol={mode} {options} bench-once {case}"), Duration::from_secs(120), &opts)?;
    let trace = std::fs::read_to_string(&log).map_err(|e| format!("{}: {e}", log.display()));
    let _ = std::fs::remove_file(&log);
    if run.status != Some(0) {
        return Err(format!("bench-once failed:\n{}", run.output));
    }
    let (begin, end) = (symbols.address("bench_mark_begin")?, symbols.address("bench_mark_end")?);
    let pcs: Vec<u64> = trace?.lines().filter_map(trace_pc).collect();
    let start = pcs.iter().position(|&pc| pc == begin).ok_or("bench_mark_begin not in the trace")?;
    let stop = start + pcs[start..].iter().position(|&pc| pc == end).ok_or("bench_mark_end not in the trace")?;
    // Per function, in order of first execution.
    let mut order: Vec<&str> = Vec::new();
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for &pc in &pcs[start + 1..stop] {
        let name = symbols.containing(pc);
        let count = counts.entry(name).or_insert(0);
        if *count == 0 {
            order.push(name);
        }
        *count += 1;
    }
    let frame = if options.contains("frame=full") { "full" } else { "gp" };
    println!("profile: bench-once {case}, xol={mode}, frame={frame}, {cpu}: instructions per function, in order of first execution");
    for name in &order {
        println!("{:>6}  {name}", counts[name]);
    }
    println!("{:>6}  total (includes the call of the 2-3 instruction bench function)", stop - start - 1);
    Ok(())
}

/// The PC of a `Trace N: HOSTADDR [CS_BASE/PC/FLAGS/...]` line.
fn trace_pc(line: &str) -> Option<u64> {
    let fields = line.strip_prefix("Trace ")?.split_once('[')?.1;
    u64::from_str_radix(fields.split('/').nth(1)?, 16).ok()
}

/// Function symbols of the kernel, sorted by address.
struct Symbols {
    sorted: Vec<(u64, String)>,
}

impl Symbols {
    fn read(elf: &Path) -> Result<Symbols, String> {
        let out = Command::new("aarch64-linux-gnu-nm")
            .args(["-n", "-C", "--defined-only"])
            .arg(elf)
            .output()
            .map_err(|e| format!("aarch64-linux-gnu-nm: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let sorted = text
            .lines()
            .filter_map(|l| {
                let mut parts = l.splitn(3, ' ');
                let addr = u64::from_str_radix(parts.next()?, 16).ok()?;
                let kind = parts.next()?;
                let name = parts.next()?;
                (kind == "t" || kind == "T").then(|| (addr, short(name)))
            })
            .collect();
        Ok(Symbols { sorted })
    }

    fn address(&self, name: &str) -> Result<u64, String> {
        self.sorted.iter().find(|(_, n)| n == name).map(|(a, _)| *a).ok_or(format!("no symbol {name}"))
    }

    fn containing(&self, pc: u64) -> &str {
        match self.sorted.partition_point(|(a, _)| *a <= pc) {
            0 => "?",
            i => &self.sorted[i - 1].1,
        }
    }
}

/// A demangled name without its hash suffix.
fn short(name: &str) -> String {
    match name.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => head.to_string(),
        _ => name.to_string(),
    }
}
