//! Scalar floating point and Advanced SIMD: every data-processing group
//! the decoder knows, with random registers, sizes, opcodes and
//! immediates. The decoder filters unallocated combinations (a rejected
//! word is regenerated); these generators only keep out what the CPU does
//! not implement (features from the ID registers), since an UNDEFINED
//! instruction would end the run.

use super::dp::xol;
use super::{f, Class, Cx};
use crate::random::features::Features;
use crate::random::rng::Rng;

fn b(w: u32, hi: u32, lo: u32) -> u32 {
    (w >> lo) & ((1u32 << (hi - lo + 1)) - 1)
}

/// `fixed` with the bits of `mask` random.
fn r(rng: &mut Rng, fixed: u32, mask: u32) -> u32 {
    fixed | (rng.u32() & mask)
}

const RD_RN: u32 = 0x3ff;
const RM: u32 = 0x1f << 16;
const Q: u32 = 1 << 30;
const U: u32 = 1 << 29;
const SIZE: u32 = 3 << 22;

/// A scalar FP type: single or double, half with FEAT_FP16.
fn ptype(rng: &mut Rng, ft: &Features) -> u32 {
    if ft.fp16 {
        rng.pick(&[0, 1, 3])
    } else {
        rng.bits(1)
    }
}

fn gen_fp_dp1(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let ft = cx.feat;
    let opcode = rng.below(0x14) as u32;
    // FCVT to and from half precision is v8.0; other half-precision
    // arithmetic needs FEAT_FP16.
    let p = if opcode & 0b111100 == 0b000100 { rng.pick(&[0, 1, 3]) } else { ptype(rng, ft) };
    if opcode == 0b000110 && !ft.bf16 || (0b010000..=0b010011).contains(&opcode) && !ft.frintts {
        return None;
    }
    Some(r(rng, 0x1e20_4000 | f(p, 22) | f(opcode, 15), RD_RN))
}

fn gen_fp_dp2(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let p = ptype(rng, cx.feat);
    let opcode = rng.below(9) as u32;
    Some(r(rng, 0x1e20_0800 | f(p, 22) | f(opcode, 12), RM | RD_RN))
}

fn gen_fp_dp3(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let p = ptype(rng, cx.feat);
    Some(r(rng, 0x1f00_0000 | f(p, 22), 1 << 21 | RM | 1 << 15 | 0x1f << 10 | RD_RN))
}

fn gen_fp_cmp(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let p = ptype(rng, cx.feat);
    let w = r(rng, 0x1e20_2000 | f(p, 22), RM | 0x1f << 5 | 0b11 << 3);
    // The compare-with-zero forms have Rm = 00000.
    Some(if b(w, 3, 3) == 1 { w & !RM } else { w })
}

fn gen_fp_ccmp(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let p = ptype(rng, cx.feat);
    Some(r(rng, 0x1e20_0400 | f(p, 22), RM | 0xf << 12 | 0x1f << 5 | 0x1f))
}

fn gen_fp_csel(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let p = ptype(rng, cx.feat);
    Some(r(rng, 0x1e20_0c00 | f(p, 22), RM | 0xf << 12 | RD_RN))
}

fn gen_fp_imm(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let p = ptype(rng, cx.feat);
    Some(r(rng, 0x1e20_1000 | f(p, 22), 0xff << 13 | 0x1f))
}

fn gen_fp_int(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let ft = cx.feat;
    let w = r(rng, 0x1e20_0000, 1 << 31 | 3 << 22 | 3 << 19 | 7 << 16 | RD_RN);
    let (pt, rmode, opcode) = (b(w, 23, 22), b(w, 20, 19), b(w, 18, 16));
    if pt == 3 && !ft.fp16 {
        return None;
    }
    if rmode == 3 && opcode == 6 && !ft.jscvt {
        return None;
    }
    Some(w)
}

fn gen_fp_fixed(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let p = ptype(rng, cx.feat);
    let op = rng.pick(&[0b00_010, 0b00_011, 0b11_000, 0b11_001]);
    Some(r(rng, 0x1e00_0000 | f(p, 22) | f(op, 16), 1 << 31 | 0x3f << 10 | RD_RN))
}

