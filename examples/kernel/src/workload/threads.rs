//! `threads N WORKLOAD ARG`: N copies of a workload at once, each in a
//! thread of its own (named `WORKLOAD/i`), preempted by the tick and
//! migrating between CPUs as the scheduler pleases.
//!
//! Thread i first sleeps until i + 1 ticks after the start (so the threads
//! begin staggered, and sleeping is exercised). Each thread checks its own
//! result against the reference: the result
//! line of the same workload computed once by `main` *before* any probe
//! script was attached ([`Reference::compute`]; commands.rs), so a probe
//! or a thread switch that corrupts a computation shows as a mismatch.
//! `fib` is checked against the closed form as well (an iterative
//! Fibonacci that calls nothing a probe could be on). Each thread prints
//! its line as it finishes, then `main` prints a summary line:
//!
//! ```text
//! [tid 3 fib/0 cpu 2] fib(20) = 6765 (verified)
//! ...
//! threads: 8 of 8 fib(20) results verified
//! ```

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

use alloc::sync::Arc;

use crate::cmdline::USAGE_EXIT_STATUS;
use crate::sched;

/// Most threads one command may start (the scheduler's table holds 256).
const MAX: usize = 128;

const USAGE: &str = "usage: threads N WORKLOAD ARG (N from 1 to 128; WORKLOAD fib, sha256, deflate or sort)";

/// A parsed `threads` command and its reference result.
pub struct Reference {
    count: usize,
    name: String,
    arg: u64,
    line: String,
}

impl Reference {
    /// Parse `N WORKLOAD ARG` and compute the workload's result line once,
    /// in the calling thread. `Err` is the exit status after a usage error.
    pub fn compute(args: &[String]) -> Result<Reference, i32> {
        let parsed = match args {
            [n, name, arg] => match (n.parse::<usize>(), super::lookup(name), arg.parse::<u64>()) {
                (Ok(n), Some(_), Ok(arg)) if (1..=MAX).contains(&n) => Some((n, name.clone(), arg)),
                _ => None,
            },
            _ => None,
        };
        let Some((count, name, arg)) = parsed else {
            println!("{USAGE}");
            return Err(USAGE_EXIT_STATUS);
        };
        let workload = super::lookup(&name).expect("checked above");
        let (line, status) = workload(arg);
        if status != 0 || (name == "fib" && line != fib_line(arg)) {
            println!("threads: the reference run of {name} {arg} failed: {line}");
            return Err(1);
        }
        Ok(Reference { count, name, arg, line })
    }
}

/// `fib(N) = F` from an iterative Fibonacci (no calls to probe).
pub(super) fn fib_line(n: u64) -> String {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        (a, b) = (b, a.wrapping_add(b));
    }
    format!("fib({n}) = {a}")
}

/// Run the threads of `reference`; returns the exit status (0 if every
/// result was verified).
pub fn run(reference: Reference) -> i32 {
    let reference = Arc::new(reference);
    let verified = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::with_capacity(reference.count);
    for i in 0..reference.count {
        let (r, ok) = (reference.clone(), verified.clone());
        let start = sched::jiffies() + 1 + i as u64;
        let spawned = sched::spawn(format!("{}/{i}", r.name), None, move || {
            // Staggered starts: thread i sleeps until tick `start`, so the
            // threads begin one tick apart, already interleaved.
            sched::sleep_until(start);
            let workload = super::lookup(&r.name).expect("checked by Reference::compute");
            let (line, status) = workload(r.arg);
            let good = status == 0 && line == r.line;
            if good {
                ok.fetch_add(1, Ordering::Relaxed);
            }
            let me = sched::current();
            let cpu = me.cpu.load(Ordering::Relaxed);
            println!("[tid {} {} cpu {cpu}] {line} ({})", me.tid, me.name, if good { "verified" } else { "MISMATCH" });
        });
        match spawned {
            Ok(h) => handles.push(h),
            Err(_) => {
                println!("threads: cannot start thread {i}: the thread table is full");
                break;
            }
        }
    }
    let started = handles.len();
    for h in handles {
        h.join();
    }
    let ok = verified.load(Ordering::Relaxed);
    let what = reference.line.split(" = ").next().unwrap_or("");
    println!("threads: {ok} of {} {what} results verified", reference.count);
    if ok == reference.count && started == reference.count {
        0
    } else {
        1
    }
}
