//! The symbol table of an object: every symbol's name, section index and
//! extent checked against the sections it refers to.

use crate::error::{ElfError, ObjectError, Resources, SectionRef};
use crate::section::{c_str, sht, u16_at, u32_at, u64_at, Section};
use alloc::vec::Vec;

pub use crate::section::SYM_SIZE;

/// Special section indexes of symbols.
pub mod shn {
    /// Undefined.
    pub const UNDEF: u16 = 0;
    /// First reserved index.
    pub const LORESERVE: u16 = 0xff00;
    /// Absolute value.
    pub const ABS: u16 = 0xfff1;
}

/// One symbol, checked against the section table and its string table.
#[derive(Clone, Copy, Debug)]
pub struct Symbol<'a> {
    /// Index in the symbol table.
    pub index: usize,
    /// Name (may be empty).
    pub name: &'a str,
    /// `STT_*` from `st_info`.
    pub kind: u8,
    /// `STB_*` from `st_info`.
    pub bind: u8,
    /// `st_shndx` (checked: UNDEF, ABS or a valid section index).
    pub shndx: u16,
    /// `st_value`.
    pub value: u64,
    /// `st_size`.
    pub size: u64,
}

/// Symbol types and bindings used by the loader.
pub mod stt {
    /// No type.
    pub const NOTYPE: u8 = 0;
    /// Data object.
    pub const OBJECT: u8 = 1;
    /// Function.
    pub const FUNC: u8 = 2;
    /// Section.
    pub const SECTION: u8 = 3;
    /// Source file.
    pub const FILE: u8 = 4;
    /// Global binding.
    pub const GLOBAL: u8 = 1;
    /// Weak binding.
    pub const WEAK: u8 = 2;
}

pub(super) fn find_symtab(sections: &[Section<'_>]) -> Result<usize, ObjectError> {
    let mut found = None;
    for s in sections {
        if s.kind == sht::SYMTAB {
            if let Some(first) = found.replace(s.index) {
                return Err(ElfError::TwoSymbolTables { first, second: s.index }.into());
            }
        }
    }
    found.ok_or(ElfError::NoSymbolTable.into())
}

/// Parse and check every symbol of the symbol table.
pub(super) fn symbols<'a>(sections: &[Section<'a>], symtab: usize) -> Result<Vec<Symbol<'a>>, ObjectError> {
    let s = &sections[symtab];
    if s.entsize != SYM_SIZE as u64 || !s.data.len().is_multiple_of(SYM_SIZE) || s.data.is_empty() {
        return Err(ElfError::SymtabEntrySize { section: symtab, entsize: s.entsize, size: s.size }.into());
    }
    let strtab =
        sections.get(s.link as usize).filter(|t| t.kind == sht::STRTAB).ok_or(ElfError::SymtabLink { section: symtab, link: s.link })?;
    let count = s.data.len() / SYM_SIZE;
    if s.info as usize > count {
        return Err(ElfError::SymtabInfo { section: symtab, info: s.info, count }.into());
    }
    let mut out = Vec::new();
    out.try_reserve_exact(count).map_err(|_| Resources::NoMemory { what: "symbols", count: Some(count as u64) })?;
    for (index, e) in s.data.chunks_exact(SYM_SIZE).enumerate() {
        let name_off = u32_at(e, 0).unwrap_or(0);
        let name = c_str(strtab.data, u64::from(name_off)).ok_or(ElfError::BadSymbolName { symbol: index, offset: name_off })?;
        let shndx = u16_at(e, 6).unwrap_or(0);
        if shndx != shn::UNDEF && shndx != shn::ABS && shndx as usize >= sections.len() {
            return Err(ElfError::BadSymbolSection { symbol: index, name: name.into(), shndx }.into());
        }
        let value = u64_at(e, 8).unwrap_or(0);
        let size = u64_at(e, 16).unwrap_or(0);
        if let Some(sec) = sections.get(shndx as usize).filter(|_| shndx != shn::UNDEF && shndx != shn::ABS) {
            if value.checked_add(size).is_none_or(|end| end > sec.size) {
                return Err(ElfError::SymbolOutsideSection {
                    symbol: index,
                    name: name.into(),
                    value,
                    size,
                    section: SectionRef::of(sec),
                    section_size: sec.size,
                }
                .into());
            }
        }
        out.push(Symbol { index, name, kind: e[4] & 0xf, bind: e[4] >> 4, shndx, value, size });
    }
    Ok(out)
}