fn gen_3same(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let w = r(rng, 0x0e20_0400, Q | U | SIZE | RM | 0x1f << 11 | RD_RN);
    let (u, opcode) = (b(w, 29, 29), b(w, 15, 11));
    if (u, opcode) == (0, 0x1d) || (u, opcode) == (1, 0x19) {
        // FMLAL/FMLSL (FEAT_FHM).
        if !cx.feat.fhm {
            return None;
        }
    }
    Some(w)
}

fn gen_3diff(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let w = r(rng, 0x0e20_0000, Q | U | SIZE | RM | 0xf << 12 | RD_RN);
    if b(w, 29, 29) == 0 && b(w, 15, 12) == 14 && b(w, 23, 22) == 3 && !cx.feat.pmull {
        return None;
    }
    Some(w)
}

fn gen_2misc(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let w = r(rng, 0x0e20_0800, Q | U | SIZE | 0x1f << 12 | RD_RN);
    let (u, size, opcode) = (b(w, 29, 29), b(w, 23, 22), b(w, 16, 12));
    if u == 0 && opcode == 0x16 && size == 2 && !cx.feat.bf16 {
        return None;
    }
    if (opcode == 0x1e || opcode == 0x1f) && size < 2 && !cx.feat.frintts {
        return None;
    }
    Some(w)
}

fn gen_2misc_fp16(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(r(rng, 0x0e78_0800, Q | U | 1 << 23 | 0x1f << 12 | RD_RN))
}

fn gen_3same_fp16(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(r(rng, 0x0e40_0400, Q | U | 1 << 23 | RM | 7 << 11 | RD_RN))
}

fn gen_across(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let opcode = rng.pick(&[0x03, 0x0a, 0x1a, 0x1b, 0x0c, 0x0f]);
    let w = r(rng, 0x0e30_0800 | f(opcode, 12), Q | U | SIZE | RD_RN);
    if b(w, 29, 29) == 0 && (opcode == 0x0c || opcode == 0x0f) && !cx.feat.fp16 {
        return None;
    }
    Some(w)
}

fn gen_copy(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(r(rng, 0x0e00_0400, Q | U | 0x1f << 16 | 0xf << 11 | RD_RN))
}

fn gen_modimm(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let w = r(rng, 0x0f00_0400, Q | U | 7 << 16 | 0xf << 12 | 1 << 11 | 0x1f << 5 | 0x1f);
    if b(w, 11, 11) == 1 && !cx.feat.fp16 {
        return None;
    }
    Some(w)
}

fn gen_shift(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let w = r(rng, 0x0f00_0400, Q | U | 0x7f << 16 | 0x1f << 11 | RD_RN);
    let (immh, opcode) = (b(w, 22, 19), b(w, 15, 11));
    if immh == 0 {
        return None;
    }
    if (opcode == 0x1c || opcode == 0x1f) && immh >> 1 == 1 && !cx.feat.fp16 {
        return None;
    }
    Some(w)
}

/// Features an indexed-element encoding needs (vector or scalar).
fn indexed_ok(w: u32, ft: &Features) -> bool {
    let (u, size, opcode) = (b(w, 29, 29), b(w, 23, 22), b(w, 15, 12));
    match (u, opcode) {
        (0, 0b0001 | 0b0101 | 0b1001) | (1, 0b1001) => size != 0 || ft.fp16,
        (0, 0b0000 | 0b0100) | (1, 0b1000 | 0b1100) => ft.fhm,
        (_, 0b1110) => ft.dotprod,
        (0, 0b1111) => {
            if size & 1 == 0 {
                ft.i8mm
            } else {
                ft.bf16
            }
        }
        (1, 0b0001 | 0b0011 | 0b0101 | 0b0111) => ft.fcma && (size != 1 || ft.fp16),
        (1, 0b1101 | 0b1111) => ft.rdm,
        _ => true,
    }
}

