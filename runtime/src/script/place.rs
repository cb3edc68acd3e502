//! Placing an object: code sections into the code area (executable, written
//! through the alias), read-only data sections into heap memory, then the
//! relocations applied with the final addresses.

use super::code_area;
use super::elf::{sht, Elf};
use super::error::LoadError;
use super::relocate::{self, placed, Placement};
use alloc::boxed::Box;
use alloc::vec::Vec;
use probec_loader::error::{ObjectError, Resources};

/// An object's memory once placed.
pub struct Placed {
    /// The code block in the code area (start, length), if any code.
    pub code: Option<(usize, usize)>,
    /// Read-only data (kept alive while the script is loaded).
    pub data: Box<[u8]>,
    /// Addresses of the placed sections.
    pub placement: Placement,
}

impl Placed {
    /// Give the code block back (after its handlers can no longer run).
    pub fn release(&mut self) {
        if let Some((start, len)) = self.code.take() {
            code_area::free(start, len);
        }
    }
}

/// Most bytes of data sections placed for one object.
const MAX_DATA_BYTES: usize = 64 << 20;

fn no_memory(what: &'static str, bytes: usize) -> LoadError {
    LoadError::Object(ObjectError::Resources(Resources::NoMemory { what, count: Some(bytes as u64) }))
}

/// Lay out sections of one kind (code or data): offsets by section index,
/// total length and largest alignment.
fn layout(elf: &Elf<'_>, code: bool, min_align: u64, at: &mut [Option<(usize, usize)>]) -> (usize, u64) {
    let mut len = 0u64;
    let mut align = min_align;
    for s in elf.sections.iter().filter(|s| placed(s) && s.exec() == code) {
        let a = s.align.max(min_align);
        align = align.max(a);
        len = len.div_ceil(a) * a;
        at[s.index] = Some((usize::from(!code), len as usize));
        len += s.size;
    }
    (len as usize, align)
}

/// Place every loadable section and relocate. On error nothing stays
/// allocated.
pub fn place(elf: &Elf<'_>) -> Result<Placed, LoadError> {
    let n = elf.sections.len();
    let mut at = alloc::vec![None; n];
    let (code_len, code_align) = layout(elf, true, 16, &mut at);
    let (data_len, data_align) = layout(elf, false, 8, &mut at);
    // Sizes are bounded by the file (code) or checked here (NOBITS data).
    if data_len > MAX_DATA_BYTES {
        return Err(LoadError::Object(Resources::DataSections { bytes: data_len, limit: MAX_DATA_BYTES }.into()));
    }

    let mut data = Vec::new();
    data.try_reserve_exact(data_len + data_align as usize).map_err(|_| no_memory("bytes of data sections", data_len))?;
    data.resize(data_len + data_align as usize, 0u8);
    let data = data.into_boxed_slice();
    let pad = (data.as_ptr() as usize).next_multiple_of(data_align as usize) - data.as_ptr() as usize;
    let data_base = data.as_ptr() as u64 + pad as u64;

    let code = if code_len == 0 {
        None
    } else {
        match code_area::alloc(code_len, code_align as usize) {
            Err(code_area::AllocError::NoArea) => return Err(LoadError::NoCodeArea),
            Err(code_area::AllocError::Full) => {
                return Err(LoadError::Object(Resources::CodeArea { bytes: code_len, free: code_area::free_bytes() }.into()))
            }
            Ok(start) => Some((start, code_len)),
        }
    };
    let mut placed = Placed { code, data, placement: Placement { addr: alloc::vec![None; n], at } };
    match fill(elf, &mut placed, data_base, pad) {
        Ok(()) => Ok(placed),
        Err(e) => {
            placed.release();
            Err(e)
        }
    }
}

/// Copy contents, relocate, and write the code through the alias.
fn fill(elf: &Elf<'_>, p: &mut Placed, data_base: u64, pad: usize) -> Result<(), LoadError> {
    let code_base = p.code.map_or(0, |c| c.0 as u64);
    let code_len = p.code.map_or(0, |c| c.1);
    let mut code_img = Vec::new();
    code_img.try_reserve_exact(code_len).map_err(|_| no_memory("bytes of code", code_len))?;
    code_img.resize(code_len, 0u8);
    let data_img = &mut p.data[pad..];
    for s in &elf.sections {
        let Some((buf, off)) = p.placement.at[s.index] else { continue };
        p.placement.addr[s.index] = Some(if buf == 0 { code_base } else { data_base } + off as u64);
        if s.kind != sht::NOBITS {
            let dst = if buf == 0 { &mut code_img[off..off + s.data.len()] } else { &mut data_img[off..off + s.data.len()] };
            dst.copy_from_slice(s.data);
        }
    }
    relocate::apply(elf, &p.placement, &mut [&mut code_img[..], data_img], &super::helpers::address)?;
    if let Some((start, _)) = p.code {
        if !code_area::write_words(start, &code_img) {
            return Err(LoadError::Object(Resources::CodeAreaNotPatchable.into()));
        }
    }
    Ok(())
}

/// The run-time address of symbol `sym` (a handler), once placed.
pub fn symbol_addr(elf: &Elf<'_>, p: &Placement, sym: usize) -> Option<u64> {
    let s = elf.symbols.get(sym)?;
    Some(p.addr.get(s.shndx as usize).copied()??.wrapping_add(s.value))
}
