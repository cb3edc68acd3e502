//! Integer data processing, immediate and register forms. Only the forms
//! that can write SP need care: the result must stay a 16-byte aligned
//! address inside the scratch stack (the probed run takes its exceptions on
//! that stack), so the generator picks the result and solves for an input.

use super::{f, Class, Cx};
use crate::random::features::Features;
use crate::random::rng::Rng;

/// A stack pointer value an instruction may set: 16-byte aligned, within
/// 4 KiB of the initial SP.
fn sp_target(rng: &mut Rng, cx: &Cx<'_>) -> u64 {
    cx.sp0.wrapping_add((rng.range(-256, 256) * 16) as u64)
}

fn gen_addsub_imm(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let sf = rng.bits(1);
    let op = rng.bits(1);
    let s = rng.bits(1);
    let mut sh = rng.bits(1);
    let mut imm12 = rng.bits(12);
    if rng.chance(1, 8) {
        sh = 0;
        imm12 = rng.bits(4);
    }
    let rn = rng.reg31();
    let rd = rng.reg31();
    if rd == 31 && s == 0 {
        // Writes SP.
        if rn == 31 {
            if sh == 1 {
                imm12 = rng.bits(1);
            } else {
                imm12 = 16 * rng.bits(8);
            }
        } else {
            let imm = (imm12 as u64) << (12 * sh);
            let t = sp_target(rng, cx);
            let v = if op == 0 { t.wrapping_sub(imm) } else { t.wrapping_add(imm) };
            let keep = if sf == 1 { v } else { (rng.next() << 32) | (v & 0xffff_ffff) };
            cx.set_x(rn, keep);
        }
    }
    Some(f(sf, 31) | f(op, 30) | f(s, 29) | 0x1100_0000 | f(sh, 22) | f(imm12, 10) | f(rn, 5) | rd)
}

/// The ARM ARM's DecodeBitMasks (wmask only); `None` if reserved.
pub fn bit_mask(n: u32, imms: u32, immr: u32, width: u32) -> Option<u64> {
    let combined = (n << 6) | (!imms & 0x3f);
    if combined == 0 {
        return None;
    }
    let len = 31 - combined.leading_zeros();
    if len < 1 {
        return None;
    }
    let esize = 1u32 << len;
    let levels = esize - 1;
    let s = imms & levels;
    let r = immr & levels;
    if s == levels {
        return None;
    }
    let welem: u64 = (1u64 << (s + 1)) - 1;
    let emask = if esize == 64 { u64::MAX } else { (1u64 << esize) - 1 };
    let rot = if r == 0 { welem } else { ((welem >> r) | (welem << (esize - r))) & emask };
    let mut out = 0u64;
    let mut i = 0;
    while i < width {
        out |= rot << i;
        i += esize;
    }
    Some(if width == 64 { out } else { out & 0xffff_ffff })
}

fn gen_logical_imm(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let sf = rng.bits(1);
    let opc = rng.bits(2);
    let n = if sf == 1 { rng.bits(1) } else { 0 };
    let immr = rng.bits(6) & if sf == 1 { 63 } else { 31 };
    let imms = rng.bits(6);
    let width = if sf == 1 { 64 } else { 32 };
    let imm = bit_mask(n, imms, immr, width)?;
    let mut rd = rng.reg31();
    let mut rn = rng.reg31();
    if rd == 31 && opc != 0b11 {
        // AND/ORR/EOR write SP: solve for Xn where possible.
        let t = sp_target(rng, cx);
        let wmask = if sf == 1 { u64::MAX } else { 0xffff_ffff };
        let r = rng.next() & wmask;
        let v = match opc {
            0b00 if t & !imm & wmask == 0 => Some(t | (r & !imm)),
            0b01 if imm & !t & wmask == 0 => Some((t & !imm) | (r & imm)),
            0b10 => Some(t ^ imm),
            _ => None,
        };
        match v {
            Some(v) => {
                if rn == 31 {
                    rn = rng.reg();
                }
                let v = if sf == 1 { v } else { (rng.next() << 32) | (v & 0xffff_ffff) };
                cx.set_x(rn, v);
            }
            None => rd = rng.reg(),
        }
    }
    Some(f(sf, 31) | f(opc, 29) | 0x1200_0000 | f(n, 22) | f(immr, 16) | f(imms, 10) | f(rn, 5) | rd)
}

fn gen_movewide(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    let sf = rng.bits(1);
    let opc = rng.pick(&[0b00, 0b10, 0b11]);
    let hw = if sf == 1 { rng.bits(2) } else { rng.bits(1) };
    Some(f(sf, 31) | f(opc, 29) | 0x1280_0000 | f(hw, 21) | f(rng.bits(16), 5) | rng.reg31())
}

