//! Turning a script's rings and maps into output events for a
//! [`Sink`]: draining printf and print records, lost-record counts, and
//! the final report at unload (every map in name order, missed hits,
//! probe errors). Runs in normal context; allocation is fine here.
//!
//! The sink is the loader's [`probec_loader::output::Formatter`] when the
//! target prints itself, or the live-attach agent, which sends the same
//! events to a host that formats them with the same formatter.

use super::spec::MapSpec;
use super::state::ScriptState;
use super::Script;
use crate::abi::RecordKind;
use alloc::vec::Vec;
use core::fmt;
use core::sync::atomic::Ordering;
use probec_loader::output::Sink;

/// Pass pending records to `sink` — at most `budget` from each CPU's
/// ring, so a caller that must also listen (the agent) is never stuck
/// draining rings that handlers keep filling — then report newly lost
/// records per CPU.
pub(crate) fn drain(state: &ScriptState, lost_reported: &mut Vec<u64>, sink: &mut dyn Sink, budget: usize) -> fmt::Result {
    for ring in state.rings.iter() {
        for _ in 0..budget {
            let Some(rec) = ring.read() else { break };
            match RecordKind::from_raw(rec.kind) {
                Some(RecordKind::Printf) => sink.printf(rec.id, &rec.payload)?,
                Some(RecordKind::PrintMap) => {
                    if let Some(map) = state.maps.get(rec.id as usize) {
                        sink.map(rec.id, &mut map.entries(), false, map.dropped(), map.errors())?;
                    }
                }
                _ => {}
            }
        }
    }
    if lost_reported.len() < state.rings.len() {
        lost_reported.resize(state.rings.len(), 0);
    }
    for (cpu, ring) in state.rings.iter().enumerate() {
        let total = ring.lost();
        let seen = &mut lost_reported[cpu];
        if total > *seen {
            let new = total - *seen;
            *seen = total;
            sink.lost(cpu as u16, new, total)?;
        }
    }
    Ok(())
}

/// The report after END: pending records, every map in name order (the
/// sink leaves out empty ones when it prints), missed hits and probe
/// errors, then [`Sink::finish`].
pub(crate) fn finish(s: &mut Script, sink: &mut dyn Sink) -> fmt::Result {
    let maps = core::mem::take(&mut s.maps);
    let written = finish_with(s, &maps, sink);
    s.maps = maps;
    written
}

/// [`finish`] with the map descriptors taken out of the script (a
/// formatter sink borrows them).
pub(crate) fn finish_with(s: &mut Script, maps: &[MapSpec], sink: &mut dyn Sink) -> fmt::Result {
    drain(&s.state, &mut s.lost_reported, sink, usize::MAX)?;
    // Every CPU's total for the report's summary of lost records.
    for (cpu, ring) in s.state.rings.iter().enumerate() {
        if ring.lost() > 0 {
            sink.lost(cpu as u16, 0, ring.lost())?;
        }
    }
    let mut order: Vec<usize> = (0..maps.len()).collect();
    order.sort_by(|&a, &b| maps[a].name.cmp(&maps[b].name));
    for i in order {
        let map = &s.state.maps[i];
        sink.map(i as u32, &mut map.entries(), true, map.dropped(), map.errors())?;
    }
    for (target, n) in &s.missed {
        sink.missed(target, *n)?;
    }
    for (name, count) in s.probe_names.iter().zip(s.state.errors.iter()) {
        let n = count.load(Ordering::Relaxed);
        if n > 0 {
            sink.probe_errors(name, n)?;
        }
    }
    sink.finish()
}
