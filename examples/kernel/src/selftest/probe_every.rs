//! `probe-every [WORKLOAD N]...`: a counting probe on every instruction of
//! real third-party functions at once, while the workloads that call them
//! run (docs/differential.md, "Every instruction of real code").
//!
//! Each workload has a fixed set of functions (`SETS`): `sha2`'s SHA-256
//! compression, `miniz_oxide`'s deflate and inflate cores, `core`'s unstable
//! sort of `u64` and `BTreeMap<u64, usize>` insertion. The command
//!
//! 1. runs every chosen workload without probes and keeps its result line;
//! 2. looks the functions up in the kernel's own symbol table (embed/symbols.rs)
//!    and attaches a probe with a counting pre- and post-handler at every
//!    instruction word of each, all at once (with `xol=boost` a
//!    pre-handler only, so every out-of-line probe gets a boosted slot: a
//!    post-handler would force the BRK-after-slot fallback). Words the
//!    decoder rejects are skipped and counted by reason, so are words
//!    inside an LDXR..STXR sequence; any other attach error fails the
//!    command;
//! 3. runs the workloads again: each result line must be byte-identical;
//! 4. checks the counters (pre = post = the runtime's hit count for every
//!    probe, or post = 0 when boosted, nothing missed, every pre-handler
//!    saw the frame at its probe, with `xol=boost` every out-of-line probe
//!    boosted) and detaches everything: every word must be the original
//!    again;
//! 5. per function, attaches a probe at its entry alone, runs the
//!    workloads once more and checks that the entry's hits in step 3 equal
//!    that call count.
//!
//! Without arguments: `sha256 4096 deflate 8192 sort 2000 fib 12`. The last
//! line is `probe-every: N passed, M failed`; exit status 0 if M = 0.
//!
//! The handlers count into static arrays with plain loads and stores (one
//! CPU, interrupts masked, and a probe hit while a handler runs is never
//! recursed into), so they call no code that could itself be probed.

use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use probec_runtime::arch::aarch64::decode::Decoded;
use probec_runtime::record::Execution;
use probec_runtime::{attach, detach, stats, AttachError, Handlers, HitContext, ProbeId, XolMode};

use crate::board::time::now_ns;
use crate::cmdline::CmdLine;
use crate::cmdline::USAGE_EXIT_STATUS;
use crate::embed::symbols::{self, KernelSymbols, SymbolSource};
use crate::workload;

const USAGE: &str = "usage: probe-every [WORKLOAD N]...  (WORKLOAD: sha256, deflate, sort, fib)";

/// The functions probed while a workload runs.
struct Set {
    workload: &'static str,
    default_n: u64,
    functions: &'static [&'static str],
}

#[rustfmt::skip]
const SETS: &[Set] = &[
    Set { workload: "sha256", default_n: 4096, functions: &[
        // sha2 0.10's software compression (`soft::compress`), inlined and
        // fully unrolled into the exported `compress256`.
        "sha2::sha256::compress256",
    ] },
    Set { workload: "deflate", default_n: 8192, functions: &[
        // compress_inner has compress_normal, record_literal/record_match
        // and the hash chain search inlined.
        "miniz_oxide::deflate::core::compress_inner",
        "miniz_oxide::deflate::core::flush_block",
        "miniz_oxide::deflate::core::compress_block",
        "miniz_oxide::deflate::core::HuffmanOxide::optimize_table",
        "miniz_oxide::inflate::core::decompress",
        "miniz_oxide::inflate::core::decompress_fast",
        "miniz_oxide::inflate::core::init_tree",
        "miniz_oxide::inflate::core::transfer",
        "miniz_oxide::inflate::core::apply_match",
    ] },
    Set { workload: "sort", default_n: 2000, functions: &[
        concat!("core::slice::sort::unstable::ipnsort::", "<u64, <u64 as core::cmp::PartialOrd>::lt>"),
        concat!("core::slice::sort::unstable::quicksort::quicksort::", "<u64, <u64 as core::cmp::PartialOrd>::lt>"),
        concat!("core::slice::sort::shared::pivot::median3_rec::", "<u64, <u64 as core::cmp::PartialOrd>::lt>"),
        concat!("core::slice::sort::shared::smallsort::insertion_sort_shift_left::", "<u64, <u64 as core::cmp::PartialOrd>::lt>"),
        concat!("core::slice::sort::unstable::heapsort::heapsort::", "<u64, <u64 as core::cmp::PartialOrd>::lt>"),
        // BTreeMap::insert, inlined by LLVM into this one-line wrapper
        // (workload/sort.rs), and the internal-node split it calls.
        "refkernel::workload::sort::btree_insert",
        "<alloc::collections::btree::node::Handle<alloc::collections::btree::node::NodeRef<alloc::collections::btree::node::marker::Mut, u64, usize, alloc::collections::btree::node::marker::Internal>, alloc::collections::btree::node::marker::KV>>::split::<alloc::alloc::Global>",
    ] },
    Set { workload: "fib", default_n: 12, functions: &["refkernel::workload::fib"] },
];

