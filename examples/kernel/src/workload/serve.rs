//! `serve WORKLOAD ARG [WORKLOAD ARG...]`: the long-running mode live
//! attach works against. One thread per pair (named `serve/WORKLOAD`)
//! runs its workload in a loop forever, checking every iteration against a
//! reference result, while `main` becomes the agent
//! ([`crate::embed::agent::serve_forever`]), which a host talks to over
//! the console UART.
//!
//! ```text
//! serve fib 22 sha256 50000 deflate 50000
//! serve: fib 22, sha256 50000, deflate 50000 running (3 threads); agent on the console UART
//! ```
//!
//! The references are computed by `main` once, before anything else runs
//! ([`Prepared::compute`], from commands.rs, before a `script=` object is
//! loaded): probes attached later must not be able to change what a result
//! is compared with. `fib`'s reference must also equal the closed form (an
//! iterative Fibonacci, as in `threads`). Each iteration's (line, status)
//! is compared with (reference, 0); iterations and failures are counted in
//! a fixed table of atomics ([`for_each_counter`], [`failures`]: what the
//! agent reports as `self-check failures: N`). The loop allocates nothing
//! of its own (the workloads allocate their result line and buffers). A
//! failing iteration prints one line, the first [`MAX_PRINTED`] only:
//!
//! ```text
//! serve: fib 22 iteration 1234: got fib(22) = 17710, expected fib(22) = 17711
//! ```
//!
//! Between iterations a thread calls [`sched::yield_now`], so the workload
//! threads never keep the agent's thread off a CPU for longer than one
//! iteration.
//!
//! `serve-test SECONDS WORKLOAD ARG...` (a hidden diagnostic command, run
//! by `cargo xtask test`) runs the same threads for SECONDS seconds
//! (sleeping on the tick, measured by the generic counter), stops and
//! joins them, and prints per pair
//! `serve-test: fib 15: N iterations, F failures`, then
//! `serve-test: self-check failures: F` (the sum, as the agent reports it)
//! and `serve-test: P passed, M failed`; a pair passes with at least one
//! iteration and no failure. Exit status 0 if every pair passed.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};

use crate::board::time;
use crate::cmdline::USAGE_EXIT_STATUS;
use crate::sched::{self, JoinHandle};

/// Most WORKLOAD ARG pairs one `serve` runs.
pub const MAX_PAIRS: usize = 16;

/// How many failing iterations print a line (all are counted).
pub const MAX_PRINTED: u64 = 10;

/// Longest `serve-test` run, in seconds.
const MAX_TEST_SECONDS: u64 = 3600;

const USAGE: &str =
    "usage: serve WORKLOAD ARG [WORKLOAD ARG...] (1 to 16 pairs; WORKLOAD fib, sha256, deflate or sort; ARG a non-negative integer)";

const TEST_USAGE: &str = "usage: serve-test SECONDS WORKLOAD ARG [WORKLOAD ARG...] (SECONDS from 1 to 3600; 1 to 16 pairs)";

/// One WORKLOAD ARG pair and its reference result.
struct Pair {
    /// `fib 22`: how lines and the agent name it.
    label: String,
    /// The workload's name (`fib`).
    name: String,
    workload: fn(u64) -> (String, i32),
    arg: u64,
    /// The result line of the unprobed run made by `main` at the start.
    reference: String,
}

/// A pair's counters.
struct Counter {
    iterations: AtomicU64,
    failures: AtomicU64,
}

/// The counters of pair i, in command-line order. Only pair i's thread
/// writes `COUNTERS[i]`.
static COUNTERS: [Counter; MAX_PAIRS] = [const { Counter { iterations: AtomicU64::new(0), failures: AtomicU64::new(0) } }; MAX_PAIRS];

/// The running pairs (a leaked `Vec`), published once by [`start`]; null
/// before (then [`for_each_counter`] reports nothing).
static PAIRS: AtomicPtr<Vec<Pair>> = AtomicPtr::new(core::ptr::null_mut());

/// Set to stop the threads after their current iteration (`serve-test`).
static STOP: AtomicBool = AtomicBool::new(false);

/// Failing iterations reported so far (the rate limit of their lines).
static PRINTED: AtomicU64 = AtomicU64::new(0);

