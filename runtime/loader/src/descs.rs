//! Checking each descriptor of the contract field by field. Errors name
//! the descriptor, its index and the field.

use crate::elf::{shn, stt, Elf};
use crate::error::{contract_err, ObjectError};
use crate::printf;
use crate::spec::*;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

/// The NUL-terminated UTF-8 string at `off` in the probec strtab.
pub fn string<'s>(strtab: &'s [u8], off: u32, what: &str) -> Result<&'s str, ObjectError> {
    abi::strtab_get(strtab, off)
        .ok_or_else(|| contract_err!("{what}: offset {off} is outside {} or not a NUL-terminated UTF-8 string", abi::SECTION_STRTAB))
}

use probec_abi::{self as abi, FieldDesc, FormatDesc, MapDesc, ProbeDesc, RequireDesc, TargetKind};

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
            let kind = FieldKind::from_raw(d.kind).ok_or_else(|| contract_err!("field {i}: unknown `kind` {}", d.kind))?;
            let size = if kind == FieldKind::Str { max_strlen } else { 8 };
            if d.size != size {
                return Err(contract_err!("field {i}: `size` is {} (a {kind:?} field takes {size} bytes)", d.size));
            }
            if d.bits > 64 {
                return Err(contract_err!("field {i}: `bits` is {} (at most 64)", d.bits));
            }
            Ok(FieldSpec { kind, size })
        })
        .collect()
}

/// `count` fields starting at `first`, as `what` for messages.
fn field_range(fields: &[FieldSpec], first: u32, count: u32, what: &str) -> Result<Vec<FieldSpec>, ObjectError> {
    let end = u64::from(first) + u64::from(count);
    if count > 0 && end > fields.len() as u64 {
        return Err(contract_err!("{what}: fields {first}..{end} are outside the {} field descriptors", fields.len()));
    }
    Ok(if count == 0 { Vec::new() } else { fields[first as usize..end as usize].to_vec() })
}

