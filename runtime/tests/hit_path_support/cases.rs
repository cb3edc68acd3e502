//! Hit-path scenarios run in every XOL mode (hit_path.rs), each on a
//! runtime of its own. The test plays the CPU: it runs the slot's
//! instruction by hand and calls the entry point the next exception would
//! reach.

use super::*;
use probec_runtime::arch::aarch64::brk::{brk, PROBE_IMM, RETURN_IMM, SLOT_IMM};
use probec_runtime::arch::aarch64::debug::{MDSCR, MDSCR_EL1};
use probec_runtime::arch::aarch64::encode::b_target;
use probec_runtime::arch::aarch64::pstate::{Pstate, SPSR};
use probec_runtime::{Frame, Handlers, HitContext, XolMode};
use std::sync::atomic::{AtomicU64, Ordering};
use tock_registers::interfaces::Readable;

const ADD_X0_1: u32 = 0x9100_0400; // add x0, x0, #1
const B_EQ_8: u32 = 0x5400_0040; // b.eq .+8
const STP_FP_LR: u32 = 0xa9bf_7bfd; // stp x29, x30, [sp, #-16]!
const LDR_X1_X2: u32 = 0xf940_0041; // ldr x1, [x2]

static PRE: AtomicU64 = AtomicU64::new(0);
static POST: AtomicU64 = AtomicU64::new(0);
static RET: AtomicU64 = AtomicU64::new(0);
static RET_VALUE: AtomicU64 = AtomicU64::new(0);

fn pre(ctx: &mut HitContext<'_>) {
    assert_eq!(ctx.frame.pc as usize, ctx.addr, "pre-handler runs before the instruction");
    PRE.fetch_add(1, Ordering::SeqCst);
    ctx.call_data = 0xfeed;
}

fn post(_: &mut HitContext<'_>) {
    POST.fetch_add(1, Ordering::SeqCst);
}

fn on_return(ctx: &mut HitContext<'_>) {
    assert_eq!(ctx.call_data, 0xfeed, "call data flows from entry to return");
    RET.fetch_add(1, Ordering::SeqCst);
    RET_VALUE.store(ctx.frame.x[0], Ordering::SeqCst);
}

fn reset() {
    for c in [&PRE, &POST, &RET, &RET_VALUE] {
        c.store(0, Ordering::SeqCst);
    }
}

/// Complete the slot the frame points at: execute `effect` as the
/// instruction, then take the exception the mode produces.
fn finish_slot(s: &Setup, frame: &mut Frame, effect: impl FnOnce(&mut Frame)) -> bool {
    let (p, rt) = (s.p, &s.rt);
    effect(frame);
    frame.pc += 4;
    match s.mode {
        XolMode::SingleStep => rt.on_step(frame, esr_step()),
        XolMode::BrkAfterSlot => {
            assert_eq!(p.word(frame.pc as usize), brk(SLOT_IMM), "the slot is followed by its BRK");
            rt.on_brk(frame, esr_brk(SLOT_IMM))
        }
        // Probes with a post-handler fall back to BRK-after-slot.
        XolMode::Boost if p.word(frame.pc as usize) == brk(SLOT_IMM) => rt.on_brk(frame, esr_brk(SLOT_IMM)),
        XolMode::Boost => {
            let pc = frame.pc as usize;
            frame.pc = b_target(p.word(pc), pc).expect("a boosted slot ends in B") as u64;
            true
        }
    }
}

