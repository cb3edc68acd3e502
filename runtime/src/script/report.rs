//! Turning a script's rings and maps into output: draining printf and
//! print records, lost-event notices, and the final report at unload
//! (every non-empty map in name order, then warnings for full maps and
//! probe errors). Runs in normal context; allocation is fine here.

use super::maps::Map;
use super::printf;
use super::spec::MapSpec;
use super::{json, text, OutputFormat, Script};
use crate::abi::RecordKind;
use alloc::string::String;
use core::fmt::{self, Write};
use core::sync::atomic::Ordering;

fn print_map(spec: &MapSpec, map: &Map, format: OutputFormat, out: &mut dyn Write) -> fmt::Result {
    let mut entries = map.entries();
    match format {
        OutputFormat::Text => text::map(spec, &mut entries, out),
        OutputFormat::Json => json::map(spec, &mut entries, out),
    }
}

/// Format every pending record, then report newly lost events.
pub(crate) fn drain(s: &mut Script, out: &mut dyn Write, format: OutputFormat) -> fmt::Result {
    let mut line = String::new();
    for ring in s.state.rings.iter() {
        while let Some(rec) = ring.read() {
            match RecordKind::from_raw(rec.kind) {
                Some(RecordKind::Printf) => {
                    let Some(f) = s.formats.get(rec.id as usize) else { continue };
                    line.clear();
                    printf::render(&f.pieces, &rec.payload, &mut line)?;
                    match format {
                        OutputFormat::Text => out.write_str(&line)?,
                        OutputFormat::Json => json::printf(&line, out)?,
                    }
                }
                Some(RecordKind::PrintMap) => {
                    if let (Some(spec), Some(map)) = (s.maps.get(rec.id as usize), s.state.maps.get(rec.id as usize)) {
                        print_map(spec, map, format, out)?;
                    }
                }
                _ => {}
            }
        }
    }
    let lost: u64 = s.state.rings.iter().map(|r| r.lost()).sum();
    if lost > s.lost_reported {
        let n = lost - s.lost_reported;
        s.lost_reported = lost;
        match format {
            OutputFormat::Text => writeln!(out, "Lost {n} events")?,
            OutputFormat::Json => json::lost_events(n, out)?,
        }
    }
    Ok(())
}

/// The report after END: pending records, then (as bpftrace at exit) two
/// newlines in text mode and every non-empty map sorted by name, then
/// warnings about dropped keys and probe errors.
pub(crate) fn finish(s: &mut Script, out: &mut dyn Write, format: OutputFormat) -> fmt::Result {
    drain(s, out, format)?;
    if format == OutputFormat::Text {
        out.write_str("\n\n")?;
    }
    let mut order: alloc::vec::Vec<usize> = (0..s.maps.len()).collect();
    order.sort_by(|&a, &b| s.maps[a].name.cmp(&s.maps[b].name));
    for i in order {
        let map = &s.state.maps[i];
        if !map.is_empty() {
            print_map(&s.maps[i], map, format, out)?;
        }
    }
    for (spec, map) in s.maps.iter().zip(s.state.maps.iter()) {
        let (dropped, errors) = (map.dropped(), map.errors());
        if dropped > 0 {
            match format {
                OutputFormat::Text => {
                    writeln!(out, "WARNING: map {} is full (capacity {}): {dropped} new keys were dropped", spec.name, map.capacity())?
                }
                OutputFormat::Json => {
                    out.write_str("{\"type\": \"map_full\", \"data\": {\"map\": ")?;
                    super::value::write_json_str(out, &spec.name)?;
                    writeln!(out, ", \"capacity\": {}, \"dropped\": {dropped}}}}}", map.capacity())?;
                }
            }
        }
        if errors > 0 {
            match format {
                OutputFormat::Text => writeln!(out, "WARNING: map {}: {errors} updates were abandoned", spec.name)?,
                OutputFormat::Json => {
                    out.write_str("{\"type\": \"map_errors\", \"data\": {\"map\": ")?;
                    super::value::write_json_str(out, &spec.name)?;
                    writeln!(out, ", \"errors\": {errors}}}}}")?;
                }
            }
        }
    }
    for (target, n) in &s.missed {
        match format {
            OutputFormat::Text => writeln!(
                out,
                "WARNING: {n} hits at {target} were missed (they came while a probe handler ran on the same CPU, or no return-probe instance was free)"
            )?,
            OutputFormat::Json => {
                out.write_str("{\"type\": \"missed\", \"data\": {\"target\": ")?;
                super::value::write_json_str(out, target)?;
                writeln!(out, ", \"missed\": {n}}}}}")?;
            }
        }
    }
    for (name, count) in s.probe_names.iter().zip(s.state.errors.iter()) {
        let n = count.load(Ordering::Relaxed);
        if n == 0 {
            continue;
        }
        match format {
            OutputFormat::Text => {
                writeln!(out, "WARNING: {name}: {n} errors (memory reads that faulted or values that were unavailable read as 0)")?
            }
            OutputFormat::Json => {
                out.write_str("{\"type\": \"probe_errors\", \"data\": {\"probe\": ")?;
                super::value::write_json_str(out, name)?;
                writeln!(out, ", \"errors\": {n}}}}}")?;
            }
        }
    }
    Ok(())
}
