//! `bench`: what a probe costs, counted in instructions (run under
//! `-icount shift=0`; `cargo xtask bench` does that and tabulates).
//!
//! Each figure is (instructions with the probe − instructions without) over
//! many calls of a tiny function, so it includes everything a hit costs on
//! this kernel: the exception entry and exit (general registers only by
//! default; x0–x30, q0–q31, FPSR/FPCR with `frame=full`: vectors.rs), the
//! runtime, the handler and the return. Run it with the `xol=` and `frame=`
//! options to measure each configuration.
//! Lines printed: `bench <name> <value>`.

use core::arch::global_asm;
use core::hint::black_box;
use core::sync::atomic::{AtomicU64, Ordering};

use probec_runtime::{attach, detach, Handlers, HitContext, ProbeId};

use crate::board::pmu;

global_asm!(
    ".pushsection .text.bench, \"ax\"",
    ".balign 4",
    // Entry instruction executed out of line. Typed and sized as functions
    // so scripts can name them (the symbol table keeps STT_FUNC symbols).
    ".global bench_xol",
    ".type bench_xol, %function",
    "bench_xol: add x0, x0, #1",
    "    ret",
    ".size bench_xol, . - bench_xol",
    // Entry instruction simulated (NOP).
    ".global bench_sim",
    ".type bench_sim, %function",
    "bench_sim: nop",
    "    add x0, x0, #1",
    "    ret",
    ".size bench_sim, . - bench_sim",
    // Unprobed twins: the baseline for probes a loaded script placed.
    ".global bench_xol_twin",
    "bench_xol_twin: add x0, x0, #1",
    "    ret",
    ".global bench_sim_twin",
    "bench_sim_twin: nop",
    "    add x0, x0, #1",
    "    ret",
    // A bare exception round trip: the kernel's BENCH_BRK hook only steps
    // over it (src/selftest/trap_test.rs).
    ".global bench_brk",
    "bench_brk: brk #0x7e2",
    "    ret",
    // Markers around the one traced hit of `bench-once` (xtask profile
    // counts the instructions executed between them).
    ".global bench_mark_begin",
    "bench_mark_begin: ret",
    ".global bench_mark_end",
    "bench_mark_end: ret",
    // Many probeable instructions, for attach/detach cost with many probes.
    ".global bench_many",
    "bench_many:",
    ".rept 10240",
    "    add x0, x0, #1",
    ".endr",
    "    ret",
    ".popsection",
);

extern "C" {
    fn bench_xol(x: u64) -> u64;
    fn bench_sim(x: u64) -> u64;
    fn bench_xol_twin(x: u64) -> u64;
    fn bench_brk(x: u64) -> u64;
    fn bench_sim_twin(x: u64) -> u64;
    fn bench_mark_begin();
    fn bench_mark_end();
    static bench_many: u32;
}

const CALLS: u64 = 1000;

static COUNTER: AtomicU64 = AtomicU64::new(0);
static HIST: [AtomicU64; 65] = [const { AtomicU64::new(0) }; 65];

