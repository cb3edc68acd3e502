//! Turning a script's events back into output: reassembling the record
//! and map-entry streams and passing them to a [`Sink`] (the loader's
//! formatter, the same code that formats in the target).

use probec_loader::maps::Entry;
use probec_loader::output::Sink;
use probec_loader::spec::{FormatSpec, MapSpec};
use probec_wire::msg::{Event, RecordHeader};
use std::collections::HashMap;
use std::fmt;

/// A script's descriptors, read from its object.
pub struct Specs {
    /// Maps, by index.
    pub maps: Vec<MapSpec>,
    /// printf formats, by index.
    pub formats: Vec<FormatSpec>,
}

impl Specs {
    /// Read them from the object (checked as the target checks it).
    pub fn of_object(object: &[u8]) -> Result<Specs, String> {
        let limits = probec_loader::object::Limits { max_strlen: u32::MAX, max_handler_stack: u32::MAX, cpu_features: u32::MAX };
        let v = probec_loader::object::validate(object, &limits).map_err(|e| e.to_string())?;
        Ok(Specs { maps: v.maps, formats: v.formats })
    }
}

struct MapInProgress {
    map: u32,
    last: bool,
    dropped: u64,
    errors: u64,
    bytes: Vec<u8>,
}

/// Reassembles one script's streams.
#[derive(Default)]
pub struct Reassembly {
    records: Vec<u8>,
    map: Option<MapInProgress>,
    lost: HashMap<u16, u64>,
    /// Records passed on.
    pub records_seen: u64,
    /// Records lost in the target, all CPUs.
    pub lost_total: u64,
}

impl Reassembly {
    /// Handle one event of the script; events of other scripts and
    /// answers are ignored.
    pub fn on_event(&mut self, specs: &Specs, ev: &Event<'_>, sink: &mut dyn Sink) -> fmt::Result {
        match *ev {
            Event::Records { data, .. } => {
                self.records.extend_from_slice(data);
                let mut at = 0;
                while self.records.len() - at >= RecordHeader::BYTES {
                    let h = RecordHeader::from_bytes(self.records[at..at + RecordHeader::BYTES].try_into().expect("12 bytes"));
                    let end = at + RecordHeader::BYTES + h.len as usize;
                    if end > self.records.len() {
                        break;
                    }
                    if h.kind == probec_abi::RecordKind::Printf.raw() {
                        self.records_seen += 1;
                        sink.printf(h.id, &self.records[at + RecordHeader::BYTES..end])?;
                    }
                    at = end;
                }
                self.records.drain(..at);
            }
            Event::Lost { cpu, total, .. } => {
                let seen = self.lost.entry(cpu).or_insert(0);
                if total > *seen {
                    let new = total - *seen;
                    *seen = total;
                    self.lost_total += new;
                    sink.lost(cpu, new, total)?;
                }
            }
            Event::MapBegin { map, last, dropped, errors, .. } => {
                self.map = Some(MapInProgress { map, last, dropped, errors, bytes: Vec::new() });
            }
            Event::MapEntries { map, data, .. } => {
                if let Some(m) = self.map.as_mut().filter(|m| m.map == map) {
                    m.bytes.extend_from_slice(data);
                }
            }
            Event::MapEnd { map, .. } => {
                let Some(m) = self.map.take().filter(|m| m.map == map) else { return Ok(()) };
                let Some(spec) = specs.maps.get(map as usize) else { return Ok(()) };
                let (k, v) = (spec.key_size as usize, spec.value_size as usize);
                let mut entries: Vec<Entry> = if k + v == 0 {
                    Vec::new()
                } else {
                    m.bytes.chunks_exact(k + v).map(|c| Entry { key: c[..k].to_vec(), value: c[k..].to_vec() }).collect()
                };
                sink.map(map, &mut entries, m.last, m.dropped, m.errors)?;
            }
            Event::Missed { target, count, .. } => sink.missed(target, count)?,
            Event::ProbeErrors { probe, count, .. } => sink.probe_errors(probe, count)?,
            Event::Detached { .. } => sink.finish()?,
            _ => {}
        }
        Ok(())
    }
}
