//! `demo`: the engine probing this kernel, with Rust handlers.
//!
//! Until compiled scripts run end to end, this shows what the runtime does
//! on its own: an entry probe and a return probe on the recursive
//! `workload::fib` (a log2 histogram of its argument, and of its latency
//! measured from entry to return), and an entry probe inside the `sha2`
//! crate, with the workloads' results unchanged.

use core::hint::black_box;
use core::sync::atomic::{AtomicU64, Ordering};

use probec_runtime::{attach, detach, stats, Handlers, HitContext, Platform};

use crate::embed::platform::PLATFORM;
use crate::workload;

/// log2 buckets: bucket 0 holds 0, bucket k holds [2^(k-1), 2^k).
struct Log2Hist([AtomicU64; 65]);

impl Log2Hist {
    const fn new() -> Self {
        Log2Hist([const { AtomicU64::new(0) }; 65])
    }

    fn add(&self, value: u64) {
        let bucket = if value == 0 { 0 } else { 64 - value.leading_zeros() as usize };
        self.0[bucket].fetch_add(1, Ordering::Relaxed);
    }

    /// Print in bpftrace's `hist()` layout.
    fn print(&self, name: &str) {
        let counts: [u64; 65] = core::array::from_fn(|i| self.0[i].load(Ordering::Relaxed));
        let Some(first) = counts.iter().position(|&c| c != 0) else { return };
        let last = counts.iter().rposition(|&c| c != 0).unwrap_or(first);
        let max = counts[first..=last].iter().copied().max().unwrap_or(1).max(1);
        println!("{name}:");
        for (bucket, &count) in counts.iter().enumerate().take(last + 1).skip(first) {
            let label = match bucket {
                0 => alloc::string::String::from("[0]"),
                1 => alloc::string::String::from("[1]"),
                b => alloc::format!("[{}, {})", human(1 << (b - 1)), human(1 << b)),
            };
            let bar = (count * 52 / max) as usize;
            println!("{label:<16}{count:>8} |{:<52}|", "@".repeat(bar));
        }
        println!();
    }
}

/// bpftrace's power-of-two labels: 1K, 2M, ...
fn human(v: u64) -> alloc::string::String {
    const UNITS: [(u64, &str); 4] = [(1 << 40, "T"), (1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")];
    for (size, unit) in UNITS {
        if v >= size && v.is_multiple_of(size) {
            return alloc::format!("{}{unit}", v / size);
        }
    }
    alloc::format!("{v}")
}

static FIB_ARG: Log2Hist = Log2Hist::new();
static FIB_NS: Log2Hist = Log2Hist::new();
static SHA_BLOCKS: AtomicU64 = AtomicU64::new(0);

fn fib_entry(ctx: &mut HitContext<'_>) {
    FIB_ARG.add(ctx.frame.x[0]);
    ctx.call_data = PLATFORM.now_ns();
}

fn fib_return(ctx: &mut HitContext<'_>) {
    FIB_NS.add(PLATFORM.now_ns().saturating_sub(ctx.call_data));
}

fn sha_entry(ctx: &mut HitContext<'_>) {
    // compress256(state, blocks): the slice length is the second word.
    SHA_BLOCKS.fetch_add(ctx.frame.x[2], Ordering::Relaxed);
}

/// Run the demo; returns the exit status.
pub fn run() -> i32 {
    let fib_addr = workload::fib as fn(u64) -> u64 as usize;
    let sha_addr = sha2::compress256 as fn(&mut [u32; 8], &[_]) as usize;
    println!("attaching: entry + return probe on refkernel::workload::fib, entry probe on sha2::compress256");
    let fib = attach(fib_addr, Handlers { pre: Some(fib_entry), post: None, ret: Some(fib_return) }, 0);
    let sha = attach(sha_addr, Handlers { pre: Some(sha_entry), ..Default::default() }, 0);
    let (Ok(fib), Ok(sha)) = (fib, sha) else {
        println!("demo: attach failed: {fib:?} {sha:?}");
        return 1;
    };
    let status = workload::run("fib", &[alloc::string::String::from("20")]).unwrap_or(1)
        | workload::run("sha256", &[alloc::string::String::from("100000")]).unwrap_or(1);
    let (fib_stats, sha_stats) = (stats(fib), stats(sha));
    let detached = detach(fib).is_ok() & detach(sha).is_ok();
    println!();
    if let (Some(f), Some(s)) = (fib_stats, sha_stats) {
        println!("@hits[refkernel::workload::fib]: {} (missed {})", f.hits, f.missed);
        println!("@hits[sha2::compress256]: {} (missed {})", s.hits, s.missed);
    }
    println!("@blocks[sha2::compress256]: {}\n", SHA_BLOCKS.load(Ordering::Relaxed));
    FIB_ARG.print("@n[refkernel::workload::fib]");
    FIB_NS.print("@ns[refkernel::workload::fib]");
    // The same calls again with every probe gone.
    black_box(workload::fib(black_box(10)));
    if !detached {
        println!("demo: detach failed");
        return 1;
    }
    status
}
