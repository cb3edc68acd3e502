//! Checking each descriptor of the contract field by field. Errors name
//! the descriptor, its index and the field.

use crate::elf::{shn, stt, Elf};
use crate::error::{ContractError, Desc, ObjectError};
use crate::printf;
use crate::spec::*;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use probec_abi::{self as abi, FieldDesc, FormatDesc, MapDesc, ProbeDesc, RequireDesc, TargetKind};

/// The NUL-terminated UTF-8 string at `off` in the probec strtab: field
/// `field` of descriptor `desc`.
pub fn string<'s>(strtab: &'s [u8], off: u32, desc: impl FnOnce() -> Desc, field: &'static str) -> Result<&'s str, ObjectError> {
    abi::strtab_get(strtab, off).ok_or_else(|| ContractError::BadString { desc: desc(), field, offset: off }.into())
}

/// Largest map capacity (as the compiler's `hash(N)` limit).
pub const MAX_CAPACITY: u32 = 1 << 24;
/// Most `lhist` buckets between min and max.
pub const MAX_LHIST_BUCKETS: u32 = 100_000;

/// Check every field descriptor.
pub fn fields(descs: &[FieldDesc], max_strlen: u32) -> Result<Vec<FieldSpec>, ObjectError> {
    descs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let kind = FieldKind::from_raw(d.kind).ok_or(ContractError::UnknownKind { desc: Desc::Field(i), kind: d.kind.into() })?;
            let size = if kind == FieldKind::Str { max_strlen } else { 8 };
            if d.size != size {
                return Err(ContractError::FieldSize { index: i, size: d.size, kind, expected: size }.into());
            }
            if d.bits > 64 {
                return Err(ContractError::FieldBits { index: i, bits: d.bits }.into());
            }
            Ok(FieldSpec { kind, size })
        })
        .collect()
}

/// `count` fields starting at `first`: the `part` (`key`, `arguments`)
/// of descriptor `desc`.
fn field_range(
    fields: &[FieldSpec],
    first: u32,
    count: u32,
    desc: impl Fn() -> Desc,
    part: &'static str,
) -> Result<Vec<FieldSpec>, ObjectError> {
    let end = u64::from(first) + u64::from(count);
    if count > 0 && end > fields.len() as u64 {
        return Err(ContractError::FieldRange { desc: desc(), part, first, end, fields: fields.len() }.into());
    }
    Ok(if count == 0 { Vec::new() } else { fields[first as usize..end as usize].to_vec() })
}

