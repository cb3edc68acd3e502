//! A validating reader of ELF64 little-endian relocatable objects for
//! AArch64: just enough ELF for probes.o, and nothing trusted. Every offset,
//! size, index and alignment is checked before it is used; no two parts of
//! the file may overlap. Errors name the section or symbol and the field.

use crate::error::{ElfError, FilePart, ObjectError, Resources, SectionRef};
pub use crate::section::RELA_SIZE;
pub use crate::section::{c_str, shf, sht, Section};
use crate::section::{u16_at, u32_at, u64_at, EHDR_SIZE, SHDR_SIZE};
use crate::symtab::{find_symtab, symbols};
pub use crate::symtab::{shn, stt, Symbol};
use alloc::vec::Vec;

/// `EM_AARCH64`.
const EM_AARCH64: u16 = 183;
/// `ET_REL`.
const ET_REL: u16 = 1;
/// Largest section alignment the loader honours (a page).
pub const MAX_ALIGN: u64 = 4096;

/// One relocation with addend.
#[derive(Clone, Copy, Debug)]
pub struct Rela {
    /// Index in its relocation section.
    pub index: usize,
    /// `r_offset`: byte offset in the target section.
    pub offset: u64,
    /// Symbol index.
    pub sym: u32,
    /// Relocation type.
    pub kind: u32,
    /// `r_addend`.
    pub addend: i64,
}

/// A parsed object: sections and the symbol table, all bounds-checked.
pub struct Elf<'a> {
    /// Every section header, in index order (index 0 is the null section).
    pub sections: Vec<Section<'a>>,
    /// The symbol table (index 0 is the null symbol).
    pub symbols: Vec<Symbol<'a>>,
    /// Index of the symbol table section.
    pub symtab: usize,
}

/// A byte range of the file, for the overlap check.
struct Extent {
    start: u64,
    end: u64,
    part: FilePart,
}

impl<'a> Elf<'a> {
    /// Parse and validate `data`.
    pub fn parse(data: &'a [u8]) -> Result<Self, ObjectError> {
        let h = header(data)?;
        let mut sections = Vec::new();
        sections.try_reserve_exact(h.shnum).map_err(|_| Resources::NoMemory { what: "section headers", count: Some(h.shnum as u64) })?;
        for i in 0..h.shnum {
            sections.push(raw_section(data, h.shoff + i * SHDR_SIZE, i)?);
        }
        let shstr = sections.get(h.shstrndx).ok_or(ElfError::BadShstrndx { index: h.shstrndx })?;
        if shstr.kind != sht::STRTAB {
            return Err(ElfError::NameTableType { section: h.shstrndx, kind: shstr.kind }.into());
        }
        let names = shstr.data;
        let mut extents = Vec::new();
        extents.push(Extent { start: 0, end: EHDR_SIZE as u64, part: FilePart::Header });
        extents.push(Extent { start: h.shoff as u64, end: (h.shoff + h.shnum * SHDR_SIZE) as u64, part: FilePart::SectionTable });
        for s in sections.iter_mut() {
            s.name = c_str(names, u64::from(s.name_offset)).ok_or(ElfError::BadSectionName { section: s.index, offset: s.name_offset })?;
            if s.kind != sht::NOBITS && s.kind != sht::NULL && !s.data.is_empty() {
                let start = s.data.as_ptr() as u64 - data.as_ptr() as u64;
                extents.push(Extent { start, end: start + s.data.len() as u64, part: FilePart::Section(SectionRef::of(s)) });
            }
        }
        check_overlaps(&mut extents)?;
        let symtab = find_symtab(&sections)?;
        let symbols = symbols(&sections, symtab)?;
        Ok(Elf { sections, symbols, symtab })
    }

    /// The section named `name`; an error if there are several.
    pub fn section(&self, name: &str) -> Result<Option<&Section<'a>>, ObjectError> {
        let mut found = None;
        for s in &self.sections {
            if s.name == name {
                if let Some(first) = found.replace(s) {
                    return Err(ElfError::DuplicateSection { name: name.into(), first: first.index, second: s.index }.into());
                }
            }
        }
        Ok(found)
    }

    /// The relocations of RELA section `s` (already checked to be RELA).
    pub fn relas(&self, s: &Section<'a>) -> Result<Vec<Rela>, ObjectError> {
        if s.entsize != RELA_SIZE as u64 || !s.data.len().is_multiple_of(RELA_SIZE) {
            return Err(ElfError::RelaEntrySize { section: SectionRef::of(s), entsize: s.entsize, size: s.size }.into());
        }
        if s.link as usize != self.symtab {
            return Err(ElfError::RelaLink { section: SectionRef::of(s), link: s.link, symtab: self.symtab }.into());
        }
        let mut out = Vec::new();
        out.try_reserve_exact(s.data.len() / RELA_SIZE).map_err(|_| Resources::NoMemory { what: "relocations", count: None })?;
        for (index, e) in s.data.chunks_exact(RELA_SIZE).enumerate() {
            let info = u64_at(e, 8).unwrap_or(0);
            out.push(Rela {
                index,
                offset: u64_at(e, 0).unwrap_or(0),
                sym: (info >> 32) as u32,
                kind: info as u32,
                addend: u64_at(e, 16).unwrap_or(0) as i64,
            });
        }
        Ok(out)
    }
}