fn gen_bitfield(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    let sf = rng.bits(1);
    let opc = rng.below(3) as u32;
    let m = if sf == 1 { 63 } else { 31 };
    Some(
        f(sf, 31)
            | f(opc, 29)
            | 0x1300_0000
            | f(sf, 22)
            | f(rng.bits(6) & m, 16)
            | f(rng.bits(6) & m, 10)
            | f(rng.reg31(), 5)
            | rng.reg31(),
    )
}

fn gen_extract(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    let sf = rng.bits(1);
    let m = if sf == 1 { 63 } else { 31 };
    Some(f(sf, 31) | 0x1380_0000 | f(sf, 22) | f(rng.reg31(), 16) | f(rng.bits(6) & m, 10) | f(rng.reg31(), 5) | rng.reg31())
}

fn gen_logical_reg(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    let sf = rng.bits(1);
    let m = if sf == 1 { 63 } else { 31 };
    Some(
        f(sf, 31)
            | f(rng.bits(2), 29)
            | 0x0a00_0000
            | f(rng.bits(2), 22)
            | f(rng.bits(1), 21)
            | f(rng.reg31(), 16)
            | f(rng.bits(6) & m, 10)
            | f(rng.reg31(), 5)
            | rng.reg31(),
    )
}

fn gen_addsub_shifted(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    let sf = rng.bits(1);
    let m = if sf == 1 { 63 } else { 31 };
    Some(
        f(sf, 31)
            | f(rng.bits(2), 29)
            | 0x0b00_0000
            | f(rng.below(3) as u32, 22)
            | f(rng.reg31(), 16)
            | f(rng.bits(6) & m, 10)
            | f(rng.reg31(), 5)
            | rng.reg31(),
    )
}

/// ExtendReg: the extended and shifted value of `x` for `option`.
fn extend(x: u64, option: u32, amount: u32) -> u64 {
    let v = match option {
        0 => x & 0xff,
        1 => x & 0xffff,
        2 => x & 0xffff_ffff,
        3 => x,
        4 => x as i8 as i64 as u64,
        5 => x as i16 as i64 as u64,
        6 => x as i32 as i64 as u64,
        _ => x,
    };
    v << amount
}

fn gen_addsub_ext(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let sf = rng.bits(1);
    let op = rng.bits(1);
    let s = rng.bits(1);
    let option = rng.bits(3);
    let imm3 = rng.below(5) as u32;
    let rm = rng.reg31();
    let rn = rng.reg31();
    let rd = rng.reg31();
    if rd == 31 && s == 0 {
        // Writes SP.
        if rn == 31 {
            // SP ± extend(Xm): choose Xm's low bits so the change is a
            // small multiple of 16 (in the extension's range).
            if rm != 31 {
                let signed = option >= 4;
                let k = if signed { rng.range(-4, 4) } else { rng.range(0, 7) };
                let delta = k * 16;
                let low = (delta >> imm3) as u64;
                let width = [8, 16, 32, 64][(option & 3) as usize];
                let mask = if width == 64 { u64::MAX } else { (1u64 << width) - 1 };
                cx.set_x(rm, (rng.next() & !mask) | (low & mask));
            }
        } else {
            if rm == rn {
                return None;
            }
            let t = sp_target(rng, cx);
            let e = extend(cx.x(rm), option, imm3);
            let v = if op == 0 { t.wrapping_sub(e) } else { t.wrapping_add(e) };
            cx.set_x(rn, v);
        }
    }
    Some(f(sf, 31) | f(op, 30) | f(s, 29) | 0x0b20_0000 | f(rm, 16) | f(option, 13) | f(imm3, 10) | f(rn, 5) | rd)
}

fn gen_adc(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(f(rng.bits(3), 29) | 0x1a00_0000 | f(rng.reg31(), 16) | f(rng.reg31(), 5) | rng.reg31())
}

fn gen_ccmp(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(f(rng.bits(2), 30) | 0x3a40_0000 | f(rng.reg31(), 16) | f(rng.bits(4), 12) | f(rng.bits(1), 11) | f(rng.reg31(), 5) | rng.bits(4))
}

fn gen_csel(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(f(rng.bits(2), 30) | 0x1a80_0000 | f(rng.reg31(), 16) | f(rng.bits(4), 12) | f(rng.bits(1), 10) | f(rng.reg31(), 5) | rng.reg31())
}

