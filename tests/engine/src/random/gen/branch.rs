//! The simulated PC-relative classes: branches (targets are landing pads,
//! so the PC after the instruction is observed), ADR/ADRP and literal
//! loads (from anywhere in the page except the probed word itself, which
//! the probe has replaced by its BRK).

use super::{always, f, Class, Cx, Expect};
use crate::random::features::Features;
use crate::random::rng::Rng;

fn imm19(from: usize, to: usize) -> u32 {
    (((to as i64 - from as i64) >> 2) as u32) & 0x7ffff
}

fn imm14(from: usize, to: usize) -> u32 {
    (((to as i64 - from as i64) >> 2) as u32) & 0x3fff
}

/// Any pad in the page (B/BL reach the whole page).
fn far_target(rng: &mut Rng, cx: &Cx<'_>) -> usize {
    cx.page.pad_near(rng, cx.pc, 1 << 20, 1 << 20)
}

fn gen_b(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    Some(super::super::page::b(cx.pc, far_target(rng, cx)))
}

fn gen_bl(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    Some(super::super::page::bl(cx.pc, far_target(rng, cx)))
}

fn bcond(rng: &mut Rng, cx: &mut Cx<'_>, consistent: bool) -> u32 {
    let t = far_target(rng, cx);
    0x5400_0000 | f(imm19(cx.pc, t), 5) | f(consistent as u32, 4) | rng.bits(4)
}

fn gen_bcond(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    Some(bcond(rng, cx, false))
}

fn gen_bccond(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    Some(bcond(rng, cx, true))
}

/// A test value for register `rt`: zero (or zero in the low word only)
/// often enough that both outcomes are seen.
fn zeroish(rng: &mut Rng, cx: &mut Cx<'_>, rt: u32) {
    match rng.below(4) {
        0 => cx.set_x(rt, 0),
        1 => cx.set_x(rt, rng.next() << 32),
        _ => {}
    }
}

fn cb(rng: &mut Rng, cx: &mut Cx<'_>, nonzero: bool) -> u32 {
    let t = far_target(rng, cx);
    let rt = rng.reg31();
    zeroish(rng, cx, rt);
    f(rng.bits(1), 31) | 0x3400_0000 | f(nonzero as u32, 24) | f(imm19(cx.pc, t), 5) | rt
}

fn gen_cbz(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    Some(cb(rng, cx, false))
}

fn gen_cbnz(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    Some(cb(rng, cx, true))
}

fn tb(rng: &mut Rng, cx: &mut Cx<'_>, nonzero: bool) -> u32 {
    let t = cx.page.pad_near(rng, cx.pc, 32 * 1024, 32 * 1024 - 4);
    let rt = rng.reg31();
    let bit = rng.bits(6);
    if rng.bool() {
        let v = cx.x(rt) ^ (1u64 << bit);
        cx.set_x(rt, v);
    }
    f(bit >> 5, 31) | 0x3600_0000 | f(nonzero as u32, 24) | f(bit & 31, 19) | f(imm14(cx.pc, t), 5) | rt
}

fn gen_tbz(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    Some(tb(rng, cx, false))
}

fn gen_tbnz(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    Some(tb(rng, cx, true))
}

fn adr(rng: &mut Rng, page: bool) -> u32 {
    let imm = rng.bits(21);
    f(page as u32, 31) | f(imm & 3, 29) | 0x1000_0000 | f(imm >> 2, 5) | rng.reg31()
}

fn gen_adr(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(adr(rng, false))
}

fn gen_adrp(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(adr(rng, true))
}

/// BR/BLR/RET through a random X0–X30 holding a pad's address.
fn branch_reg(rng: &mut Rng, cx: &mut Cx<'_>, base: u32, ret_x30: bool) -> u32 {
    let t = far_target(rng, cx);
    let rn = if ret_x30 && rng.bool() { 30 } else { rng.reg() };
    cx.set_x(rn, t as u64);
    base | f(rn, 5)
}

fn gen_br(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    Some(branch_reg(rng, cx, 0xd61f_0000, false))
}

fn gen_blr(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    Some(branch_reg(rng, cx, 0xd63f_0000, false))
}

fn gen_ret(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    Some(branch_reg(rng, cx, 0xd65f_0000, true))
}

/// A literal address in the page for `size` bytes, not overlapping the
/// probed word (which reads as the probe's BRK in the probed run).
fn literal(rng: &mut Rng, cx: &Cx<'_>, size: usize) -> usize {
    let (start, end) = cx.page.bounds();
    loop {
        let a = if rng.bool() {
            let lit = cx.page.literal_start();
            lit + 4 * rng.below(((end - lit - size) / 4) as u64) as usize
        } else if rng.bool() {
            (cx.pc as i64 + 4 * rng.range(-16, 16)) as usize
        } else {
            start + 4 * rng.below(((end - start - size) / 4) as u64) as usize
        };
        if a >= start && a + size <= end && (a + size <= cx.pc || a >= cx.pc + 4) {
            return a;
        }
    }
}

fn ldr_literal(rng: &mut Rng, cx: &mut Cx<'_>, opc: u32, v: bool, size: usize) -> u32 {
    let a = literal(rng, cx, size);
    f(opc, 30) | 0x1800_0000 | f(v as u32, 26) | f(imm19(cx.pc, a), 5) | rng.reg31()
}

fn gen_ldr_literal(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let opc = rng.bits(1);
    Some(ldr_literal(rng, cx, opc, false, 4 << opc))
}

fn gen_ldrsw_literal(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    Some(ldr_literal(rng, cx, 2, false, 4))
}

fn gen_ldr_literal_simd(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let opc = rng.below(3) as u32;
    Some(ldr_literal(rng, cx, opc, true, 4 << opc))
}

fn gen_prfm_literal(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    // A prefetch never faults: any offset.
    Some(0xd800_0000 | f(rng.bits(19), 5) | rng.reg31())
}

fn hbc(f: &Features) -> bool {
    f.hbc
}

macro_rules! sim {
    ($name:literal, $w:expr, $gen:expr) => {
        Class { name: $name, expect: Expect::Sim($name), weight: $w, available: always, gen: $gen }
    };
}

/// The classes.
pub const CLASSES: &[Class] = &[
    sim!("b", 3, gen_b),
    sim!("bl", 3, gen_bl),
    sim!("b.cond", 6, gen_bcond),
    Class { name: "bc.cond", expect: Expect::Sim("bc.cond"), weight: 3, available: hbc, gen: gen_bccond },
    sim!("cbz", 3, gen_cbz),
    sim!("cbnz", 3, gen_cbnz),
    sim!("tbz", 3, gen_tbz),
    sim!("tbnz", 3, gen_tbnz),
    sim!("adr", 3, gen_adr),
    sim!("adrp", 3, gen_adrp),
    sim!("br", 3, gen_br),
    sim!("blr", 3, gen_blr),
    sim!("ret", 3, gen_ret),
    sim!("ldr-literal", 3, gen_ldr_literal),
    sim!("ldrsw-literal", 2, gen_ldrsw_literal),
    sim!("ldr-literal-simd", 3, gen_ldr_literal_simd),
    sim!("prfm-literal", 2, gen_prfm_literal),
];
