//! The simulators on hand-computed software frames.
//!
//! Instructions are given as encoded words and go through `decode` first,
//! so these tests also check the fields the decoder extracts (offsets,
//! registers, widths). Expected values are computed by hand here, not with
//! the runtime's helpers.

use probec_runtime::arch::aarch64::condition::condition_holds;
use probec_runtime::arch::aarch64::decode::{decode, Decoded, LiteralKind, SimKind};
use probec_runtime::arch::aarch64::simulate::{simulate, LiteralMemory, SimEnv, SimError};
use probec_runtime::Frame;
use proptest::prelude::*;
use std::cell::RefCell;

const PC: u64 = 0x4008_0000;
const BTYPE_SHIFT: u32 = 10;

/// Literal memory backed by a byte vector at `base`; everything else is
/// unreadable. Records every read.
struct Mem {
    base: u64,
    bytes: Vec<u8>,
    reads: RefCell<Vec<(u64, usize)>>,
}

impl Mem {
    fn new(base: u64, bytes: &[u8]) -> Self {
        Mem { base, bytes: bytes.to_vec(), reads: RefCell::new(Vec::new()) }
    }

    fn none() -> Self {
        Mem::new(0, &[])
    }
}

impl LiteralMemory for Mem {
    fn read(&self, addr: u64, size: usize, out: &mut [u8]) -> bool {
        self.reads.borrow_mut().push((addr, size));
        let Some(start) = addr.checked_sub(self.base) else { return false };
        let start = start as usize;
        match self.bytes.get(start..start + size) {
            Some(src) => {
                out[..size].copy_from_slice(src);
                true
            }
            None => false,
        }
    }
}

/// Memory where every address reads as `fill`, or nothing is readable.
struct AnyMem {
    fill: u8,
    readable: bool,
}

impl LiteralMemory for AnyMem {
    fn read(&self, _addr: u64, size: usize, out: &mut [u8]) -> bool {
        out[..size].fill(self.fill);
        self.readable
    }
}

/// A frame with recognisable values: x[n] = 0x1000 * (n + 1), sp, vectors.
fn frame() -> Frame {
    let mut f = Frame::zeroed();
    for n in 0..31 {
        f.x[n] = 0x1000 * (n as u64 + 1);
    }
    f.sp = 0xffff_8000_dead_0000;
    f.pc = PC;
    for n in 0..32 {
        f.v[n] = u128::MAX - n as u128;
    }
    f
}

fn kind(word: u32) -> SimKind {
    match decode(word) {
        Decoded::Simulate(kind) => kind,
        other => panic!("{word:08x} decodes to {other:?}, expected a simulation"),
    }
}

/// Simulate `word` at `pc` on `f` with default environment and no memory.
fn run_at(word: u32, pc: u64, f: &mut Frame) {
    simulate(kind(word), pc, f, &Mem::none(), SimEnv::default()).unwrap();
}

fn run(word: u32, f: &mut Frame) {
    run_at(word, PC, f)
}

// Encoders, written from the ARM ARM's encoding diagrams.
fn b(imm26: i64) -> u32 {
    0x1400_0000 | (imm26 as u32 & 0x03ff_ffff)
}
fn bl(imm26: i64) -> u32 {
    0x9400_0000 | (imm26 as u32 & 0x03ff_ffff)
}
fn bcond(cond: u32, imm19: i64) -> u32 {
    0x5400_0000 | ((imm19 as u32 & 0x7ffff) << 5) | cond
}
fn bccond(cond: u32, imm19: i64) -> u32 {
    bcond(cond, imm19) | 0x10
}
fn cbz(sf: bool, nonzero: bool, rt: u32, imm19: i64) -> u32 {
    ((sf as u32) << 31) | 0x3400_0000 | ((nonzero as u32) << 24) | ((imm19 as u32 & 0x7ffff) << 5) | rt
}
fn tbz(nonzero: bool, rt: u32, bit: u32, imm14: i64) -> u32 {
    ((bit >> 5) << 31) | 0x3600_0000 | ((nonzero as u32) << 24) | ((bit & 31) << 19) | ((imm14 as u32 & 0x3fff) << 5) | rt
}
fn adr(page: bool, rd: u32, imm21: i64) -> u32 {
    let imm = imm21 as u32 & 0x1f_ffff;
    ((page as u32) << 31) | 0x1000_0000 | ((imm & 3) << 29) | ((imm >> 2) << 5) | rd
}
fn br(rn: u32) -> u32 {
    0xd61f_0000 | (rn << 5)
}
fn blr(rn: u32) -> u32 {
    0xd63f_0000 | (rn << 5)
}
fn ret(rn: u32) -> u32 {
    0xd65f_0000 | (rn << 5)
}
/// opc:V of LDR (literal): 00:0 W, 01:0 X, 10:0 SW, 11:0 PRFM, 00:1 S, 01:1 D, 10:1 Q.
fn ldr_lit(opc: u32, simd: bool, rt: u32, imm19: i64) -> u32 {
    (opc << 30) | 0x1800_0000 | ((simd as u32) << 26) | ((imm19 as u32 & 0x7ffff) << 5) | rt
}
fn mrs_daif(rt: u32) -> u32 {
    0xd53b_4220 | rt
}

