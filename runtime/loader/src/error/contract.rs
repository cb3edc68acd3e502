//! An object whose probec descriptors are inconsistent: which descriptor
//! (header, field, map, format, requirement, probe; its index and name),
//! which field, and the values.

use super::{FormatError, SectionRef};
use crate::spec::{FieldKind, MapKind, ProbeKind};
use alloc::string::String;
use core::fmt;

/// The descriptor an error is about, shown as `map 0 (@m)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Desc {
    /// The object header.
    Header,
    /// A field descriptor.
    Field(usize),
    /// A map descriptor, with its name once read.
    Map(usize, Option<String>),
    /// A format descriptor.
    Format(usize),
    /// A requirement descriptor, with its name once read.
    Requirement(usize, Option<String>),
    /// A probe descriptor, with its name once read.
    Probe(usize, Option<String>),
}

impl fmt::Display for Desc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, index, name) = match self {
            Desc::Header => return f.write_str("header"),
            Desc::Field(i) => ("field", i, &None),
            Desc::Map(i, name) => ("map", i, name),
            Desc::Format(i) => ("format", i, &None),
            Desc::Requirement(i, name) => ("requirement", i, name),
            Desc::Probe(i, name) => ("probe", i, name),
        };
        write!(f, "{what} {index}")?;
        match name {
            Some(name) => write!(f, " ({name})"),
            None => Ok(()),
        }
    }
}

