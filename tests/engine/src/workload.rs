//! Real compiled code with a probe on every instruction from its entry to
//! its first `RET`: the results must not change, every probe must be
//! removable, and every original word must come back.

use crate::report::Report;
use crate::targets::{fib, sort_checksum};
use crate::text;
use alloc::string::String;
use alloc::vec::Vec;
use core::hint::black_box;
use core::sync::atomic::{AtomicU64, Ordering};
use probec_runtime::{attach, detach, AttachError, Handlers, HitContext};

static HITS: AtomicU64 = AtomicU64::new(0);

fn count(_: &mut HitContext<'_>) {
    HITS.fetch_add(1, Ordering::Relaxed);
}

fn probed_run(name: &str, entry: usize, run: &dyn Fn() -> u64) -> Result<String, String> {
    let native = run();
    let addrs = text::until_first_ret(entry, 4096);
    let originals: Vec<u32> = addrs.iter().map(|&a| text::word(a)).collect();
    let mut ids = Vec::new();
    let mut skipped = 0;
    HITS.store(0, Ordering::Relaxed);
    for &a in &addrs {
        match attach(a, Handlers { pre: Some(count), ..Default::default() }, 0) {
            Ok(id) => ids.push(id),
            Err(AttachError::Rejected(_)) | Err(AttachError::InsideExclusiveSequence) => skipped += 1,
            Err(e) => {
                for id in ids {
                    let _ = detach(id);
                }
                return Err(alloc::format!("attach at {a:#x}: {e}"));
            }
        }
    }
    let probed = run();
    for id in &ids {
        detach(*id).map_err(|e| alloc::format!("detach: {e}"))?;
    }
    ensure!(addrs.iter().zip(&originals).all(|(&a, &w)| text::word(a) == w), "{name}: original words not restored");
    ensure!(native == probed, "{name}: result {native:#x} without probes, {probed:#x} with");
    let hits = HITS.load(Ordering::Relaxed);
    ensure!(hits > 0, "{name}: no probe fired");
    Ok(alloc::format!("{name}: {} probes, {skipped} rejected, {hits} hits, result {native:#x}", ids.len()))
}

/// Run the workload tests.
pub fn run(report: &mut Report) {
    let fib_fn = black_box(fib as extern "C" fn(u64) -> u64);
    let sort_fn = black_box(sort_checksum as extern "C" fn(u64) -> u64);
    for (name, entry, run) in [
        ("fib(18)", fib as extern "C" fn(u64) -> u64 as usize, &(move || fib_fn(18)) as &dyn Fn() -> u64),
        ("sort_checksum(2000)", sort_checksum as extern "C" fn(u64) -> u64 as usize, &(move || sort_fn(2000)) as &dyn Fn() -> u64),
    ] {
        match probed_run(name, entry, run) {
            Ok(line) => {
                report.print(&alloc::format!("     {line}\n"));
                report.check(&alloc::format!("workload {name} identical under probes"), Ok(()));
            }
            Err(e) => report.check(&alloc::format!("workload {name} identical under probes"), Err(e)),
        }
    }
}