fn empty(_: &mut HitContext<'_>) {}

fn count(_: &mut HitContext<'_>) {
    COUNTER.fetch_add(1, Ordering::Relaxed);
}

fn hist(ctx: &mut HitContext<'_>) {
    let v = ctx.frame.x[0];
    let bucket = if v == 0 { 0 } else { 64 - v.leading_zeros() as usize };
    HIST[bucket].fetch_add(1, Ordering::Relaxed);
}

/// Instructions for CALLS calls of `f`.
fn calls(f: unsafe extern "C" fn(u64) -> u64) -> u64 {
    let f = black_box(f);
    pmu::count(|| {
        for i in 0..CALLS {
            // SAFETY: the bench functions only add to their argument.
            black_box(unsafe { f(black_box(i)) });
        }
    })
}

/// Instructions per hit of a probe with `handlers` on `f`'s entry.
fn per_hit(f: unsafe extern "C" fn(u64) -> u64, handlers: Handlers) -> Result<u64, probec_runtime::AttachError> {
    let base = calls(f);
    let id = attach(f as usize, handlers, 0)?;
    let probed = calls(f);
    detach(id).expect("detach a probe just attached");
    Ok(probed.saturating_sub(base) / CALLS)
}

fn many_addr(i: usize) -> usize {
    &raw const bench_many as usize + 4 * i
}

/// Instructions to attach and to detach one probe with `already` attached.
fn attach_detach_cost(already: usize) -> (u64, u64) {
    let handlers = Handlers { pre: Some(empty), ..Default::default() };
    let held: alloc::vec::Vec<ProbeId> = (0..already).map(|i| attach(many_addr(i), handlers, 0).expect("attach bench probe")).collect();
    const REPS: u64 = 50;
    let (mut attach_total, mut detach_total) = (0, 0);
    for r in 0..REPS as usize {
        let addr = many_addr(already + r);
        let mut id = None;
        attach_total += pmu::count(|| id = Some(attach(addr, handlers, 0).expect("attach measured probe")));
        let id = id.expect("attached");
        detach_total += pmu::count(|| detach(id).expect("detach measured probe"));
    }
    for id in held {
        detach(id).expect("detach bench probe");
    }
    (attach_total / REPS, detach_total / REPS)
}

/// Run the benchmark; returns the exit status.
pub fn run() -> i32 {
    pmu::init();
    let empty_h = Handlers { pre: Some(empty), ..Default::default() };
    let cases: [(&str, unsafe extern "C" fn(u64) -> u64, Handlers); 5] = [
        ("hit_xol_empty", bench_xol, empty_h),
        ("hit_sim_empty", bench_sim, empty_h),
        ("hit_ret_empty", bench_xol, Handlers { ret: Some(empty), ..Default::default() }),
        ("hit_xol_count", bench_xol, Handlers { pre: Some(count), ..Default::default() }),
        ("hit_xol_hist", bench_xol, Handlers { pre: Some(hist), ..Default::default() }),
    ];
    for (name, f, handlers) in cases {
        match per_hit(f, handlers) {
            Ok(n) => println!("bench {name} {n}"),
            Err(e) => {
                println!("bench: attach for {name} failed: {e}");
                return 1;
            }
        }
    }
    // The runtime's part of a simulated hit, without the exception: call
    // the BRK entry point directly on a frame at the probe.
    let id = attach(bench_sim as *const () as usize, empty_h, 0).expect("attach");
    let mut frame = probec_runtime::Frame::zeroed();
    let esr = (0x3c << 26) | (1 << 25) | 0xd04;
    let runtime_only = pmu::count(|| {
        for _ in 0..CALLS {
            frame.pc = bench_sim as *const () as usize as u64;
            black_box(probec_runtime::trap::on_brk(black_box(&mut frame), esr));
        }
    }) / CALLS;
    detach(id).expect("detach");
    println!("bench runtime_sim_hit {runtime_only}");
    // The embedder's part of every hit: exception entry (the frame the
    // installed vectors save), dispatch, the runtime declining an unknown
    // BRK, and the return.
    let exception = calls(bench_brk).saturating_sub(calls(bench_xol_twin)) / CALLS;
    println!("bench exception_roundtrip {exception}");
    for n in [1usize, 1000, 10000] {
        let (a, d) = attach_detach_cost(n - 1);
        println!("bench attach_with_{n} {a}");
        println!("bench detach_with_{n} {d}");
    }
    println!("bench bytes_per_probe {}", probec_runtime::memory_per_probe());
    0
}

/// `bench-script`: run under a loaded script (the loading convention) whose
/// probes are on `bench_xol` and/or `bench_sim`; prints instructions per hit
/// of compiled handlers, against the functions' unprobed twins.
pub fn run_script() -> i32 {
    pmu::init();
    for (name, probed, twin) in [
        ("script_xol", bench_xol as unsafe extern "C" fn(u64) -> u64, bench_xol_twin as unsafe extern "C" fn(u64) -> u64),
        ("script_sim", bench_sim, bench_sim_twin),
    ] {
        let cost = calls(probed).saturating_sub(calls(twin)) / CALLS;
        println!("bench {name} {cost}");
    }
    0
}

/// `bench-once CASE`: attach one probe (CASE `xol`, `sim`, `ret` or `brk`
/// for a bare exception round trip; `script-xol`/`script-sim` attach
/// nothing and call the function a loaded script probes), hit it once to
/// warm up, then once more
/// between calls of `bench_mark_begin` and `bench_mark_end`, for
/// `cargo xtask profile` to attribute every instruction of that hit to a
/// function under QEMU's instruction trace.
pub fn run_once(args: &[alloc::string::String]) -> i32 {
    let empty_h = Handlers { pre: Some(empty), ..Default::default() };
    let (f, handlers): (unsafe extern "C" fn(u64) -> u64, Option<Handlers>) = match args.first().map(|a| a.as_str()) {
        Some("xol") => (bench_xol, Some(empty_h)),
        Some("sim") => (bench_sim, Some(empty_h)),
        Some("ret") => (bench_xol, Some(Handlers { ret: Some(empty), ..Default::default() })),
        Some("brk") => (bench_brk, None),
        // Probes placed by a script loaded with `script=PATH`.
        Some("script-xol") => (bench_xol, None),
        Some("script-sim") => (bench_sim, None),
        _ => {
            println!("usage: bench-once xol|sim|ret|brk|script-xol|script-sim");
            return crate::cmdline::USAGE_EXIT_STATUS;
        }
    };
    let id = handlers.map(|h| attach(f as usize, h, 0).expect("attach bench probe"));
    // SAFETY: the bench functions only add to their argument; the markers
    // return at once.
    unsafe {
        black_box(f(black_box(1)));
        bench_mark_begin();
        black_box(f(black_box(2)));
        bench_mark_end();
    }
    if let Some(id) = id {
        detach(id).expect("detach bench probe");
    }
    0
}
