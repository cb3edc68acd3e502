//! Relocations: checked completely when the object is validated (types,
//! indexes, bounds, overlaps, symbols, the instructions they patch), then
//! applied to the placed images once addresses are known. Undefined
//! symbols bind to the runtime's helpers and to nothing else.

use crate::elf::{shn, sht, stt, Elf, Rela, Section};
use crate::error::{
    ContractError, ElfError, ObjectError, Patchable, RelaAt, RelocationError, RelocationProblem, Resources, SectionRef, Unsupported,
};
use alloc::vec::Vec;
use probec_abi::{self as abi, R_AARCH64_ABS64, R_AARCH64_ADD_ABS_LO12_NC, R_AARCH64_ADR_PREL_PG_HI21, R_AARCH64_CALL26};

/// Relocation `r` of section `s` cannot be applied because of `problem`.
fn reloc_err(s: &Section<'_>, r: &Rela, problem: RelocationProblem) -> ObjectError {
    let rela = RelaAt { index: r.index, section: SectionRef::of(s), offset: r.offset, kind: r.kind };
    RelocationError::Entry { rela, problem }.into()
}

/// Whether section `s` is placed in memory by the loader: allocated and
/// not one of the descriptor sections (those are read, never placed).
pub fn placed(s: &Section<'_>) -> bool {
    s.alloc() && !s.name.starts_with(".probec.")
}

/// Bytes a relocation type patches.
fn width(kind: u32) -> u64 {
    if kind == R_AARCH64_ABS64 {
        8
    } else {
        4
    }
}

/// The instruction an instruction-patching type requires, if `insn` is
/// not one.
fn wrong_insn(kind: u32, insn: u32) -> Option<Patchable> {
    match kind {
        R_AARCH64_CALL26 if insn & 0x7c00_0000 != 0x1400_0000 => Some(Patchable::Branch),
        R_AARCH64_ADR_PREL_PG_HI21 if insn & 0x9f00_0000 != 0x9000_0000 => Some(Patchable::Adrp),
        R_AARCH64_ADD_ABS_LO12_NC if insn & 0x7f80_0000 != 0x1100_0000 => Some(Patchable::AddImmediate),
        _ => None,
    }
}

/// The relocation sections that apply to placed sections, with targets.
fn relocated<'e, 'a>(elf: &'e Elf<'a>) -> impl Iterator<Item = (&'e Section<'a>, &'e Section<'a>)> {
    elf.sections
        .iter()
        .filter(|s| s.kind == sht::RELA)
        .filter_map(|s| elf.sections.get(s.info as usize).filter(|t| t.index != 0 && t.alloc()).map(|t| (s, t)))
}

/// Check every relocation without applying it.
pub fn check(elf: &Elf<'_>) -> Result<(), ObjectError> {
    for s in elf.sections.iter().filter(|s| s.kind == sht::RELA) {
        let relas = elf.relas(s)?; // entry size and link
        let Some(t) = elf.sections.get(s.info as usize).filter(|t| t.index != 0) else {
            return Err(ElfError::RelaTarget { section: SectionRef::of(s), info: s.info }.into());
        };
        if !t.alloc() {
            continue; // debug information: not loaded, not relocated
        }
        if !placed(t) {
            return Err(ContractError::RelocatedDescriptors { section: SectionRef::of(s), target: t.name.into() }.into());
        }
        let mut spans = Vec::new();
        spans.try_reserve_exact(relas.len()).map_err(|_| Resources::NoMemory { what: "relocations", count: None })?;
        for r in &relas {
            check_one(elf, s, t, r)?;
            spans.push((r.offset, r.offset + width(r.kind), r.index));
        }
        spans.sort_unstable();
        for w in spans.windows(2) {
            if w[1].0 < w[0].1 {
                return Err(RelocationError::Overlap {
                    section: SectionRef::of(s),
                    target: t.name.into(),
                    first: (w[0].2, w[0].0),
                    second: (w[1].2, w[1].0),
                }
                .into());
            }
        }
    }
    Ok(())
}