pub fn xol_probe(mode: XolMode) {
    let s = setup(mode);
    let (p, rt) = (s.p, &s.rt);
    reset();
    p.set_text(0, ADD_X0_1);
    let addr = p.text_addr(0);
    let id = rt.attach(addr, Handlers { pre: Some(pre), post: Some(post), ret: None }, 7).unwrap();
    assert_eq!(p.word(addr), brk(PROBE_IMM));

    let mut frame = frame_at(addr);
    frame.x[0] = 41;
    frame.pstate |= 0x6000_0000; // Z and C set before
    assert!(rt.on_brk(&mut frame, esr_brk(PROBE_IMM)));
    assert_eq!(PRE.load(Ordering::SeqCst), 1);
    let slot = frame.pc as usize;
    assert_eq!(p.word(slot), ADD_X0_1, "the slot holds the displaced instruction");
    let ps = Pstate::new(frame.pstate);
    assert!(ps.is_set(SPSR::I) && ps.is_set(SPSR::F), "interrupts masked in the slot");
    if mode == XolMode::SingleStep {
        assert!(ps.is_set(SPSR::SS) && !ps.is_set(SPSR::D), "SPSR.SS set, debug unmasked");
        assert!(MDSCR_EL1.is_set(MDSCR::SS) && MDSCR_EL1.is_set(MDSCR::KDE));
    } else {
        assert!(!ps.is_set(SPSR::SS));
    }
    assert_eq!(POST.load(Ordering::SeqCst), 0);

    assert!(finish_slot(&s, &mut frame, |f| {
        f.x[0] += 1;
        f.pstate = (f.pstate & !0xF000_0000) | 0x8000_0000; // the instruction set N
    }));
    assert_eq!(frame.pc as usize, addr + 4, "resumes after the probed instruction");
    assert_eq!(frame.x[0], 42);
    assert_eq!(frame.pstate, 0x8000_0005, "flags from the instruction, DAIF/SS as before");
    assert!(!MDSCR_EL1.is_set(MDSCR::SS), "single-step is off again");
    assert_eq!(POST.load(Ordering::SeqCst), 1);
    assert_eq!(rt.stats(id).unwrap().hits, 1);
    rt.detach(id).unwrap();
    assert_eq!(p.word(addr), ADD_X0_1, "detach restores the original word");
}

pub fn simulated_probe(mode: XolMode) {
    let s = setup(mode);
    let (p, rt) = (s.p, &s.rt);
    reset();
    p.set_text(1, B_EQ_8);
    let addr = p.text_addr(1);
    let id = rt.attach(addr, Handlers { pre: Some(pre), post: Some(post), ret: None }, 0).unwrap();
    for (z, target) in [(true, addr + 8), (false, addr + 4)] {
        let mut frame = frame_at(addr);
        if z {
            frame.pstate |= 0x4000_0000;
        }
        assert!(rt.on_brk(&mut frame, esr_brk(PROBE_IMM)));
        assert_eq!(frame.pc as usize, target, "b.eq with Z={z}");
        assert_eq!(frame.pstate & 0x3ff, 0x5, "no interrupt masking or stepping for a simulation");
    }
    assert_eq!((PRE.load(Ordering::SeqCst), POST.load(Ordering::SeqCst)), (2, 2));
    rt.detach(id).unwrap();
    assert_eq!(p.word(addr), B_EQ_8);
}

pub fn return_probe(mode: XolMode) {
    let s = setup(mode);
    let (p, rt) = (s.p, &s.rt);
    reset();
    p.set_text(2, STP_FP_LR);
    let addr = p.text_addr(2);
    let id = rt.attach(addr, Handlers { pre: Some(pre), post: None, ret: Some(on_return) }, 0).unwrap();
    let mut frame = frame_at(addr);
    frame.x[30] = 0x4000_1234;
    let entry_sp = frame.sp;
    assert!(rt.on_brk(&mut frame, esr_brk(PROBE_IMM)));
    let trampoline = frame.x[30] as usize;
    assert_ne!(trampoline, 0x4000_1234, "X30 points at the trampoline");
    assert_eq!(p.word(trampoline), brk(RETURN_IMM));
    assert!(finish_slot(&s, &mut frame, |f| f.sp -= 16));
    // ... the function runs and returns to X30 with SP back where it was.
    frame.sp = entry_sp;
    frame.x[0] = 99;
    frame.pc = trampoline as u64;
    assert!(rt.on_brk(&mut frame, esr_brk(RETURN_IMM)));
    assert_eq!(frame.pc, 0x4000_1234, "returns to the original caller");
    assert_eq!(frame.x[30], 0x4000_1234);
    assert_eq!((RET.load(Ordering::SeqCst), RET_VALUE.load(Ordering::SeqCst)), (1, 99));
    // A return with no pending instance is not the runtime's to handle.
    let mut stray = frame_at(trampoline);
    assert!(!rt.on_brk(&mut stray, esr_brk(RETURN_IMM)));
    rt.detach(id).unwrap();
}

/// What the nested-hit test's outer pre-handler needs, passed as its
/// cookie.
struct Nested<'s> {
    s: &'s Setup,
    inner: usize,
}

