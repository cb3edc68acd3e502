//! Resolving probe targets against the embedder's symbols: names (raw
//! symbol names, C names, Rust paths in either mangling scheme: see
//! [`crate::names`]), globs, `+offset` and absolute addresses. Every target of every probe is resolved before anything is
//! attached; a miss is an error that names the probe and, for an unknown
//! symbol, the closest names the embedder has.

use crate::error::{ContractError, ObjectError, Resources};
use crate::names::SymbolSource;
use crate::names::{NameQuery, Symbol};
use crate::spec::{ProbeKind, ProbeSpec, TargetSpec};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// One probe point to arm: a probe descriptor at one address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    /// Index of the probe descriptor.
    pub probe: usize,
    /// Address to plant the probe at.
    pub addr: usize,
    /// Entry of the probed function (0 for absolute addresses).
    pub func_addr: u64,
    /// `func`: the function's name (for addresses: the containing symbol,
    /// or the address in hex).
    pub func: String,
    /// `probe`: the probe's name, a glob replaced by the matched symbol.
    pub name: String,
    /// The target for messages (`sym+0x8`).
    pub target: String,
}

fn prefix(kind: ProbeKind) -> &'static str {
    if kind == ProbeKind::Kretprobe {
        "kretprobe"
    } else {
        "kprobe"
    }
}

/// Resolve every kprobe/kretprobe of `probes`; BEGIN/END have no point.
pub fn resolve(probes: &[ProbeSpec], symbols: &dyn SymbolSource, max_points: usize) -> Result<Vec<Point>, ObjectError> {
    let mut points = Vec::new();
    let mut matched = alloc::vec![false; probes.len()];
    let mut error: Option<ObjectError> = None;
    let mut queries: Vec<Option<(NameQuery, u64)>> = probes
        .iter()
        .map(|p| match &p.target {
            TargetSpec::Symbol(s, off) => Some((NameQuery::with_glob(s, false), *off)),
            TargetSpec::Glob(s, off) => Some((NameQuery::with_glob(s, true), *off)),
            TargetSpec::Address(_) | TargetSpec::None => None,
        })
        .collect();
    symbols.for_each(&mut |sym| {
        if error.is_some() {
            return;
        }
        let Symbol { name, addr: start, size, .. } = *sym;
        for (i, p) in probes.iter().enumerate() {
            let Some((query, offset)) = &mut queries[i] else { continue };
            if query.matches(sym).is_none() {
                continue;
            }
            let (glob, offset) = (query.is_glob(), *offset);
            matched[i] = true;
            if offset % 4 != 0 || (size > 0 && offset >= size as u64) {
                error = Some(ObjectError::BadOffset { probe: p.name.clone(), symbol: name.into(), offset, size });
                return;
            }
            let Some(addr) = start.checked_add(offset as usize) else { continue };
            if points.iter().any(|q: &Point| q.probe == i && q.addr == addr) {
                continue; // an alias of a symbol already matched
            }
            if points.len() >= max_points {
                error = Some(Resources::ProbePoints { probe: p.name.clone(), limit: max_points }.into());
                return;
            }
            let name_with_offset = if offset == 0 { name.to_string() } else { format!("{name}+{offset}") };
            let probe_name = if glob { format!("{}:{name_with_offset}", prefix(p.kind)) } else { p.name.clone() };
            points.push(Point {
                probe: i,
                addr,
                func_addr: start as u64,
                func: name.into(),
                name: probe_name,
                target: if offset == 0 { name.into() } else { format!("{name}+{offset:#x}") },
            });
        }
    });
    if let Some(e) = error {
        return Err(e);
    }
    for (i, p) in probes.iter().enumerate() {
        match &p.target {
            TargetSpec::Symbol(s, _) if !matched[i] => {
                return Err(ObjectError::UnknownSymbol { probe: p.name.clone(), symbol: s.clone(), close: close_matches(s, symbols) });
            }
            TargetSpec::Glob(g, _) if !matched[i] => return Err(ObjectError::NoMatch { probe: p.name.clone(), glob: g.clone() }),
            TargetSpec::Address(a) => {
                if points.len() >= max_points {
                    return Err(Resources::ProbePoints { probe: p.name.clone(), limit: max_points }.into());
                }
                let addr = usize::try_from(*a).map_err(|_| ContractError::AddressTooWide { probe: p.name.clone(), address: *a })?;
                points.push(Point {
                    probe: i,
                    addr,
                    func_addr: 0,
                    func: containing(symbols, addr),
                    name: p.name.clone(),
                    target: format!("{a:#x}"),
                });
            }
            _ => {}
        }
    }
    Ok(points)
}

/// The symbol containing `addr`, or the address in hex.
fn containing(symbols: &dyn SymbolSource, addr: usize) -> String {
    let mut found = None;
    symbols.for_each(&mut |sym| {
        if found.is_none() && addr >= sym.addr && addr - sym.addr < sym.size.max(1) {
            found = Some(sym.name.to_string());
        }
    });
    found.unwrap_or_else(|| format!("{addr:#x}"))
}

fn last_segment(s: &str) -> &str {
    s.rsplit("::").next().unwrap_or(s)
}

/// Edit distance, with names capped so a hostile symbol table stays cheap.
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (&a.as_bytes()[..a.len().min(128)], &b.as_bytes()[..b.len().min(128)]);
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = alloc::vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        core::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Up to five symbols whose names look like `target`, best first: same
/// last path segment, then containment, then small edit distance.
pub fn close_matches(target: &str, symbols: &dyn SymbolSource) -> Vec<String> {
    const KEEP: usize = 5;
    let limit = (target.len() / 4).max(2);
    let lower = target.to_ascii_lowercase();
    let mut best: Vec<(usize, String)> = Vec::new();
    symbols.for_each(&mut |sym| {
        let name = sym.name;
        let score = if last_segment(name) == last_segment(target) {
            0
        } else if target.len() >= 3 && name.to_ascii_lowercase().contains(&lower) {
            1
        } else if name.len().abs_diff(target.len()) <= limit {
            let d = distance(target, name);
            if d > limit {
                return;
            }
            1 + d
        } else {
            return;
        };
        if best.iter().any(|(_, n)| n == name) || (best.len() == KEEP && best[KEEP - 1].0 <= score) {
            return;
        }
        let at = best.iter().position(|(s, _)| *s > score).unwrap_or(best.len());
        best.insert(at, (score, name.to_string()));
        best.truncate(KEEP);
    });
    best.into_iter().map(|(_, n)| n).collect()
}