fn gen_indexed(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let w = r(rng, 0x0f00_0000, Q | U | SIZE | 0x1f << 16 | 1 << 21 | 0xf << 12 | 1 << 11 | RD_RN);
    indexed_ok(w, cx.feat).then_some(w)
}

fn gen_3ext(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let ft = cx.feat;
    let w = r(rng, 0x0e00_8400, Q | U | SIZE | RM | 0xf << 11 | RD_RN);
    let (u, size, opcode) = (b(w, 29, 29), b(w, 23, 22), b(w, 14, 11));
    let ok = match (u, opcode) {
        (0, 0b0010) | (1, 0b0010) => ft.dotprod,
        (0, 0b0011..=0b0101) | (1, 0b0100) => ft.i8mm,
        (1, 0b0000 | 0b0001) => ft.rdm,
        (1, 0b1000..=0b1011 | 0b1100 | 0b1110) => ft.fcma && (size != 1 || ft.fp16),
        (1, 0b1101 | 0b1111) => ft.bf16,
        _ => true,
    };
    ok.then_some(w)
}

fn gen_permute(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(r(rng, 0x0e00_0800, Q | SIZE | RM | 7 << 12 | RD_RN))
}

fn gen_ext(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(r(rng, 0x2e00_0000, Q | RM | 0xf << 11 | RD_RN))
}

fn gen_tbl(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(r(rng, 0x0e00_0000, Q | RM | 3 << 13 | 1 << 12 | RD_RN))
}

fn gen_aes(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(r(rng, 0x4e28_4800, 3 << 12 | RD_RN))
}

fn gen_sha(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let ft = cx.feat;
    let w = if rng.bool() {
        r(rng, 0x5e00_0000, RM | 7 << 12 | RD_RN)
    } else {
        let op = rng.below(3) as u32;
        r(rng, 0x5e28_0800 | f(op, 12), RD_RN)
    };
    let sha256 = if b(w, 11, 11) == 0 { b(w, 14, 12) >= 4 } else { b(w, 16, 12) == 2 };
    (if sha256 { ft.sha256 } else { ft.sha1 }).then_some(w)
}

fn gen_crypto3(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let ft = cx.feat;
    let (w, ok) = match rng.below(9) {
        0 => {
            let op = rng.bits(2);
            (r(rng, 0xce60_8000 | f(op, 10), RM | RD_RN), if op == 3 { ft.sha3 } else { ft.sha512 })
        }
        1 => (r(rng, 0xcec0_8000, RD_RN), ft.sha512),
        2 => (r(rng, 0xcec0_8400, RD_RN), ft.sm4),
        3 => (r(rng, 0xce00_0000, RM | 0x1f << 10 | RD_RN), ft.sha3),
        4 => (r(rng, 0xce20_0000, RM | 0x1f << 10 | RD_RN), ft.sha3),
        5 => (r(rng, 0xce40_0000, RM | 0x1f << 10 | RD_RN), ft.sm3),
        6 => (r(rng, 0xce80_0000, RM | 0x3f << 10 | RD_RN), ft.sha3),
        7 => (r(rng, 0xce40_8000, RM | 3 << 12 | 3 << 10 | RD_RN), ft.sm3),
        _ => {
            let op = rng.below(3) as u32;
            (r(rng, 0xce60_c000 | f(op, 10), RM | RD_RN), if op == 2 { ft.sm4 } else { ft.sm3 })
        }
    };
    ok.then_some(w)
}

fn gen_s3same(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(r(rng, 0x5e20_0400, U | SIZE | RM | 0x1f << 11 | RD_RN))
}

fn gen_s3diff(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(r(rng, 0x5e20_0000, SIZE | RM | 0xf << 12 | RD_RN))
}

fn gen_s2misc(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(r(rng, 0x5e20_0800, U | SIZE | 0x1f << 12 | RD_RN))
}

fn gen_spairwise(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let opcode = rng.pick(&[0x1b, 0x0c, 0x0d, 0x0f]);
    let w = r(rng, 0x5e30_0800 | f(opcode, 12), U | SIZE | RD_RN);
    if b(w, 29, 29) == 0 && opcode != 0x1b && !cx.feat.fp16 {
        return None;
    }
    Some(w)
}

