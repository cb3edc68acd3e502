//! Probes on whole functions: entry counts and arguments, return probes on
//! recursion (exact counts, return values, exhaustion), a probe hit from
//! inside a handler, and attach/detach cycles.

use crate::report::Report;
use crate::targets::{depth, fib, fib_iterative, target_add, target_mul};
use crate::text;
use alloc::string::String;
use core::hint::black_box;
use core::sync::atomic::{AtomicU64, Ordering};
use probec_runtime::{attach, detach, stats, Handlers, HitContext};

static COUNT: AtomicU64 = AtomicU64::new(0);
static SUM: AtomicU64 = AtomicU64::new(0);
static RETURNS: AtomicU64 = AtomicU64::new(0);
static RET_SUM: AtomicU64 = AtomicU64::new(0);
static BAD: AtomicU64 = AtomicU64::new(0);

fn reset() {
    for c in [&COUNT, &SUM, &RETURNS, &RET_SUM, &BAD] {
        c.store(0, Ordering::Relaxed);
    }
}

fn addr_of(f: extern "C" fn(u64, u64) -> u64) -> usize {
    f as usize
}

fn addr_of1(f: extern "C" fn(u64) -> u64) -> usize {
    f as usize
}

fn count_arg0(ctx: &mut HitContext<'_>) {
    COUNT.fetch_add(1, Ordering::Relaxed);
    SUM.fetch_add(ctx.frame.x[0], Ordering::Relaxed);
}

fn entry_probe() -> Result<(), String> {
    reset();
    let add = black_box(target_add as extern "C" fn(u64, u64) -> u64);
    let id = attach(addr_of(target_add), Handlers { pre: Some(count_arg0), ..Default::default() }, 0)
        .map_err(|e| alloc::format!("attach: {e}"))?;
    let mut acc = 0u64;
    for i in 0..100u64 {
        acc = acc.wrapping_add(add(i, 7));
    }
    let hits = stats(id).map(|s| s.hits);
    detach(id).map_err(|e| alloc::format!("detach: {e}"))?;
    let expected: u64 = (0..100u64).map(|i| i * 3 + 7).sum();
    ensure!(acc == expected, "results changed under the probe: {acc} vs {expected}");
    ensure!(COUNT.load(Ordering::Relaxed) == 100 && hits == Some(100), "count {} hits {hits:?}", COUNT.load(Ordering::Relaxed));
    ensure!(SUM.load(Ordering::Relaxed) == (0..100).sum::<u64>(), "arg0 sum {}", SUM.load(Ordering::Relaxed));
    Ok(())
}

fn fib_entry(ctx: &mut HitContext<'_>) {
    COUNT.fetch_add(1, Ordering::Relaxed);
    ctx.call_data = ctx.frame.x[0];
}

fn fib_return(ctx: &mut HitContext<'_>) {
    RETURNS.fetch_add(1, Ordering::Relaxed);
    let retval = ctx.frame.x[0];
    RET_SUM.fetch_add(retval, Ordering::Relaxed);
    if retval != fib_iterative(ctx.call_data) || ctx.frame.pc != ctx.frame.x[30] {
        BAD.fetch_add(1, Ordering::Relaxed);
    }
}

/// Sum of fib(k) over every call fib(n) makes, itself included.
fn fib_call_sum(n: u64) -> u64 {
    let (mut s0, mut s1) = (0u64, 1u64); // S(0), S(1)
    if n == 0 {
        return 0;
    }
    for k in 2..=n {
        let s = fib_iterative(k) + s1 + s0;
        (s0, s1) = (s1, s);
    }
    s1
}

fn return_probe_recursive() -> Result<(), String> {
    reset();
    const N: u64 = 15;
    let id = attach(addr_of1(fib), Handlers { pre: Some(fib_entry), ret: Some(fib_return), ..Default::default() }, 0)
        .map_err(|e| alloc::format!("attach: {e}"))?;
    let result = black_box(fib as extern "C" fn(u64) -> u64)(N);
    let s = stats(id);
    detach(id).map_err(|e| alloc::format!("detach: {e}"))?;
    let calls = 2 * fib_iterative(N + 1) - 1;
    ensure!(result == fib_iterative(N), "fib({N}) = {result} under probes");
    ensure!(COUNT.load(Ordering::Relaxed) == calls, "entries {} expected {calls}", COUNT.load(Ordering::Relaxed));
    ensure!(RETURNS.load(Ordering::Relaxed) == calls, "returns {} expected {calls}", RETURNS.load(Ordering::Relaxed));
    ensure!(
        RET_SUM.load(Ordering::Relaxed) == fib_call_sum(N),
        "retval sum {} expected {}",
        RET_SUM.load(Ordering::Relaxed),
        fib_call_sum(N)
    );
    ensure!(BAD.load(Ordering::Relaxed) == 0, "{} returns saw a wrong value or return address", BAD.load(Ordering::Relaxed));
    ensure!(s.map(|s| (s.hits, s.missed)) == Some((calls, 0)), "stats {s:?}");
    Ok(())
}

fn count_return(_: &mut HitContext<'_>) {
    RETURNS.fetch_add(1, Ordering::Relaxed);
}

