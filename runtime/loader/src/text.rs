//! bpftrace's text output (the v0.21 layout of `TextOutput`):
//!
//! ```text
//! @calls: 12                      scalar map, then "\n"
//! @bytes[kprobe:fib, 3]: 7        keyed: one line per key, sorted
//! @avg: 5                         avg/stats maps end with an empty line
//! @stats: count 3, average 5, total 15
//! @hist:␠                         "@name: " (trailing space) + newline, then:
//! [4, 8)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
//! ```
//! Histogram rows are `%-16s%8d |%-52s|` with the bar `count/max*52` `@`s
//! wide (computed in single precision, as bpftrace does); only the range
//! from the first to the last non-empty bucket is printed.

use crate::maps::Entry;
use crate::mapview::{bucket, buckets, key_fields, shown, sort, Shown};
use crate::spec::{MapKind, MapSpec};
use core::fmt::{self, Write};

/// Width of a histogram bar.
const BAR: usize = 52;

/// Print `entries` of map `spec` as bpftrace prints a map.
pub fn map(spec: &MapSpec, entries: &mut [Entry], out: &mut dyn Write) -> fmt::Result {
    sort(spec, entries);
    let hist = matches!(spec.kind, MapKind::Hist | MapKind::Lhist);
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            out.write_char('\n')?;
        }
        out.write_str(&spec.name)?;
        key(spec, &e.key, out)?;
        out.write_str(": ")?;
        if hist {
            out.write_char('\n')?;
        }
        value(spec, &e.value, out)?;
    }
    out.write_char('\n')?;
    if matches!(spec.kind, MapKind::Avg | MapKind::Stats) {
        out.write_char('\n')?;
    }
    Ok(())
}

/// `[k1, k2]`, or nothing for a map without keys.
pub fn key(spec: &MapSpec, key: &[u8], out: &mut dyn Write) -> fmt::Result {
    if spec.keys.is_empty() {
        return Ok(());
    }
    out.write_char('[')?;
    for (i, v) in key_fields(spec, key).iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        v.write_text(out)?;
    }
    out.write_char(']')
}

fn value(spec: &MapSpec, bytes: &[u8], out: &mut dyn Write) -> fmt::Result {
    match shown(spec, bytes) {
        Shown::Scalar(v) => v.write_text(out),
        Shown::Stats(count, avg, total) => {
            write!(out, "count {count}, average ")?;
            avg.write_text(out)?;
            out.write_str(", total ")?;
            total.write_text(out)
        }
        Shown::Buckets(b) if spec.kind == MapKind::Hist => hist(b, out),
        Shown::Buckets(b) => lhist(spec, b, out),
    }
}

/// The range of buckets from the first to the last non-empty one.
fn used_range(b: &[u8]) -> Option<(usize, usize)> {
    let n = buckets(b);
    let first = (0..n).find(|&i| bucket(b, i) > 0)?;
    let last = (0..n).rev().find(|&i| bucket(b, i) > 0)?;
    Some((first, last))
}

fn row(out: &mut dyn Write, label: &str, count: u64, max: u64) -> fmt::Result {
    let width = if max == 0 { 0 } else { (count as f32 / max as f32 * BAR as f32) as usize };
    write!(out, "{label:<16}{count:>8} |")?;
    for i in 0..BAR {
        out.write_char(if i < width { '@' } else { ' ' })?;
    }
    out.write_str("|\n")
}

/// `1`, `2`, ... `512`, `1K`, ... `8E`: bpftrace's power-of-two labels.
fn pow2_label(power: u32) -> alloc::string::String {
    let decade = (power / 10).min(6);
    let suffix = ["", "K", "M", "G", "T", "P", "E"][decade as usize];
    alloc::format!("{}{suffix}", 1u64 << (power - 10 * decade))
}

fn hist(b: &[u8], out: &mut dyn Write) -> fmt::Result {
    let Some((first, last)) = used_range(b) else { return Ok(()) };
    let max = (0..buckets(b)).map(|i| bucket(b, i)).max().unwrap_or(0);
    for i in first..=last {
        let label = match i {
            0 => "(..., 0)".into(),
            1 => "[0]".into(),
            2 => "[1]".into(),
            _ => alloc::format!("[{}, {})", pow2_label(i as u32 - 2), pow2_label(i as u32 - 1)),
        };
        row(out, &label, bucket(b, i), max)?;
    }
    Ok(())
}

/// bpftrace's lhist label: K/M suffixes only when the step is a multiple
/// of 1024.
fn lhist_label(n: i64, step: i64) -> alloc::string::String {
    const K: i64 = 1024;
    if step % K != 0 || n == 0 {
        alloc::format!("{n}")
    } else if n % (K * K) == 0 {
        alloc::format!("{}M", n / (K * K))
    } else if n % K == 0 {
        alloc::format!("{}K", n / K)
    } else {
        alloc::format!("{n}")
    }
}

fn lhist(spec: &MapSpec, b: &[u8], out: &mut dyn Write) -> fmt::Result {
    let Some(l) = spec.lhist else { return Ok(()) };
    let Some((first, last)) = used_range(b) else { return Ok(()) };
    let max = (0..buckets(b)).map(|i| bucket(b, i)).max().unwrap_or(0);
    let n = l.buckets as usize;
    for i in first..=last {
        let label = if i == 0 {
            alloc::format!("(..., {})", lhist_label(l.min, l.step))
        } else if i == n + 1 {
            alloc::format!("[{}, ...)", lhist_label(l.max, l.step))
        } else {
            let lo = l.min.saturating_add((i as i64 - 1).saturating_mul(l.step));
            // With a range that is not a multiple of the step the last
            // bucket ends at max (bpftrace requires a multiple).
            let hi = l.min.saturating_add((i as i64).saturating_mul(l.step)).min(l.max);
            alloc::format!("[{}, {})", lhist_label(lo, l.step), lhist_label(hi, l.step))
        };
        row(out, &label, bucket(b, i), max)?;
    }
    Ok(())
}
