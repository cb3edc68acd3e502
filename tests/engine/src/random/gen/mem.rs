//! Loads and stores, every addressing mode: unsigned offset, unscaled,
//! pre/post-index (on Xn and on SP), register offset with each extension,
//! pairs, acquire/release, LSE atomics, RCpc, SIMD structures.
//!
//! A general-register base is pointed at a random (suitably aligned) place
//! in the data buffer by choosing its input value, so offsets span their
//! whole encodable range. SP is fixed (the scratch stack), so SP-based
//! forms choose offsets that land in the compared stack window, keep SP
//! 16-byte aligned across writeback and never load below the initial SP.

use super::dp::xol;
use super::{always, f, Class, Cx};
use crate::random::features::Features;
use crate::random::rng::Rng;

/// How the address is formed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `[Xn, #imm]` or `[Xn, Xm...]` (the offset is `imm`): no writeback.
    Offset,
    /// `[Xn, #imm]!`.
    Pre,
    /// `[Xn], #imm`.
    Post,
}

/// Make `[Rn + imm]` (per `mode`) a valid address for `size` bytes
/// aligned to `align`: points Xn into the buffer, or checks the SP form.
// The arguments are one instruction's addressing fields, as its encoder has
// them; a struct for this one call shape would only rename them.
#[allow(clippy::too_many_arguments)]
fn place(rng: &mut Rng, cx: &mut Cx<'_>, rn: u32, imm: i64, mode: Mode, size: u64, align: u64, load: bool) -> Option<()> {
    if rn == 31 {
        let off = if mode == Mode::Post { 0 } else { imm };
        let final_sp = if mode == Mode::Offset { 0 } else { imm };
        if final_sp % 16 != 0 || final_sp < -(super::STACK_BELOW as i64) || final_sp > 4096 {
            return None;
        }
        let lowest = if load { 0 } else { final_sp.min(0) };
        if off < lowest || off + size as i64 > (super::STACK_ABOVE - 64) as i64 {
            return None;
        }
        if !((cx.sp0 as i64 + off) as u64).is_multiple_of(align.max(1)) {
            return None;
        }
        Some(())
    } else {
        let ea = cx.data_ea(rng, size, align);
        let base_off = if mode == Mode::Post { 0 } else { imm };
        cx.base(rn, ea, base_off);
        Some(())
    }
}

/// An SP offset in `lo..=hi` that is a multiple of `step`.
fn sp_off(rng: &mut Rng, lo: i64, hi: i64, step: i64) -> i64 {
    rng.range(lo / step, hi / step) * step
}

/// Size in bytes, sign/load of a single-register (size, V, opc).
fn single_access(size: u32, v: u32, opc: u32) -> Option<(u64, bool)> {
    if v == 1 {
        return match (size, opc) {
            (0, 2 | 3) => Some((16, opc == 3)),
            (_, 0 | 1) => Some((1 << size, opc == 1)),
            _ => None,
        };
    }
    match (size, opc) {
        (_, 0) => Some((1 << size, false)),
        (_, 1) => Some((1 << size, true)),
        (0 | 1, 2 | 3) => Some((1 << size, true)),
        (2, 2) => Some((4, true)),
        // PRFM: reads nothing, but keep its address sensible.
        (3, 2) => Some((8, true)),
        _ => None,
    }
}

fn single_fields(rng: &mut Rng) -> (u32, u32, u32) {
    let v = rng.chance(1, 3) as u32;
    loop {
        let size = rng.bits(2);
        let opc = rng.bits(2);
        if single_access(size, v, opc).is_some() {
            return (size, v, opc);
        }
    }
}

fn gen_uimm(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let (size, v, opc) = single_fields(rng);
    let (bytes, load) = single_access(size, v, opc)?;
    let rn = rng.reg31();
    let imm12 = if rn == 31 { rng.below((3000 / bytes).max(1)) as u32 } else { rng.bits(12) };
    place(rng, cx, rn, imm12 as i64 * bytes as i64, Mode::Offset, bytes, 1, load)?;
    Some(f(size, 30) | 0x3900_0000 | f(v, 26) | f(opc, 22) | f(imm12, 10) | f(rn, 5) | rng.reg31())
}