/// `serve` or `serve-test`, parsed, with the references computed.
pub struct Prepared {
    /// `serve-test`: run this many seconds; `serve`: None (forever).
    seconds: Option<u64>,
    pairs: Vec<Pair>,
}

impl Prepared {
    /// Parse the arguments of `serve` (`test` false: `WORKLOAD ARG...`) or
    /// `serve-test` (`SECONDS WORKLOAD ARG...`) and compute each pair's
    /// reference line in the calling thread. `Err` is the exit status
    /// after a usage error (2) or a failed reference run (1).
    pub fn compute(args: &[String], test: bool) -> Result<Prepared, i32> {
        let usage = if test { TEST_USAGE } else { USAGE };
        let (seconds, rest) = if test {
            match args.split_first() {
                Some((s, rest)) => match s.parse::<u64>() {
                    Ok(s) if (1..=MAX_TEST_SECONDS).contains(&s) => (Some(s), rest),
                    _ => {
                        println!("serve-test: bad SECONDS {s:?}");
                        println!("{usage}");
                        return Err(USAGE_EXIT_STATUS);
                    }
                },
                None => {
                    println!("{usage}");
                    return Err(USAGE_EXIT_STATUS);
                }
            }
        } else {
            (None, args)
        };
        let specs = match parse_pairs(rest) {
            Ok(specs) => specs,
            Err(message) => {
                println!("{}: {message}", if test { "serve-test" } else { "serve" });
                println!("{usage}");
                return Err(USAGE_EXIT_STATUS);
            }
        };
        let mut pairs = Vec::with_capacity(specs.len());
        for (name, workload, arg) in specs {
            let (line, status) = workload(arg);
            if status != 0 || (name == "fib" && line != super::threads::fib_line(arg)) {
                println!("serve: the reference run of {name} {arg} failed: {line} (status {status})");
                return Err(1);
            }
            pairs.push(Pair { label: format!("{name} {arg}"), name: String::from(name), workload, arg, reference: line });
        }
        Ok(Prepared { seconds, pairs })
    }
}

/// `WORKLOAD ARG` pairs: 1 to [`MAX_PAIRS`], known workloads, u64 ARGs.
#[allow(clippy::type_complexity)]
fn parse_pairs(words: &[String]) -> Result<Vec<(&str, fn(u64) -> (String, i32), u64)>, String> {
    if words.is_empty() {
        return Err(String::from("no WORKLOAD ARG pair"));
    }
    if !words.len().is_multiple_of(2) {
        return Err(format!("{:?} has no ARG", words[words.len() - 1]));
    }
    if words.len() / 2 > MAX_PAIRS {
        return Err(format!("{} pairs, at most {MAX_PAIRS}", words.len() / 2));
    }
    words
        .chunks_exact(2)
        .map(|pair| {
            let (name, arg) = (pair[0].as_str(), &pair[1]);
            let workload = super::lookup(name).ok_or_else(|| format!("unknown workload {name:?}"))?;
            let arg = arg.parse::<u64>().map_err(|_| format!("{name} {arg:?}: ARG must be a non-negative integer"))?;
            Ok((name, workload, arg))
        })
        .collect()
}

/// Run the command `prepared` was computed for: `serve` never returns
/// (the main thread becomes the agent); `serve-test` returns its exit
/// status. Returns 1 if the threads could not all be started.
pub fn run(prepared: Prepared) -> i32 {
    let seconds = prepared.seconds;
    let (pairs, handles) = match start(prepared.pairs) {
        Ok(started) => started,
        Err(status) => return status,
    };
    match seconds {
        None => {
            let labels: Vec<&str> = pairs.iter().map(|p| p.label.as_str()).collect();
            println!("serve: {} running ({} threads); agent on the console UART", labels.join(", "), handles.len());
            // The threads are never joined: their handles are dropped and
            // the threads run as long as the kernel does.
            drop(handles);
            crate::embed::agent::serve_forever()
        }
        Some(seconds) => {
            sleep_seconds(seconds);
            stop_and_join(handles);
            let mut passed = 0;
            for_each_counter(|label, iterations, failures| {
                println!("serve-test: {label}: {iterations} iterations, {failures} failures");
                if iterations >= 1 && failures == 0 {
                    passed += 1;
                }
            });
            let failed = pairs.len() - passed;
            println!("serve-test: self-check failures: {}", failures());
            println!("serve-test: {passed} passed, {failed} failed");
            if failed == 0 {
                0
            } else {
                1
            }
        }
    }
}

