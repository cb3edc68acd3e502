//! `stress THREADS ITERATIONS [CYCLES]`: the probe runtime under load, on
//! every CPU, with interrupts and preemption, as a script sees it.
//!
//! THREADS threads of each of three workloads run at once (`fib/i`,
//! `sha/i`, `deflate/i`), each at least ITERATIONS rounds and on until the
//! attach/detach cycling below is done, each round checked:
//! - `fib/i` calls `refkernel::workload::fib(n)` for an n that depends on
//!   the thread and the round, and checks it against an iterative
//!   Fibonacci;
//! - `sha/i` hashes a message with its own padding and direct calls of
//!   `sha2::sha256::compress256`, and checks the digest against the one
//!   `Sha256::digest` gave for the same message before any probe was
//!   attached ([`Prepared`]);
//! - `deflate/i` calls `miniz_oxide::deflate::compress_to_vec` and checks
//!   the round trip through `decompress_to_vec`.
//!
//! Every thread counts natively what it did (calls of the probed function,
//! and for fib the sum of what every call returned, from the recurrences,
//! without calling anything) and prints it on a line of its own:
//!
//! ```text
//! stress: tid 7 fib/0 calls=... retsum=... (verified)
//! stress: tid 8 sha/0 calls=... blocks=... (verified)
//! stress: tid 9 deflate/0 calls=... (verified)
//! ```
//!
//! so that a script's per-`tid` maps can be compared with them exactly
//! (tests/stress/, run by `cargo xtask test`). Meanwhile `main` attaches and
//! detaches CYCLES probes with Rust handlers (default 1000) on other
//! instructions of the same functions, entry and return probes, and checks
//! every word reads back as it was. At the end it prints every CPU's
//! interrupt counts: how many came with the PC inside an XOL slot, and how
//! many preemptions were put off for it (sched/).
//!
//! After the script is unloaded ([`finish`], commands.rs) the entry words
//! of the four script targets must read back as they were before the
//! script was loaded.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::hint::black_box;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};

use probec_runtime::{attach, check, detach, stats, Handlers, HitContext};
use sha2::digest::generic_array::GenericArray;
use sha2::{Digest, Sha256};

use crate::cmdline::USAGE_EXIT_STATUS;
use crate::workload::fib;
use crate::{board::smp, board::time, irq, sched};

const USAGE: &str = "usage: stress THREADS ITERATIONS [CYCLES] (THREADS 1-64 per workload, CYCLES attach/detach cycles, default 1000)";

/// Lengths of the messages `sha/i` hashes (round r uses `SHA_LENS[r % 8]`):
/// empty, short, around the padding boundaries, several blocks.
const SHA_LENS: [usize; 8] = [0, 3, 55, 56, 64, 119, 1000, 4099];

/// Bytes `deflate/i` compresses in round r: 512 + 97 * (r % 16).
fn deflate_len(round: usize) -> usize {
    512 + 97 * (round % 16)
}

/// The argument of `fib/i`'s round r (so per-thread totals differ).
fn fib_arg(thread: usize, round: usize) -> u64 {
    8 + ((thread * 3 + round) % 9) as u64
}

/// Message byte j of `sha/i`'s round r, thread t.
fn sha_byte(t: usize, r: usize, j: usize) -> u8 {
    (j.wrapping_mul(31) ^ t.wrapping_mul(7) ^ r) as u8
}