fn gen_sshift(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let w = r(rng, 0x5f00_0400, U | 0x7f << 16 | 0x1f << 11 | RD_RN);
    let (immh, opcode) = (b(w, 22, 19), b(w, 15, 11));
    if (opcode == 0x1c || opcode == 0x1f) && immh >> 1 == 1 && !cx.feat.fp16 {
        return None;
    }
    Some(w)
}

fn gen_sindexed(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let w = r(rng, 0x5f00_0000, U | SIZE | 0x1f << 16 | 1 << 21 | 0xf << 12 | 1 << 11 | RD_RN);
    indexed_ok(w, cx.feat).then_some(w)
}

fn gen_scopy(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(r(rng, 0x5e00_0400, 0x1f << 16 | RD_RN))
}

fn gen_s3ext(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(r(rng, 0x7e00_8400, SIZE | RM | 1 << 11 | RD_RN))
}

fn gen_sfp16(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(if rng.bool() {
        r(rng, 0x5e40_0400, U | 1 << 23 | RM | 7 << 11 | RD_RN)
    } else {
        r(rng, 0x5e78_0800, U | 1 << 23 | 0x1f << 12 | RD_RN)
    })
}

fn fp16(f: &Features) -> bool {
    f.fp16
}

fn aes(f: &Features) -> bool {
    f.aes
}

fn sha(f: &Features) -> bool {
    f.sha1 || f.sha256
}

fn crypto3(f: &Features) -> bool {
    f.sha512 || f.sha3 || f.sm3 || f.sm4
}

fn ext3(f: &Features) -> bool {
    f.dotprod || f.i8mm || f.rdm || f.fcma || f.bf16
}

fn rdm(f: &Features) -> bool {
    f.rdm
}

/// The classes.
pub const CLASSES: &[Class] = &[
    xol!("fp-dp1", 3, gen_fp_dp1),
    xol!("fp-dp2", 3, gen_fp_dp2),
    xol!("fp-dp3", 2, gen_fp_dp3),
    xol!("fp-cmp", 2, gen_fp_cmp),
    xol!("fp-ccmp", 2, gen_fp_ccmp),
    xol!("fp-csel", 1, gen_fp_csel),
    xol!("fp-imm", 1, gen_fp_imm),
    xol!("fp-int", 3, gen_fp_int),
    xol!("fp-fixed", 2, gen_fp_fixed),
    xol!("simd-3same", 4, gen_3same),
    xol!("simd-3diff", 2, gen_3diff),
    xol!("simd-2misc", 3, gen_2misc),
    xol!("simd-2misc-fp16", 1, fp16, gen_2misc_fp16),
    xol!("simd-3same-fp16", 1, fp16, gen_3same_fp16),
    xol!("simd-across", 1, gen_across),
    xol!("simd-copy", 2, gen_copy),
    xol!("simd-modimm", 2, gen_modimm),
    xol!("simd-shift", 2, gen_shift),
    xol!("simd-indexed", 2, gen_indexed),
    xol!("simd-3ext", 1, ext3, gen_3ext),
    xol!("simd-permute", 1, gen_permute),
    xol!("simd-ext", 1, gen_ext),
    xol!("simd-tbl", 1, gen_tbl),
    xol!("crypto-aes", 1, aes, gen_aes),
    xol!("crypto-sha", 1, sha, gen_sha),
    xol!("crypto-sha3-sm", 1, crypto3, gen_crypto3),
    xol!("scalar-3same", 2, gen_s3same),
    xol!("scalar-3diff", 1, gen_s3diff),
    xol!("scalar-2misc", 2, gen_s2misc),
    xol!("scalar-pairwise", 1, gen_spairwise),
    xol!("scalar-shift", 1, gen_sshift),
    xol!("scalar-indexed", 1, gen_sindexed),
    xol!("scalar-copy", 1, gen_scopy),
    xol!("scalar-3ext", 1, rdm, gen_s3ext),
    xol!("scalar-fp16", 1, fp16, gen_sfp16),
];