fn check_one(elf: &Elf<'_>, s: &Section<'_>, t: &Section<'_>, r: &Rela) -> Result<(), ObjectError> {
    if !abi::RELOCATIONS.contains(&r.kind) {
        return Err(Unsupported::RelocationType { index: r.index, section: SectionRef::of(s), kind: r.kind }.into());
    }
    let w = width(r.kind);
    if r.offset.checked_add(w).is_none_or(|end| end > t.size) || t.kind == sht::NOBITS {
        return Err(reloc_err(s, r, RelocationProblem::OutsideTarget { target: t.name.into(), size: t.size }));
    }
    if t.exec() && !r.offset.is_multiple_of(4) {
        return Err(reloc_err(s, r, RelocationProblem::Misaligned));
    }
    if r.kind != R_AARCH64_ABS64 {
        if !t.exec() {
            return Err(reloc_err(s, r, RelocationProblem::NotInCode));
        }
        let o = r.offset as usize;
        let insn = u32::from_le_bytes([t.data[o], t.data[o + 1], t.data[o + 2], t.data[o + 3]]);
        if let Some(expected) = wrong_insn(r.kind, insn) {
            return Err(reloc_err(s, r, RelocationProblem::WrongInstruction { expected, insn }));
        }
    }
    let sym = elf
        .symbols
        .get(r.sym as usize)
        .filter(|_| r.sym != 0)
        .ok_or_else(|| reloc_err(s, r, RelocationProblem::BadSymbol { index: r.sym, count: elf.symbols.len() }))?;
    match sym.shndx {
        shn::UNDEF => {
            if !probec_abi::HELPERS.contains(&sym.name) || !matches!(sym.bind, stt::GLOBAL | stt::WEAK) {
                return Err(reloc_err(s, r, RelocationProblem::NotAHelper { symbol: sym.name.into() }));
            }
        }
        shn::ABS => {}
        i => {
            let sec = &elf.sections[i as usize];
            if !placed(sec) {
                return Err(reloc_err(s, r, RelocationProblem::SymbolNotLoaded { symbol: sym.name.into(), section: sec.name.into() }));
            }
        }
    }
    Ok(())
}

/// Where each placed section is: its run-time address and the buffer
/// (0 = code image, 1 = data image) and offset its bytes are built in.
pub struct Placement {
    /// Run-time address of each section, by section index.
    pub addr: Vec<Option<u64>>,
    /// Buffer and offset of each section's bytes, by section index.
    pub at: Vec<Option<(usize, usize)>>,
}

/// Apply every relocation to `images` (checked by [`check`] already; the
/// range checks here depend on the final addresses). `helper` gives the
/// address of each runtime helper by name (only names in
/// [`probec_abi::HELPERS`] reach it).
pub fn apply(elf: &Elf<'_>, p: &Placement, images: &mut [&mut [u8]; 2], helper: &dyn Fn(&str) -> Option<u64>) -> Result<(), ObjectError> {
    for (s, t) in relocated(elf) {
        let (Some(base), Some((buf, off))) = (p.addr[t.index], p.at[t.index]) else { continue };
        for r in elf.relas(s)? {
            let sym = &elf.symbols[r.sym as usize];
            let value = match sym.shndx {
                shn::UNDEF => helper(sym.name).unwrap_or(0),
                shn::ABS => sym.value,
                i => p.addr[i as usize].unwrap_or(0).wrapping_add(sym.value),
            };
            let target = value.wrapping_add(r.addend as u64);
            let place = base + r.offset;
            let at = off + r.offset as usize;
            let bytes = &mut images[buf][at..at + width(r.kind) as usize];
            if let Err(insn) = patch(r.kind, bytes, target, place) {
                return Err(reloc_err(s, &r, RelocationProblem::OutOfRange { insn, target, place }));
            }
        }
    }
    Ok(())
}

/// Patch `bytes` at `place` to reach `target`; on failure, the instruction
/// whose range `target` is out of.
fn patch(kind: u32, bytes: &mut [u8], target: u64, place: u64) -> Result<(), Patchable> {
    if kind == R_AARCH64_ABS64 {
        bytes.copy_from_slice(&target.to_le_bytes());
        return Ok(());
    }
    let insn = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let new = match kind {
        R_AARCH64_CALL26 => {
            let off = target.wrapping_sub(place) as i64;
            if off % 4 != 0 || !(-(1 << 27)..(1 << 27)).contains(&off) {
                return Err(Patchable::Branch);
            }
            (insn & 0xfc00_0000) | ((off >> 2) as u32 & 0x03ff_ffff)
        }
        R_AARCH64_ADR_PREL_PG_HI21 => {
            let off = ((target & !0xfff) as i64).wrapping_sub((place & !0xfff) as i64);
            if !(-(1i64 << 32)..(1i64 << 32)).contains(&off) {
                return Err(Patchable::Adrp);
            }
            let imm = (off >> 12) as u32;
            (insn & 0x9f00_001f) | ((imm & 3) << 29) | (((imm >> 2) & 0x7_ffff) << 5)
        }
        _ => (insn & 0xffc0_03ff) | ((target as u32 & 0xfff) << 10),
    };
    bytes.copy_from_slice(&new.to_le_bytes());
    Ok(())
}