/// Check every map descriptor.
pub fn maps(descs: &[MapDesc], fields: &[FieldSpec], strtab: &[u8]) -> Result<Vec<MapSpec>, ObjectError> {
    let mut names = BTreeMap::new();
    let mut out = Vec::new();
    for (i, d) in descs.iter().enumerate() {
        let name = string(strtab, d.name, &alloc::format!("map {i} field `name`"))?;
        let what = alloc::format!("map {i} ({name})");
        if !name.starts_with('@') {
            return Err(contract_err!("{what}: name does not start with `@`"));
        }
        if names.insert(name, i).is_some() {
            return Err(contract_err!("{what}: two maps have this name"));
        }
        let kind = MapKind::from_raw(d.kind).ok_or_else(|| contract_err!("{what}: unknown `kind` {}", d.kind))?;
        if d.flags != 0 {
            return Err(contract_err!("{what}: `flags` is {:#x} (reserved, must be 0)", d.flags));
        }
        let keys = field_range(fields, d.key_fields, d.key_count, &alloc::format!("{what} key"))?;
        let key_size: u64 = keys.iter().map(|f| u64::from(f.size)).sum();
        if key_size != u64::from(d.key_size) {
            return Err(contract_err!("{what}: `key_size` is {} but its key fields take {key_size} bytes", d.key_size));
        }
        if d.capacity == 0 || d.capacity > MAX_CAPACITY || (keys.is_empty() && d.capacity != 1) {
            return Err(contract_err!("{what}: `capacity` is {} (1 for a map without keys, else 1..={MAX_CAPACITY})", d.capacity));
        }
        let value = if d.value_field == u32::MAX {
            None
        } else {
            Some(*fields.get(d.value_field as usize).ok_or_else(|| {
                contract_err!("{what}: `value_field` {} is outside the {} field descriptors", d.value_field, fields.len())
            })?)
        };
        let lhist = lhist_params(d, kind, &what)?;
        let expected = match (kind, value) {
            (MapKind::Count, None) => 8,
            (MapKind::Count, Some(_)) => {
                return Err(contract_err!("{what}: count() maps have no value field (`value_field` must be 0xffffffff)"))
            }
            (_, None) => return Err(contract_err!("{what}: `value_field` is 0xffffffff but a {kind:?} map needs one")),
            (MapKind::Value, Some(f)) => f.size,
            (_, Some(f)) if f.kind == FieldKind::Str => return Err(contract_err!("{what}: a {kind:?} map cannot aggregate strings")),
            (MapKind::Sum | MapKind::Min | MapKind::Max, _) => 8,
            (MapKind::Avg | MapKind::Stats, _) => 16,
            (MapKind::Hist, _) => 8 * abi::HIST_BUCKETS as u32,
            (MapKind::Lhist, _) => 8 * (lhist.map_or(0, |l| l.buckets) + 2),
        };
        if d.value_size != expected {
            return Err(contract_err!("{what}: `value_size` is {} (a {kind:?} map needs {expected})", d.value_size));
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

fn lhist_params(d: &MapDesc, kind: MapKind, what: &str) -> Result<Option<Lhist>, ObjectError> {
    let [min, max, step] = d.params;
    if kind != MapKind::Lhist {
        if d.params != [0; 3] {
            return Err(contract_err!("{what}: `params` must be zero for a {kind:?} map"));
        }
        return Ok(None);
    }
    if step <= 0 || max <= min {
        return Err(contract_err!("{what}: lhist `params` min {min}, max {max}, step {step} (need step > 0 and max > min)"));
    }
    let n = (i128::from(max) - i128::from(min) + i128::from(step) - 1) / i128::from(step);
    if n > i128::from(MAX_LHIST_BUCKETS) {
        return Err(contract_err!("{what}: lhist has {n} buckets (at most {MAX_LHIST_BUCKETS})"));
    }
    Ok(Some(Lhist { min, max, step, buckets: n as u32 }))
}

/// Check every format descriptor and parse its format string.
pub fn formats(descs: &[FormatDesc], fields: &[FieldSpec], strtab: &[u8]) -> Result<Vec<FormatSpec>, ObjectError> {
    let mut out = Vec::new();
    for (i, d) in descs.iter().enumerate() {
        let text = string(strtab, d.format, &alloc::format!("format {i} field `format`"))?;
        let args = field_range(fields, d.arg_fields, d.arg_count, &alloc::format!("format {i} arguments"))?;
        let size: u64 = args.iter().map(|f| u64::from(f.size)).sum();
        if size != u64::from(d.record_size) {
            return Err(contract_err!("format {i}: `record_size` is {} but its arguments take {size} bytes", d.record_size));
        }
        let pieces = printf::parse(text, &args).map_err(|m| contract_err!("format {i} {text:?}: {m}"))?;
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
            let name = string(strtab, d.name, &alloc::format!("requirement {i} field `name`"))?;
            if name.is_empty() {
                return Err(contract_err!("requirement {i}: empty name"));
            }
            if d.kind != u32::from(FieldKind::Unsigned.raw()) {
                return Err(contract_err!("requirement {i} ({name}): `kind` is {} (only 0, unsigned, is defined)", d.kind));
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
        let name = string(strtab, d.name, &alloc::format!("probe {i} field `name`"))?;
        let what = alloc::format!("probe {i} ({name})");
        if name.is_empty() {
            return Err(contract_err!("probe {i}: empty `name`"));
        }
        if d.flags & !abi::probe_flags::ALL != 0 || d.reserved != 0 {
            return Err(contract_err!("{what}: unknown `flags` bits {:#x} or non-zero `reserved`", d.flags & !abi::probe_flags::ALL));
        }
        let target_text = string(strtab, d.target, &alloc::format!("{what} field `target`"))?;
        let kind = ProbeKind::from_raw(d.kind).ok_or_else(|| contract_err!("{what}: unknown `kind` {}", d.kind))?;
        let target = target(d, kind, target_text, &what)?;
        let handler = string(strtab, d.handler, &alloc::format!("{what} field `handler`"))?;
        let sym = match defined.get(handler) {
            Some(Some(i)) => &elf.symbols[*i],
            Some(None) => return Err(contract_err!("{what}: several symbols are named `{handler}`")),
            None => return Err(contract_err!("{what}: handler symbol `{handler}` is not defined in the object")),
        };
        let sec = &elf.sections[sym.shndx as usize];
        if !sec.alloc() || !sec.exec() || !matches!(sym.kind, stt::FUNC | stt::NOTYPE) || !sym.value.is_multiple_of(4) {
            return Err(contract_err!(
                "{what}: handler symbol `{handler}` (type {}, value {:#x}, in section {}) is not a 4-byte aligned function in a code section",
                sym.kind,
                sym.value,
                sec.name
            ));
        }
        let clock = d.flags & abi::probe_flags::NO_CLOCK == 0;
        out.push(ProbeSpec { name: name.into(), kind, target, handler: handler.into(), handler_sym: sym.index, clock });
    }
    Ok(out)
}

fn target(d: &ProbeDesc, kind: ProbeKind, text: &str, what: &str) -> Result<TargetSpec, ObjectError> {
    let special = matches!(kind, ProbeKind::Begin | ProbeKind::End);
    let t = match TargetKind::from_raw(d.target_kind) {
        Some(TargetKind::None) if special && text.is_empty() && d.offset == 0 => TargetSpec::None,
        Some(k @ (TargetKind::Symbol | TargetKind::Glob)) if !special && !text.is_empty() => {
            if kind == ProbeKind::Kretprobe && d.offset != 0 {
                return Err(contract_err!("{what}: a return probe cannot have an offset ({:#x})", d.offset));
            }
            if k == TargetKind::Symbol {
                TargetSpec::Symbol(text.into(), d.offset)
            } else {
                TargetSpec::Glob(text.into(), d.offset)
            }
        }
        Some(TargetKind::Address) if !special && text.is_empty() => {
            if d.offset == 0 || !d.offset.is_multiple_of(4) {
                return Err(contract_err!("{what}: address {:#x} is not a non-zero multiple of 4", d.offset));
            }
            TargetSpec::Address(d.offset)
        }
        _ => {
            return Err(contract_err!(
                "{what}: `target_kind` {} with target {text:?} and offset {:#x} does not fit a {kind:?} probe",
                d.target_kind,
                d.offset
            ))
        }
    };
    Ok(t)
}