/// What is inconsistent in the descriptors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContractError {
    /// A required section is absent.
    MissingSection {
        /// Its name.
        name: &'static str,
    },
    /// A descriptor section is absent but the header counts entries.
    MissingTable {
        /// Its name.
        name: &'static str,
        /// Entries the header counts.
        count: u32,
    },
    /// A descriptor section's size does not match the header's count.
    TableSize {
        /// Its name.
        name: &'static str,
        /// Its size in bytes.
        len: usize,
        /// Entries the header counts.
        count: u32,
        /// Bytes per entry.
        entry: usize,
    },
    /// The header section is not one header long.
    HeaderSize {
        /// Its size in bytes.
        len: usize,
        /// The header's size.
        expected: usize,
    },
    /// The header section is too short to read.
    HeaderTruncated,
    /// The header's magic is not probec's.
    BadMagic,
    /// The header fails its own validation (see `probec_abi::HeaderError`).
    Header(probec_abi::HeaderError),
    /// `max_strlen` is not a usable string capacity.
    MaxStrlen {
        /// Its value.
        value: u32,
        /// The largest the embedder accepts.
        limit: u32,
    },
    /// The strtab does not start with the empty string.
    StrtabStart,
    /// A string field's offset is not a string in the strtab.
    BadString {
        /// The descriptor.
        desc: Desc,
        /// The field (`name`, `target`, ...).
        field: &'static str,
        /// The offset.
        offset: u32,
    },
    /// A `kind` value the contract does not define.
    UnknownKind {
        /// The descriptor.
        desc: Desc,
        /// The value.
        kind: u32,
    },
    /// A field's `size` is not its kind's.
    FieldSize {
        /// Field index.
        index: usize,
        /// Its `size`.
        size: u32,
        /// Its kind.
        kind: FieldKind,
        /// The size of that kind.
        expected: u32,
    },
    /// A field's `bits` is above 64.
    FieldBits {
        /// Field index.
        index: usize,
        /// Its `bits`.
        bits: u16,
    },
    /// A range of fields beyond the field descriptors.
    FieldRange {
        /// The descriptor.
        desc: Desc,
        /// Which of its fields (`key`, `arguments`).
        part: &'static str,
        /// First field index.
        first: u32,
        /// One past the last.
        end: u64,
        /// Number of field descriptors.
        fields: usize,
    },
    /// A map name without `@`.
    MapName {
        /// The map.
        desc: Desc,
    },
    /// Two maps with one name.
    DuplicateMap {
        /// The second map.
        desc: Desc,
    },
    /// A map's reserved `flags` are set.
    MapFlags {
        /// The map.
        desc: Desc,
        /// Its `flags`.
        flags: u16,
    },
    /// A map's `key_size` is not the size of its key fields.
    KeySize {
        /// The map.
        desc: Desc,
        /// Its `key_size`.
        key_size: u32,
        /// What its key fields take.
        fields_size: u64,
    },
    /// A map's capacity is out of range.
    Capacity {
        /// The map.
        desc: Desc,
        /// Its `capacity`.
        capacity: u32,
        /// The largest capacity.
        max: u32,
    },
    /// A map's `value_field` is beyond the field descriptors.
    ValueField {
        /// The map.
        desc: Desc,
        /// Its `value_field`.
        field: u32,
        /// Number of field descriptors.
        fields: usize,
    },
    /// A count() map with a value field.
    CountValueField {
        /// The map.
        desc: Desc,
    },
    /// A map that needs a value field has none.
    MissingValueField {
        /// The map.
        desc: Desc,
        /// Its kind.
        kind: MapKind,
    },
    /// An aggregation of strings.
    StringAggregation {
        /// The map.
        desc: Desc,
        /// Its kind.
        kind: MapKind,
    },
    /// A map's `value_size` is not its kind's.
    ValueSize {
        /// The map.
        desc: Desc,
        /// Its kind.
        kind: MapKind,
        /// Its `value_size`.
        value_size: u32,
        /// What the kind needs.
        expected: u32,
    },
    /// `params` set on a map that is not an lhist.
    NonZeroParams {
        /// The map.
        desc: Desc,
        /// Its kind.
        kind: MapKind,
    },
    /// lhist parameters that make no buckets.
    LhistParams {
        /// The map.
        desc: Desc,
        /// `min`.
        min: i64,
        /// `max`.
        max: i64,
        /// `step`.
        step: i64,
    },
    /// An lhist with too many buckets.
    LhistBuckets {
        /// The map.
        desc: Desc,
        /// Its buckets between min and max.
        buckets: i128,
        /// The most allowed.
        max: u32,
    },
    /// A format's `record_size` is not the size of its arguments.
    RecordSize {
        /// Format index.
        index: usize,
        /// Its `record_size`.
        record_size: u32,
        /// What its arguments take.
        args_size: u64,
    },
    /// A format string that does not fit its arguments.
    Format {
        /// Format index.
        index: usize,
        /// The format string.
        text: String,
        /// What is wrong.
        error: FormatError,
    },
    /// A requirement without a name.
    EmptyRequirement {
        /// Requirement index.
        index: usize,
    },
    /// A requirement of a kind other than unsigned.
    RequirementKind {
        /// The requirement.
        desc: Desc,
        /// Its `kind`.
        kind: u32,
    },
    /// A probe without a name.
    EmptyProbeName {
        /// Probe index.
        index: usize,
    },
    /// Unknown probe flags, or non-zero `reserved`.
    ProbeFlags {
        /// The probe.
        desc: Desc,
        /// The unknown flag bits.
        unknown: u16,
        /// `reserved`.
        reserved: u32,
    },
    /// Several symbols have the handler's name.
    AmbiguousHandler {
        /// The probe.
        desc: Desc,
        /// The handler symbol.
        handler: String,
    },
    /// The handler symbol is not defined.
    UndefinedHandler {
        /// The probe.
        desc: Desc,
        /// The handler symbol.
        handler: String,
    },
    /// The handler symbol is not an aligned function in a code section.
    BadHandler {
        /// The probe.
        desc: Desc,
        /// The handler symbol.
        handler: String,
        /// Its `STT_*` type.
        kind: u8,
        /// Its value.
        value: u64,
        /// Its section's name.
        section: String,
    },
    /// A return probe with an offset.
    ReturnProbeOffset {
        /// The probe.
        desc: Desc,
        /// The offset.
        offset: u64,
    },
    /// An absolute address that is not a non-zero multiple of 4.
    BadAddress {
        /// The probe.
        desc: Desc,
        /// The address.
        address: u64,
    },
    /// `target_kind`, target and offset do not fit the probe kind.
    TargetMismatch {
        /// The probe.
        desc: Desc,
        /// `target_kind`.
        target_kind: u8,
        /// The target string.
        target: String,
        /// `offset`.
        offset: u64,
        /// The probe's kind.
        kind: ProbeKind,
    },
    /// A relocation section applies to a descriptor section.
    RelocatedDescriptors {
        /// The relocation section.
        section: SectionRef,
        /// The descriptor section it applies to.
        target: String,
    },
    /// An absolute address wider than this machine's addresses.
    AddressTooWide {
        /// The probe as written.
        probe: String,
        /// The address.
        address: u64,
    },
}

