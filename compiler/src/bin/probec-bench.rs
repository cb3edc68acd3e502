//! Compile-time benchmark (not a test): for each script, the median wall
//! time of a full in-process compile (parse, check, lower, emit to an
//! object in memory) and the peak heap memory of one compile.
//!
//! Peak memory is measured in-process with a counting global allocator:
//! the highest number of live heap bytes during one compile, above what
//! was live before it started. (The process's VmHWM, which also counts
//! code and stack, is printed at the end for reference.)
//!
//! ```text
//! cargo run --release -p probec --bin probec-bench -- examples/*.pr
//! ```
//!
//! Also compiles synthetic scripts of 20 and 1000 probes. Goals: under
//! 10 ms and 30 MB per script of up to 20 probes; 1000 probes under 300 ms.

use probec::driver::{compile, Options};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only adds bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs per script; the median is reported.
const RUNS: usize = 15;

struct Row {
    name: String,
    probes: usize,
    median: Duration,
    peak: usize,
    size: usize,
    ok: bool,
}

fn measure(name: &str, source: &str) -> Row {
    let opts = Options::default();
    let mut times = Vec::with_capacity(RUNS);
    let mut size = 0;
    let mut ok = true;
    let mut peak = 0;
    for _ in 0..RUNS {
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let start = Instant::now();
        let result = compile(source, name, &opts);
        times.push(start.elapsed());
        peak = peak.max(PEAK.load(Ordering::Relaxed).saturating_sub(base));
        match result {
            Ok(out) => size = out.bytes.len(),
            Err(_) => ok = false,
        }
    }
    times.sort();
    let probes = probec::syntax::parse(source).map(|p| p.blocks.iter().map(|b| b.probes.len()).sum()).unwrap_or(0);
    Row { name: name.to_string(), probes, median: times[RUNS / 2], peak, size, ok }
}

fn synthetic(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "kprobe:workload::f{i} /arg0 > {i}/ {{ @calls{}[arg0] = count(); @lat = hist(nsecs - arg1); printf(\"f{i} %d %s\\n\", arg0, func); }}\n",
            i % 50
        ));
    }
    s
}

fn vm_hwm_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let mut rows = Vec::new();
    for path in std::env::args().skip(1) {
        match std::fs::read_to_string(&path) {
            Ok(src) => rows.push(measure(&path, &src)),
            Err(e) => eprintln!("probec-bench: cannot read {path}: {e}"),
        }
    }
    rows.push(measure("<synthetic 20 probes>", &synthetic(20)));
    rows.push(measure("<synthetic 1000 probes>", &synthetic(1000)));
    if cfg!(debug_assertions) {
        println!("note: debug build; use --release for meaningful numbers");
    }
    println!("{:<44} {:>6} {:>12} {:>12} {:>10}  goal", "script", "probes", "median ms", "peak heap MB", "object B");
    let mut all_ok = true;
    for r in &rows {
        let ms = r.median.as_secs_f64() * 1e3;
        let mb = r.peak as f64 / (1024.0 * 1024.0);
        let goal = if !r.ok {
            all_ok = false;
            "COMPILE ERROR".to_string()
        } else if r.probes <= 20 {
            if ms < 10.0 && mb < 30.0 {
                "ok (<10 ms, <30 MB)".into()
            } else {
                "MISSED (<10 ms, <30 MB)".into()
            }
        } else if r.probes >= 1000 {
            if ms < 300.0 {
                "ok (<300 ms)".into()
            } else {
                "MISSED (<300 ms)".into()
            }
        } else {
            String::new()
        };
        println!("{:<44} {:>6} {:>12.3} {:>12.2} {:>10}  {goal}", r.name, r.probes, ms, mb, r.size);
    }
    if let Some(kb) = vm_hwm_kb() {
        println!("process peak RSS (VmHWM, whole run): {:.1} MB", kb as f64 / 1024.0);
    }
    if !all_ok {
        std::process::exit(1);
    }
}
