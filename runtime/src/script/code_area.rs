//! Executable memory for loaded handler code: an area the embedder hands
//! over once ([`set_code_area`]), carved first-fit into blocks. Code is
//! written word by word through the platform's writable text alias with
//! the instruction-cache maintenance arm64 requires, so the area can stay
//! W^X like the rest of kernel text. Freed blocks are filled with
//! `UDF #0`, so a stale jump into them traps instead of running old code.

use crate::arch::aarch64::cache::patch_word;
use crate::config::ExecArea;
use crate::global::installed;
use alloc::vec::Vec;

/// Why [`set_code_area`] refused an area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeAreaError {
    /// [`crate::init`] has not run.
    NotInitialised,
    /// The area was already set.
    AlreadySet,
    /// Start not 16-byte aligned, or length not a non-zero multiple of 16.
    Misaligned,
    /// Some word of the area has no writable alias.
    NotPatchable,
    /// The area overlaps the runtime's XOL area.
    OverlapsXolArea,
}

impl core::fmt::Display for CodeAreaError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            CodeAreaError::NotInitialised => "the probe runtime is not initialised",
            CodeAreaError::AlreadySet => "the code area is already set",
            CodeAreaError::Misaligned => "the code area must start 16-byte aligned and have a non-zero length that is a multiple of 16",
            CodeAreaError::NotPatchable => "the platform has no writable alias for (part of) the code area",
            CodeAreaError::OverlapsXolArea => "the code area overlaps the runtime's XOL area",
        })
    }
}

/// Free ranges of the code area, sorted by address.
pub struct CodeArea {
    start: usize,
    len: usize,
    free: Vec<(usize, usize)>,
}

static AREA: spin::Mutex<Option<CodeArea>> = spin::Mutex::new(None);

/// Hand executable memory to the script loader, once, after
/// [`crate::init`]. Every 4 KiB page of it must have a writable alias
/// ([`crate::Platform::text_alias`]); it must not overlap the runtime's
/// XOL area.
pub fn set_code_area(area: ExecArea) -> Result<(), CodeAreaError> {
    let rt = installed().ok_or(CodeAreaError::NotInitialised)?;
    if !area.start.is_multiple_of(16) || area.len == 0 || !area.len.is_multiple_of(16) || area.start.checked_add(area.len).is_none() {
        return Err(CodeAreaError::Misaligned);
    }
    let end = area.start + area.len;
    let xol = rt.slots.trampoline();
    if rt.slots.contains(area.start) || rt.slots.contains(end - 4) || (xol >= area.start && xol < end) {
        return Err(CodeAreaError::OverlapsXolArea);
    }
    let mut addr = area.start;
    while addr < end {
        rt.platform.text_alias(addr).ok_or(CodeAreaError::NotPatchable)?;
        addr = (addr & !4095) + 4096;
    }
    rt.platform.text_alias(area.start + area.len - 4).ok_or(CodeAreaError::NotPatchable)?;
    let mut slot = AREA.lock();
    if slot.is_some() {
        return Err(CodeAreaError::AlreadySet);
    }
    *slot = Some(CodeArea { start: area.start, len: area.len, free: alloc::vec![(area.start, area.len)] });
    Ok(())
}

/// Whether `addr` lies in the code area (where probes are refused: they
/// would land in script handlers).
pub fn contains(addr: usize) -> bool {
    AREA.lock().as_ref().is_some_and(|a| addr >= a.start && addr - a.start < a.len)
}

/// Whether a code area was set.
pub fn has_code_area() -> bool {
    AREA.lock().is_some()
}

/// Bytes of the code area currently free (for diagnostics and tests).
pub fn free_bytes() -> usize {
    AREA.lock().as_ref().map_or(0, |a| a.free.iter().map(|f| f.1).sum())
}

/// Why [`alloc`] found no block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocError {
    /// No code area was set.
    NoArea,
    /// No free range is large enough.
    Full,
}

/// Reserve `len` bytes aligned to `align` (a power of two).
pub fn alloc(len: usize, align: usize) -> Result<usize, AllocError> {
    let mut guard = AREA.lock();
    let area = guard.as_mut().ok_or(AllocError::NoArea)?;
    let len = len.max(4).div_ceil(16) * 16;
    for i in 0..area.free.len() {
        let (start, flen) = area.free[i];
        let at = (start + align - 1) & !(align - 1);
        let waste = at - start;
        if flen < waste || flen - waste < len {
            continue;
        }
        area.free.remove(i);
        if waste > 0 {
            area.free.insert(i, (start, waste));
        }
        let rest = flen - waste - len;
        if rest > 0 {
            let pos = area.free.iter().position(|f| f.0 > at).unwrap_or(area.free.len());
            area.free.insert(pos, (at + len, rest));
        }
        return Ok(at);
    }
    Err(AllocError::Full)
}

/// Fill `[start, start + len)` with `UDF #0` and give it back.
pub fn free(start: usize, len: usize) {
    let len = len.max(4).div_ceil(16) * 16;
    let _ = write_words(start, &alloc::vec![0u8; len]);
    let mut guard = AREA.lock();
    let Some(area) = guard.as_mut() else { return };
    let pos = area.free.iter().position(|f| f.0 > start).unwrap_or(area.free.len());
    area.free.insert(pos, (start, len));
    // Merge adjacent ranges (the list is short: one entry per hole).
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(area.free.len());
    for f in area.free.drain(..) {
        match merged.last_mut() {
            Some(last) if last.0 + last.1 == f.0 => last.1 += f.1,
            _ => merged.push(f),
        }
    }
    area.free = merged;
}

/// Write `bytes` (a multiple of 4 long) as instructions at executable
/// address `start`, through the platform's alias, with cache maintenance.
/// `false` if some word has no alias (nothing is written past it).
pub fn write_words(start: usize, bytes: &[u8]) -> bool {
    let Some(rt) = installed() else { return false };
    for (i, w) in bytes.chunks_exact(4).enumerate() {
        let exec = start + 4 * i;
        let Some(alias) = rt.platform.text_alias(exec) else { return false };
        // SAFETY: the block is reserved for this object and not executed
        // by anyone until its handlers are attached; the alias maps it.
        unsafe { patch_word(exec, alias, u32::from_le_bytes([w[0], w[1], w[2], w[3]])) };
    }
    true
}
