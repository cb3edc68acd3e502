//! Instruction generators: one function per class, each producing a random
//! encoding of its class and adjusting the random input state so that the
//! instruction is well defined where it runs (memory operands inside the
//! data buffer or the scratch stack, branch targets on landing pads, SP
//! 16-byte aligned and inside the scratch stack).
//!
//! No register is reserved: the harness loads every X register, so a base
//! register is any of X0–X30 (or SP), and its input value is what makes it
//! point into the buffer.

pub mod branch;
pub mod dp;
pub mod mem;
pub mod simd;
pub mod system;

use super::features::Features;
use super::harness::Regs;
use super::page::Page;
use super::rng::Rng;

/// Bytes of the data buffer general-register bases point into.
pub const BUF_BYTES: usize = 1024;
/// Accesses stay this far inside the buffer's ends.
const BUF_MARGIN: u64 = 64;
/// The compared part of the scratch stack below the initial SP (stores
/// with pre-index writeback land here) and above it.
pub const STACK_BELOW: u64 = 1024;
/// See [`STACK_BELOW`].
pub const STACK_ABOVE: u64 = 4096 + 64;

/// How the runtime must classify a class's encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Out of line.
    Xol,
    /// Simulated, with this `SimKind::name()`.
    Sim(&'static str),
}

/// Everything a generator may look at and change.
pub struct Cx<'a> {
    /// The CPU's features.
    pub feat: &'a Features,
    /// The page.
    pub page: &'a Page,
    /// Address of the instruction under test.
    pub pc: usize,
    /// The input registers (random on entry).
    pub regs: &'a mut Regs,
    /// The data buffer's address and initial contents.
    pub buf: usize,
    /// See `buf`.
    pub buf_init: &'a mut [u8],
    /// The initial SP (16-byte aligned, inside the scratch stack).
    pub sp0: u64,
}

impl Cx<'_> {
    /// Set input register `r` (31 = no register: ignored).
    pub fn set_x(&mut self, r: u32, v: u64) {
        if r < 31 {
            self.regs.x[r as usize] = v;
        }
    }

    /// Input register `r` (31 reads as zero).
    pub fn x(&self, r: u32) -> u64 {
        if r < 31 {
            self.regs.x[r as usize]
        } else {
            0
        }
    }

    /// A random address in the data buffer for an access of `size` bytes
    /// aligned to `align`.
    pub fn data_ea(&self, rng: &mut Rng, size: u64, align: u64) -> u64 {
        let lo = self.buf as u64 + BUF_MARGIN;
        let hi = self.buf as u64 + BUF_BYTES as u64 - BUF_MARGIN - size;
        let ea = lo + rng.below(hi - lo);
        ea & !(align.max(1) - 1)
    }

    /// Read `size` bytes of the buffer's initial contents at `ea`.
    pub fn buf_read(&self, ea: u64, size: usize) -> u64 {
        let off = (ea - self.buf as u64) as usize;
        let mut v = 0u64;
        for i in (0..size).rev() {
            v = v << 8 | self.buf_init[off + i] as u64;
        }
        v
    }

    /// Point base register `n` (X0–X30) so that `[Xn, #imm]` is `ea`.
    pub fn base(&mut self, n: u32, ea: u64, imm: i64) {
        self.set_x(n, ea.wrapping_sub(imm as u64));
    }
}

/// One class of instructions.
#[derive(Clone, Copy)]
pub struct Class {
    /// Name in reports (`SimKind::name()` for simulated classes).
    pub name: &'static str,
    /// Expected classification.
    pub expect: Expect,
    /// Relative frequency.
    pub weight: u32,
    /// Whether this CPU implements the class.
    pub available: fn(&Features) -> bool,
    /// Produce an encoding (and adjust the inputs); `None` to retry.
    pub gen: fn(&mut Rng, &mut Cx<'_>) -> Option<u32>,
}

/// Every class, simulated and out of line.
pub fn classes() -> alloc::vec::Vec<Class> {
    let mut all = alloc::vec::Vec::new();
    all.extend_from_slice(branch::CLASSES);
    all.extend_from_slice(dp::CLASSES);
    all.extend_from_slice(mem::CLASSES);
    all.extend_from_slice(simd::CLASSES);
    all.extend_from_slice(system::CLASSES);
    all
}

/// `available` for classes every AArch64 CPU has.
pub fn always(_: &Features) -> bool {
    true
}

/// Put `value` in bits `lo..lo+width` of an encoding.
pub const fn f(value: u32, lo: u32) -> u32 {
    value << lo
}