/// Check every map descriptor.
pub fn maps(descs: &[MapDesc], fields: &[FieldSpec], strtab: &[u8]) -> Result<Vec<MapSpec>, ObjectError> {
    let mut names = BTreeMap::new();
    let mut out = Vec::new();
    for (i, d) in descs.iter().enumerate() {
        let name = string(strtab, d.name, || Desc::Map(i, None), "name")?;
        let desc = || Desc::Map(i, Some(name.into()));
        if !name.starts_with('@') {
            return Err(ContractError::MapName { desc: desc() }.into());
        }
        if names.insert(name, i).is_some() {
            return Err(ContractError::DuplicateMap { desc: desc() }.into());
        }
        let kind = MapKind::from_raw(d.kind).ok_or_else(|| ContractError::UnknownKind { desc: desc(), kind: d.kind.into() })?;
        if d.flags != 0 {
            return Err(ContractError::MapFlags { desc: desc(), flags: d.flags }.into());
        }
        let keys = field_range(fields, d.key_fields, d.key_count, desc, "key")?;
        let key_size: u64 = keys.iter().map(|f| u64::from(f.size)).sum();
        if key_size != u64::from(d.key_size) {
            return Err(ContractError::KeySize { desc: desc(), key_size: d.key_size, fields_size: key_size }.into());
        }
        if d.capacity == 0 || d.capacity > MAX_CAPACITY || (keys.is_empty() && d.capacity != 1) {
            return Err(ContractError::Capacity { desc: desc(), capacity: d.capacity, max: MAX_CAPACITY }.into());
        }
        let value = if d.value_field == u32::MAX {
            None
        } else {
            Some(*fields.get(d.value_field as usize).ok_or_else(|| ContractError::ValueField {
                desc: desc(),
                field: d.value_field,
                fields: fields.len(),
            })?)
        };
        let lhist = lhist_params(d, kind, desc)?;
        let expected = match (kind, value) {
            (MapKind::Count, None) => 8,
            (MapKind::Count, Some(_)) => return Err(ContractError::CountValueField { desc: desc() }.into()),
            (_, None) => return Err(ContractError::MissingValueField { desc: desc(), kind }.into()),
            (MapKind::Value, Some(f)) => f.size,
            (_, Some(f)) if f.kind == FieldKind::Str => return Err(ContractError::StringAggregation { desc: desc(), kind }.into()),
            (MapKind::Sum | MapKind::Min | MapKind::Max, _) => 8,
            (MapKind::Avg | MapKind::Stats, _) => 16,
            (MapKind::Hist, _) => 8 * abi::HIST_BUCKETS as u32,
            (MapKind::Lhist, _) => 8 * (lhist.map_or(0, |l| l.buckets) + 2),
        };
        if d.value_size != expected {
            return Err(ContractError::ValueSize { desc: desc(), kind, value_size: d.value_size, expected }.into());
        }
        out.push(MapSpec {
            name: name.into(),
            kind,
            capacity: d.capacity,
            keys,
            key_size: d.key_size,
            value_size: d.value_size,
            value,
            lhist,
        });
    }
    Ok(out)
}

fn lhist_params(d: &MapDesc, kind: MapKind, desc: impl Fn() -> Desc) -> Result<Option<Lhist>, ObjectError> {
    let [min, max, step] = d.params;
    if kind != MapKind::Lhist {
        if d.params != [0; 3] {
            return Err(ContractError::NonZeroParams { desc: desc(), kind }.into());
        }
        return Ok(None);
    }
    if step <= 0 || max <= min {
        return Err(ContractError::LhistParams { desc: desc(), min, max, step }.into());
    }
    let n = (i128::from(max) - i128::from(min) + i128::from(step) - 1) / i128::from(step);
    if n > i128::from(MAX_LHIST_BUCKETS) {
        return Err(ContractError::LhistBuckets { desc: desc(), buckets: n, max: MAX_LHIST_BUCKETS }.into());
    }
    Ok(Some(Lhist { min, max, step, buckets: n as u32 }))
}

/// Check every format descriptor and parse its format string.
pub fn formats(descs: &[FormatDesc], fields: &[FieldSpec], strtab: &[u8]) -> Result<Vec<FormatSpec>, ObjectError> {
    let mut out = Vec::new();
    for (i, d) in descs.iter().enumerate() {
        let text = string(strtab, d.format, || Desc::Format(i), "format")?;
        let args = field_range(fields, d.arg_fields, d.arg_count, || Desc::Format(i), "arguments")?;
        let size: u64 = args.iter().map(|f| u64::from(f.size)).sum();
        if size != u64::from(d.record_size) {
            return Err(ContractError::RecordSize { index: i, record_size: d.record_size, args_size: size }.into());
        }
        let pieces = printf::parse(text, &args).map_err(|error| ContractError::Format { index: i, text: text.into(), error })?;
        out.push(FormatSpec { text: text.into(), pieces, args, record_size: d.record_size });
    }
    Ok(out)
}

/// Check every requirement descriptor.
pub fn requires(descs: &[RequireDesc], strtab: &[u8]) -> Result<Vec<String>, ObjectError> {
    descs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let name = string(strtab, d.name, || Desc::Requirement(i, None), "name")?;
            if name.is_empty() {
                return Err(ContractError::EmptyRequirement { index: i }.into());
            }
            if d.kind != u32::from(FieldKind::Unsigned.raw()) {
                return Err(ContractError::RequirementKind { desc: Desc::Requirement(i, Some(name.into())), kind: d.kind }.into());
            }
            Ok(name.into())
        })
        .collect()
}