/// The parsed command, and what was computed before a script attached.
pub struct Prepared {
    threads: usize,
    iterations: usize,
    cycles: usize,
    /// `SHA_DIGESTS[t][r % 8]` by `Sha256::digest`, before any probe.
    sha_digests: Vec<[[u8; 32]; 8]>,
    /// Entry words of the script's targets before the script was loaded.
    entry_words: [(&'static str, usize, u32); 4],
}

fn targets() -> [(&'static str, usize); 4] {
    [
        ("refkernel::workload::fib", fib as *const () as usize),
        ("sha2::sha256::compress256", sha2::compress256 as *const () as usize),
        ("miniz_oxide::deflate::compress_to_vec", miniz_oxide::deflate::compress_to_vec as *const () as usize),
        ("refkernel::irq::timer_tick", irq::timer_tick as *const () as usize),
    ]
}

fn read_word(addr: usize) -> u32 {
    // SAFETY: `addr` is in kernel text, mapped readable.
    unsafe { core::ptr::read_volatile(addr as *const u32) }
}

impl Prepared {
    /// Parse the arguments and compute the reference digests. `Err` is the
    /// exit status after a usage error.
    pub fn new(args: &[String]) -> Result<Prepared, i32> {
        let nums: Vec<Option<usize>> = args.iter().map(|a| a.parse().ok()).collect();
        let (threads, iterations, cycles) = match nums.as_slice() {
            [Some(t), Some(i)] => (*t, *i, 1000),
            [Some(t), Some(i), Some(c)] => (*t, *i, *c),
            _ => (0, 0, 0),
        };
        if !(1..=64).contains(&threads) || iterations == 0 {
            println!("{USAGE}");
            return Err(USAGE_EXIT_STATUS);
        }
        let sha_digests = (0..threads)
            .map(|t| {
                core::array::from_fn(|r| {
                    let msg: Vec<u8> = (0..SHA_LENS[r]).map(|j| sha_byte(t, r, j)).collect();
                    Sha256::digest(&msg).into()
                })
            })
            .collect();
        let entry_words = targets().map(|(name, addr)| (name, addr, read_word(addr)));
        Ok(Prepared { threads, iterations, cycles, sha_digests, entry_words })
    }
}

/// What one worker thread did, counted natively.
#[derive(Default)]
struct Tally {
    calls: u64,
    /// fib: sum of every call's return value; sha: blocks compressed.
    extra: u64,
    failures: u64,
}

/// Calls of `fib(n)` (itself included) and the sum of what they return,
/// from the recurrences c(n) = 1 + c(n-1) + c(n-2), s(n) = fib(n) +
/// s(n-1) + s(n-2): no call of `fib`.
fn fib_model(n: u64) -> (u64, u64, u64) {
    // (fib, calls, retsum) for k = 0, 1.
    let (mut prev, mut cur) = ((0u64, 1u64, 0u64), (1u64, 1u64, 1u64));
    if n == 0 {
        return prev;
    }
    for _ in 1..n {
        let f = cur.0 + prev.0;
        let next = (f, 1 + cur.1 + prev.1, f + cur.2 + prev.2);
        prev = cur;
        cur = next;
    }
    cur
}

fn fib_worker(t: usize, iterations: usize, cycling: &AtomicBool) -> Tally {
    let mut tally = Tally::default();
    let mut r = 0;
    while r < iterations || cycling.load(Relaxed) {
        let n = fib_arg(t, r);
        let (want, calls, retsum) = fib_model(n);
        let got = black_box(fib as fn(u64) -> u64)(n);
        tally.calls += calls;
        tally.extra += retsum;
        if got != want {
            tally.failures += 1;
        }
        r += 1;
    }
    tally
}

/// SHA-256 of `msg` with our own padding, one `compress256` call per
/// part: the blocks of the message proper (if any), then the padded tail.
/// (Not inlined: the cycling probes hook its return.)
#[inline(never)]
fn sha256_by_blocks(msg: &[u8], tally: &mut Tally) -> [u8; 32] {
    type Block = GenericArray<u8, sha2::digest::consts::U64>;
    let mut state: [u32; 8] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    let full = msg.len() / 64;
    if full > 0 {
        let blocks: Vec<Block> = msg[..full * 64].chunks_exact(64).map(Block::clone_from_slice).collect();
        sha2::compress256(&mut state, &blocks);
        tally.calls += 1;
        tally.extra += full as u64;
    }
    let rest = &msg[full * 64..];
    let mut tail = [0u8; 128];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    let tail_len = if rest.len() < 56 { 64 } else { 128 };
    tail[tail_len - 8..tail_len].copy_from_slice(&((msg.len() as u64) * 8).to_be_bytes());
    let blocks: Vec<Block> = tail[..tail_len].chunks_exact(64).map(Block::clone_from_slice).collect();
    sha2::compress256(&mut state, &blocks);
    tally.calls += 1;
    tally.extra += blocks.len() as u64;
    let mut out = [0u8; 32];
    for (i, w) in state.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&w.to_be_bytes());
    }
    out
}

fn sha_worker(t: usize, iterations: usize, digests: &[[u8; 32]; 8], cycling: &AtomicBool) -> Tally {
    let mut tally = Tally::default();
    let mut r = 0;
    while r < iterations || cycling.load(Relaxed) {
        let msg: Vec<u8> = (0..SHA_LENS[r % 8]).map(|j| sha_byte(t, r % 8, j)).collect();
        if sha256_by_blocks(&msg, &mut tally) != digests[r % 8] {
            tally.failures += 1;
        }
        r += 1;
    }
    tally
}

fn deflate_worker(t: usize, iterations: usize, cycling: &AtomicBool) -> Tally {
    let mut tally = Tally::default();
    let mut state = 0x9e37_79b9_7f4a_7c15 ^ t as u64;
    let mut r = 0;
    while r < iterations || cycling.load(Relaxed) {
        let data: Vec<u8> =
            (0..deflate_len(r)).map(|_| b"probe kernel trace "[(crate::workload::xorshift64(&mut state) % 19) as usize]).collect();
        tally.calls += 1;
        if !round_trip(&data) {
            tally.failures += 1;
        }
        r += 1;
    }
    tally
}

/// Compress and decompress `data`; whether it came back the same. (Not
/// inlined: the cycling probes hook its return.)
#[inline(never)]
fn round_trip(data: &[u8]) -> bool {
    let packed = miniz_oxide::deflate::compress_to_vec(data, 6);
    miniz_oxide::inflate::decompress_to_vec(&packed).ok().as_deref() == Some(data)
}

/// Time spent in detach, in total.
static DETACH_NS: AtomicU64 = AtomicU64::new(0);

/// How long a cycling probe stays attached (most cycles).
const ARMED_NS: u64 = 50_000;

/// Hits counted by the cycling probes' handlers.
static CYCLE_PRE: AtomicU64 = AtomicU64::new(0);
static CYCLE_RET: AtomicU64 = AtomicU64::new(0);

fn cycle_pre(_: &mut HitContext<'_>) {
    CYCLE_PRE.fetch_add(1, Relaxed);
}

fn cycle_ret(_: &mut HitContext<'_>) {
    CYCLE_RET.fetch_add(1, Relaxed);
}

/// Where the cycling probes go: the first instruction after the entry of
/// each workload function that a probe can take, plus the entries of two
/// functions the script leaves alone (the workers' own), with return
/// probes.
fn cycle_targets() -> Vec<(usize, bool)> {
    let mut out = Vec::new();
    for (_, entry) in targets() {
        if let Some(addr) = (1..16).map(|i| entry + 4 * i).find(|&a| check(a).is_ok()) {
            out.push((addr, false));
        }
    }
    let inner: [usize; 2] = [round_trip as *const () as usize, sha256_by_blocks as *const () as usize];
    for addr in inner {
        if check(addr).is_ok() {
            out.push((addr, true));
        }
    }
    out
}

/// `main`'s part: attach and detach `cycles` probes while the workers run.
/// Returns (probes cycled, errors, words not restored).
fn cycle(cycles: usize, running: &AtomicUsize) -> (usize, u64, u64) {
    let targets = cycle_targets();
    let originals: Vec<u32> = targets.iter().map(|&(a, _)| read_word(a)).collect();
    let (mut errors, mut not_restored) = (0, 0);
    let mut done = 0;
    for i in 0..cycles {
        let k = i % targets.len();
        let (addr, ret) = targets[k];
        let handlers = Handlers { pre: Some(cycle_pre), post: None, ret: ret.then_some(cycle_ret as _) };
        match attach(addr, handlers, k) {
            Ok(id) => {
                // Leave it armed for a while (the other CPUs run workers
                // that hit it); every third cycle detaches at once, racing
                // hits in flight.
                if i % 3 != 2 && running.load(SeqCst) > 0 {
                    let until = time::now_ns() + ARMED_NS;
                    while time::now_ns() < until {
                        core::hint::spin_loop();
                    }
                }
                let _ = stats(id);
                let t0 = time::now_ns();
                let detached = detach(id);
                DETACH_NS.fetch_add(time::now_ns() - t0, Relaxed);
                if let Err(e) = detached {
                    errors += 1;
                    println!("stress: detach {addr:#x}: {e}");
                }
            }
            Err(e) => {
                errors += 1;
                println!("stress: attach {addr:#x}: {e}");
            }
        }
        if read_word(addr) != originals[k] {
            not_restored += 1;
        }
        done += 1;
        // Now and then let the workers queued on this CPU run at once.
        if i % 16 == 15 {
            sched::yield_now();
        }
    }
    (done, errors, not_restored)
}

/// Run the workers and the cycling; returns the exit status.
pub fn run(p: Prepared) -> i32 {
    let cpus = smp::online();
    println!(
        "stress: {} threads ({} per workload) on {cpus} CPUs, tick {} Hz, {} rounds each, {} attach/detach cycles",
        3 * p.threads,
        p.threads,
        irq::tick_hz(),
        p.iterations,
        p.cycles
    );
    let p = Arc::new(p);
    let running = Arc::new(AtomicUsize::new(3 * p.threads));
    let failed = Arc::new(AtomicU64::new(0));
    // Workers go on past their rounds until the cycling is done, so every
    // cycle races them.
    let cycling = Arc::new(AtomicBool::new(true));
    let mut handles = Vec::new();
    for t in 0..p.threads {
        for kind in ["fib", "sha", "deflate"] {
            let (p, running, failed, cycling) = (p.clone(), running.clone(), failed.clone(), cycling.clone());
            let spawned = sched::spawn(format!("{kind}/{t}"), None, move || {
                let tally = match kind {
                    "fib" => fib_worker(t, p.iterations, &cycling),
                    "sha" => sha_worker(t, p.iterations, &p.sha_digests[t], &cycling),
                    _ => deflate_worker(t, p.iterations, &cycling),
                };
                let me = sched::current();
                let extra = match kind {
                    "fib" => format!(" retsum={}", tally.extra),
                    "sha" => format!(" blocks={}", tally.extra),
                    _ => String::new(),
                };
                let verdict = if tally.failures == 0 { String::from("verified") } else { format!("{} MISMATCHES", tally.failures) };
                println!("stress: tid {} {} calls={}{extra} ({verdict})", me.tid, me.name, tally.calls);
                if tally.failures > 0 {
                    failed.fetch_add(1, SeqCst);
                }
                running.fetch_sub(1, SeqCst);
            });
            match spawned {
                Ok(h) => handles.push(h),
                Err(_) => {
                    println!("stress: the thread table is full");
                    return 1;
                }
            }
        }
    }
    let (cycled, errors, not_restored) = cycle(p.cycles, &running);
    cycling.store(false, Relaxed);
    for h in handles {
        h.join();
    }
    println!(
        "stress: cycles: {cycled} attach/detach, {} entry hits, {} return hits, {errors} errors, {not_restored} words not restored, {} us per detach",
        CYCLE_PRE.load(Relaxed),
        CYCLE_RET.load(Relaxed),
        DETACH_NS.load(Relaxed) / 1000 / cycled.max(1) as u64
    );
    let mut in_slot = 0;
    for c in 0..cpus {
        let s = &irq::CPUS[c];
        let slot = s.in_slot.load(Relaxed);
        in_slot += slot;
        println!(
            "stress: cpu {c} ticks={} irqs={} irqs_in_slot={slot} preemptions_deferred={}",
            s.ticks.load(Relaxed),
            s.taken.load(Relaxed),
            sched::CPUS[c].deferred.load(Relaxed)
        );
    }
    let bad = failed.load(SeqCst);
    println!("stress: interrupts with the PC in an XOL slot: {in_slot}");
    println!(
        "stress: grace periods: {}, {} us each on average",
        smp::GRACE_COUNT.load(Relaxed),
        smp::GRACE_NS.load(Relaxed) / 1000 / smp::GRACE_COUNT.load(Relaxed).max(1)
    );
    println!("stress: workloads: {} of {} verified", 3 * p.threads - bad as usize, 3 * p.threads);
    if bad == 0 && errors == 0 && not_restored == 0 {
        0
    } else {
        1
    }
}

/// After the script (if any) was unloaded: the script targets' entry
/// words must be as they were before it was loaded. Returns the status.
pub fn finish(p_words: &[(&'static str, usize, u32); 4], status: i32) -> i32 {
    let mut restored = 0;
    for &(name, addr, word) in p_words {
        let now = read_word(addr);
        if now == word {
            restored += 1;
        } else {
            println!("stress: {name} at {addr:#x} reads {now:#010x}, was {word:#010x}");
        }
    }
    println!("stress: entry words restored: {restored} of {}", p_words.len());
    if restored == p_words.len() {
        status
    } else {
        1
    }
}

impl Prepared {
    /// The entry words recorded before the script was loaded.
    pub fn entry_words(&self) -> [(&'static str, usize, u32); 4] {
        self.entry_words
    }
}
