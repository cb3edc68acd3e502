//! `bpftrace -f json` output (the v0.21 `JsonOutput` layout): one object
//! per line.
//!
//! ```text
//! {"type": "printf", "data": "fib(3)\n"}
//! {"type": "map", "data": {"@calls": 12}}
//! {"type": "map", "data": {"@bytes": {"kprobe:fib,3": 7, "kprobe:sha": 9}}}
//! {"type": "stats", "data": {"@s": {"count": 3, "average": 5, "total": 15}}}
//! {"type": "hist", "data": {"@h": [{"min": 4, "max": 7, "count": 2}]}}
//! {"type": "lost_events", "data": {"events": 3}}
//! ```
//! Keys with several fields are joined with `,` into one string key, as
//! bpftrace does. Pointers are quoted strings (bpftrace leaves `0x...`
//! unquoted, which is not valid JSON).

use crate::maps::Entry;
use crate::mapview::{bucket, buckets, key_fields, shown, sort, Shown};
use crate::spec::{MapKind, MapSpec};
use crate::value::write_json_str;
use alloc::string::String;
use core::fmt::{self, Write};

/// One `{"type": "printf", ...}` line for formatted text.
pub fn printf(text: &str, out: &mut dyn Write) -> fmt::Result {
    out.write_str("{\"type\": \"printf\", \"data\": ")?;
    write_json_str(out, text)?;
    out.write_str("}\n")
}

/// One `lost_events` line.
pub fn lost_events(n: u64, out: &mut dyn Write) -> fmt::Result {
    writeln!(out, "{{\"type\": \"lost_events\", \"data\": {{\"events\": {n}}}}}")
}

/// One line for map `spec` (nothing for an empty map, as bpftrace).
pub fn map(spec: &MapSpec, entries: &mut [Entry], out: &mut dyn Write) -> fmt::Result {
    if entries.is_empty() {
        return Ok(());
    }
    sort(spec, entries);
    let kind = match spec.kind {
        MapKind::Hist | MapKind::Lhist => "hist",
        MapKind::Avg | MapKind::Stats => "stats",
        _ => "map",
    };
    write!(out, "{{\"type\": \"{kind}\", \"data\": {{")?;
    write_json_str(out, &spec.name)?;
    out.write_str(": ")?;
    let keyed = !spec.keys.is_empty();
    if keyed {
        out.write_char('{')?;
    }
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        if keyed {
            let mut k = String::new();
            for (j, v) in key_fields(spec, &e.key).iter().enumerate() {
                if j > 0 {
                    k.push(',');
                }
                v.write_text(&mut k)?;
            }
            write_json_str(out, &k)?;
            out.write_str(": ")?;
        }
        value(spec, &e.value, out)?;
    }
    if keyed {
        out.write_char('}')?;
    }
    out.write_str("}}\n")
}

fn value(spec: &MapSpec, bytes: &[u8], out: &mut dyn Write) -> fmt::Result {
    match shown(spec, bytes) {
        Shown::Scalar(v) => v.write_json(out),
        Shown::Stats(count, avg, total) => {
            write!(out, "{{\"count\": {count}, \"average\": ")?;
            avg.write_json(out)?;
            out.write_str(", \"total\": ")?;
            total.write_json(out)?;
            out.write_char('}')
        }
        Shown::Buckets(b) => {
            out.write_char('[')?;
            let n = buckets(b);
            let used: alloc::vec::Vec<usize> = (0..n).filter(|&i| bucket(b, i) > 0).collect();
            if let (Some(&first), Some(&last)) = (used.first(), used.last()) {
                for i in first..=last {
                    if i > first {
                        out.write_str(", ")?;
                    }
                    out.write_char('{')?;
                    if spec.kind == MapKind::Hist {
                        hist_bounds(i, out)?;
                    } else {
                        lhist_bounds(spec, i, out)?;
                    }
                    write!(out, "\"count\": {}}}", bucket(b, i))?;
                }
            }
            out.write_char(']')
        }
    }
}

fn hist_bounds(i: usize, out: &mut dyn Write) -> fmt::Result {
    match i {
        0 => out.write_str("\"max\": -1, "),
        1 => out.write_str("\"min\": 0, \"max\": 0, "),
        _ => {
            let low = 1u64 << (i - 2);
            let high = (1u128 << (i - 1)) - 1;
            write!(out, "\"min\": {low}, \"max\": {high}, ")
        }
    }
}

fn lhist_bounds(spec: &MapSpec, i: usize, out: &mut dyn Write) -> fmt::Result {
    let Some(l) = spec.lhist else { return Ok(()) };
    let (min, max, step) = (i128::from(l.min), i128::from(l.max), i128::from(l.step));
    if i == 0 {
        write!(out, "\"max\": {}, ", min - 1)
    } else if i == l.buckets as usize + 1 {
        write!(out, "\"min\": {max}, ")
    } else {
        let low = (i as i128 - 1) * step + min;
        let high = (i as i128 * step + min - 1).min(max - 1);
        write!(out, "\"min\": {low}, \"max\": {high}, ")
    }
}
