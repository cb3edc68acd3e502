//! Validating a probes.o against the contract in [`probec_abi`]: section
//! kinds and flags, the header, and every descriptor field. The result is
//! the checked specs the rest of the loader works from.

use crate::descs::{fields, formats, maps, probes, requires, string};
use crate::elf::{shf, sht, Elf, Section, MAX_ALIGN};
use crate::error::{ContractError, Desc, ElfError, ObjectError, Requirement, Resources, SectionProblem, SectionRef, Unsupported};
use crate::relocate;
use crate::spec::{FormatSpec, MapSpec, ProbeSpec};
use alloc::string::String;
use alloc::vec::Vec;
use probec_abi::{self as abi, ObjectHeader, Pod};

/// Limits the loader enforces while validating (from `LoadOptions`).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest accepted `max_strlen`.
    pub max_strlen: u32,
    /// Largest accepted handler stack (`max_stack` + 176).
    pub max_handler_stack: u32,
    /// `FEATURE_*` bits this CPU supports.
    pub cpu_features: u32,
}

/// Stack a handler may use beyond `max_stack`: frame record and saved
/// callee-saved registers (see `ObjectHeader::max_stack`).
pub const HANDLER_FRAME_BYTES: u32 = 176;

/// A fully validated object.
pub struct Validated<'a> {
    /// The ELF container.
    pub elf: Elf<'a>,
    /// The header.
    pub header: ObjectHeader,
    /// Probes, in descriptor order.
    pub probes: Vec<ProbeSpec>,
    /// Maps, in descriptor order (their index is the helpers' map id).
    pub maps: Vec<MapSpec>,
    /// Formats, in descriptor order.
    pub formats: Vec<FormatSpec>,
    /// Names of the context values the object needs, in order.
    pub requires: Vec<String>,
    /// The script's file name (informational).
    pub source_name: String,
}

/// Parse `data` and check it completely. Touches nothing but `data`.
pub fn validate<'a>(data: &'a [u8], limits: &Limits) -> Result<Validated<'a>, ObjectError> {
    let elf = Elf::parse(data)?;
    for s in &elf.sections {
        check_section(s)?;
    }
    let header_sec = required(&elf, abi::SECTION_HEADER)?;
    let strtab = required(&elf, abi::SECTION_STRTAB)?.data;
    if header_sec.data.len() != core::mem::size_of::<ObjectHeader>() {
        return Err(ContractError::HeaderSize { len: header_sec.data.len(), expected: core::mem::size_of::<ObjectHeader>() }.into());
    }
    let header = ObjectHeader::read_from(header_sec.data).ok_or(ContractError::HeaderTruncated)?;
    check_header(&header, limits)?;
    let source_name = string(strtab, header.source_name, || Desc::Header, "source_name")?.into();
    string(strtab, header.compiler, || Desc::Header, "compiler")?;
    if !strtab.is_empty() && strtab[0] != 0 {
        return Err(ContractError::StrtabStart.into());
    }

    let field_descs = table(&elf, abi::SECTION_FIELDS, header.field_count)?;
    let fields = fields(&field_descs, header.max_strlen)?;
    let maps = maps(&table(&elf, abi::SECTION_MAPS, header.map_count)?, &fields, strtab)?;
    let formats = formats(&table(&elf, abi::SECTION_FORMATS, header.format_count)?, &fields, strtab)?;
    let requires = requires(&table(&elf, abi::SECTION_REQUIRES, header.require_count)?, strtab)?;
    let probes = probes(&table(&elf, abi::SECTION_PROBES, header.probe_count)?, strtab, &elf)?;
    relocate::check(&elf)?;
    Ok(Validated { elf, header, probes, maps, formats, requires, source_name })
}

fn required<'e, 'a>(elf: &'e Elf<'a>, name: &'static str) -> Result<&'e Section<'a>, ObjectError> {
    elf.section(name)?.ok_or(ContractError::MissingSection { name }.into())
}