/// LDUR/STUR (`op4` = 00), post-index (01), pre-index (11).
fn gen_imm9(rng: &mut Rng, cx: &mut Cx<'_>, op4: u32) -> Option<u32> {
    let (size, v, opc) = single_fields(rng);
    let (bytes, load) = single_access(size, v, opc)?;
    let mode = match op4 {
        0 => Mode::Offset,
        1 => Mode::Post,
        _ => Mode::Pre,
    };
    if mode != Mode::Offset && v == 0 && size == 3 && opc == 2 {
        return None; // no PRFM with writeback
    }
    let rn = rng.reg31();
    let rt = rng.reg31();
    if mode != Mode::Offset && rn == rt && rn != 31 && v == 0 {
        return None;
    }
    let imm = if rn == 31 {
        if mode == Mode::Offset {
            sp_off(rng, 0, 255, 1)
        } else {
            sp_off(rng, -256, 255, 16)
        }
    } else {
        rng.range(-256, 255)
    };
    place(rng, cx, rn, imm, mode, bytes, 1, load)?;
    Some(f(size, 30) | 0x3800_0000 | f(v, 26) | f(opc, 22) | f(imm as u32 & 0x1ff, 12) | f(op4, 10) | f(rn, 5) | rt)
}

fn gen_unscaled(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    gen_imm9(rng, cx, 0)
}

fn gen_post(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    gen_imm9(rng, cx, 1)
}

fn gen_pre(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    gen_imm9(rng, cx, 3)
}

fn extend_value(x: u64, option: u32) -> i64 {
    match option {
        2 => (x & 0xffff_ffff) as i64,
        6 => x as i32 as i64,
        _ => x as i64,
    }
}

fn gen_regoff(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let (size, v, opc) = single_fields(rng);
    let (bytes, load) = single_access(size, v, opc)?;
    let option = rng.pick(&[2, 3, 6, 7]);
    let s = rng.bits(1);
    let shift = if s == 1 { bytes.trailing_zeros() } else { 0 };
    let rn = rng.reg31();
    let rm = rng.reg31();
    if rm == rn && rm != 31 {
        return None;
    }
    // The index: small, either sign; upper bits random where the
    // extension ignores them.
    let index: i64 = if rn == 31 { rng.range(0, 64) } else { rng.range(-64, 64) };
    let index = if option == 2 && index < 0 { -index } else { index };
    let xm = match option {
        2 | 6 => (rng.next() << 32) | (index as u64 & 0xffff_ffff),
        _ => index as u64,
    };
    cx.set_x(rm, xm);
    let off = if rm == 31 { 0 } else { extend_value(xm, option) << shift };
    place(rng, cx, rn, off, Mode::Offset, bytes, 1, load)?;
    Some(f(size, 30) | 0x3820_0800 | f(v, 26) | f(opc, 22) | f(rm, 16) | f(option, 13) | f(s, 12) | f(rn, 5) | rng.reg31())
}

fn gen_pair(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let v = rng.chance(1, 3) as u32;
    let l = rng.bits(1);
    // opc 0..=2 for SIMD&FP pairs (S, D, Q) and integer loads (1: LDPSW);
    // integer stores skip opc 1 (STGP, a tag store).
    let opc = if v == 1 || l == 1 { rng.below(3) as u32 } else { rng.pick(&[0, 2]) };
    let bytes: u64 = if v == 1 {
        4 << opc
    } else if opc == 2 {
        8
    } else {
        4
    };
    let kind = if v == 0 && opc == 1 { 1 + rng.below(3) as u32 } else { rng.bits(2) };
    let mode = match kind {
        1 => Mode::Post,
        3 => Mode::Pre,
        _ => Mode::Offset,
    };
    let rn = rng.reg31();
    let rt = rng.reg31();
    let rt2 = rng.reg31();
    if l == 1 && rt == rt2 {
        return None;
    }
    if mode != Mode::Offset && v == 0 && rn != 31 && (rn == rt || rn == rt2) {
        return None;
    }
    let imm7: i64 = if rn == 31 {
        let step = (16 / bytes as i64).max(1);
        match mode {
            Mode::Offset => sp_off(rng, 0, 63, 1),
            Mode::Pre if l == 1 => sp_off(rng, 0, 63, step),
            _ => sp_off(rng, -64, 63, step),
        }
    } else {
        rng.range(-64, 63)
    };
    place(rng, cx, rn, imm7 * bytes as i64, mode, 2 * bytes, 1, l == 1)?;
    Some(f(opc, 30) | 0x2800_0000 | f(v, 26) | f(kind, 23) | f(l, 22) | f(imm7 as u32 & 0x7f, 15) | f(rt2, 10) | f(rn, 5) | rt)
}

