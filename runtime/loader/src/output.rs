//! A script's output as a sequence of events ([`Sink`]), and the one
//! formatter that turns them into bpftrace's text or JSON ([`Formatter`]).
//!
//! The runtime drains rings and reads maps into a `Sink`. In the target
//! that sink is a [`Formatter`] writing to the console; for a remote host
//! it is the agent, which sends the same events as binary messages, and
//! the host feeds them to a [`Formatter`] built from the object's
//! descriptors. Either way the same code formats: one way output reaches
//! the user.

use crate::maps::Entry;
use crate::spec::{FormatSpec, MapSpec};
use crate::{json, printf, text, value};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

/// Receives a script's output in order.
pub trait Sink {
    /// A `printf` record: format `format`'s argument record.
    fn printf(&mut self, format: u32, payload: &[u8]) -> fmt::Result;
    /// A map's contents: `print(@m)` while the script runs (`last` false),
    /// or the final report after END (`last` true; empty maps included,
    /// in name order). `dropped`/`errors` are the map's counters.
    fn map(&mut self, map: u32, entries: &mut [Entry], last: bool, dropped: u64, errors: u64) -> fmt::Result;
    /// Records lost on `cpu`: `new` since the last report, `total` so far
    /// (the final report passes every CPU's total again with `new` 0).
    fn lost(&mut self, cpu: u16, new: u64, total: u64) -> fmt::Result;
    /// Hits at probe point `target` missed during the script's life.
    fn missed(&mut self, target: &str, count: u64) -> fmt::Result;
    /// Errors counted by probe `probe`.
    fn probe_errors(&mut self, probe: &str, count: u64) -> fmt::Result;
    /// The final report is complete.
    fn finish(&mut self) -> fmt::Result;
}

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// bpftrace's text output.
    #[default]
    Text,
    /// `bpftrace -f json`: one JSON object per line.
    Json,
}

/// Formats output events as bpftrace does.
///
/// The final report is: pending records, then (text) two newlines and
/// every non-empty map, then the warnings — full maps, abandoned updates,
/// missed hits, probe errors — which the formatter holds back until
/// [`Sink::finish`] so they follow the maps whatever order they arrive in.
pub struct Formatter<'a> {
    format: Format,
    maps: &'a [MapSpec],
    formats: &'a [FormatSpec],
    out: &'a mut dyn Write,
    in_report: bool,
    warnings: Vec<(u32, u64, u64)>,
    missed: Vec<(String, u64)>,
    probe_errors: Vec<(String, u64)>,
    /// Records lost so far, per CPU (index = CPU).
    lost: Vec<u64>,
    line: String,
}

impl<'a> Formatter<'a> {
    /// A formatter for a script with these descriptors.
    pub fn new(format: Format, maps: &'a [MapSpec], formats: &'a [FormatSpec], out: &'a mut dyn Write) -> Self {
        Formatter {
            format,
            maps,
            formats,
            out,
            in_report: false,
            warnings: Vec::new(),
            missed: Vec::new(),
            probe_errors: Vec::new(),
            lost: Vec::new(),
            line: String::new(),
        }
    }

    fn print_map(&mut self, spec: &MapSpec, entries: &mut [Entry]) -> fmt::Result {
        match self.format {
            Format::Text => text::map(spec, entries, self.out),
            Format::Json => json::map(spec, entries, self.out),
        }
    }