fn btype(f: &Frame) -> u64 {
    (f.pstate >> BTYPE_SHIFT) & 3
}

#[test]
fn b_offsets_including_limits() {
    for (imm26, offset) in [(0i64, 0i64), (1, 4), (-1, -4), (0x1ff_ffff, 0x7ff_fffc), (-0x200_0000, -0x800_0000)] {
        let mut f = frame();
        let before = f;
        run(b(imm26), &mut f);
        assert_eq!(f.pc, PC.wrapping_add(offset as u64), "imm26 {imm26:#x}");
        assert_eq!(f.x, before.x, "B writes no register");
        assert_eq!(kind(b(imm26)), SimKind::B { offset });
    }
    // Address arithmetic wraps like the hardware's.
    let mut f = frame();
    run_at(b(-2), 4, &mut f);
    assert_eq!(f.pc, 0xffff_ffff_ffff_fffc);
}

#[test]
fn bl_writes_link_register() {
    for (imm26, offset) in [(0x1ff_ffff, 0x7ff_fffc_i64), (-0x200_0000, -0x800_0000), (16, 64)] {
        let mut f = frame();
        run(bl(imm26), &mut f);
        assert_eq!(f.pc, PC.wrapping_add(offset as u64));
        assert_eq!(f.x[30], PC + 4);
        assert_eq!(f.x[..30], frame().x[..30]);
    }
}

/// The condition codes written out one by one, independent of the
/// runtime's cond[3:1]/cond[0] structure.
fn truth(cond: u32, n: bool, z: bool, c: bool, v: bool) -> bool {
    match cond {
        0x0 => z,            // EQ
        0x1 => !z,           // NE
        0x2 => c,            // CS/HS
        0x3 => !c,           // CC/LO
        0x4 => n,            // MI
        0x5 => !n,           // PL
        0x6 => v,            // VS
        0x7 => !v,           // VC
        0x8 => c && !z,      // HI
        0x9 => !c || z,      // LS
        0xa => n == v,       // GE
        0xb => n != v,       // LT
        0xc => !z && n == v, // GT
        0xd => z || n != v,  // LE
        0xe => true,         // AL
        _ => true,           // NV behaves as AL
    }
}

#[test]
fn every_condition_over_every_nzcv() {
    for cond in 0..16u32 {
        for nzcv in 0..16u64 {
            let (n, z, c, v) = (nzcv & 8 != 0, nzcv & 4 != 0, nzcv & 2 != 0, nzcv & 1 != 0);
            let expected = truth(cond, n, z, c, v);
            assert_eq!(condition_holds(cond as u8, nzcv as u8), expected, "cond {cond:x} nzcv {nzcv:04b}");
            for word in [bcond(cond, 0x40), bccond(cond, 0x40)] {
                let mut f = frame();
                // Other PSTATE bits must not affect the result or be lost.
                f.pstate = (nzcv << 28) | 0x3c5;
                run(word, &mut f);
                let target = if expected { PC + 0x100 } else { PC + 4 };
                assert_eq!(f.pc, target, "{word:08x} cond {cond:x} nzcv {nzcv:04b}");
                assert_eq!(f.pstate, (nzcv << 28) | 0x3c5);
            }
        }
    }
}

