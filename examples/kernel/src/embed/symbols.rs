//! The kernel's own symbol table, for probe targets.
//!
//! Scripts name functions as people write them: C names (`uart_putc`) or
//! Rust paths without the hash (`refkernel::workload::fib`). The kernel has
//! no symbol table in memory (the loader drops `.symtab`), so when it needs
//! one it reads its own ELF file from the host through semihosting (its path
//! is argv[0] of the command line QEMU passes), parses `.symtab` with the
//! `object` crate, keeps each function symbol's raw name and its display
//! name (the runtime's `names::display_name`: Rust names demangled without
//! `::h<hash>` suffix or v0 crate disambiguators) on the heap, sorted by
//! address. The file buffer is freed again. Matching a user's name against
//! them (raw, exact, or by path whichever the mangling) is the runtime's
//! (`probec_runtime::script::names`).
//!
//! A kernel that keeps a symbol table in its image (kallsyms-style) would
//! implement the same [`SymbolSource`] on that instead.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use object::elf;
use object::read::elf::{FileHeader, Sym};
use object::Endianness;

use probec_runtime::script::names::{self, NameQuery};
pub use probec_runtime::script::SymbolSource;

/// One function symbol.
pub struct Symbol {
    /// As in the ELF: `_RNvNtCs…_9refkernel8workload3fib`, or a C name.
    pub raw: String,
    /// Demangled name without hash: `refkernel::workload::fib`.
    pub name: String,
    /// Start address.
    pub addr: usize,
    /// Size in bytes (0 if the ELF does not say).
    pub size: usize,
}

/// The function symbols of the running kernel, sorted by address.
pub struct KernelSymbols {
    symbols: Vec<Symbol>,
}

impl KernelSymbols {
    /// Read and parse the ELF file at `path` on the host.
    pub fn load(path: &str) -> Result<KernelSymbols, String> {
        let data = crate::board::semihosting::read_file(path).map_err(|e| alloc::format!("{path}: {e}"))?;
        Self::parse(&data).map_err(|e| alloc::format!("{path}: {e}"))
    }

    /// Parse the function symbols of an ELF64 image.
    pub fn parse(data: &[u8]) -> Result<KernelSymbols, String> {
        let header = elf::FileHeader64::<Endianness>::parse(data).map_err(|e| alloc::format!("not an ELF64 file: {e}"))?;
        let endian = header.endian().map_err(|e| e.to_string())?;
        let sections = header.sections(endian, data).map_err(|e| e.to_string())?;
        let table = sections.symbols(endian, data, elf::SHT_SYMTAB).map_err(|e| e.to_string())?;
        if table.is_empty() {
            return Err("no .symtab (was the kernel stripped?)".to_string());
        }
        let mut symbols = Vec::new();
        let mut name = String::new();
        for sym in table.iter() {
            // Functions only: data objects are not probe targets, and
            // mapping symbols ($x, $d) and section symbols are not names.
            if sym.st_type() != elf::STT_FUNC || sym.is_undefined(endian) {
                continue;
            }
            let addr = sym.st_value(endian) as usize;
            if addr == 0 {
                continue;
            }
            let Ok(raw) = sym.name(endian, table.strings()) else { continue };
            let Ok(raw) = core::str::from_utf8(raw) else { continue };
            name.clear();
            names::display_name(raw, &mut name);
            symbols.push(Symbol { raw: raw.into(), name: name.clone(), addr, size: sym.st_size(endian) as usize });
        }
        symbols.sort_by_key(|s| s.addr);
        symbols.shrink_to_fit();
        Ok(KernelSymbols { symbols })
    }

    /// Number of function symbols.
    pub fn len(&self) -> usize {
        self.symbols.len()
    }

    /// The symbol whose `[addr, addr + size)` contains `addr` (or that
    /// starts at it), with the offset into it.
    pub fn lookup(&self, addr: usize) -> Option<(&Symbol, usize)> {
        let i = self.symbols.partition_point(|s| s.addr <= addr).checked_sub(1)?;
        let s = &self.symbols[i];
        let off = addr - s.addr;
        (off == 0 || off < s.size).then_some((s, off))
    }

    /// Every function `name` names, as scripts resolve it (a raw symbol
    /// name, or a C name or Rust path in either mangling scheme).
    pub fn find_all(&self, name: &str) -> Vec<&Symbol> {
        let mut query = NameQuery::new(name);
        self.symbols.iter().filter(|s| query.matches(&s.as_ref()).is_some()).collect()
    }

    /// The one function `name` names, if it names exactly one.
    pub fn find(&self, name: &str) -> Option<&Symbol> {
        match self.find_all(name).as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }
}

impl Symbol {
    fn as_ref(&self) -> names::Symbol<'_> {
        names::Symbol { raw: &self.raw, name: &self.name, addr: self.addr, size: self.size }
    }
}

impl SymbolSource for KernelSymbols {
    fn for_each(&self, f: &mut dyn FnMut(&names::Symbol<'_>)) {
        for s in &self.symbols {
            f(&s.as_ref());
        }
    }
}

/// argv[0] of the semihosting command line: the `-kernel` file QEMU booted.
pub fn own_elf_path(raw_cmdline: &str) -> Option<&str> {
    raw_cmdline.split_whitespace().next()
}