/// The `count` descriptors of section `name` (absent means empty, which
/// is only valid when `count` is 0).
fn table<T: Pod>(elf: &Elf<'_>, name: &'static str, count: u32) -> Result<Vec<T>, ObjectError> {
    let size = core::mem::size_of::<T>();
    let data = match elf.section(name)? {
        Some(s) => s.data,
        None if count == 0 => return Ok(Vec::new()),
        None => return Err(ContractError::MissingTable { name, count }.into()),
    };
    if data.len() as u64 != u64::from(count) * size as u64 {
        return Err(ContractError::TableSize { name, len: data.len(), count, entry: size }.into());
    }
    // Bounded by the file size: `data` is a slice of the object.
    let mut out = Vec::new();
    out.try_reserve_exact(count as usize).map_err(|_| Resources::NoMemory { what: name, count: None })?;
    out.extend(data.chunks_exact(size).filter_map(T::read_from));
    Ok(out)
}

fn check_header(h: &ObjectHeader, limits: &Limits) -> Result<(), ObjectError> {
    if h.magic != abi::MAGIC {
        return Err(ContractError::BadMagic.into());
    }
    if h.abi_version != abi::ABI_VERSION {
        return Err(Unsupported::AbiVersion { found: h.abi_version, supported: abi::ABI_VERSION }.into());
    }
    h.validate().map_err(ContractError::Header)?;
    let known = abi::FEATURE_LSE | abi::FEATURE_BTI | abi::FEATURE_PAC;
    if h.features & !known != 0 {
        return Err(Unsupported::FeatureBits { bits: h.features & !known }.into());
    }
    if h.features & abi::FEATURE_LSE != 0 && limits.cpu_features & abi::FEATURE_LSE == 0 {
        return Err(Requirement::Lse.into());
    }
    if h.max_strlen < 8 || !h.max_strlen.is_multiple_of(8) || h.max_strlen > limits.max_strlen {
        return Err(ContractError::MaxStrlen { value: h.max_strlen, limit: limits.max_strlen }.into());
    }
    let stack = u64::from(h.max_stack) + u64::from(HANDLER_FRAME_BYTES);
    if stack > u64::from(limits.max_handler_stack) {
        return Err(
            Resources::HandlerStack { max_stack: h.max_stack, frame_bytes: HANDLER_FRAME_BYTES, limit: limits.max_handler_stack }.into()
        );
    }
    Ok(())
}

/// Section kinds and flags the loader accepts.
fn check_section(s: &Section<'_>) -> Result<(), ObjectError> {
    let unsupported = |problem| Err(Unsupported::Section { section: SectionRef::of(s), problem }.into());
    match s.kind {
        sht::REL => return unsupported(SectionProblem::Rel),
        5 | 6 | 11 | 14..=18 => return unsupported(SectionProblem::DynamicOrGroup { kind: s.kind }),
        _ => {}
    }
    if !s.alloc() {
        return Ok(());
    }
    if s.flags & (shf::TLS | shf::COMPRESSED) != 0 {
        return unsupported(SectionProblem::TlsOrCompressed);
    }
    if s.flags & shf::WRITE != 0 {
        return unsupported(SectionProblem::Writable);
    }
    if s.kind != sht::PROGBITS && s.kind != sht::NOBITS {
        return unsupported(SectionProblem::NotProgbits { kind: s.kind });
    }
    if s.align > MAX_ALIGN {
        return unsupported(SectionProblem::Alignment { align: s.align, max: MAX_ALIGN });
    }
    if s.exec() && (s.kind != sht::PROGBITS || !s.size.is_multiple_of(4)) {
        return Err(ElfError::CodeSection { section: SectionRef::of(s), size: s.size }.into());
    }
    Ok(())
}

/// The kernel build-id the object was compiled against
/// ([`probec_abi::SECTION_BUILD_ID`]), if it records one.
pub fn build_id(object: &[u8]) -> Result<Option<alloc::vec::Vec<u8>>, ObjectError> {
    let elf = crate::elf::Elf::parse(object)?;
    Ok(elf.section(probec_abi::SECTION_BUILD_ID)?.map(|s| s.data.to_vec()))
}
