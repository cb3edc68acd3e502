//! The layout of the test page and writing code into it.
//!
//! ```text
//! +0x0000  prologue A, B slot A; prologue B, B slot B; common epilogue
//! +0x1000  landing pads: at every 8-byte boundary `MSR TPIDR_EL0, X30; BL common`
//!   ...
//!   mid    slot A (instruction under test), its fall-through pad (2 words),
//!          slot B, its fall-through pad; slot A is 8-byte aligned, slot B
//!          is not, so a branch offset of either residue reaches the grid
//!   ...    more pads
//! end-4K   literal pool: random data for LDR (literal)
//! ```
//! Every branch target the generators choose is a pad; a pad records its
//! own address (the BL's return address), which is how the PC after the
//! instruction is compared. Harness code and slots live in different 4 KiB
//! pages, so rewriting a slot never touches the translated prologue.

use super::harness;
use super::rng::Rng;
use probec_runtime::arch::aarch64::cache::{patch_word, sync_icache};
use probec_runtime::Platform;

/// `MSR TPIDR_EL0, X30`: first word of every landing pad.
pub const PAD_MSR: u32 = 0xd51b_d05e;
/// `NOP`: the word in the slot not in use.
pub const NOP: u32 = 0xd503_201f;

const HARNESS_BYTES: usize = 0x1000;
const LITERAL_BYTES: usize = 0x1000;

/// `B` from `from` to `to`.
pub fn b(from: usize, to: usize) -> u32 {
    0x1400_0000 | ((((to as i64 - from as i64) >> 2) as u32) & 0x03ff_ffff)
}

/// `BL` from `from` to `to`.
pub fn bl(from: usize, to: usize) -> u32 {
    0x9400_0000 | ((((to as i64 - from as i64) >> 2) as u32) & 0x03ff_ffff)
}

/// The test page, written and ready.
pub struct Page {
    start: usize,
    len: usize,
    alias_offset: usize,
    entry: [usize; 2],
    slot: [usize; 2],
    slot_word: [u32; 2],
}

impl Page {
    /// Write the harness, pads and literal pool into `[start, start + len)`
    /// (at least 32 KiB, 4 KiB aligned); `None` if the platform has no
    /// writable alias for it.
    pub fn new(platform: &dyn Platform, start: usize, len: usize, seed: u64) -> Option<Page> {
        if !start.is_multiple_of(4096) || len < 0x8000 || !len.is_multiple_of(4096) {
            return None;
        }
        let alias = platform.text_alias(start)?;
        platform.text_alias(start + len - 4)?;
        let mid = start + len / 2 + 0x800;
        let mut page =
            Page { start, len, alias_offset: alias.wrapping_sub(start), entry: [0; 2], slot: [mid, mid + 12], slot_word: [NOP, NOP] };
        let prologue = harness::prologue_words();
        let common_words = harness::common_words();
        let mut at = start;
        for i in 0..2 {
            page.entry[i] = at;
            for &w in prologue {
                page.store(at, w);
                at += 4;
            }
            page.store(at, b(at, page.slot[i]));
            at += 4;
        }
        let common = at;
        for &w in common_words {
            page.store(at, w);
            at += 4;
        }
        assert!(at <= start + HARNESS_BYTES, "harness templates exceed the first page");
        // Pads everywhere between the harness and the literal pool, then
        // the two slots in the middle with their fall-through pads.
        let mut a = start + HARNESS_BYTES;
        while a < page.literal_start() {
            page.store(a, PAD_MSR);
            page.store(a + 4, bl(a + 4, common));
            a += 8;
        }
        for i in 0..2 {
            let s = page.slot[i];
            page.store(s, NOP);
            page.store(s + 4, PAD_MSR);
            page.store(s + 8, bl(s + 8, common));
        }
        let mut rng = Rng::new(seed ^ 0x11f3_7a1e_u64);
        let mut a = page.literal_start();
        while a < start + len {
            page.store(a, rng.u32());
            a += 4;
        }
        let mut a = start;
        while a < start + len {
            // SAFETY: both addresses map the page; nothing executes it yet.
            unsafe { sync_icache(a, a.wrapping_add(page.alias_offset)) };
            a += 16;
        }
        Some(page)
    }

    fn store(&self, exec: usize, word: u32) {
        // SAFETY: `exec` is in the page, whose alias the platform gave;
        // callers synchronise the instruction cache before executing it.
        unsafe { core::ptr::write_volatile(exec.wrapping_add(self.alias_offset) as *mut u32, word) };
    }

    /// Start of the literal pool.
    pub fn literal_start(&self) -> usize {
        self.start + self.len - LITERAL_BYTES
    }

    /// First and one-past-last byte of the page.
    pub fn bounds(&self) -> (usize, usize) {
        (self.start, self.start + self.len)
    }

    /// Address of slot `i` (0 or 1).
    pub fn slot(&self, i: usize) -> usize {
        self.slot[i]
    }

    /// Entry (prologue) of the test through slot `i`.
    pub fn entry(&self, i: usize) -> usize {
        self.entry[i]
    }

    /// Put `word` in slot `i` and a NOP in the other one.
    pub fn set_slot(&mut self, i: usize, word: u32) {
        for (j, w) in [(i, word), (1 - i, NOP)] {
            if self.slot_word[j] != w {
                let exec = self.slot[j];
                // SAFETY: the slot is in the page and not executing.
                unsafe { patch_word(exec, exec.wrapping_add(self.alias_offset), w) };
                self.slot_word[j] = w;
            }
        }
    }

    /// Put `word` at `exec` in the page and return the old word (for the
    /// exclusive-sequence refusal test, which writes before a slot).
    pub fn poke(&mut self, exec: usize, word: u32) -> u32 {
        // SAFETY: in the page, which is mapped.
        let old = unsafe { core::ptr::read_volatile(exec as *const u32) };
        // SAFETY: as above; not executing.
        unsafe { patch_word(exec, exec.wrapping_add(self.alias_offset), word) };
        for i in 0..2 {
            if self.slot[i] == exec {
                self.slot_word[i] = word;
            }
        }
        old
    }

    /// Is `addr` the first word of a landing pad?
    pub fn is_pad(&self, addr: usize) -> bool {
        if !addr.is_multiple_of(4) || addr < self.start + HARNESS_BYTES || addr >= self.literal_start() {
            return false;
        }
        let [a, b] = self.slot;
        if addr == a + 4 || addr == b + 4 {
            return true;
        }
        if (a..b + 12).contains(&addr) {
            return false;
        }
        addr.is_multiple_of(8)
    }

    /// A landing pad to branch to from `from`, at most `back` bytes before
    /// and `fwd` bytes after it: often the fall-through pad or a near one,
    /// otherwise anywhere in range.
    pub fn pad_near(&self, rng: &mut Rng, from: usize, back: usize, fwd: usize) -> usize {
        let lo = from.saturating_sub(back).max(self.start + HARNESS_BYTES);
        let hi = (from + fwd).min(self.literal_start() - 8);
        loop {
            let t = match rng.below(8) {
                0 => from + 4,
                1 | 2 => (from as i64 + rng.range(-32, 32) * 4) as usize,
                _ => lo + rng.below((hi - lo) as u64) as usize,
            };
            if t >= lo && t <= hi && t != from && self.is_pad(t) {
                return t;
            }
        }
    }
}
