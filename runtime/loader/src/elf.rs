//! A validating reader of ELF64 little-endian relocatable objects for
//! AArch64: just enough ELF for probes.o, and nothing trusted. Every offset,
//! size, index and alignment is checked before it is used; no two parts of
//! the file may overlap. Errors name the section or symbol and the field.

use crate::error::{elf_err, ObjectError};
pub use crate::section::{c_str, shf, sht, Section};
use crate::section::{u16_at, u32_at, u64_at};
use crate::symtab::{find_symtab, symbols};
pub use crate::symtab::{shn, stt, Symbol};
use alloc::vec::Vec;

/// `EM_AARCH64`.
const EM_AARCH64: u16 = 183;
/// `ET_REL`.
const ET_REL: u16 = 1;
/// Size of the ELF64 header.
const EHDR_SIZE: usize = 64;
/// Size of an ELF64 section header.
const SHDR_SIZE: usize = 64;
/// Size of an ELF64 RELA entry.
pub const RELA_SIZE: usize = 24;
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
    what: alloc::string::String,
}

impl<'a> Elf<'a> {
    /// Parse and validate `data`.
    pub fn parse(data: &'a [u8]) -> Result<Self, ObjectError> {
        let h = header(data)?;
        let mut sections = Vec::new();
        sections.try_reserve_exact(h.shnum).map_err(|_| elf_err!("no memory for {} section headers", h.shnum))?;
        for i in 0..h.shnum {
            sections.push(raw_section(data, h.shoff + i * SHDR_SIZE, i)?);
        }
        let shstr = sections.get(h.shstrndx).ok_or_else(|| elf_err!("e_shstrndx {} is not a section index", h.shstrndx))?;
        if shstr.kind != sht::STRTAB {
            return Err(elf_err!("section name table [{}] has type {} (expected SHT_STRTAB)", h.shstrndx, shstr.kind));
        }
        let names = shstr.data;
        let mut extents = Vec::new();
        extents.push(Extent { start: 0, end: EHDR_SIZE as u64, what: "the ELF header".into() });
        extents.push(Extent {
            start: h.shoff as u64,
            end: (h.shoff + h.shnum * SHDR_SIZE) as u64,
            what: "the section header table".into(),
        });
        for s in sections.iter_mut() {
            s.name = c_str(names, u64::from(s.name_offset)).ok_or_else(|| {
                elf_err!("section [{}]: sh_name {} is outside the name table or not NUL-terminated UTF-8", s.index, s.name_offset)
            })?;
            if s.kind != sht::NOBITS && s.kind != sht::NULL && !s.data.is_empty() {
                let start = s.data.as_ptr() as u64 - data.as_ptr() as u64;
                extents.push(Extent { start, end: start + s.data.len() as u64, what: alloc::format!("section [{}] {}", s.index, s.name) });
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
                    return Err(elf_err!("two sections are named {name}: [{}] and [{}]", first.index, s.index));
                }
            }
        }
        Ok(found)
    }

    /// The relocations of RELA section `s` (already checked to be RELA).
    pub fn relas(&self, s: &Section<'a>) -> Result<Vec<Rela>, ObjectError> {
        if s.entsize != RELA_SIZE as u64 || !s.data.len().is_multiple_of(RELA_SIZE) {
            return Err(elf_err!(
                "relocation section [{}] {}: entry size {} / size {} (expected entries of {RELA_SIZE} bytes)",
                s.index,
                s.name,
                s.entsize,
                s.size
            ));
        }
        if s.link as usize != self.symtab {
            return Err(elf_err!(
                "relocation section [{}] {}: sh_link {} is not the symbol table [{}]",
                s.index,
                s.name,
                s.link,
                self.symtab
            ));
        }
        let mut out = Vec::new();
        out.try_reserve_exact(s.data.len() / RELA_SIZE).map_err(|_| elf_err!("no memory for relocations"))?;
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

fn header(d: &[u8]) -> Result<Header, ObjectError> {
    if d.len() < EHDR_SIZE {
        return Err(elf_err!("file is {} bytes, shorter than an ELF64 header ({EHDR_SIZE})", d.len()));
    }
    if d[..4] != *b"\x7fELF" {
        return Err(elf_err!("bad magic (not an ELF file)"));
    }
    if d[4] != 2 {
        return Err(elf_err!("EI_CLASS {} (expected 2, ELF64)", d[4]));
    }
    if d[5] != 1 {
        return Err(elf_err!("EI_DATA {} (expected 1, little-endian)", d[5]));
    }
    if d[6] != 1 {
        return Err(elf_err!("EI_VERSION {} (expected 1)", d[6]));
    }
    let field = |off, name| u16_at(d, off).ok_or_else(|| elf_err!("truncated header field {name}"));
    let e_type = field(16, "e_type")?;
    if e_type != ET_REL {
        return Err(elf_err!("e_type {e_type} (expected 1, a relocatable object)"));
    }
    let machine = field(18, "e_machine")?;
    if machine != EM_AARCH64 {
        return Err(elf_err!("e_machine {machine} (expected {EM_AARCH64}, AArch64)"));
    }
    let shoff = u64_at(d, 40).unwrap_or(0);
    let ehsize = field(52, "e_ehsize")?;
    let shentsize = field(58, "e_shentsize")?;
    let shnum = field(60, "e_shnum")? as usize;
    let shstrndx = field(62, "e_shstrndx")? as usize;
    if ehsize as usize != EHDR_SIZE {
        return Err(elf_err!("e_ehsize {ehsize} (expected {EHDR_SIZE})"));
    }
    if shentsize as usize != SHDR_SIZE {
        return Err(elf_err!("e_shentsize {shentsize} (expected {SHDR_SIZE})"));
    }
    if shnum == 0 {
        return Err(elf_err!("e_shnum is 0 (no sections, or extended numbering, which is not supported)"));
    }
    if shstrndx >= shn::LORESERVE as usize {
        return Err(elf_err!("e_shstrndx {shstrndx:#x} is reserved (extended numbering is not supported)"));
    }
    let table = (shnum * SHDR_SIZE) as u64;
    match shoff.checked_add(table) {
        Some(end) if shoff >= EHDR_SIZE as u64 && end <= d.len() as u64 => {}
        _ => {
            return Err(elf_err!(
                "section header table ({shnum} x {SHDR_SIZE} bytes at e_shoff {shoff:#x}) is outside the {}-byte file",
                d.len()
            ))
        }
    }
    Ok(Header { shoff: shoff as usize, shnum, shstrndx })
}

/// Read section header `index` at `off` and check its extent in the file.
fn raw_section(d: &[u8], off: usize, index: usize) -> Result<Section<'_>, ObjectError> {
    let h = d.get(off..off + SHDR_SIZE).ok_or_else(|| elf_err!("section header [{index}] is outside the file"))?;
    let kind = u32_at(h, 4).unwrap_or(0);
    let flags = u64_at(h, 8).unwrap_or(0);
    let offset = u64_at(h, 24).unwrap_or(0);
    let size = u64_at(h, 32).unwrap_or(0);
    let align = u64_at(h, 48).unwrap_or(0);
    if align > 1 && !align.is_power_of_two() {
        return Err(elf_err!("section [{index}]: sh_addralign {align} is not a power of two"));
    }
    let data = if kind == sht::NOBITS || kind == sht::NULL {
        &d[..0]
    } else {
        let end = offset.checked_add(size).filter(|&e| e <= d.len() as u64);
        match end {
            Some(end) => &d[offset as usize..end as usize],
            None => {
                return Err(elf_err!(
                    "section [{index}]: contents ({size} bytes at offset {offset:#x}) extend past the end of the {}-byte file",
                    d.len()
                ))
            }
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
            return Err(elf_err!(
                "{} (bytes {:#x}..{:#x}) overlaps {} (bytes {:#x}..{:#x})",
                pair[1].what,
                pair[1].start,
                pair[1].end,
                pair[0].what,
                pair[0].start,
                pair[0].end
            ));
        }
    }
    Ok(())
}