fn gen_ordered(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let size = rng.bits(2);
    let l = rng.bits(1);
    let o0 = if cx.feat.lor { rng.bits(1) } else { 1 };
    let rn = rng.reg31();
    let bytes = 1u64 << size;
    place(rng, cx, rn, 0, Mode::Offset, bytes, bytes, l == 1)?;
    Some(f(size, 30) | 0x0880_0000 | f(l, 22) | f(31, 16) | f(o0, 15) | f(31, 10) | f(rn, 5) | rng.reg31())
}

fn gen_atomic(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let size = rng.bits(2);
    let bytes = 1u64 << size;
    let (o3, opc) = if rng.chance(1, 5) { (1, 0) } else { (0, rng.bits(3)) };
    let rn = rng.reg31();
    place(rng, cx, rn, 0, Mode::Offset, bytes, bytes, true)?;
    Some(f(size, 30) | 0x3820_0000 | f(rng.bits(2), 22) | f(rng.reg31(), 16) | f(o3, 15) | f(opc, 12) | f(rn, 5) | rng.reg31())
}

fn gen_cas(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let pair = rng.chance(1, 3);
    let rn = rng.reg31();
    let (word, bytes, align, rs) = if pair {
        let sz = rng.bits(1);
        let rs = 2 * rng.below(16) as u32;
        let rt = 2 * rng.below(16) as u32;
        let bytes = 8u64 << sz;
        (0x0820_7c00 | f(sz, 30) | f(rs, 16) | rt, bytes, bytes, rs)
    } else {
        let size = rng.bits(2);
        let rs = rng.reg31();
        let bytes = 1u64 << size;
        (0x08a0_7c00 | f(size, 30) | f(rs, 16) | rng.reg31(), bytes, bytes, rs)
    };
    place(rng, cx, rn, 0, Mode::Offset, bytes, align, true)?;
    let rs_hits_base = rs == rn || (pair && rs + 1 == rn);
    if rn != 31 && !rs_hits_base && rng.bool() {
        // Make the comparison succeed: Rs (and Rs+1) hold memory's value.
        let ea = cx.x(rn);
        if pair {
            let half = (bytes / 2) as usize;
            let lo = cx.buf_read(ea, half);
            let hi = cx.buf_read(ea + half as u64, half);
            cx.set_x(rs, lo);
            cx.set_x(rs + 1, hi);
        } else {
            let v = cx.buf_read(ea, bytes as usize);
            let keep = cx.x(rs) & !((1u128 << (bytes * 8)) - 1) as u64;
            cx.set_x(rs, if rng.bool() { v } else { v | keep });
        }
    }
    Some(word | f(rng.bits(1), 22) | f(rng.bits(1), 15) | f(rn, 5))
}

fn gen_rcpc(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let size = rng.bits(2);
    let bytes = 1u64 << size;
    let rn = rng.reg31();
    if !cx.feat.rcpc2 || rng.bool() {
        // LDAPR.
        place(rng, cx, rn, 0, Mode::Offset, bytes, bytes, true)?;
        return Some(f(size, 30) | 0x38bf_c000 | f(rn, 5) | rng.reg31());
    }
    // LDAPUR*/STLUR (FEAT_LRCPC2).
    let opc = match size {
        0 | 1 => rng.bits(2),
        2 => rng.below(3) as u32,
        _ => rng.bits(1),
    };
    let imm = if rn == 31 { sp_off(rng, 0, 255, bytes as i64) } else { rng.range(-256, 255) };
    let ea_align = bytes;
    if rn != 31 {
        let ea = cx.data_ea(rng, bytes, ea_align);
        cx.base(rn, ea, imm);
    } else {
        place(rng, cx, rn, imm, Mode::Offset, bytes, bytes, opc != 0)?;
    }
    Some(f(size, 30) | 0x1900_0000 | f(opc, 22) | f(imm as u32 & 0x1ff, 12) | f(rn, 5) | rng.reg31())
}

