//! A malformed ELF container: what the validating reader (`crate::elf`,
//! `crate::symtab`) refuses, with the header field, section or symbol and
//! the values that are wrong.

use super::SectionRef;
use crate::section::{EHDR_SIZE, RELA_SIZE, SHDR_SIZE, SYM_SIZE};
use alloc::string::String;
use core::fmt;

/// A part of the file, for overlap errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilePart {
    /// The ELF header.
    Header,
    /// The section header table.
    SectionTable,
    /// A section's contents.
    Section(SectionRef),
}

impl fmt::Display for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilePart::Header => f.write_str("the ELF header"),
            FilePart::SectionTable => f.write_str("the section header table"),
            FilePart::Section(s) => write!(f, "section {s}"),
        }
    }
}

/// What is wrong with the ELF container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElfError {
    /// The file is shorter than an ELF64 header.
    TooShort {
        /// File length in bytes.
        len: usize,
    },
    /// The file does not start with `\x7fELF`.
    BadMagic,
    /// A header field has a value this loader does not read.
    HeaderField {
        /// The field (`EI_CLASS`, `e_machine`, ...).
        field: &'static str,
        /// Its value.
        value: u64,
        /// The value it must have.
        expected: u64,
        /// What that value means (`AArch64`), if it needs saying.
        meaning: Option<&'static str>,
    },
    /// A header field lies beyond the end of the file.
    TruncatedHeader {
        /// The field.
        field: &'static str,
    },
    /// `e_shnum` is 0.
    NoSections,
    /// `e_shstrndx` is in the reserved range.
    ReservedShstrndx {
        /// Its value.
        index: usize,
    },
    /// `e_shstrndx` names no section.
    BadShstrndx {
        /// Its value.
        index: usize,
    },
    /// The section header table is not inside the file.
    SectionTableOutside {
        /// `e_shnum`.
        count: usize,
        /// `e_shoff`.
        offset: u64,
        /// File length in bytes.
        file_len: usize,
    },
    /// One section header is not inside the file.
    SectionHeaderOutside {
        /// Section index.
        section: usize,
    },
    /// `sh_addralign` is not a power of two.
    BadAlignment {
        /// Section index.
        section: usize,
        /// `sh_addralign`.
        align: u64,
    },
    /// A section's contents extend past the end of the file.
    ContentsOutside {
        /// Section index.
        section: usize,
        /// `sh_size`.
        size: u64,
        /// `sh_offset`.
        offset: u64,
        /// File length in bytes.
        file_len: usize,
    },
    /// The section name table is not a string table.
    NameTableType {
        /// Its section index.
        section: usize,
        /// Its `sh_type`.
        kind: u32,
    },
    /// A section's name is not in the name table.
    BadSectionName {
        /// Section index.
        section: usize,
        /// `sh_name`.
        offset: u32,
    },
    /// Two parts of the file share bytes.
    Overlap {
        /// The part that starts (or ends) later.
        part: FilePart,
        /// Its byte range in the file.
        range: (u64, u64),
        /// The part it overlaps.
        other: FilePart,
        /// That part's byte range.
        other_range: (u64, u64),
    },
    /// Two sections have the same name.
    DuplicateSection {
        /// The name.
        name: String,
        /// The first section's index.
        first: usize,
        /// The second section's index.
        second: usize,
    },
    /// A relocation section's entries are not RELA entries.
    RelaEntrySize {
        /// The relocation section.
        section: SectionRef,
        /// `sh_entsize`.
        entsize: u64,
        /// `sh_size`.
        size: u64,
    },
    /// A relocation section does not refer to the symbol table.
    RelaLink {
        /// The relocation section.
        section: SectionRef,
        /// `sh_link`.
        link: u32,
        /// The symbol table's section index.
        symtab: usize,
    },
    /// A relocation section's `sh_info` names no section.
    RelaTarget {
        /// The relocation section.
        section: SectionRef,
        /// `sh_info`.
        info: u32,
    },
    /// A code section that is not `SHT_PROGBITS` or not whole instructions.
    CodeSection {
        /// The section.
        section: SectionRef,
        /// `sh_size`.
        size: u64,
    },
    /// Two symbol tables.
    TwoSymbolTables {
        /// The first's section index.
        first: usize,
        /// The second's.
        second: usize,
    },
    /// No symbol table.
    NoSymbolTable,
    /// The symbol table's entries are not ELF64 symbols, or there are none.
    SymtabEntrySize {
        /// Its section index.
        section: usize,
        /// `sh_entsize`.
        entsize: u64,
        /// `sh_size`.
        size: u64,
    },
    /// The symbol table's `sh_link` is not a string table.
    SymtabLink {
        /// Its section index.
        section: usize,
        /// `sh_link`.
        link: u32,
    },
    /// The symbol table's `sh_info` (first global) is beyond its symbols.
    SymtabInfo {
        /// Its section index.
        section: usize,
        /// `sh_info`.
        info: u32,
        /// Number of symbols.
        count: usize,
    },
    /// A symbol's name is not in the string table.
    BadSymbolName {
        /// Symbol index.
        symbol: usize,
        /// `st_name`.
        offset: u32,
    },
    /// A symbol's `st_shndx` is not a section index.
    BadSymbolSection {
        /// Symbol index.
        symbol: usize,
        /// Its name.
        name: String,
        /// `st_shndx`.
        shndx: u16,
    },
    /// A symbol extends outside its section.
    SymbolOutsideSection {
        /// Symbol index.
        symbol: usize,
        /// Its name.
        name: String,
        /// `st_value`.
        value: u64,
        /// `st_size`.
        size: u64,
        /// Its section.
        section: SectionRef,
        /// The section's size.
        section_size: u64,
    },
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElfError::TooShort { len } => write!(f, "file is {len} bytes, shorter than an ELF64 header ({EHDR_SIZE})"),
            ElfError::BadMagic => f.write_str("bad magic (not an ELF file)"),
            ElfError::HeaderField { field, value, expected, meaning: None } => write!(f, "{field} {value} (expected {expected})"),
            ElfError::HeaderField { field, value, expected, meaning: Some(m) } => write!(f, "{field} {value} (expected {expected}, {m})"),
            ElfError::TruncatedHeader { field } => write!(f, "truncated header field {field}"),
            ElfError::NoSections => f.write_str("e_shnum is 0 (no sections, or extended numbering, which is not supported)"),
            ElfError::ReservedShstrndx { index } => write!(f, "e_shstrndx {index:#x} is reserved (extended numbering is not supported)"),
            ElfError::BadShstrndx { index } => write!(f, "e_shstrndx {index} is not a section index"),
            ElfError::SectionTableOutside { count, offset, file_len } => {
                write!(f, "section header table ({count} x {SHDR_SIZE} bytes at e_shoff {offset:#x}) is outside the {file_len}-byte file")
            }
            ElfError::SectionHeaderOutside { section } => write!(f, "section header [{section}] is outside the file"),
            ElfError::BadAlignment { section, align } => write!(f, "section [{section}]: sh_addralign {align} is not a power of two"),
            ElfError::ContentsOutside { section, size, offset, file_len } => write!(
                f,
                "section [{section}]: contents ({size} bytes at offset {offset:#x}) extend past the end of the {file_len}-byte file"
            ),
            ElfError::NameTableType { section, kind } => {
                write!(f, "section name table [{section}] has type {kind} (expected SHT_STRTAB)")
            }
            ElfError::BadSectionName { section, offset } => {
                write!(f, "section [{section}]: sh_name {offset} is outside the name table or not NUL-terminated UTF-8")
            }
            ElfError::Overlap { part, range, other, other_range } => write!(
                f,
                "{part} (bytes {:#x}..{:#x}) overlaps {other} (bytes {:#x}..{:#x})",
                range.0, range.1, other_range.0, other_range.1
            ),
            ElfError::DuplicateSection { name, first, second } => write!(f, "two sections are named {name}: [{first}] and [{second}]"),
            ElfError::RelaEntrySize { section, entsize, size } => {
                write!(f, "relocation section {section}: entry size {entsize} / size {size} (expected entries of {RELA_SIZE} bytes)")
            }
            ElfError::RelaLink { section, link, symtab } => {
                write!(f, "relocation section {section}: sh_link {link} is not the symbol table [{symtab}]")
            }
            ElfError::RelaTarget { section, info } => write!(f, "relocation section {section}: sh_info {info} is not a section index"),
            ElfError::CodeSection { section, size } => {
                write!(f, "code section {section} must be SHT_PROGBITS with a size that is a multiple of 4 (size {size})")
            }
            ElfError::TwoSymbolTables { first, second } => write!(f, "two symbol tables: sections [{first}] and [{second}]"),
            ElfError::NoSymbolTable => f.write_str("no symbol table (SHT_SYMTAB section)"),
            ElfError::SymtabEntrySize { section, entsize, size } => write!(
                f,
                "symbol table [{section}]: entry size {entsize} / size {size} (expected a non-empty table of {SYM_SIZE}-byte entries)"
            ),
            ElfError::SymtabLink { section, link } => write!(f, "symbol table [{section}]: sh_link {link} is not a string table"),
            ElfError::SymtabInfo { section, info, count } => {
                write!(f, "symbol table [{section}]: sh_info {info} (first global) is beyond its {count} symbols")
            }
            ElfError::BadSymbolName { symbol, offset } => {
                write!(f, "symbol {symbol}: st_name {offset} is outside the string table or not NUL-terminated UTF-8")
            }
            ElfError::BadSymbolSection { symbol, name, shndx } => write!(
                f,
                "symbol {symbol} `{name}`: st_shndx {shndx:#x} is not a section index (COMMON and extended indexes are not supported)"
            ),
            ElfError::SymbolOutsideSection { symbol, name, value, size, section, section_size } => write!(
                f,
                "symbol {symbol} `{name}`: value {value:#x} + size {size} is outside its section {section} ({section_size} bytes)"
            ),
        }
    }
}