/// Sleep `seconds` seconds of the generic counter, 10 ms of ticks at a
/// time. (Counting ticks alone would be late: a tick that comes after the
/// next one was due is not made up for, and the vCPUs of an overloaded
/// host miss many: with `-smp 4` on 2 busy host cores, 2000 ticks at
/// 1 kHz took 8.5 s.)
fn sleep_seconds(seconds: u64) {
    let end = time::now_ns() + seconds * 1_000_000_000;
    let chunk = (crate::irq::tick_hz() / 100).max(1);
    loop {
        let left = end.saturating_sub(time::now_ns());
        if left == 0 {
            break;
        }
        // At most 3600 s times 100 kHz: no overflow.
        let ticks = (left * crate::irq::tick_hz()).div_ceil(1_000_000_000);
        sched::sleep_until(sched::jiffies() + ticks.clamp(1, chunk));
    }
}

/// Publish `pairs` and start a thread for each. `Err(1)` if [`start`]
/// already ran or a thread could not be started (those started are
/// stopped and joined first).
fn start(pairs: Vec<Pair>) -> Result<(&'static [Pair], Vec<JoinHandle>), i32> {
    let ptr = Box::into_raw(Box::new(pairs));
    if PAIRS.compare_exchange(core::ptr::null_mut(), ptr, Ordering::Release, Ordering::Relaxed).is_err() {
        println!("serve: already running");
        return Err(1);
    }
    // SAFETY: leaked just above, never freed or changed.
    let pairs: &'static [Pair] = unsafe { &*ptr };
    let mut handles = Vec::with_capacity(pairs.len());
    for (index, pair) in pairs.iter().enumerate() {
        match sched::spawn(format!("serve/{}", pair.name), None, move || serve_loop(index, pair)) {
            Ok(h) => handles.push(h),
            Err(_) => {
                println!("serve: cannot start the thread of {}: the thread table is full", pair.label);
                stop_and_join(handles);
                return Err(1);
            }
        }
    }
    Ok((pairs, handles))
}

/// Ask the threads to stop after their current iteration and wait for
/// them.
fn stop_and_join(handles: Vec<JoinHandle>) {
    STOP.store(true, Ordering::Relaxed);
    for h in handles {
        h.join();
    }
}

/// Thread `index`: run `pair` until [`STOP`], checking and counting each
/// iteration.
fn serve_loop(index: usize, pair: &'static Pair) {
    let counter = &COUNTERS[index];
    while !STOP.load(Ordering::Relaxed) {
        let (line, status) = (pair.workload)(pair.arg);
        // Only this thread writes its counters: no read-modify-write race.
        let iteration = counter.iterations.load(Ordering::Relaxed) + 1;
        if status != 0 || line != pair.reference {
            counter.failures.fetch_add(1, Ordering::Relaxed);
            if PRINTED.fetch_add(1, Ordering::Relaxed) < MAX_PRINTED {
                let status = if status != 0 { format!(" (status {status})") } else { String::new() };
                println!("serve: {} iteration {iteration}: got {line}{status}, expected {}", pair.label, pair.reference);
            }
        }
        counter.iterations.store(iteration, Ordering::Relaxed);
        sched::yield_now();
    }
}

/// Call `f(label, iterations, failures)` for each running pair, in
/// command-line order (`label` as `fib 22`). Nothing before `serve`
/// starts its threads. Lock-free and allocation-free; the two counts are
/// read one after the other, not as one snapshot.
pub fn for_each_counter(mut f: impl FnMut(&str, u64, u64)) {
    let pairs = PAIRS.load(Ordering::Acquire);
    if pairs.is_null() {
        return;
    }
    // SAFETY: a non-null PAIRS is a leaked Vec, published once and never
    // freed or changed.
    let pairs: &'static Vec<Pair> = unsafe { &*pairs };
    for (pair, counter) in pairs.iter().zip(&COUNTERS) {
        f(&pair.label, counter.iterations.load(Ordering::Relaxed), counter.failures.load(Ordering::Relaxed));
    }
}

/// Failing iterations of every pair so far (the agent's `self-check
/// failures: N`).
pub fn failures() -> u64 {
    let mut sum = 0;
    for_each_counter(|_, _, failures| sum += failures);
    sum
}
