//! The live-attach suite: one reference kernel booted by `probec boot` in
//! `serve` mode (workloads looping on every CPU, each iteration
//! self-checked), then scripts attached and detached by `probec attach`
//! as a user runs it, and the faults of issue 13 thrown at the agent
//! through the same TCP port: garbage, corrupted and oversized frames,
//! oversized objects, objects for another build, a host killed in the
//! middle of a load and of a stream, two hosts at once, an attach that
//! fails half way.
//!
//! After every scenario the target must be as it was: no probe point
//! armed, the CRC of its text equal to the one before the first attach
//! (every probed word is the original instruction again), its
//! self-checks at 0 failures, and the next attach working. One kernel
//! serves every scenario in turn, as a real target would; the suite runs
//! on both CPU models.

mod scenarios;
mod target;

pub(crate) use target::{compile, Target};

use scenarios::{Ctx, SCENARIOS};
use std::path::Path;
use std::time::Instant;
use target::{settled, Baseline};

/// CPU models the suite runs on.
const CPUS: [&str; 2] = ["cortex-a57", "max"];

/// Run the suite on one CPU model.
fn suite(probec: &Path, elf: &Path, cpu: &str) -> Result<(u64, u64), String> {
    let start = Instant::now();
    let t = Target::boot(probec, elf, cpu)?;
    let first = t.status()?;
    let base = Baseline { text_crc: first.text_crc, build_id: first.build_id.clone() };
    let tmp = std::env::temp_dir().join(format!("probec-live-{}-{cpu}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    let ctx = Ctx { probec, elf, t: &t, base: &base, tmp: tmp.clone() };
    let (mut passed, mut failed) = (0, 0);
    // Status itself: the kernel's own build-id, CPUs, counters moving.
    let own = std::fs::read(elf).map_err(|e| e.to_string())?;
    let status_ok = first.cpus == 4
        && first.text_crc != 0
        && first.build_id.len() == 20
        && own.windows(20).any(|w| w == first.build_id.as_slice())
        && first.counters.len() == 3
        && first.failures() == 0;
    println!("live {cpu}: status reports the target: {}", if status_ok { "ok" } else { "FAILED" });
    if status_ok {
        passed += 1;
    } else {
        failed += 1;
        eprintln!("{}", first.to_text());
    }
    let only = std::env::var("PROBEC_LIVE_ONLY").unwrap_or_default();
    for (name, scenario) in SCENARIOS.into_iter().filter(|(n, _)| n.contains(only.as_str())) {
        let t0 = Instant::now();
        let r = scenario(&ctx).and_then(|_| settled(&t, &base));
        match r {
            Ok(()) => {
                passed += 1;
                println!("live {cpu}: {name}: ok ({:.1} s)", t0.elapsed().as_secs_f64());
            }
            Err(e) => {
                failed += 1;
                println!("live {cpu}: {name}: FAILED: {e}");
            }
        }
    }
    let last = t.status()?;
    let progressed = last.counters.iter().zip(&first.counters).all(|(a, b)| a.1 > b.1) && last.failures() == 0;
    println!("live {cpu}: the workloads ran on, {} self-check failures: {}", last.failures(), if progressed { "ok" } else { "FAILED" });
    if progressed {
        passed += 1;
    } else {
        failed += 1;
        eprintln!("{}", last.to_text());
    }
    if failed > 0 {
        eprintln!("---- live {cpu}: target console ----\n{}", t.console());
    }
    t.stop();
    let _ = std::fs::remove_dir_all(&tmp);
    println!("live {cpu}: {passed} passed, {failed} failed ({:.0} s)", start.elapsed().as_secs_f64());
    Ok((passed, failed))
}

/// The live suite on both CPU models.
pub fn run(elf: &Path) -> Result<(u64, u64), String> {
    let probec = crate::examples::build_probec()?;
    let (mut p, mut f) = (0, 0);
    let cpus = std::env::var("PROBEC_LIVE_CPU").map_or(CPUS.to_vec(), |c| vec![Box::leak(c.into_boxed_str()) as &str]);
    for cpu in cpus {
        let (a, b) = suite(&probec, elf, cpu)?;
        p += a;
        f += b;
    }
    Ok((p, f))
}

/// `cargo xtask live`: the live-attach suite alone.
pub fn standalone() -> Result<(), String> {
    crate::setup::run()?;
    let elf = crate::kernel::build()?;
    let (passed, failed) = run(&elf)?;
    println!("live: {passed} passed, {failed} failed");
    match failed {
        0 => Ok(()),
        n => Err(format!("{n} failed")),
    }
}