#[test]
fn conditional_branch_offsets() {
    for (imm19, offset) in [(0x3_ffff_i64, 0xf_fffc_i64), (-0x4_0000, -0x10_0000), (-1, -4)] {
        let mut f = frame();
        run(bcond(0xe, imm19), &mut f);
        assert_eq!(f.pc, PC.wrapping_add(offset as u64));
        assert_eq!(kind(bccond(0, imm19)), SimKind::BcCond { cond: 0, offset });
    }
}

#[test]
fn cbz_cbnz_widths_and_xzr() {
    let taken = PC + 8;
    let not_taken = PC + 4;
    let cases = [
        // (sf, nonzero, register value, taken?)
        (true, false, 0u64, true),
        (true, false, 0xffff_ffff_0000_0000, false),
        (false, false, 0xffff_ffff_0000_0000, true), // W form ignores the top half
        (false, true, 0xffff_ffff_0000_0000, false),
        (false, true, 0x0000_0000_8000_0000, true),
        (true, true, 1 << 63, true),
    ];
    for (sf, nonzero, value, expect) in cases {
        let mut f = frame();
        f.x[3] = value;
        run(cbz(sf, nonzero, 3, 2), &mut f);
        assert_eq!(f.pc, if expect { taken } else { not_taken }, "sf {sf} nz {nonzero} {value:#x}");
    }
    // Rt = 31 is XZR: always zero, never SP.
    let mut f = frame();
    run(cbz(true, false, 31, 2), &mut f);
    assert_eq!(f.pc, taken);
    let mut f = frame();
    run(cbz(true, true, 31, 2), &mut f);
    assert_eq!(f.pc, not_taken);
    // ±1 MiB.
    let mut f = frame();
    f.x[0] = 0;
    run(cbz(true, false, 0, 0x3_ffff), &mut f);
    assert_eq!(f.pc, PC + 0xf_fffc);
    let mut f = frame();
    f.x[0] = 0;
    run(cbz(false, false, 0, -0x4_0000), &mut f);
    assert_eq!(f.pc, PC - 0x10_0000);
}

#[test]
fn tbz_tbnz_bits_and_offsets() {
    for bit in [0u32, 1, 31, 32, 62, 63] {
        for set in [false, true] {
            let mut f = frame();
            f.x[7] = if set { 1u64 << bit } else { !(1u64 << bit) };
            run(tbz(false, 7, bit, 4), &mut f);
            assert_eq!(f.pc, if set { PC + 4 } else { PC + 16 }, "tbz bit {bit} set {set}");
            let mut f2 = frame();
            f2.x[7] = if set { 1u64 << bit } else { !(1u64 << bit) };
            run(tbz(true, 7, bit, 4), &mut f2);
            assert_eq!(f2.pc, if set { PC + 16 } else { PC + 4 }, "tbnz bit {bit} set {set}");
        }
    }
    // XZR: every bit is zero.
    let mut f = frame();
    run(tbz(true, 31, 5, 4), &mut f);
    assert_eq!(f.pc, PC + 4);
    // ±32 KiB.
    let mut f = frame();
    f.x[0] = 0;
    run(tbz(false, 0, 0, 0x1fff), &mut f);
    assert_eq!(f.pc, PC + 0x7ffc);
    let mut f = frame();
    f.x[0] = 0;
    run(tbz(false, 0, 0, -0x2000), &mut f);
    assert_eq!(f.pc, PC - 0x8000);
}

#[test]
fn adr_offsets_and_xzr() {
    for (imm, expected) in [(0i64, PC), (3, PC + 3), (0xf_ffff, PC + 0xf_ffff), (-0x10_0000, PC - 0x10_0000)] {
        let mut f = frame();
        run(adr(false, 9, imm), &mut f);
        assert_eq!(f.x[9], expected, "adr {imm:#x}");
        assert_eq!(f.pc, PC + 4);
    }
    // Rd = 31 is XZR: nothing but the PC changes, SP in particular not.
    let mut f = frame();
    let before = f;
    run(adr(false, 31, 0x40), &mut f);
    assert_eq!((f.x, f.sp), (before.x, before.sp));
    assert_eq!(f.pc, PC + 4);
}