impl fmt::Display for ContractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use probec_abi::{SECTION_HEADER, SECTION_STRTAB};
        match self {
            ContractError::MissingSection { name } => write!(f, "no {name} section"),
            ContractError::MissingTable { name, count } => write!(f, "no {name} section, but the header counts {count} entries"),
            ContractError::TableSize { name, len, count, entry } => {
                write!(f, "{name} is {len} bytes, but the header counts {count} entries of {entry} bytes")
            }
            ContractError::HeaderSize { len, expected } => write!(f, "{SECTION_HEADER} is {len} bytes (expected {expected})"),
            ContractError::HeaderTruncated => write!(f, "{SECTION_HEADER} is truncated"),
            ContractError::BadMagic => write!(f, "bad magic in {SECTION_HEADER} (not a probec object)"),
            ContractError::Header(e) => e.fmt(f),
            ContractError::MaxStrlen { value, limit } => {
                write!(f, "header field `max_strlen` is {value} (must be a multiple of 8 between 8 and {limit})")
            }
            ContractError::StrtabStart => write!(f, "{SECTION_STRTAB} must start with an empty string (byte 0 is not NUL)"),
            ContractError::BadString { desc, field, offset } => {
                write!(f, "{desc} field `{field}`: offset {offset} is outside {SECTION_STRTAB} or not a NUL-terminated UTF-8 string")
            }
            ContractError::UnknownKind { desc, kind } => write!(f, "{desc}: unknown `kind` {kind}"),
            ContractError::FieldSize { index, size, kind, expected } => {
                write!(f, "field {index}: `size` is {size} (a {kind:?} field takes {expected} bytes)")
            }
            ContractError::FieldBits { index, bits } => write!(f, "field {index}: `bits` is {bits} (at most 64)"),
            ContractError::FieldRange { desc, part, first, end, fields } => {
                write!(f, "{desc} {part}: fields {first}..{end} are outside the {fields} field descriptors")
            }
            ContractError::MapName { desc } => write!(f, "{desc}: name does not start with `@`"),
            ContractError::DuplicateMap { desc } => write!(f, "{desc}: two maps have this name"),
            ContractError::MapFlags { desc, flags } => write!(f, "{desc}: `flags` is {flags:#x} (reserved, must be 0)"),
            ContractError::KeySize { desc, key_size, fields_size } => {
                write!(f, "{desc}: `key_size` is {key_size} but its key fields take {fields_size} bytes")
            }
            ContractError::Capacity { desc, capacity, max } => {
                write!(f, "{desc}: `capacity` is {capacity} (1 for a map without keys, else 1..={max})")
            }
            ContractError::ValueField { desc, field, fields } => {
                write!(f, "{desc}: `value_field` {field} is outside the {fields} field descriptors")
            }
            ContractError::CountValueField { desc } => {
                write!(f, "{desc}: count() maps have no value field (`value_field` must be 0xffffffff)")
            }
            ContractError::MissingValueField { desc, kind } => {
                write!(f, "{desc}: `value_field` is 0xffffffff but a {kind:?} map needs one")
            }
            ContractError::StringAggregation { desc, kind } => write!(f, "{desc}: a {kind:?} map cannot aggregate strings"),
            ContractError::ValueSize { desc, kind, value_size, expected } => {
                write!(f, "{desc}: `value_size` is {value_size} (a {kind:?} map needs {expected})")
            }
            ContractError::NonZeroParams { desc, kind } => write!(f, "{desc}: `params` must be zero for a {kind:?} map"),
            ContractError::LhistParams { desc, min, max, step } => {
                write!(f, "{desc}: lhist `params` min {min}, max {max}, step {step} (need step > 0 and max > min)")
            }
            ContractError::LhistBuckets { desc, buckets, max } => write!(f, "{desc}: lhist has {buckets} buckets (at most {max})"),
            ContractError::RecordSize { index, record_size, args_size } => {
                write!(f, "format {index}: `record_size` is {record_size} but its arguments take {args_size} bytes")
            }
            ContractError::Format { index, text, error } => write!(f, "format {index} {text:?}: {error}"),
            ContractError::EmptyRequirement { index } => write!(f, "requirement {index}: empty name"),
            ContractError::RequirementKind { desc, kind } => write!(f, "{desc}: `kind` is {kind} (only 0, unsigned, is defined)"),
            ContractError::EmptyProbeName { index } => write!(f, "probe {index}: empty `name`"),
            ContractError::ProbeFlags { desc, unknown, reserved } => {
                write!(f, "{desc}: unknown `flags` bits {unknown:#x} or non-zero `reserved`")?;
                match reserved {
                    0 => Ok(()),
                    r => write!(f, " (`reserved` is {r:#x})"),
                }
            }
            ContractError::AmbiguousHandler { desc, handler } => write!(f, "{desc}: several symbols are named `{handler}`"),
            ContractError::UndefinedHandler { desc, handler } => {
                write!(f, "{desc}: handler symbol `{handler}` is not defined in the object")
            }
            ContractError::BadHandler { desc, handler, kind, value, section } => write!(
                f,
                "{desc}: handler symbol `{handler}` (type {kind}, value {value:#x}, in section {section}) \
                 is not a 4-byte aligned function in a code section"
            ),
            ContractError::ReturnProbeOffset { desc, offset } => write!(f, "{desc}: a return probe cannot have an offset ({offset:#x})"),
            ContractError::BadAddress { desc, address } => write!(f, "{desc}: address {address:#x} is not a non-zero multiple of 4"),
            ContractError::TargetMismatch { desc, target_kind, target, offset, kind } => {
                write!(f, "{desc}: `target_kind` {target_kind} with target {target:?} and offset {offset:#x} does not fit a {kind:?} probe")
            }
            ContractError::RelocatedDescriptors { section, target } => {
                write!(f, "relocation section {section} applies to {target}, but descriptor sections contain no relocations")
            }
            ContractError::AddressTooWide { probe, address } => write!(f, "{probe}: address {address:#x} does not fit this machine"),
        }
    }
}