fn gen_2src(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let opcode = rng.pick(&[2, 3, 8, 9, 10, 11]);
    let rm = rng.reg31();
    if opcode <= 3 && rng.chance(1, 8) {
        // Division by zero and INT_MIN / -1.
        let v = rng.pick(&[0, u64::MAX]);
        cx.set_x(rm, v);
    }
    Some(f(rng.bits(1), 31) | 0x1ac0_0000 | f(rm, 16) | f(opcode, 10) | f(rng.reg31(), 5) | rng.reg31())
}

fn gen_crc32(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    let opcode = 0b010000 | rng.bits(3);
    let sf = (opcode & 3 == 3) as u32;
    Some(f(sf, 31) | 0x1ac0_0000 | f(rng.reg31(), 16) | f(opcode, 10) | f(rng.reg31(), 5) | rng.reg31())
}

fn gen_1src(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    let sf = rng.bits(1);
    let opcode = if sf == 1 { rng.below(6) as u32 } else { rng.pick(&[0, 1, 2, 4, 5]) };
    Some(f(sf, 31) | 0x5ac0_0000 | f(opcode, 10) | f(rng.reg31(), 5) | rng.reg31())
}

fn gen_3src(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    let (sf, op31, o0, ra) = match rng.below(4) {
        0 => (rng.bits(1), 0, rng.bits(1), rng.reg31()),
        1 => (1, rng.pick(&[0b001, 0b101]), rng.bits(1), rng.reg31()),
        2 => (1, rng.pick(&[0b010, 0b110]), 0, 31),
        _ => (rng.bits(1), 0, rng.bits(1), 31),
    };
    Some(f(sf, 31) | 0x1b00_0000 | f(op31, 21) | f(rng.reg31(), 16) | f(o0, 15) | f(ra, 10) | f(rng.reg31(), 5) | rng.reg31())
}

fn gen_pauth_reg(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(match rng.below(4) {
        0 => 0xdac1_0000 | f(rng.bits(2), 10) | f(rng.reg31(), 5) | rng.reg31(),
        1 => 0xdac1_2000 | f(rng.bits(2), 10) | f(31, 5) | rng.reg31(),
        2 => 0xdac1_4000 | f(rng.bits(1), 10) | f(31, 5) | rng.reg31(),
        _ => 0x9ac0_3000 | f(rng.reg31(), 16) | f(rng.reg31(), 5) | rng.reg31(),
    })
}

fn gen_flagm(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let flagm2 = cx.feat.flagm2;
    Some(match rng.below(if flagm2 { 5 } else { 3 }) {
        0 => 0xd500_401f,
        1 => 0xba00_0400 | f(rng.bits(6), 15) | f(rng.reg31(), 5) | rng.bits(4),
        2 => 0x3a00_080d | f(rng.bits(1), 14) | f(rng.reg31(), 5),
        3 => 0xd500_403f,
        _ => 0xd500_405f,
    })
}

fn crc32(f: &Features) -> bool {
    f.crc32
}

fn pauth(f: &Features) -> bool {
    f.pauth
}

fn flagm(f: &Features) -> bool {
    f.flagm
}

macro_rules! xol {
    ($name:literal, $w:expr, $gen:expr) => {
        xol!($name, $w, $crate::random::gen::always, $gen)
    };
    ($name:literal, $w:expr, $avail:expr, $gen:expr) => {
        $crate::random::gen::Class { name: $name, expect: $crate::random::gen::Expect::Xol, weight: $w, available: $avail, gen: $gen }
    };
}
pub(crate) use xol;

/// The classes.
pub const CLASSES: &[Class] = &[
    xol!("addsub-imm", 4, gen_addsub_imm),
    xol!("logical-imm", 3, gen_logical_imm),
    xol!("movewide", 2, gen_movewide),
    xol!("bitfield", 3, gen_bitfield),
    xol!("extract", 2, gen_extract),
    xol!("logical-reg", 3, gen_logical_reg),
    xol!("addsub-shifted", 3, gen_addsub_shifted),
    xol!("addsub-ext", 4, gen_addsub_ext),
    xol!("adc", 2, gen_adc),
    xol!("ccmp", 3, gen_ccmp),
    xol!("csel", 3, gen_csel),
    xol!("div-shiftv", 3, gen_2src),
    xol!("crc32", 1, crc32, gen_crc32),
    xol!("1src", 2, gen_1src),
    xol!("mul", 3, gen_3src),
    xol!("pauth-reg", 1, pauth, gen_pauth_reg),
    xol!("flagm", 1, flagm, gen_flagm),
];