#[test]
fn adrp_page_arithmetic() {
    let cases = [
        // (pc, imm (pages), expected)
        (0x4000_0ffc_u64, 1i64, 0x4000_1000_u64),
        (0x4000_1000, -1, 0x4000_0000),
        (0x4000_1234, 0, 0x4000_1000),
        (0x4000_0000, 0xf_ffff, 0x4000_0000 + 0xffff_f000),
        (0x1_0000_0000, -0x10_0000, 0),
        (0xffff_8000_0000_0fff, -1, 0xffff_7fff_ffff_f000),
    ];
    for (pc, imm, expected) in cases {
        let mut f = frame();
        run_at(adr(true, 2, imm), pc, &mut f);
        assert_eq!(f.x[2], expected, "adrp at {pc:#x} + {imm} pages");
        assert_eq!(f.pc, pc + 4);
    }
    let mut f = frame();
    let before = f;
    run(adr(true, 31, 5), &mut f);
    assert_eq!((f.x, f.sp), (before.x, before.sp));
}

#[test]
fn register_branches_and_link() {
    let mut f = frame();
    f.x[5] = 0xdead_beef_0000;
    run(br(5), &mut f);
    assert_eq!(f.pc, 0xdead_beef_0000);
    assert_eq!(f.x[30], frame().x[30], "BR does not link");

    let mut f = frame();
    f.x[5] = 0x1234_5678;
    run(blr(5), &mut f);
    assert_eq!((f.pc, f.x[30]), (0x1234_5678, PC + 4));

    // BLR X30: the target is the old X30.
    let mut f = frame();
    f.x[30] = 0x7777_0000;
    run(blr(30), &mut f);
    assert_eq!((f.pc, f.x[30]), (0x7777_0000, PC + 4));

    let mut f = frame();
    run(ret(30), &mut f);
    assert_eq!(f.pc, frame().x[30]);
    let mut f = frame();
    run(ret(3), &mut f);
    assert_eq!(f.pc, frame().x[3]);

    // Rn = 31 is XZR for BR, BLR and RET (the target is 0, not SP).
    for word in [br(31), blr(31), ret(31)] {
        let mut f = frame();
        run(word, &mut f);
        assert_eq!(f.pc, 0, "{word:08x}");
    }
}

#[test]
fn btype_after_branches() {
    let cases = [
        // (word, guarded, expected BTYPE)
        (br(16), true, 0b01),
        (br(17), true, 0b01),
        (br(0), true, 0b11),
        (br(30), true, 0b11),
        (br(0), false, 0b01),
        (br(16), false, 0b01),
        (blr(0), true, 0b10),
        (blr(17), false, 0b10),
        (ret(30), true, 0b00),
        (b(4), true, 0b00),
        (bl(4), true, 0b00),
        (bcond(0, 4), true, 0b00),
        (0xd503_201f, true, 0b00), // NOP
        (0xd503_245f, true, 0b00), // BTI c
    ];
    for (word, guarded, expected) in cases {
        let mut f = frame();
        // Start from BTYPE = 11 and some flags/masks that must survive.
        f.pstate = (0b1010 << 28) | (0b11 << BTYPE_SHIFT) | 0x3c5;
        simulate(kind(word), PC, &mut f, &Mem::none(), SimEnv { bti_guarded: guarded }).unwrap();
        assert_eq!(btype(&f), expected, "{word:08x} guarded {guarded}");
        assert_eq!(f.pstate & !(0b11 << BTYPE_SHIFT), (0b1010 << 28) | 0x3c5);
    }
}

