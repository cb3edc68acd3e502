//! Building the descriptor tables of the object contract from the typed IR.

use super::strtab::Strtab;
use crate::ast::Target;
use crate::tir::{self, MapKind};
use crate::types::Type;
use probec_abi::{self as abi, FieldDesc, FieldKind, FormatDesc, MapDesc, ObjectHeader, Pod, ProbeDesc, RequireDesc, TargetKind};

/// All descriptor sections, as bytes.
pub struct Tables {
    /// `.probec.header`
    pub header: Vec<u8>,
    /// `.probec.probes`
    pub probes: Vec<u8>,
    /// `.probec.maps`
    pub maps: Vec<u8>,
    /// `.probec.formats`
    pub formats: Vec<u8>,
    /// `.probec.fields`
    pub fields: Vec<u8>,
    /// `.probec.requires`
    pub requires: Vec<u8>,
    /// `.probec.strtab`
    pub strtab: Vec<u8>,
}

fn field(t: &Type, strlen: u32) -> FieldDesc {
    let (kind, bits) = match t {
        Type::Int { bits, signed } => (if *signed { FieldKind::Signed } else { FieldKind::Unsigned }, *bits as u16),
        Type::Bool => (FieldKind::Bool, 0),
        Type::Str => (FieldKind::Str, 0),
        Type::Ptr(_) => (FieldKind::Ptr, 64),
    };
    FieldDesc { kind: kind.raw(), bits, size: if *t == Type::Str { strlen } else { 8 } }
}

fn value_size(m: &tir::Map, strlen: u32) -> u32 {
    match m.kind {
        MapKind::Value => {
            if m.value == Some(Type::Str) {
                strlen
            } else {
                8
            }
        }
        MapKind::Count | MapKind::Sum | MapKind::Min | MapKind::Max => 8,
        MapKind::Avg | MapKind::Stats => 16,
        MapKind::Hist => 8 * abi::HIST_BUCKETS as u32,
        MapKind::Lhist => {
            let (min, max, step) = m.lhist.unwrap_or((0, 1, 1));
            let n = (max as i128 - min as i128 + step as i128 - 1) / step as i128;
            8 * (n as u32 + 2)
        }
    }
}

fn push<T: Pod>(out: &mut Vec<u8>, v: &T) {
    out.extend_from_slice(v.as_bytes());
}

/// Build every table. `source_name` is recorded for tools.
pub fn build(prog: &tir::Program, features: u32, source_name: &str) -> Tables {
    let strlen = prog.limits.max_strlen;
    let mut st = Strtab::default();
    let mut fields = Vec::new();
    let mut field_count = 0u32;
    let mut add_fields = |types: &[Type], fields: &mut Vec<u8>| {
        let first = field_count;
        for t in types {
            push(fields, &field(t, strlen));
            field_count += 1;
        }
        first
    };

    let mut probes = Vec::new();
    let mut probe_count = 0u32;
    let mut max_stack = 0u32;
    for (block, h) in prog.handlers.iter().enumerate() {
        max_stack = max_stack.max(h.stack_bytes);
        let handler = st.add(&h.symbol);
        for p in &h.probes {
            let kind = p.kind.raw();
            let (target_kind, target, offset) = match &p.target {
                Target::None => (TargetKind::None, 0, 0),
                Target::Symbol { name, offset } => (TargetKind::Symbol, st.add(name), *offset),
                Target::Glob { pattern, offset } => (TargetKind::Glob, st.add(pattern), *offset),
                Target::Address(a) => (TargetKind::Address, 0, *a),
            };
            let target_kind = target_kind.raw();
            let flags = if h.uses_clock { 0 } else { abi::probe_flags::NO_CLOCK };
            let d =
                ProbeDesc { kind, target_kind, flags, name: st.add(&p.text), target, handler, offset, block: block as u32, reserved: 0 };
            push(&mut probes, &d);
            probe_count += 1;
        }
    }

    let mut maps = Vec::new();
    for m in &prog.maps {
        let key_fields = add_fields(&m.keys, &mut fields);
        let value_field = match &m.value {
            Some(t) => add_fields(std::slice::from_ref(t), &mut fields),
            None => u32::MAX,
        };
        let (a, b, c) = m.lhist.unwrap_or((0, 0, 0));
        let d = MapDesc {
            name: st.add(&m.name),
            kind: m.kind.raw(),
            flags: 0,
            capacity: m.capacity,
            key_size: crate::check::key_size(&m.keys, strlen),
            value_size: value_size(m, strlen),
            key_fields,
            key_count: m.keys.len() as u32,
            value_field,
            params: [a, b, c],
        };
        push(&mut maps, &d);
    }

    let mut formats = Vec::new();
    for f in &prog.formats {
        let arg_fields = add_fields(&f.args, &mut fields);
        let d = FormatDesc {
            format: st.add(&f.text),
            arg_fields,
            arg_count: f.args.len() as u32,
            record_size: crate::check::key_size(&f.args, strlen),
        };
        push(&mut formats, &d);
    }

    let mut requires = Vec::new();
    for r in &prog.requires {
        push(&mut requires, &RequireDesc { name: st.add(r), kind: u32::from(FieldKind::Unsigned.raw()) });
    }

    let header = ObjectHeader {
        magic: abi::MAGIC,
        abi_version: abi::ABI_VERSION,
        header_size: std::mem::size_of::<ObjectHeader>() as u32,
        probe_count,
        map_count: prog.maps.len() as u32,
        format_count: prog.formats.len() as u32,
        field_count,
        require_count: prog.requires.len() as u32,
        features,
        max_strlen: strlen,
        max_stack,
        source_name: st.add(source_name),
        compiler: st.add(concat!("probec ", env!("CARGO_PKG_VERSION"))),
    };
    let mut header_bytes = Vec::new();
    push(&mut header_bytes, &header);
    Tables { header: header_bytes, probes, maps, formats, fields, requires, strtab: st.into_bytes() }
}