    fn write_warnings(&mut self) -> fmt::Result {
        self.warnings.sort_by_key(|w| w.0);
        for &(map, dropped, errors) in &self.warnings {
            let Some(spec) = self.maps.get(map as usize) else { continue };
            if dropped > 0 {
                match self.format {
                    Format::Text => writeln!(
                        self.out,
                        "WARNING: map {} is full (capacity {}): {dropped} new keys were dropped",
                        spec.name, spec.capacity
                    )?,
                    Format::Json => {
                        self.out.write_str("{\"type\": \"map_full\", \"data\": {\"map\": ")?;
                        value::write_json_str(self.out, &spec.name)?;
                        writeln!(self.out, ", \"capacity\": {}, \"dropped\": {dropped}}}}}", spec.capacity)?;
                    }
                }
            }
            if errors > 0 {
                match self.format {
                    Format::Text => writeln!(self.out, "WARNING: map {}: {errors} updates were abandoned", spec.name)?,
                    Format::Json => {
                        self.out.write_str("{\"type\": \"map_errors\", \"data\": {\"map\": ")?;
                        value::write_json_str(self.out, &spec.name)?;
                        writeln!(self.out, ", \"errors\": {errors}}}}}")?;
                    }
                }
            }
        }
        for (target, n) in &self.missed {
            match self.format {
                Format::Text => writeln!(
                    self.out,
                    "WARNING: {n} hits at {target} were missed (they came while a probe handler ran on the same CPU, or no return-probe instance was free)"
                )?,
                Format::Json => {
                    self.out.write_str("{\"type\": \"missed\", \"data\": {\"target\": ")?;
                    value::write_json_str(self.out, target)?;
                    writeln!(self.out, ", \"missed\": {n}}}}}")?;
                }
            }
        }
        let lost: u64 = self.lost.iter().sum();
        if lost > 0 {
            match self.format {
                Format::Text => {
                    write!(self.out, "WARNING: {lost} events lost in all (output rings full:")?;
                    for (cpu, n) in self.lost.iter().enumerate().filter(|(_, n)| **n > 0) {
                        write!(self.out, " cpu {cpu}: {n}")?;
                    }
                    writeln!(self.out, ")")?;
                }
                Format::Json => {
                    write!(self.out, "{{\"type\": \"lost_events_total\", \"data\": {{\"events\": {lost}, \"per_cpu\": {{")?;
                    let mut first = true;
                    for (cpu, n) in self.lost.iter().enumerate().filter(|(_, n)| **n > 0) {
                        write!(self.out, "{}\"{cpu}\": {n}", if first { "" } else { ", " })?;
                        first = false;
                    }
                    writeln!(self.out, "}}}}}}")?;
                }
            }
        }
        for (name, n) in &self.probe_errors {
            match self.format {
                Format::Text => {
                    writeln!(self.out, "WARNING: {name}: {n} errors (memory reads that faulted or values that were unavailable read as 0)")?
                }
                Format::Json => {
                    self.out.write_str("{\"type\": \"probe_errors\", \"data\": {\"probe\": ")?;
                    value::write_json_str(self.out, name)?;
                    writeln!(self.out, ", \"errors\": {n}}}}}")?;
                }
            }
        }
        Ok(())
    }

    /// Start the final report (text: the two newlines bpftrace prints
    /// before the maps). Called by the first final map or by `finish`.
    fn begin_report(&mut self) -> fmt::Result {
        if !self.in_report {
            self.in_report = true;
            if self.format == Format::Text {
                self.out.write_str("\n\n")?;
            }
        }
        Ok(())
    }
}

impl Sink for Formatter<'_> {
    fn printf(&mut self, format: u32, payload: &[u8]) -> fmt::Result {
        let Some(f) = self.formats.get(format as usize) else { return Ok(()) };
        self.line.clear();
        printf::render(&f.pieces, payload, &mut self.line)?;
        match self.format {
            Format::Text => self.out.write_str(&self.line),
            Format::Json => json::printf(&self.line, self.out),
        }
    }

    fn map(&mut self, map: u32, entries: &mut [Entry], last: bool, dropped: u64, errors: u64) -> fmt::Result {
        let maps = self.maps;
        let Some(spec) = maps.get(map as usize) else { return Ok(()) };
        if last {
            self.begin_report()?;
            if dropped > 0 || errors > 0 {
                self.warnings.push((map, dropped, errors));
            }
            if entries.is_empty() {
                return Ok(());
            }
        }
        self.print_map(spec, entries)
    }

    fn lost(&mut self, cpu: u16, new: u64, total: u64) -> fmt::Result {
        let cpu = cpu as usize;
        if self.lost.len() <= cpu {
            self.lost.resize(cpu + 1, 0);
        }
        self.lost[cpu] = self.lost[cpu].max(total);
        if new == 0 {
            return Ok(());
        }
        match self.format {
            Format::Text => writeln!(self.out, "Lost {new} events"),
            Format::Json => json::lost_events(new, self.out),
        }
    }

    fn missed(&mut self, target: &str, count: u64) -> fmt::Result {
        self.missed.push((String::from(target), count));
        Ok(())
    }

    fn probe_errors(&mut self, probe: &str, count: u64) -> fmt::Result {
        self.probe_errors.push((String::from(probe), count));
        Ok(())
    }

    fn finish(&mut self) -> fmt::Result {
        self.begin_report()?;
        self.write_warnings()?;
        self.warnings.clear();
        self.missed.clear();
        self.probe_errors.clear();
        Ok(())
    }
}