/// The post-index register of a SIMD structure load/store and the step it
/// adds to the base: Rm = 31 means "by the transfer size"; otherwise Rm
/// gets a value (a small multiple of 16 when the base is SP, to keep it
/// aligned).
fn simd_post_step(rng: &mut Rng, cx: &mut Cx<'_>, rn: u32, bytes: u64) -> (u32, i64) {
    let rm = rng.reg31();
    if rm == 31 {
        return (rm, bytes as i64);
    }
    let v = if rn == 31 { 16 * rng.below(8) } else { rng.value() };
    cx.set_x(rm, v);
    (rm, v as i64)
}

fn gen_simd_multiple(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let q = rng.bits(1);
    let l = rng.bits(1);
    let (opcode, regs) = rng.pick(&[(0b0000, 4), (0b0010, 4), (0b0100, 3), (0b0110, 3), (0b0111, 1), (0b1000, 2), (0b1010, 2)]);
    let size = rng.bits(2);
    let bytes = regs * if q == 1 { 16 } else { 8 };
    let post = rng.bool();
    let rn = rng.reg31();
    let (rm, step) = if post { simd_post_step(rng, cx, rn, bytes) } else { (0, 0) };
    let mode = if post { Mode::Post } else { Mode::Offset };
    place(rng, cx, rn, step, mode, bytes, 1, l == 1)?;
    let base = if post { 0x0c80_0000 | f(rm, 16) } else { 0x0c00_0000 };
    Some(base | f(q, 30) | f(l, 22) | f(opcode, 12) | f(size, 10) | f(rn, 5) | rng.reg31())
}

fn gen_simd_single(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let q = rng.bits(1);
    let l = rng.bits(1);
    let r = rng.bits(1);
    let opcode = rng.bits(3);
    let s = rng.bits(1);
    let size = rng.bits(2);
    let selem = (((opcode & 1) << 1) | r) as u64 + 1;
    let esize: u64 = match opcode >> 1 {
        0 => 1,
        1 => 2,
        2 => {
            if size & 1 == 0 {
                4
            } else {
                8
            }
        }
        _ => {
            if l == 0 {
                return None;
            }
            1 << size
        }
    };
    let bytes = selem * esize;
    let post = rng.bool();
    let rn = rng.reg31();
    let (rm, step) = if post { simd_post_step(rng, cx, rn, bytes) } else { (0, 0) };
    let mode = if post { Mode::Post } else { Mode::Offset };
    place(rng, cx, rn, step, mode, bytes, 1, l == 1)?;
    let base = if post { 0x0d80_0000 | f(rm, 16) } else { 0x0d00_0000 };
    Some(base | f(q, 30) | f(l, 22) | f(r, 21) | f(opcode, 13) | f(s, 12) | f(size, 10) | f(rn, 5) | rng.reg31())
}

fn gen_ldraa(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let w = rng.bits(1);
    let rn = rng.reg();
    let rt = rng.reg31();
    if w == 1 && rn == rt {
        return None;
    }
    let off = rng.range(-512, 511);
    place(rng, cx, rn, off * 8, if w == 1 { Mode::Pre } else { Mode::Offset }, 8, 1, true)?;
    let simm = off as u32 & 0x3ff;
    Some(0xf820_0400 | f(rng.bits(1), 23) | f(simm >> 9, 22) | f(simm & 0x1ff, 12) | f(w, 11) | f(rn, 5) | rt)
}

fn lse(f: &Features) -> bool {
    f.lse
}

fn rcpc(f: &Features) -> bool {
    f.rcpc
}

fn pauth(f: &Features) -> bool {
    f.pauth
}

/// The classes.
pub const CLASSES: &[Class] = &[
    xol!("ldst-uimm", 6, gen_uimm),
    xol!("ldst-unscaled", 4, gen_unscaled),
    xol!("ldst-post", 5, gen_post),
    xol!("ldst-pre", 5, gen_pre),
    xol!("ldst-regoff", 5, gen_regoff),
    xol!("ldst-pair", 6, gen_pair),
    xol!("ldst-ordered", 2, always, gen_ordered),
    xol!("lse-atomic", 3, lse, gen_atomic),
    xol!("lse-cas", 2, lse, gen_cas),
    xol!("rcpc", 1, rcpc, gen_rcpc),
    xol!("simd-ldst-multiple", 3, gen_simd_multiple),
    xol!("simd-ldst-single", 3, gen_simd_single),
    xol!("ldraa", 1, pauth, gen_ldraa),
];