#[test]
fn literal_loads_all_widths() {
    let base = PC + 0x100;
    let mut bytes = vec![0u8; 0x40];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = 0x80 | i as u8;
    }
    let mem = Mem::new(base, &bytes);
    let load = |word: u32, f: &mut Frame| {
        mem.reads.borrow_mut().clear();
        simulate(kind(word), PC, f, &mem, SimEnv::default()).unwrap();
        assert_eq!(f.pc, PC + 4);
        mem.reads.borrow().clone()
    };

    // W: 4 bytes, zero-extended.
    let mut f = frame();
    assert_eq!(load(ldr_lit(0b00, false, 1, 0x40), &mut f), vec![(base, 4)]);
    assert_eq!(f.x[1], 0x8382_8180);
    // X: 8 bytes.
    let mut f = frame();
    assert_eq!(load(ldr_lit(0b01, false, 1, 0x41), &mut f), vec![(base + 4, 8)]);
    assert_eq!(f.x[1], 0x8b8a_8988_8786_8584);
    // SW: 4 bytes, sign-extended (the top bit of 0x83 is set).
    let mut f = frame();
    load(ldr_lit(0b10, false, 1, 0x40), &mut f);
    assert_eq!(f.x[1], 0xffff_ffff_8382_8180);
    // S and D zero the rest of the Q register (which started all ones).
    let mut f = frame();
    load(ldr_lit(0b00, true, 4, 0x40), &mut f);
    assert_eq!(f.v[4], 0x8382_8180);
    let mut f = frame();
    load(ldr_lit(0b01, true, 4, 0x40), &mut f);
    assert_eq!(f.v[4], 0x8786_8584_8382_8180);
    // Q: all 16 bytes, little-endian lane order.
    let mut f = frame();
    assert_eq!(load(ldr_lit(0b10, true, 31, 0x42), &mut f), vec![(base + 8, 16)]);
    assert_eq!(f.v[31], 0x9796_9594_9392_9190_8f8e_8d8c_8b8a_8988);
    assert_eq!(f.v[..31], frame().v[..31]);
    // General Rt = 31 is XZR: the load happens, the value is discarded.
    let mut f = frame();
    let before = f;
    assert_eq!(load(ldr_lit(0b01, false, 31, 0x40), &mut f).len(), 1);
    assert_eq!((f.x, f.sp, f.v), (before.x, before.sp, before.v));
    // Negative offsets and the ±1 MiB limits reach the right address.
    let far = Mem::new(PC - 0x10_0000, &[1, 2, 3, 4]);
    let mut f = frame();
    simulate(kind(ldr_lit(0b00, false, 0, -0x4_0000)), PC, &mut f, &far, SimEnv::default()).unwrap();
    assert_eq!(f.x[0], 0x0403_0201);
    assert_eq!(kind(ldr_lit(0b01, false, 0, 0x3_ffff)), SimKind::LdrLiteral { rt: 0, kind: LiteralKind::X, offset: 0xf_fffc });
}

#[test]
fn unreadable_literal_is_an_error_and_changes_nothing() {
    for word in [ldr_lit(0b00, false, 1, 8), ldr_lit(0b01, false, 1, -8), ldr_lit(0b10, false, 1, 8), ldr_lit(0b10, true, 1, 8)] {
        let mut f = frame();
        f.pstate = 0b11 << BTYPE_SHIFT;
        let before = f;
        let offset = match kind(word) {
            SimKind::LdrLiteral { offset, .. } => offset,
            other => panic!("{other:?}"),
        };
        let result = simulate(kind(word), PC, &mut f, &Mem::none(), SimEnv::default());
        assert_eq!(result, Err(SimError::LiteralUnreadable { addr: PC.wrapping_add(offset as u64) }));
        assert_eq!(f, before, "a failed simulation leaves the frame as it was");
    }
}

#[test]
fn prfm_nop_and_mrs_daif() {
    // PRFM (literal) reads nothing, so unreadable memory does not matter.
    let mem = Mem::none();
    let mut f = frame();
    let before = f;
    simulate(kind(ldr_lit(0b11, false, 0, 0x100)), PC, &mut f, &mem, SimEnv::default()).unwrap();
    assert!(mem.reads.borrow().is_empty());
    assert_eq!((f.x, f.pc), (before.x, PC + 4));

    for word in [0xd503_201f, 0xd503_241f, 0xd503_245f, 0xd503_249f, 0xd503_24df] {
        let mut f = frame();
        run(word, &mut f);
        assert_eq!(f.pc, PC + 4);
        assert_eq!(f.x, frame().x);
    }

    // MRS Xt, DAIF: bits 9:6 of the saved PSTATE, in place, nothing else.
    for daif in 0..16u64 {
        let mut f = frame();
        f.pstate = (0b1111 << 28) | (daif << 6) | 0b0101;
        run(mrs_daif(12), &mut f);
        assert_eq!(f.x[12], daif << 6);
        assert_eq!(f.pc, PC + 4);
    }
    let mut f = frame();
    f.pstate = 0x3c0;
    let before = f;
    run(mrs_daif(31), &mut f);
    assert_eq!((f.x, f.sp), (before.x, before.sp), "MRS XZR, DAIF discards");
}