/// A pre-handler that "calls a probed function": it takes the nested
/// trap itself, as the exception vector would.
fn pre_calls_probed(ctx: &mut HitContext<'_>) {
    PRE.fetch_add(1, Ordering::SeqCst);
    // SAFETY: the cookie is the address of the `Nested` that
    // `nested_hit` keeps alive until it has detached this probe.
    let Nested { s, inner } = unsafe { &*(ctx.cookie as *const Nested<'_>) };
    let (s, inner) = (*s, *inner);
    let mut frame = frame_at(inner);
    frame.pstate = 0x3c5; // a handler runs with DAIF masked
    frame.x[0] = 1;
    assert!(s.rt.on_brk(&mut frame, esr_brk(PROBE_IMM)));
    assert_ne!(frame.pc as usize, inner, "the nested instruction still runs, out of line");
    assert!(finish_slot(s, &mut frame, |f| f.x[0] += 1));
    assert_eq!(frame.pc as usize, inner + 4);
    assert_eq!(frame.x[0], 2);
    assert_eq!(frame.pstate & 0x3ff, 0x3c5, "the handler's masks come back");
}

pub fn nested_hit(mode: XolMode) {
    let s = setup(mode);
    let (p, rt) = (s.p, &s.rt);
    reset();
    p.set_text(3, B_EQ_8);
    p.set_text(4, ADD_X0_1);
    let (outer_addr, inner_addr) = (p.text_addr(3), p.text_addr(4));
    let nested = Nested { s: &s, inner: inner_addr };
    let cookie = &nested as *const Nested<'_> as usize;
    let outer = rt.attach(outer_addr, Handlers { pre: Some(pre_calls_probed), post: Some(post), ret: None }, cookie).unwrap();
    let inner = rt.attach(inner_addr, Handlers { pre: Some(pre), post: Some(post), ret: None }, 0).unwrap();
    let mut frame = frame_at(outer_addr);
    assert!(rt.on_brk(&mut frame, esr_brk(PROBE_IMM)));
    assert_eq!(frame.pc as usize, outer_addr + 4, "outer b.eq not taken");
    assert_eq!(PRE.load(Ordering::SeqCst), 1, "only the outer pre-handler ran");
    assert_eq!(POST.load(Ordering::SeqCst), 1, "only the outer post-handler ran");
    let (so, si) = (rt.stats(outer).unwrap(), rt.stats(inner).unwrap());
    assert_eq!((so.hits, so.missed), (1, 0));
    assert_eq!((si.hits, si.missed), (0, 1));
    rt.detach(outer).unwrap();
    rt.detach(inner).unwrap();
}

pub fn foreign_and_vanished(mode: XolMode) {
    let s = setup(mode);
    let (p, rt) = (s.p, &s.rt);
    p.set_text(5, brk(0x123));
    let mut frame = frame_at(p.text_addr(5));
    assert!(!rt.on_brk(&mut frame, esr_brk(0x123)), "someone else's BRK is declined");
    // A probe BRK that a detach removed before the trap looked it up: the
    // original is back, so the trap returns to run it again.
    p.set_text(6, ADD_X0_1);
    let mut frame = frame_at(p.text_addr(6));
    assert!(rt.on_brk(&mut frame, esr_brk(PROBE_IMM)));
    assert_eq!(frame.pc as usize, p.text_addr(6));
    // A slot BRK or a step with no hit in progress is not ours.
    assert!(!rt.on_step(&mut frame, esr_step()));
}

pub fn fault_in_slot(mode: XolMode) {
    let s = setup(mode);
    let (p, rt) = (s.p, &s.rt);
    reset();
    p.set_text(7, LDR_X1_X2);
    let addr = p.text_addr(7);
    let id = rt.attach(addr, Handlers { pre: Some(pre), post: Some(post), ret: None }, 0).unwrap();
    let mut frame = frame_at(addr);
    frame.pstate |= 0x2000_0000;
    let before = frame.pstate;
    assert!(rt.on_brk(&mut frame, esr_brk(PROBE_IMM)));
    // The load in the slot faults: the runtime rewinds and declines.
    assert!(!rt.on_fault(&mut frame, 0x9600_0000 | (0x25 << 26), 0xdead_0000));
    assert_eq!(frame.pc as usize, addr, "the fault is reported at the probed address");
    assert_eq!(frame.pstate, before, "PSTATE as the faulting code had it");
    assert!(!MDSCR_EL1.is_set(MDSCR::SS));
    assert_eq!(POST.load(Ordering::SeqCst), 0);
    // The CPU is idle again: the next hit runs normally.
    assert!(rt.on_brk(&mut frame, esr_brk(PROBE_IMM)));
    assert!(finish_slot(&s, &mut frame, |f| f.x[1] = 5));
    assert_eq!(frame.pc as usize, addr + 4);
    rt.detach(id).unwrap();
}

/// Boost mode, a probe without a post-handler: the handlers run at the
/// BRK, then the CPU goes straight to the slot with PSTATE untouched, and
/// the slot branches back. A fault in the slot is reported at the probed
/// address; a detached probe's slot is reused.
pub fn boosted_probe() {
    let s = setup(XolMode::Boost);
    let (p, rt) = (s.p, &s.rt);
    reset();
    p.set_text(8, LDR_X1_X2);
    let addr = p.text_addr(8);
    let id = rt.attach(addr, Handlers { pre: Some(pre), post: None, ret: None }, 0).unwrap();
    for round in 0..2 {
        let mut frame = frame_at(addr);
        frame.pstate |= 0x2000_0000;
        let before = frame.pstate;
        assert!(rt.on_brk(&mut frame, esr_brk(PROBE_IMM)));
        let slot = frame.pc as usize;
        assert_ne!(slot, addr);
        assert_eq!(p.word(slot), LDR_X1_X2, "the slot holds the displaced instruction");
        assert_eq!(b_target(p.word(slot + 4), slot + 4), Some(addr + 4), "and branches back after it");
        assert_eq!(frame.pstate, before, "PSTATE untouched: no masking, no stepping");
        assert_eq!(PRE.load(Ordering::SeqCst), round + 1);
        if round == 0 {
            // The load in the slot faults: the fault belongs at the probe.
            assert!(!rt.on_fault(&mut frame, 0x9600_0000 | (0x25 << 26), 0xdead_0000));
            assert_eq!(frame.pc as usize, addr, "the fault is reported at the probed address");
            assert_eq!(frame.pstate, before);
        } else {
            assert!(finish_slot(&s, &mut frame, |f| f.x[1] = 5));
            assert_eq!(frame.pc as usize, addr + 4);
        }
    }
    assert_eq!(rt.stats(id).unwrap().hits, 2);
    rt.detach(id).unwrap();
    assert_eq!(p.word(addr), LDR_X1_X2);
    // The freed slot serves the next probe, with that probe's instruction.
    p.set_text(9, ADD_X0_1);
    let next = p.text_addr(9);
    let id = rt.attach(next, Handlers { pre: Some(pre), post: None, ret: None }, 0).unwrap();
    let mut frame = frame_at(next);
    assert!(rt.on_brk(&mut frame, esr_brk(PROBE_IMM)));
    let slot = frame.pc as usize;
    assert_eq!((p.word(slot), b_target(p.word(slot + 4), slot + 4)), (ADD_X0_1, Some(next + 4)));
    rt.detach(id).unwrap();
}

/// The hit-path tests for one XOL mode, in a module of their own (each
/// test builds its own runtime in that mode).
#[macro_export]
macro_rules! hit_path_tests {
    ($module:ident, $mode:expr) => {
        mod $module {
            use super::hit_path_support::cases;

            #[test]
            fn xol_probe_runs_handlers_around_the_slot() {
                cases::xol_probe($mode);
            }

            #[test]
            fn simulated_probe_never_enters_a_slot() {
                cases::simulated_probe($mode);
            }

            #[test]
            fn return_probe_restores_the_return_address() {
                cases::return_probe($mode);
            }

            #[test]
            fn hit_inside_a_handler_is_missed_not_recursed() {
                cases::nested_hit($mode);
            }

            #[test]
            fn foreign_and_vanished_breakpoints() {
                cases::foreign_and_vanished($mode);
            }

            #[test]
            fn fault_in_slot_rewinds_to_the_probed_address() {
                cases::fault_in_slot($mode);
            }
        }
    };
}
