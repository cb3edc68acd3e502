//! System space: NOP/BTI (simulated), MRS DAIF (simulated), other MRS
//! reads, hints, barriers and cache/TLB/address-translation SYS
//! instructions (out of line).

use super::dp::xol;
use super::{always, Class, Cx, Expect};
use crate::random::rng::Rng;

/// `MRS Xt, <op0=3, op1, CRn, CRm, op2>`.
const fn mrs(op1: u32, crn: u32, crm: u32, op2: u32) -> u32 {
    0xd538_0000 | op1 << 16 | crn << 12 | crm << 8 | op2 << 5
}

/// `SYS #op1, Cn, Cm, #op2, Xt`.
const fn sys(op1: u32, crn: u32, crm: u32, op2: u32) -> u32 {
    0xd508_0000 | op1 << 16 | crn << 12 | crm << 8 | op2 << 5
}

fn gen_nop(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    // NOP, BTI, BTI c, BTI j, BTI jc.
    Some(0xd503_201f | rng.pick(&[0, 32, 34, 36, 38]) << 5)
}

fn gen_mrs_daif(rng: &mut Rng, _: &mut Cx<'_>) -> Option<u32> {
    Some(mrs(3, 4, 2, 1) | rng.reg31())
}

/// Registers whose value is the same whenever it is read here.
const STABLE: &[u32] = &[
    mrs(3, 4, 2, 0),  // NZCV
    mrs(3, 4, 4, 0),  // FPCR
    mrs(3, 4, 4, 1),  // FPSR
    mrs(3, 4, 2, 0),  // NZCV (again: weight)
    mrs(0, 4, 2, 2),  // CurrentEL
    mrs(0, 4, 2, 0),  // SPSel
    mrs(0, 4, 1, 0),  // SP_EL0
    mrs(0, 0, 0, 0),  // MIDR_EL1
    mrs(0, 0, 0, 5),  // MPIDR_EL1
    mrs(0, 0, 4, 0),  // ID_AA64PFR0_EL1
    mrs(0, 0, 6, 0),  // ID_AA64ISAR0_EL1
    mrs(0, 0, 7, 0),  // ID_AA64MMFR0_EL1
    mrs(3, 0, 0, 1),  // CTR_EL0
    mrs(3, 0, 0, 7),  // DCZID_EL0
    mrs(3, 14, 0, 0), // CNTFRQ_EL0
    mrs(0, 1, 0, 0),  // SCTLR_EL1
    mrs(0, 2, 0, 2),  // TCR_EL1
    mrs(0, 10, 2, 0), // MAIR_EL1
    mrs(0, 12, 0, 0), // VBAR_EL1
    mrs(0, 1, 0, 2),  // CPACR_EL1
    mrs(0, 13, 0, 4), // TPIDR_EL1 (the harness pointer)
];

fn gen_mrs(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let ft = cx.feat;
    let word = match rng.below(8) {
        0 if ft.pan => mrs(0, 4, 2, 3),
        1 if ft.uao => mrs(0, 4, 2, 4),
        2 if ft.dit => mrs(3, 4, 2, 5),
        3 if ft.ssbs => mrs(3, 4, 2, 6),
        _ => rng.pick(STABLE),
    };
    Some(word | rng.reg31())
}

fn gen_hint(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let mut hints = alloc::vec![1u32, 4, 5, 7, 8, 10, 17, 18, 19, 20, 22, 24, 25, 26, 27, 40];
    if cx.feat.dgh {
        hints.push(6);
    }
    Some(0xd503_201f | rng.pick(&hints) << 5)
}

fn gen_barrier(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let op2 = if cx.feat.sb && rng.chance(1, 8) { 0b111 } else { rng.pick(&[0b010, 0b100, 0b101, 0b110]) };
    let crm = if op2 == 0b111 { 0 } else { rng.bits(4) };
    Some(0xd503_301f | crm << 8 | op2 << 5)
}

fn gen_sys(rng: &mut Rng, cx: &mut Cx<'_>) -> Option<u32> {
    let ft = cx.feat;
    let rt = rng.reg();
    let data = cx.data_ea(rng, 8, 1);
    let (start, _) = cx.page.bounds();
    let code = (start + 4 * rng.below(1024) as usize) as u64;
    let (word, value) = match rng.below(12) {
        0 => (sys(3, 7, 10, 1), Some(data)),                                               // DC CVAC
        1 => (sys(3, 7, 11, 1), Some(data)),                                               // DC CVAU
        2 => (sys(3, 7, 14, 1), Some(data)),                                               // DC CIVAC
        3 if ft.dczva_block != 0 && ft.dczva_block <= 64 => (sys(3, 7, 4, 1), Some(data)), // DC ZVA
        4 if ft.dpb => (sys(3, 7, 12, 1), Some(data)),                                     // DC CVAP
        5 if ft.dpb2 => (sys(3, 7, 13, 1), Some(data)),                                    // DC CVADP
        6 => (sys(3, 7, 5, 1), Some(code)),                                                // IC IVAU
        7 => (sys(0, 7, 5, 0) | 31, None),                                                 // IC IALLU
        8 => (sys(0, 8, 7, 0) | 31, None),                                                 // TLBI VMALLE1
        9 => (sys(0, 8, 7, 1), Some(rng.next())),                                          // TLBI VAE1
        10 => {
            let wild = rng.next();
            (sys(0, 7, 8, 0), Some(rng.pick(&[data, code, wild]))) // AT S1E1R
        }
        11 if ft.specres => (sys(3, 7, 3, rng.pick(&[4, 5, 7])), Some(rng.next())), // CFP/DVP/CPP RCTX
        _ => (sys(0, 7, 1, 0) | 31, None),                                          // IC IALLUIS
    };
    match value {
        Some(v) => {
            cx.set_x(rt, v);
            Some(word | rt)
        }
        None => Some(word),
    }
}

/// The classes.
pub const CLASSES: &[Class] = &[
    Class { name: "nop", expect: Expect::Sim("nop"), weight: 2, available: always, gen: gen_nop },
    Class { name: "mrs-daif", expect: Expect::Sim("mrs-daif"), weight: 2, available: always, gen: gen_mrs_daif },
    xol!("mrs", 3, gen_mrs),
    xol!("hint", 2, gen_hint),
    xol!("barrier", 2, gen_barrier),
    xol!("sys", 2, gen_sys),
];