/// Instructions left unprobed on purpose: (function, offset, why). Each
/// entry names the runtime bug it works around.
const EXCLUDED: &[(&str, usize, &str)] = &[];

/// Counters, indexed by the probe's cookie. The last one is for the
/// entry-alone runs.
const MAX_COUNTERS: usize = 16384;
static PRE: [AtomicU64; MAX_COUNTERS] = [const { AtomicU64::new(0) }; MAX_COUNTERS];
static POST: [AtomicU64; MAX_COUNTERS] = [const { AtomicU64::new(0) }; MAX_COUNTERS];
/// Pre-handler calls whose frame was not at the probed address.
static WRONG_PC: AtomicU64 = AtomicU64::new(0);
const ALONE: usize = MAX_COUNTERS - 1;

fn bump(c: &AtomicU64) {
    // Not fetch_add: no LL/SC loop or outlined atomic helper in a handler.
    c.store(c.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

fn count_pre(ctx: &mut HitContext<'_>) {
    bump(&PRE[ctx.cookie]);
    if ctx.frame.pc as usize != ctx.addr {
        bump(&WRONG_PC);
    }
}

fn count_post(ctx: &mut HitContext<'_>) {
    bump(&POST[ctx.cookie]);
}

const COUNTING: Handlers = Handlers { pre: Some(count_pre), post: Some(count_post), ret: None };
/// Boost mode: no post-handler, so out-of-line probes are boosted.
const COUNTING_PRE: Handlers = Handlers { pre: Some(count_pre), post: None, ret: None };

/// Whether the runtime put probe `id` in a boosted slot.
fn is_boosted(id: ProbeId) -> bool {
    let rt = probec_runtime::installed().expect("the runtime is initialised");
    matches!(rt.probes[id.0 as usize].config().execution, Execution::Boost { .. })
}

/// One attached probe.
struct Probe {
    id: ProbeId,
    addr: usize,
    word: u32,
}

/// One probed function.
struct Target {
    name: &'static str,
    addr: usize,
    size: usize,
    /// Probes, in address order; cookies are global.
    probes: Vec<(Probe, usize)>,
    /// Cookie of the probe at the entry, if the entry could be probed.
    entry: Option<usize>,
    xol: u32,
    simulated: u32,
    /// Out-of-line probes in boosted slots.
    boosted: u32,
    rejected: Vec<(&'static str, u32)>,
    inside_exclusive: u32,
    excluded: u32,
}

impl Target {
    fn reject(&mut self, reason: &'static str) {
        match self.rejected.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => self.rejected.push((reason, 1)),
        }
    }

    fn rejected_total(&self) -> u32 {
        self.rejected.iter().map(|(_, n)| n).sum()
    }

    fn hits(&self) -> u64 {
        self.probes.iter().map(|(_, c)| PRE[*c].load(Ordering::Relaxed)).sum()
    }

    /// Probes hit at least once: the instructions that ran under a probe.
    fn covered(&self) -> usize {
        self.probes.iter().filter(|(_, c)| PRE[*c].load(Ordering::Relaxed) != 0).count()
    }
}

/// A workload to run, with its result line when unprobed.
struct Run {
    name: &'static str,
    n: u64,
    f: fn(u64) -> (String, i32),
    baseline: (String, i32),
}

fn run_all(runs: &[Run]) -> Vec<(String, i32)> {
    runs.iter().map(|r| (r.f)(r.n)).collect()
}

fn read_word(addr: usize) -> u32 {
    // SAFETY: addr is inside a function symbol of kernel text (mapped RX).
    unsafe { core::ptr::read_volatile(addr as *const u32) }
}

fn ms(ns: u64) -> u64 {
    ns / 1_000_000
}

/// `probe-every [WORKLOAD N]...`; returns the exit status.
pub fn run(cmdline: &CmdLine) -> i32 {
    // Which workloads, with which N.
    let mut chosen: Vec<(&'static Set, u64)> = Vec::new();
    let args = &cmdline.args;
    if args.is_empty() {
        chosen.extend(SETS.iter().map(|s| (s, s.default_n)));
    } else {
        if !args.len().is_multiple_of(2) {
            println!("{USAGE}");
            return USAGE_EXIT_STATUS;
        }
        for pair in args.chunks(2) {
            let set = SETS.iter().find(|s| s.workload == pair[0]);
            let (Some(set), Ok(n)) = (set, pair[1].parse::<u64>()) else {
                println!("{USAGE}");
                return USAGE_EXIT_STATUS;
            };
            if chosen.iter().any(|(s, _)| s.workload == set.workload) {
                println!("probe-every: {} given twice (its functions can be probed once)", set.workload);
                return USAGE_EXIT_STATUS;
            }
            chosen.push((set, n));
        }
    }

    let Some(elf) = symbols::own_elf_path(&cmdline.raw) else {
        println!("probe-every: no argv[0] on the command line: cannot find this kernel's ELF for its symbols");
        return 1;
    };
    let table = match KernelSymbols::load(elf) {
        Ok(t) => t,
        Err(e) => {
            println!("probe-every: cannot read this kernel's symbols: {e}");
            return 1;
        }
    };

    let mut targets: Vec<Target> = Vec::new();
    for (set, _) in &chosen {
        for &name in set.functions {
            let found = table.find_all(name);
            let sym = match found.as_slice() {
                [one] => *one,
                [] => {
                    println!("probe-every: FAILED: no function `{name}` in the symbol table; close matches:");
                    let last = name.rsplit("::").next().unwrap_or(name);
                    let last = last.split('<').next().unwrap_or(last);
                    let mut shown = 0;
                    table.for_each(&mut |s| {
                        if shown < 10 && s.name.contains(last) {
                            println!("  {}", s.name);
                            shown += 1;
                        }
                    });
                    return 1;
                }
                many => {
                    // Counting calls needs one function per name.
                    println!("probe-every: FAILED: `{name}` names {} functions:", many.len());
                    for s in many {
                        println!("  {} ({}) at {:#x}", s.name, s.raw, s.addr);
                    }
                    return 1;
                }
            };
            if sym.size == 0 || sym.size % 4 != 0 {
                println!("probe-every: FAILED: `{name}` has size {}", sym.size);
                return 1;
            }
            targets.push(Target {
                name,
                addr: sym.addr,
                size: sym.size,
                probes: Vec::new(),
                entry: None,
                xol: 0,
                simulated: 0,
                rejected: Vec::new(),
                inside_exclusive: 0,
                boosted: 0,
                excluded: 0,
            });
        }
    }
    drop(table);

    // 1. Without probes.
    let mut runs: Vec<Run> = Vec::new();
    let mut base_ns = Vec::new();
    for &(set, n) in &chosen {
        let f = workload::lookup(set.workload).expect("every set names a workload");
        let t = now_ns();
        let baseline = f(n);
        base_ns.push(now_ns() - t);
        runs.push(Run { name: set.workload, n, f, baseline });
    }

    let mut passed = 0u32;
    let mut failed = 0u32;
    let boost = cmdline.xol_mode == XolMode::Boost;
    let handlers = if boost { COUNTING_PRE } else { COUNTING };

    // 2. Every instruction, all at once.
    for c in PRE.iter().chain(POST.iter()) {
        c.store(0, Ordering::Relaxed);
    }
    WRONG_PC.store(0, Ordering::Relaxed);
    let mut next_cookie = 0usize;
    let t_attach = now_ns();
    let mut attach_error = None;
    'attach: for t in targets.iter_mut() {
        for addr in (t.addr..t.addr + t.size).step_by(4) {
            let off = addr - t.addr;
            if EXCLUDED.iter().any(|&(f, o, _)| f == t.name && o == off) {
                t.excluded += 1;
                continue;
            }
            let word = read_word(addr);
            let decoded = probec_runtime::check(addr);
            if next_cookie == ALONE {
                attach_error = Some(alloc::format!("{}+{off:#x}: more than {} probes", t.name, ALONE));
                break 'attach;
            }
            match attach(addr, handlers, next_cookie) {
                Ok(id) => {
                    match decoded {
                        Ok(Decoded::Simulate(_)) => t.simulated += 1,
                        _ => t.xol += 1,
                    }
                    if is_boosted(id) {
                        t.boosted += 1;
                    }
                    if off == 0 {
                        t.entry = Some(next_cookie);
                    }
                    t.probes.push((Probe { id, addr, word }, next_cookie));
                    next_cookie += 1;
                }
                Err(AttachError::Rejected(reason)) => t.reject(reason.name()),
                Err(AttachError::InsideExclusiveSequence) => t.inside_exclusive += 1,
                // A BRK compiled into the code (LLVM's `brk #1` for a trap):
                // attach reports any BRK as someone else's breakpoint before
                // decoding; the decoder would reject it as exception-generating.
                Err(AttachError::ForeignBreakpoint) => t.reject("brk-in-code"),
                Err(e) => {
                    attach_error = Some(alloc::format!("{}+{off:#x} (word {word:#010x}): {e}", t.name));
                    break 'attach;
                }
            }
        }
    }
    let attach_ns = now_ns() - t_attach;
    let total_probes: usize = targets.iter().map(|t| t.probes.len()).sum();
    let sum = |f: fn(&Target) -> u32| -> u32 { targets.iter().map(f).sum() };
    println!(
        "probe-every: {} workloads, {} functions, {} instructions: {} probes attached ({} xol, {} of them boosted, {} simulated), {} rejected, {} inside exclusive sequences, {} excluded ({} ms)",
        runs.len(),
        targets.len(),
        targets.iter().map(|t| t.size / 4).sum::<usize>(),
        total_probes,
        sum(|t| t.xol),
        sum(|t| t.boosted),
        sum(|t| t.simulated),
        sum(Target::rejected_total),
        sum(|t| t.inside_exclusive),
        sum(|t| t.excluded),
        ms(attach_ns),
    );
    if let Some(e) = attach_error {
        println!("probe-every: FAILED: attach {e}");
        detach_all(&targets);
        println!("probe-every: {passed} passed, {} failed", failed + 1);
        return 1;
    }

    // 3. The workloads under every probe.
    let mut probed = Vec::new();
    let mut probed_ns = Vec::new();
    for r in &runs {
        let before: u64 = targets.iter().map(Target::hits).sum();
        let t = now_ns();
        let result = (r.f)(r.n);
        probed_ns.push(now_ns() - t);
        let after: u64 = targets.iter().map(Target::hits).sum();
        probed.push((result, after - before));
    }

    // 4. Counters, then detach; the words must be back.
    let mut function_ok: Vec<bool> = Vec::new();
    for t in &targets {
        let mut ok = true;
        // Boost mode exists to be tested here: every out-of-line probe
        // must have got a boosted slot (none falls back: no post-handler,
        // and the exec area is in B range of all kernel text).
        let want_boosted = if boost { t.xol } else { 0 };
        if t.boosted != want_boosted {
            println!("probe-every: FAILED: {}: {} of {} out-of-line probes boosted, expected {want_boosted}", t.name, t.boosted, t.xol);
            ok = false;
        }
        for (p, c) in &t.probes {
            let pre = PRE[*c].load(Ordering::Relaxed);
            let post = POST[*c].load(Ordering::Relaxed);
            let st = stats(p.id).unwrap_or_default();
            let want_post = if boost { 0 } else { pre };
            if post != want_post || st.hits != pre || st.missed != 0 {
                println!(
                    "probe-every: FAILED: {}+{:#x} (word {:#010x}): pre {pre}, post {post}, runtime hits {}, missed {}",
                    t.name,
                    p.addr - t.addr,
                    p.word,
                    st.hits,
                    st.missed
                );
                ok = false;
            }
        }
        function_ok.push(ok);
    }
    let wrong_pc = WRONG_PC.load(Ordering::Relaxed);
    let t_detach = now_ns();
    let detach_failures = detach_all(&targets);
    let detach_ns = now_ns() - t_detach;
    for (t, ok) in targets.iter().zip(function_ok.iter_mut()) {
        for (p, _) in &t.probes {
            let now = read_word(p.addr);
            if now != p.word {
                println!("probe-every: FAILED: {}+{:#x}: word {now:#010x} after detach, was {:#010x}", t.name, p.addr - t.addr, p.word);
                *ok = false;
            }
        }
    }
    println!(
        "probe-every: detached {total_probes} probes ({} ms); {} of them were hit",
        ms(detach_ns),
        targets.iter().map(Target::covered).sum::<usize>()
    );
    if wrong_pc != 0 || detach_failures != 0 {
        println!("probe-every: FAILED: {wrong_pc} pre-handler calls not at their probe, {detach_failures} detach errors");
        failed += 1;
    }

    for (i, r) in runs.iter().enumerate() {
        let ((line, status), hits) = &probed[i];
        let same = *line == r.baseline.0 && *status == r.baseline.1;
        println!(
            "probe-every: {} {}: {}: {} hits, {} ms (unprobed {} ms)",
            r.name,
            r.n,
            if same { "same result" } else { "RESULT DIFFERS" },
            hits,
            ms(probed_ns[i]),
            ms(base_ns[i]),
        );
        if same {
            println!("  {line}");
            passed += 1;
        } else {
            println!("  unprobed: {} (status {})", r.baseline.0, r.baseline.1);
            println!("  probed:   {line} (status {status})");
            failed += 1;
        }
    }

    // 5. Per function: its call count from an entry probe alone.
    for (t, ok) in targets.iter().zip(function_ok) {
        let mut ok = ok;
        let mut rejects = String::new();
        for (reason, n) in &t.rejected {
            rejects += &alloc::format!(" {reason}={n}");
        }
        if t.inside_exclusive != 0 {
            rejects += &alloc::format!(" inside-exclusive-sequence={}", t.inside_exclusive);
        }
        if t.excluded != 0 {
            rejects += &alloc::format!(" excluded={}", t.excluded);
        }
        if rejects.is_empty() {
            rejects = String::from(" none");
        }
        let entry_hits = t.entry.map(|c| PRE[c].load(Ordering::Relaxed));
        let calls = calls_alone(t.addr, &runs, handlers);
        let verdict = match (entry_hits, &calls) {
            (Some(e), Ok(c)) if e == *c => "ok",
            _ => {
                ok = false;
                "FAILED"
            }
        };
        println!(
            "probe-every: {} at {:#x}, {} bytes: {} probes ({} xol, {} simulated), skipped:{rejects}; {} hits, {} probes hit; entry hits {} vs calls {}: {verdict}",
            t.name,
            t.addr,
            t.size,
            t.probes.len(),
            t.xol,
            t.simulated,
            t.hits(),
            t.covered(),
            entry_hits.map_or(String::from("(entry not probed)"), |e| alloc::format!("{e}")),
            match &calls {
                Ok(c) => alloc::format!("{c}"),
                Err(e) => e.clone(),
            },
        );
        if ok {
            passed += 1;
        } else {
            failed += 1;
        }
    }

    println!("probe-every: {passed} passed, {failed} failed");
    if failed == 0 {
        0
    } else {
        1
    }
}

/// Detach every probe; returns how many detaches failed.
fn detach_all(targets: &[Target]) -> u32 {
    let mut failures = 0;
    for t in targets {
        for (p, _) in &t.probes {
            if let Err(e) = detach(p.id) {
                println!("probe-every: detach {}+{:#x}: {e}", t.name, p.addr - t.addr);
                failures += 1;
            }
        }
    }
    failures
}

/// Calls of the function at `entry` while all `runs` run, counted by a
/// probe at its entry alone; the runs' results must not change either.
fn calls_alone(entry: usize, runs: &[Run], handlers: Handlers) -> Result<u64, String> {
    PRE[ALONE].store(0, Ordering::Relaxed);
    POST[ALONE].store(0, Ordering::Relaxed);
    let id = attach(entry, handlers, ALONE).map_err(|e| alloc::format!("(entry probe alone: {e})"))?;
    let results = run_all(runs);
    let _ = detach(id);
    for (r, got) in runs.iter().zip(&results) {
        if *got != r.baseline {
            return Err(alloc::format!("(entry probe alone changed {}'s result: {})", r.name, got.0));
        }
    }
    Ok(PRE[ALONE].load(Ordering::Relaxed))
}
