//! Exception entry points the embedder's vectors call. Each returns `true`
//! when the exception was the runtime's (the frame has been updated and the
//! embedder should restore it and ERET), `false` when it belongs to someone
//! else (another BRK user, a genuine fault), so embedders can chain.
//!
//! The free functions ([`on_brk`], [`on_step`], [`on_fault`],
//! [`preemptible`]) act on the installed runtime ([`crate::global`]):
//! they are what exception vectors call. The methods of the same names on
//! [`Runtime`] act on that value (host tests, embedders that keep their
//! runtime themselves). Both are one generic body, so the vectors' path
//! costs what it did: the installed pointer is loaded once, after the
//! BRK immediate is dispatched.

use crate::global;
use crate::percpu::{HitState, PerCpu};
use crate::runtime::Runtime;
use crate::{hit, retprobe, Frame};
use probec_arch::aarch64::brk::{PROBE_IMM, RETURN_IMM, SLOT_IMM};
use probec_arch::aarch64::pstate::{Syndrome, ESR};

/// Where a trap finds its runtime: the installed one, or one it was given.
trait Target<'a>: Copy {
    fn runtime(self) -> Option<&'a Runtime>;
}

/// The installed runtime (loaded when the trap needs it).
#[derive(Clone, Copy)]
struct Installed;

impl Target<'static> for Installed {
    #[inline(always)]
    fn runtime(self) -> Option<&'static Runtime> {
        global::installed()
    }
}

impl<'a> Target<'a> for &'a Runtime {
    #[inline(always)]
    fn runtime(self) -> Option<&'a Runtime> {
        Some(self)
    }
}

/// BRK exception (ESR.EC 0x3C) taken at EL1, for the installed runtime.
/// `esr` is ESR_EL1.
///
/// A BRK with an immediate that is not the runtime's is declined before
/// anything else is touched, so chaining to other BRK users costs a few
/// instructions.
#[inline]
pub fn on_brk(frame: &mut Frame, esr: u64) -> bool {
    brk(Installed, frame, esr)
}

/// Software-step exception (ESR.EC 0x32 or 0x33), for the installed
/// runtime. `esr` is ESR_EL1.
pub fn on_step(frame: &mut Frame, esr: u64) -> bool {
    step(Installed, frame, esr)
}

/// Synchronous data or instruction abort, for the installed runtime.
/// `far` is FAR_EL1. When the fault happened in an XOL slot (any mode)
/// this rewinds the frame to the probed address and leaves the hit, then
/// returns `false` so the embedder handles the fault (its fixup tables
/// name original addresses, not slots). Returns `false` in every other
/// case too: the runtime itself never causes faults it could fix.
pub fn on_fault(frame: &mut Frame, esr: u64, far: u64) -> bool {
    fault(Installed, frame, esr, far)
}

/// Whether the embedder's scheduler may switch out a thread interrupted at
/// `pc`. `false` while `pc` is in the installed runtime's executable area:
/// a boosted XOL slot runs with interrupts as they were at the probe, so an
/// interrupt can arrive between its two words; a thread switched out there
/// would resume a slot that a detach, seeing every CPU pass a quiescent
/// point, may already have freed and reused. A scheduler that defers
/// preemption while this is `false` (the thread leaves the slot within two
/// instructions) keeps [`crate::Platform::wait_for_slot_exits`] a per-CPU
/// wait (docs/preemption.md). Lock-free: call it from interrupt handlers.
#[inline]
pub fn preemptible(pc: usize) -> bool {
    match global::installed() {
        Some(rt) => rt.preemptible(pc),
        None => true,
    }
}

impl Runtime {
    /// [`on_brk`] for this runtime.
    #[inline]
    pub fn on_brk(&self, frame: &mut Frame, esr: u64) -> bool {
        brk(self, frame, esr)
    }

    /// [`on_step`] for this runtime.
    pub fn on_step(&self, frame: &mut Frame, esr: u64) -> bool {
        step(self, frame, esr)
    }

    /// [`on_fault`] for this runtime.
    pub fn on_fault(&self, frame: &mut Frame, esr: u64, far: u64) -> bool {
        fault(self, frame, esr, far)
    }

    /// [`preemptible`] for this runtime.
    #[inline]
    pub fn preemptible(&self, pc: usize) -> bool {
        !self.slots.contains(pc)
    }
}

#[inline(always)]
fn brk<'a>(target: impl Target<'a>, frame: &mut Frame, esr: u64) -> bool {
    let syndrome = Syndrome::new(esr);
    if !syndrome.matches_all(ESR::EC::Brk64) {
        return false;
    }
    // One entry point per immediate, so the hot one (a probe) does not
    // dispatch again.
    match syndrome.read(ESR::BRK_IMM) as u16 {
        PROBE_IMM => probe_brk(target, frame),
        SLOT_IMM => slot_brk(target, frame),
        RETURN_IMM => return_brk(target, frame),
        _ => false,
    }
}

#[inline(always)]
fn step<'a>(target: impl Target<'a>, frame: &mut Frame, esr: u64) -> bool {
    let syndrome = Syndrome::new(esr);
    if !(syndrome.matches_all(ESR::EC::SoftwareStepCurrentEl) || syndrome.matches_all(ESR::EC::SoftwareStepLowerEl)) {
        return false;
    }
    in_trap(target, |rt, cpu, this, state| hit::slot_done(rt, cpu, this, state, frame))
}

#[inline(always)]
fn fault<'a>(target: impl Target<'a>, frame: &mut Frame, esr: u64, far: u64) -> bool {
    let _ = (esr, far);
    in_trap(target, |rt, _, this, state| {
        hit::fault_in_slot(rt, this, state, frame);
        false
    })
}

/// Run `f` as runtime trap code on this CPU (see [`PerCpu::enter_trap`]).
#[inline(always)]
fn in_trap<'a>(target: impl Target<'a>, f: impl FnOnce(&Runtime, usize, &PerCpu, &HitState) -> bool) -> bool {
    let Some(rt) = target.runtime() else { return false };
    let cpu = rt.platform.cpu_id();
    let this = &rt.cpus[cpu];
    // SAFETY: this CPU's state, in exception context.
    let state = unsafe { this.enter_trap() };
    let handled = f(rt, cpu, this, state);
    // SAFETY: as above.
    unsafe { this.leave_trap() };
    handled
}

/// `BRK #PROBE_IMM`: a probe hit.
#[inline(never)]
fn probe_brk<'a>(target: impl Target<'a>, frame: &mut Frame) -> bool {
    in_trap(target, |rt, cpu, this, state| hit::probe_hit(rt, cpu, this, state, frame))
}

/// `BRK #SLOT_IMM`: the end of a BRK-after-slot slot.
#[inline(never)]
fn slot_brk<'a>(target: impl Target<'a>, frame: &mut Frame) -> bool {
    in_trap(target, |rt, cpu, this, state| {
        rt.slots.slot_of_trailing_brk(frame.pc as usize).is_some() && hit::slot_done(rt, cpu, this, state, frame)
    })
}

/// `BRK #RETURN_IMM`: a hooked function returned to the trampoline.
#[inline(never)]
fn return_brk<'a>(target: impl Target<'a>, frame: &mut Frame) -> bool {
    in_trap(target, |rt, cpu, this, state| retprobe::return_hit(rt, cpu, this, state, frame))
}