struct Header {
    shoff: usize,
    shnum: usize,
    shstrndx: usize,
}

/// `field` must be `expected` (which means `meaning`).
fn expect(field: &'static str, value: u64, expected: u64, meaning: Option<&'static str>) -> Result<(), ElfError> {
    match value == expected {
        true => Ok(()),
        false => Err(ElfError::HeaderField { field, value, expected, meaning }),
    }
}

fn header(d: &[u8]) -> Result<Header, ObjectError> {
    if d.len() < EHDR_SIZE {
        return Err(ElfError::TooShort { len: d.len() }.into());
    }
    if d[..4] != *b"\x7fELF" {
        return Err(ElfError::BadMagic.into());
    }
    expect("EI_CLASS", d[4].into(), 2, Some("ELF64"))?;
    expect("EI_DATA", d[5].into(), 1, Some("little-endian"))?;
    expect("EI_VERSION", d[6].into(), 1, None)?;
    let field = |off, field| u16_at(d, off).ok_or(ElfError::TruncatedHeader { field });
    let e_type = field(16, "e_type")?;
    expect("e_type", e_type.into(), ET_REL.into(), Some("a relocatable object"))?;
    let machine = field(18, "e_machine")?;
    expect("e_machine", machine.into(), EM_AARCH64.into(), Some("AArch64"))?;
    let shoff = u64_at(d, 40).unwrap_or(0);
    let ehsize = field(52, "e_ehsize")?;
    let shentsize = field(58, "e_shentsize")?;
    let shnum = field(60, "e_shnum")? as usize;
    let shstrndx = field(62, "e_shstrndx")? as usize;
    expect("e_ehsize", ehsize.into(), EHDR_SIZE as u64, None)?;
    expect("e_shentsize", shentsize.into(), SHDR_SIZE as u64, None)?;
    if shnum == 0 {
        return Err(ElfError::NoSections.into());
    }
    if shstrndx >= shn::LORESERVE as usize {
        return Err(ElfError::ReservedShstrndx { index: shstrndx }.into());
    }
    let table = (shnum * SHDR_SIZE) as u64;
    match shoff.checked_add(table) {
        Some(end) if shoff >= EHDR_SIZE as u64 && end <= d.len() as u64 => {}
        _ => return Err(ElfError::SectionTableOutside { count: shnum, offset: shoff, file_len: d.len() }.into()),
    }
    Ok(Header { shoff: shoff as usize, shnum, shstrndx })
}

/// Read section header `index` at `off` and check its extent in the file.
fn raw_section(d: &[u8], off: usize, index: usize) -> Result<Section<'_>, ObjectError> {
    let h = d.get(off..off + SHDR_SIZE).ok_or(ElfError::SectionHeaderOutside { section: index })?;
    let kind = u32_at(h, 4).unwrap_or(0);
    let flags = u64_at(h, 8).unwrap_or(0);
    let offset = u64_at(h, 24).unwrap_or(0);
    let size = u64_at(h, 32).unwrap_or(0);
    let align = u64_at(h, 48).unwrap_or(0);
    if align > 1 && !align.is_power_of_two() {
        return Err(ElfError::BadAlignment { section: index, align }.into());
    }
    let data = if kind == sht::NOBITS || kind == sht::NULL {
        &d[..0]
    } else {
        let end = offset.checked_add(size).filter(|&e| e <= d.len() as u64);
        match end {
            Some(end) => &d[offset as usize..end as usize],
            None => return Err(ElfError::ContentsOutside { section: index, size, offset, file_len: d.len() }.into()),
        }
    };
    Ok(Section {
        index,
        name: "",
        name_offset: u32_at(h, 0).unwrap_or(0),
        kind,
        flags,
        size,
        link: u32_at(h, 40).unwrap_or(0),
        info: u32_at(h, 44).unwrap_or(0),
        align: align.max(1),
        entsize: u64_at(h, 56).unwrap_or(0),
        data,
    })
}

/// No two parts of the file may share a byte: an object whose sections
/// alias each other (or the headers) could mean two things at once.
fn check_overlaps(extents: &mut [Extent]) -> Result<(), ObjectError> {
    extents.sort_unstable_by_key(|e| (e.start, e.end));
    for pair in extents.windows(2) {
        if pair[1].start < pair[0].end {
            return Err(ElfError::Overlap {
                part: pair[1].part.clone(),
                range: (pair[1].start, pair[1].end),
                other: pair[0].part.clone(),
                other_range: (pair[0].start, pair[0].end),
            }
            .into());
        }
    }
    Ok(())
}