/// A frame from proptest's random values.
fn arbitrary_frame() -> impl Strategy<Value = Frame> {
    (any::<[u64; 31]>(), any::<u64>(), any::<u64>(), any::<[u128; 32]>()).prop_map(|(x, sp, pstate, v)| {
        let mut f = Frame::zeroed();
        f.x = x;
        f.sp = sp;
        f.pstate = pstate;
        f.v = v;
        f
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, .. ProptestConfig::default() })]

    /// Every word decodes without panicking.
    #[test]
    fn decode_never_panics(word in any::<u32>()) {
        let _ = decode(word);
    }

    /// Every simulated kind runs on any frame without panicking, writes the
    /// next PC, leaves SP alone, and only ever changes what it may change.
    #[test]
    fn every_simulation_runs(word in any::<u32>(), mut f in arbitrary_frame(), pc in any::<u64>(),
                             readable in any::<bool>(), guarded in any::<bool>(), fill in any::<u8>()) {
        let Decoded::Simulate(kind) = decode(word) else { return Ok(()) };
        let pc = pc & !3;
        let before = f;
        let mem = AnyMem { fill, readable };
        let result = simulate(kind, pc, &mut f, &mem, SimEnv { bti_guarded: guarded });
        match result {
            Err(SimError::LiteralUnreadable { .. }) => {
                prop_assert!(!readable);
                prop_assert_eq!(f, before);
            }
            Ok(()) => {
                prop_assert_eq!(f.sp, before.sp);
                let links = matches!(kind, SimKind::Bl { .. } | SimKind::Blr { .. });
                let branches = matches!(kind, SimKind::B { .. } | SimKind::Bl { .. } | SimKind::BCond { .. }
                    | SimKind::BcCond { .. } | SimKind::Cbz { .. } | SimKind::Tbz { .. } | SimKind::Br { .. }
                    | SimKind::Blr { .. } | SimKind::Ret { .. });
                if !branches {
                    prop_assert_eq!(f.pc, pc.wrapping_add(4));
                }
                for n in 0..31 {
                    let may_write = (links && n == 30) || match kind {
                        SimKind::Adr { rd, .. } | SimKind::Adrp { rd, .. } => rd as usize == n,
                        SimKind::LdrLiteral { rt, kind, .. } => !kind.is_simd() && rt as usize == n,
                        SimKind::MrsDaif { rt } => rt as usize == n,
                        _ => false,
                    };
                    if !may_write {
                        prop_assert_eq!(f.x[n], before.x[n], "x{} changed by {:?}", n, kind);
                    }
                }
                if !matches!(kind, SimKind::LdrLiteral { kind: LiteralKind::S | LiteralKind::D | LiteralKind::Q, .. }) {
                    prop_assert_eq!(f.v, before.v);
                }
                // Only BTYPE in PSTATE may change.
                prop_assert_eq!(f.pstate & !(0b11 << BTYPE_SHIFT), before.pstate & !(0b11 << BTYPE_SHIFT));
            }
        }
    }
}

/// Every combination of bits 31:10 (with pseudo-random low bits): decode
/// never panics anywhere in the encoding space, and simulated words run.
#[test]
fn decode_sweep_of_all_high_bits() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut simulated = 0u32;
    for high in 0..(1u32 << 22) {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let word = (high << 10) | ((state >> 40) as u32 & 0x3ff);
        if let Decoded::Simulate(kind) = decode(word) {
            simulated += 1;
            let mut f = frame();
            let mem = AnyMem { fill: 0x5a, readable: high & 1 == 0 };
            let _ = simulate(kind, PC, &mut f, &mem, SimEnv::default());
        }
    }
    assert!(simulated > 100_000, "simulated kinds are a large part of the space");
}