fn return_instances_exhausted() -> Result<(), String> {
    reset();
    // The pool is shared by every thread and CPU; nothing else hooks
    // returns while this runs, so all of it is free. Recurse past it.
    let capacity = probec_runtime::installed().map(|rt| rt.returns.capacity() as u64).unwrap_or(0);
    ensure!(capacity > 0 && capacity < 4096, "test needs a return pool of 1 to 4095 instances (have {capacity})");
    let n: u64 = capacity + 57;
    let id = attach(addr_of1(depth), Handlers { ret: Some(count_return), ..Default::default() }, 0)
        .map_err(|e| alloc::format!("attach: {e}"))?;
    let result = black_box(depth as extern "C" fn(u64) -> u64)(n);
    let s = stats(id);
    detach(id).map_err(|e| alloc::format!("detach: {e}"))?;
    ensure!(result == n, "depth({n}) = {result}: a return was corrupted");
    let hooked = RETURNS.load(Ordering::Relaxed);
    ensure!(hooked == capacity, "{hooked} returns hooked, expected {capacity}");
    ensure!(s.map(|s| (s.hits, s.missed)) == Some((n + 1, n + 1 - capacity)), "stats {s:?}");
    Ok(())
}

fn call_mul_from_handler(ctx: &mut HitContext<'_>) {
    COUNT.fetch_add(1, Ordering::Relaxed);
    let mul = black_box(target_mul as extern "C" fn(u64, u64) -> u64);
    let got = mul(ctx.frame.x[0], 9);
    if got != ctx.frame.x[0].wrapping_mul(9) ^ 0x55 {
        BAD.fetch_add(1, Ordering::Relaxed);
    }
}

fn count_only(_: &mut HitContext<'_>) {
    RETURNS.fetch_add(1, Ordering::Relaxed);
}

fn nested_hit_is_missed() -> Result<(), String> {
    reset();
    let outer = attach(addr_of(target_add), Handlers { pre: Some(call_mul_from_handler), ..Default::default() }, 0)
        .map_err(|e| alloc::format!("attach add: {e}"))?;
    let inner = attach(addr_of(target_mul), Handlers { pre: Some(count_only), ..Default::default() }, 0)
        .map_err(|e| alloc::format!("attach mul: {e}"))?;
    let add = black_box(target_add as extern "C" fn(u64, u64) -> u64);
    let mul = black_box(target_mul as extern "C" fn(u64, u64) -> u64);
    let mut acc = 0u64;
    for i in 0..10u64 {
        acc = acc.wrapping_add(add(i, 1));
    }
    let direct = mul(6, 7);
    let (so, si) = (stats(outer), stats(inner));
    detach(outer).map_err(|e| alloc::format!("detach: {e}"))?;
    detach(inner).map_err(|e| alloc::format!("detach: {e}"))?;
    ensure!(acc == (0..10u64).map(|i| i * 3 + 1).sum::<u64>(), "results changed: {acc}");
    ensure!(direct == (42 ^ 0x55), "direct call result {direct}");
    ensure!(BAD.load(Ordering::Relaxed) == 0, "the nested call returned a wrong value");
    ensure!(COUNT.load(Ordering::Relaxed) == 10, "outer handler ran {} times", COUNT.load(Ordering::Relaxed));
    ensure!(
        RETURNS.load(Ordering::Relaxed) == 1,
        "inner handler ran {} times, expected 1 (direct call only)",
        RETURNS.load(Ordering::Relaxed)
    );
    ensure!(so.map(|s| (s.hits, s.missed)) == Some((10, 0)), "outer stats {so:?}");
    ensure!(si.map(|s| (s.hits, s.missed)) == Some((1, 10)), "inner stats {si:?}");
    Ok(())
}

fn attach_detach_cycles() -> Result<(), String> {
    let targets = [addr_of(target_add), addr_of(target_mul), addr_of1(fib), addr_of1(depth)];
    let originals = targets.map(text::word);
    for round in 0..1000 {
        let t = round % targets.len();
        let id = attach(targets[t], Handlers { pre: Some(count_only), ..Default::default() }, 0)
            .map_err(|e| alloc::format!("round {round}: attach: {e}"))?;
        ensure!(text::word(targets[t]) == text::PROBE_BRK, "round {round}: BRK not planted");
        detach(id).map_err(|e| alloc::format!("round {round}: detach: {e}"))?;
        ensure!(text::word(targets[t]) == originals[t], "round {round}: original word not restored");
    }
    // And the functions still compute the same after all that patching.
    ensure!(black_box(target_add as extern "C" fn(u64, u64) -> u64)(5, 1) == 16, "target_add broken");
    ensure!(black_box(fib as extern "C" fn(u64) -> u64)(10) == 55, "fib broken");
    Ok(())
}

/// Run the function-level tests.
pub fn run(report: &mut Report) {
    report.check("entry probe: counts and arguments", entry_probe());
    report.check("return probe: recursive fib, exact counts and values", return_probe_recursive());
    report.check("return probe: instances exhausted, returns intact", return_instances_exhausted());
    report.check("probe hit inside a handler: missed, no recursion", nested_hit_is_missed());
    report.check("attach/detach 1000 times: original words back", attach_detach_cycles());
}