/// Check every probe descriptor and locate its handler symbol.
pub fn probes(descs: &[ProbeDesc], strtab: &[u8], elf: &Elf<'_>) -> Result<Vec<ProbeSpec>, ObjectError> {
    // Defined symbols by name, built once (an object may have many).
    let mut defined: BTreeMap<&str, Option<usize>> = BTreeMap::new();
    for s in &elf.symbols {
        if s.shndx != shn::UNDEF && s.shndx != shn::ABS && !s.name.is_empty() {
            let e = defined.entry(s.name).or_insert(Some(s.index));
            if *e != Some(s.index) {
                *e = None; // ambiguous
            }
        }
    }
    let mut out = Vec::new();
    for (i, d) in descs.iter().enumerate() {
        let name = string(strtab, d.name, || Desc::Probe(i, None), "name")?;
        let desc = || Desc::Probe(i, Some(name.into()));
        if name.is_empty() {
            return Err(ContractError::EmptyProbeName { index: i }.into());
        }
        if d.flags & !abi::probe_flags::ALL != 0 || d.reserved != 0 {
            return Err(ContractError::ProbeFlags { desc: desc(), unknown: d.flags & !abi::probe_flags::ALL, reserved: d.reserved }.into());
        }
        let target_text = string(strtab, d.target, desc, "target")?;
        let kind = ProbeKind::from_raw(d.kind).ok_or_else(|| ContractError::UnknownKind { desc: desc(), kind: d.kind.into() })?;
        let target = target(d, kind, target_text, desc)?;
        let handler = string(strtab, d.handler, desc, "handler")?;
        let sym = match defined.get(handler) {
            Some(Some(i)) => &elf.symbols[*i],
            Some(None) => return Err(ContractError::AmbiguousHandler { desc: desc(), handler: handler.into() }.into()),
            None => return Err(ContractError::UndefinedHandler { desc: desc(), handler: handler.into() }.into()),
        };
        let sec = &elf.sections[sym.shndx as usize];
        if !sec.alloc() || !sec.exec() || !matches!(sym.kind, stt::FUNC | stt::NOTYPE) || !sym.value.is_multiple_of(4) {
            return Err(ContractError::BadHandler {
                desc: desc(),
                handler: handler.into(),
                kind: sym.kind,
                value: sym.value,
                section: sec.name.into(),
            }
            .into());
        }
        let clock = d.flags & abi::probe_flags::NO_CLOCK == 0;
        out.push(ProbeSpec { name: name.into(), kind, target, handler: handler.into(), handler_sym: sym.index, clock });
    }
    Ok(out)
}

fn target(d: &ProbeDesc, kind: ProbeKind, text: &str, desc: impl Fn() -> Desc) -> Result<TargetSpec, ObjectError> {
    let special = matches!(kind, ProbeKind::Begin | ProbeKind::End);
    let t = match TargetKind::from_raw(d.target_kind) {
        Some(TargetKind::None) if special && text.is_empty() && d.offset == 0 => TargetSpec::None,
        Some(k @ (TargetKind::Symbol | TargetKind::Glob)) if !special && !text.is_empty() => {
            if kind == ProbeKind::Kretprobe && d.offset != 0 {
                return Err(ContractError::ReturnProbeOffset { desc: desc(), offset: d.offset }.into());
            }
            if k == TargetKind::Symbol {
                TargetSpec::Symbol(text.into(), d.offset)
            } else {
                TargetSpec::Glob(text.into(), d.offset)
            }
        }
        Some(TargetKind::Address) if !special && text.is_empty() => {
            if d.offset == 0 || !d.offset.is_multiple_of(4) {
                return Err(ContractError::BadAddress { desc: desc(), address: d.offset }.into());
            }
            TargetSpec::Address(d.offset)
        }
        _ => {
            return Err(ContractError::TargetMismatch {
                desc: desc(),
                target_kind: d.target_kind,
                target: text.into(),
                offset: d.offset,
                kind,
            }
            .into())
        }
    };
    Ok(t)
}
