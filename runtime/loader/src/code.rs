//! Which words of an object are handler code, and the check that none of
//! them uses FP/SIMD state, for targets whose exception entry saves only
//! the general-purpose registers ([`FrameContents::GeneralRegisters`]):
//! there a handler that touched a V register, FPCR or FPSR would corrupt
//! the interrupted code's FP/SIMD state, which nobody saved.
//!
//! What is scanned, in every loaded (allocated, executable) section:
//! - the ranges of its code symbols: every `STT_FUNC` symbol and every
//!   handler symbol a probe descriptor names (those may be `STT_NOTYPE`
//!   labels), from `st_value` for `st_size` bytes, or, when `st_size` is
//!   0, up to the next code symbol or the end of the section;
//! - minus what is data, not instructions: the 8 bytes each
//!   `R_AARCH64_ABS64` relocation patches (probec's helper addresses,
//!   literals placed inline behind a branch), and spans an assembler marked
//!   as data with AArch64 mapping symbols (`$d` up to the next `$x`: literal
//!   pools, `.word`).
//!
//! Bytes of a code section outside every code symbol (alignment padding)
//! are not scanned. Other data inside a function that nothing marks as
//! data (a jump table without `$d`) is scanned as if it were code, so it
//! can cause a refusal, never a miss. The check runs on the object's
//! bytes before anything is placed; the relocations it skips only write
//! addresses into data, and the instruction relocations (CALL26, ADRP,
//! ADD) patch B/BL/ADRP/ADD words whose class they cannot change.

use crate::elf::{shn, sht, stt, Elf, Section, Symbol};
use crate::error::{ObjectError, Resources};
use crate::object::Validated;
use crate::relocate::placed;
use alloc::vec::Vec;
use probec_abi::frame::FrameContents;
use probec_abi::R_AARCH64_ABS64;
use probec_arch::aarch64::fpsimd::uses_fp_simd;

/// One instruction word of handler code.
#[derive(Clone, Copy, Debug)]
pub struct CodeWord<'e, 'a> {
    /// The code section it is in.
    pub section: &'e Section<'a>,
    /// Byte offset in that section.
    pub offset: u64,
    /// The code symbol whose range contains it.
    pub symbol: &'e Symbol<'a>,
    /// The word (little-endian, as it is in the object).
    pub word: u32,
}

fn no_memory() -> ObjectError {
    Resources::NoMemory { what: "scanning the handler code", count: None }.into()
}

fn collect<T>(items: impl Iterator<Item = T>, capacity: usize) -> Result<Vec<T>, ObjectError> {
    let mut v = Vec::new();
    v.try_reserve_exact(capacity).map_err(|_| no_memory())?;
    v.extend(items);
    Ok(v)
}

/// AArch64 ELF mapping symbol: `Some(true)` for `$d` (data follows),
/// `Some(false)` for `$x` (A64 code follows).
fn mapping(sym: &Symbol<'_>) -> Option<bool> {
    let kind = |p: &str| sym.name == p || sym.name.strip_prefix(p).is_some_and(|rest| rest.starts_with('.'));
    if sym.kind != stt::NOTYPE {
        None
    } else if kind("$d") {
        Some(true)
    } else if kind("$x") {
        Some(false)
    } else {
        None
    }
}

/// The first code word (see the module documentation for what counts)
/// for which `pred` is true, in section order and then symbol order.
/// `handlers` are the symbol indexes of the object's handlers.
pub fn find<'e, 'a>(elf: &'e Elf<'a>, handlers: &[usize], pred: impl Fn(u32) -> bool) -> Result<Option<CodeWord<'e, 'a>>, ObjectError> {
    for s in elf.sections.iter().filter(|s| placed(s) && s.exec()) {
        let in_section = |sym: &Symbol<'_>| sym.shndx as usize == s.index && sym.shndx != shn::UNDEF && sym.shndx < shn::LORESERVE;
        let is_code = |sym: &Symbol<'_>| in_section(sym) && (sym.kind == stt::FUNC || handlers.contains(&sym.index));
        let mut code = collect(elf.symbols.iter().filter(|sym| is_code(sym)), elf.symbols.len())?;
        code.sort_unstable_by_key(|sym| (sym.value, sym.index));
        let mut maps = collect(
            elf.symbols.iter().filter(|sym| in_section(sym)).filter_map(|sym| Some((sym.value, mapping(sym)?))),
            elf.symbols.len(),
        )?;
        maps.sort_unstable_by_key(|&(value, _)| value);
        let mut literals = Vec::new();
        for r in elf.sections.iter().filter(|r| r.kind == sht::RELA && r.info as usize == s.index) {
            literals.extend(elf.relas(r)?.iter().filter(|x| x.kind == R_AARCH64_ABS64).map(|x| x.offset));
        }
        literals.sort_unstable();
        // Data by mapping symbols: the last one at or before `off` is `$d`.
        let data = |off: u64| maps.partition_point(|&(v, _)| v <= off).checked_sub(1).is_some_and(|i| maps[i].1);
        // Inside an ABS64 literal: the last one starting at or before `off`
        // covers it.
        let literal = |off: u64| literals.partition_point(|&o| o <= off).checked_sub(1).is_some_and(|i| off < literals[i] + 8);
        for (i, sym) in code.iter().enumerate() {
            let end = if sym.size > 0 {
                sym.value + sym.size
            } else {
                code[i + 1..].iter().map(|n| n.value).find(|&v| v > sym.value).unwrap_or(s.size)
            };
            let mut off = sym.value & !3;
            while off < end && off + 4 <= s.data.len() as u64 {
                if !data(off) && !literal(off) {
                    let b = &s.data[off as usize..off as usize + 4];
                    let word = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    if pred(word) {
                        return Ok(Some(CodeWord { section: s, offset: off, symbol: sym, word }));
                    }
                }
                off += 4;
            }
        }
    }
    Ok(None)
}

/// The first FP/SIMD (or SVE/SME) instruction in the handler code of `v`.
pub fn first_fp_simd<'e, 'a>(v: &'e Validated<'a>) -> Result<Option<CodeWord<'e, 'a>>, ObjectError> {
    let handlers = collect(v.probes.iter().map(|p| p.handler_sym), v.probes.len())?;
    find(&v.elf, &handlers, uses_fp_simd)
}

/// Refuse handler code that uses FP/SIMD state when the embedder's
/// exception frames do not preserve it.
pub fn check_frame(v: &Validated<'_>, frame: FrameContents) -> Result<(), ObjectError> {
    if frame == FrameContents::Full {
        return Ok(());
    }
    match first_fp_simd(v)? {
        None => Ok(()),
        Some(w) => Err(ObjectError::FpSimd {
            symbol: w.symbol.name.into(),
            handler: v.probes.iter().any(|p| p.handler_sym == w.symbol.index),
            section: w.section.name.into(),
            offset: w.offset,
            symbol_offset: w.offset.wrapping_sub(w.symbol.value),
            word: w.word,
        }),
    }
}
