//! ELF64 section headers as the loader keeps them once checked, and the
//! bounds-checked little-endian readers that the ELF and symbol-table
//! parsers share.

/// Size of the ELF64 header.
pub const EHDR_SIZE: usize = 64;
/// Size of an ELF64 section header.
pub const SHDR_SIZE: usize = 64;
/// Size of an ELF64 RELA entry.
pub const RELA_SIZE: usize = 24;
/// Size of an ELF64 symbol.
pub const SYM_SIZE: usize = 24;

/// Section types.
pub mod sht {
    /// Inactive header.
    pub const NULL: u32 = 0;
    /// Contents defined by the program.
    pub const PROGBITS: u32 = 1;
    /// Symbol table.
    pub const SYMTAB: u32 = 2;
    /// String table.
    pub const STRTAB: u32 = 3;
    /// Relocations with addends.
    pub const RELA: u32 = 4;
    /// Note.
    pub const NOTE: u32 = 7;
    /// No file contents (.bss).
    pub const NOBITS: u32 = 8;
    /// Relocations without addends.
    pub const REL: u32 = 9;
    /// Start of the OS/processor-specific range.
    pub const LOOS: u32 = 0x6000_0000;
}

/// Section flags.
pub mod shf {
    /// Writable at run time.
    pub const WRITE: u64 = 0x1;
    /// Occupies memory at run time.
    pub const ALLOC: u64 = 0x2;
    /// Executable.
    pub const EXECINSTR: u64 = 0x4;
    /// Thread-local.
    pub const TLS: u64 = 0x400;
    /// Compressed contents.
    pub const COMPRESSED: u64 = 0x800;
}

/// One section header, checked against the file.
#[derive(Clone, Copy, Debug)]
pub struct Section<'a> {
    /// Index in the section header table.
    pub index: usize,
    /// Name from the section name table.
    pub name: &'a str,
    /// `sh_name`: offset of the name in the section name table.
    pub name_offset: u32,
    /// `sh_type`.
    pub kind: u32,
    /// `sh_flags`.
    pub flags: u64,
    /// `sh_size` (for NOBITS: memory size, no file bytes).
    pub size: u64,
    /// `sh_link`.
    pub link: u32,
    /// `sh_info`.
    pub info: u32,
    /// `sh_addralign`, normalised: at least 1, a power of two.
    pub align: u64,
    /// `sh_entsize`.
    pub entsize: u64,
    /// File contents (empty for NOBITS).
    pub data: &'a [u8],
}

impl Section<'_> {
    /// Whether the section occupies memory at run time.
    pub fn alloc(&self) -> bool {
        self.flags & shf::ALLOC != 0
    }
    /// Whether the section holds code.
    pub fn exec(&self) -> bool {
        self.flags & shf::EXECINSTR != 0
    }
}

/// The little-endian `u16` at `off`, if in bounds.
pub fn u16_at(d: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(d.get(off..off.checked_add(2)?)?.try_into().ok()?))
}
/// The little-endian `u32` at `off`, if in bounds.
pub fn u32_at(d: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(off..off.checked_add(4)?)?.try_into().ok()?))
}
/// The little-endian `u64` at `off`, if in bounds.
pub fn u64_at(d: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_le_bytes(d.get(off..off.checked_add(8)?)?.try_into().ok()?))
}

/// The NUL-terminated UTF-8 string at `off` in `table`.
pub fn c_str(table: &[u8], off: u64) -> Option<&str> {
    let rest = table.get(usize::try_from(off).ok()?..)?;
    let end = rest.iter().position(|&b| b == 0)?;
    core::str::from_utf8(&rest[..end]).ok()
}
