//! Layout of the executable area: the return trampoline and the XOL slots.
//!
//! ```text
//! exec_area.start + 0   BRK #RETURN_IMM   return-probe trampoline
//!                 + 4   UDF               (padding)
//!                 + 8   slot 0: displaced instruction, BRK #SLOT_IMM
//!                 + 16  slot 1: ...
//! ```
//! Single-step and BRK-after-slot use the same two-word slot: single-step
//! traps after the first word and never reaches the BRK; BRK-after-slot
//! traps on it. A boosted slot ends in `B probe+4` instead.

use crate::ExecArea;
use probec_arch::aarch64::{brk, encode};

/// Bytes per slot: the displaced instruction and the BRK after it.
pub const SLOT_BYTES: usize = 8;
const SLOTS_OFFSET: usize = 8;

/// The carved-up executable area.
#[derive(Clone, Copy, Debug)]
pub struct SlotArea {
    start: usize,
    count: u32,
}

impl SlotArea {
    /// Carve `area`; `None` if it is misaligned or too small for one slot.
    pub fn new(area: ExecArea) -> Option<Self> {
        if !area.start.is_multiple_of(8) || area.len < SLOTS_OFFSET + SLOT_BYTES {
            return None;
        }
        let count = ((area.len - SLOTS_OFFSET) / SLOT_BYTES).min(u32::MAX as usize) as u32;
        Some(SlotArea { start: area.start, count })
    }

    /// Number of slots.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Executable address of the return trampoline.
    pub fn trampoline(&self) -> usize {
        self.start
    }

    /// Executable address of slot `index`'s displaced instruction.
    pub fn slot_addr(&self, index: u32) -> usize {
        self.start + SLOTS_OFFSET + index as usize * SLOT_BYTES
    }

    /// The slot whose trailing BRK is at `pc`, if any.
    pub fn slot_of_trailing_brk(&self, pc: usize) -> Option<u32> {
        let first = self.start + SLOTS_OFFSET;
        if pc < first + 4 || !(pc - first - 4).is_multiple_of(SLOT_BYTES) {
            return None;
        }
        let index = (pc - first - 4) / SLOT_BYTES;
        (index < self.count as usize).then_some(index as u32)
    }

    /// Whether `addr` lies inside the area (never probeable).
    pub fn contains(&self, addr: usize) -> bool {
        addr >= self.start && addr < self.start + SLOTS_OFFSET + self.count as usize * SLOT_BYTES
    }

    /// The words of the trampoline.
    pub fn trampoline_words() -> [u32; 2] {
        [brk::brk(brk::RETURN_IMM), brk::UDF]
    }

    /// The slot whose first word (the displaced instruction) is at `pc`.
    pub fn slot_at(&self, pc: usize) -> Option<u32> {
        let first = self.start + SLOTS_OFFSET;
        if pc < first || !(pc - first).is_multiple_of(SLOT_BYTES) {
            return None;
        }
        let index = (pc - first) / SLOT_BYTES;
        (index < self.count as usize).then_some(index as u32)
    }

    /// The words of a slot holding `insn`.
    pub fn slot_words(insn: u32) -> [u32; 2] {
        [insn, brk::brk(brk::SLOT_IMM)]
    }

    /// The words of boosted slot `index` holding `insn` of the probe at
    /// `addr`: `None` if `addr + 4` is out of `B` range of the slot.
    pub fn boosted_slot_words(&self, index: u32, insn: u32, addr: usize) -> Option<[u32; 2]> {
        Some([insn, encode::b(self.slot_addr(index) + 4, addr.wrapping_add(4))?])
    }

    /// The probed address whose boosted slot starts at `pc`, read back from
    /// the slot's closing branch; `None` if `pc` is not the start of a
    /// boosted slot.
    pub fn boosted_probe_at(&self, pc: usize) -> Option<usize> {
        self.slot_at(pc)?;
        // SAFETY: a slot inside the area, which is mapped executable memory.
        let branch = unsafe { core::ptr::read_volatile((pc + 4) as *const u32) };
        Some(encode::b_target(branch, pc + 4)?.wrapping_sub(4))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_geometry() {
        let a = SlotArea::new(ExecArea { start: 0x1000, len: 8 + 4 * 8 }).unwrap();
        assert_eq!(a.count(), 4);
        assert_eq!(a.slot_addr(0), 0x1008);
        assert_eq!(a.slot_addr(3), 0x1020);
        assert_eq!(a.slot_of_trailing_brk(0x100c), Some(0));
        assert_eq!(a.slot_of_trailing_brk(0x1024), Some(3));
        assert_eq!(a.slot_of_trailing_brk(0x1008), None);
        assert_eq!(a.slot_of_trailing_brk(0x102c), None);
        assert!(a.contains(0x1000) && a.contains(0x1024) && !a.contains(0x1028));
        assert!(SlotArea::new(ExecArea { start: 0x1004, len: 64 }).is_none());
        assert_eq!(a.slot_at(0x1008), Some(0));
        assert_eq!(a.slot_at(0x1020), Some(3));
        assert_eq!(a.slot_at(0x100c), None);
        assert_eq!(a.slot_at(0x1028), None);
        assert_eq!(a.boosted_slot_words(1, 0x8b02_0020, 0x2000), Some([0x8b02_0020, 0x1400_0000 | ((0x2004 - 0x1014) >> 2)]));
        assert_eq!(a.boosted_slot_words(1, 0x8b02_0020, 0x1000 + (1 << 28)), None);
    }
}
