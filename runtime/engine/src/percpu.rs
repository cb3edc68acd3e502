//! State that is live during a probe hit, one instance per CPU.
//!
//! Only the owning CPU touches [`HitState`] and the return stack, and only
//! in exception context with interrupts masked, so they need no lock. The
//! atomics are what *other* CPUs read: detach waits on them until no CPU can
//! still be inside the probe being removed.
//!
//! Traps nest: a handler can call probed code, whose BRK enters the runtime
//! again on the same CPU while the outer trap's code is still on the stack.
//! So the state is a set of [`Cell`]s reached through shared references:
//! the compiler must not assume a field is unchanged across a handler call
//! (an `&mut` would let it keep `phase` in a register, or delay its store,
//! past the call during which the nested trap reads it).

use crate::returns::ReturnList;
use alloc::boxed::Box;
use core::cell::Cell;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// "No probe" in [`PerCpu::active`] and [`HitState::probe`].
pub const NO_PROBE: u32 = u32::MAX;

/// Where this CPU is in handling a hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not inside any probe.
    Idle,
    /// Running a handler of `HitState::probe`.
    Handling,
    /// The displaced instruction of `HitState::probe` is executing in its
    /// slot; the next step exception or slot BRK completes it. (Boosted
    /// slots never enter this phase: the CPU leaves the runtime first.)
    Stepping,
}

/// The state of the hit in progress on one CPU.
pub struct HitState {
    /// Current phase.
    pub phase: Cell<Phase>,
    /// Probe being handled or stepped.
    pub probe: Cell<u32>,
    /// This hit runs no handlers: it happened while a handler was running
    /// and is counted as missed.
    pub missed: Cell<bool>,
    /// Depth of runtime trap code on this CPU (see [`PerCpu::enter_trap`]).
    nesting: Cell<u32>,
    /// PSTATE of the interrupted context before the slot ran (its DAIF and
    /// SS are restored after the slot).
    pub saved_pstate: Cell<u64>,
    /// MDSCR_EL1 before single-step was armed.
    pub saved_mdscr: Cell<u64>,
    /// The probe whose handler a nested (missed) XOL hit interrupted, or
    /// [`NO_PROBE`]. (A hit whose handler runs is never itself missed, so
    /// the probe is all there is to restore.)
    pub outer: Cell<u32>,
}

impl HitState {
    fn idle() -> HitState {
        HitState {
            phase: Cell::new(Phase::Idle),
            probe: Cell::new(NO_PROBE),
            missed: Cell::new(false),
            nesting: Cell::new(0),
            saved_pstate: Cell::new(0),
            saved_mdscr: Cell::new(0),
            outer: Cell::new(NO_PROBE),
        }
    }
}

/// Per-CPU runtime state.
pub struct PerCpu {
    /// Odd while this CPU executes runtime trap code.
    pub trap_seq: AtomicU64,
    /// Probe whose displaced instruction this CPU is executing in a slot
    /// between two traps (single-step and BRK-after-slot modes): the only
    /// hit state that outlives a trap.
    pub active: AtomicU32,
    state: HitState,
    /// Return-probe instances of code that runs on this CPU, used when the
    /// platform has no threads (`Platform::current_thread` is `None`).
    pub returns: ReturnList,
}

// SAFETY: `state` and `returns` are only accessed by the owning CPU from its
// exception handlers with interrupts masked (see the module docs), and by
// the owning CPU's attach/detach, which refuse to run inside a hit; the
// fields other CPUs read are atomics.
unsafe impl Sync for PerCpu {}

impl Default for PerCpu {
    fn default() -> Self {
        Self::new()
    }
}

impl PerCpu {
    /// Per-CPU state.
    pub fn new() -> Self {
        PerCpu { trap_seq: AtomicU64::new(0), active: AtomicU32::new(NO_PROBE), state: HitState::idle(), returns: ReturnList::new() }
    }

    /// A boxed slice of `cpus` per-CPU states.
    pub fn all(cpus: usize) -> Box<[PerCpu]> {
        (0..cpus).map(|_| PerCpu::new()).collect()
    }

    /// The hit state. Only the owning CPU may use it (see the `Sync` impl).
    pub fn state(&self) -> &HitState {
        &self.state
    }

    /// The phase (for attach/detach on this CPU, which refuse to run
    /// inside a hit).
    pub fn phase(&self) -> Phase {
        self.state.phase.get()
    }

    /// Mark entry into runtime trap code and return the hit state. Only
    /// the outermost of nested traps moves the sequence. Only this CPU
    /// writes its sequence, so a plain store suffices; the full barrier
    /// orders it before the probe lookup that follows, so a detaching CPU
    /// that sees the sequence even knows this CPU has not looked it up.
    ///
    /// # Safety
    /// Owning CPU, exception context.
    #[inline(always)]
    pub unsafe fn enter_trap(&self) -> &HitState {
        let nesting = self.state.nesting.get();
        if nesting == 0 {
            let seq = self.trap_seq.load(Ordering::Relaxed);
            self.trap_seq.store(seq.wrapping_add(1), Ordering::Relaxed);
            core::sync::atomic::fence(Ordering::SeqCst);
        }
        self.state.nesting.set(nesting + 1);
        &self.state
    }

    /// Mark exit from runtime trap code. The Release store of the even
    /// sequence orders everything the trap wrote (notably `active`) before
    /// it.
    ///
    /// # Safety
    /// As for [`PerCpu::enter_trap`].
    #[inline(always)]
    pub unsafe fn leave_trap(&self) {
        let nesting = self.state.nesting.get() - 1;
        self.state.nesting.set(nesting);
        if nesting == 0 {
            let seq = self.trap_seq.load(Ordering::Relaxed);
            self.trap_seq.store(seq.wrapping_add(1), Ordering::Release);
        }
    }

    /// Wait until this CPU cannot be inside probe `index`: it is not in trap
    /// code that might have looked the probe up, and it is not executing
    /// the probe's slot between two traps. Called by detach for every other
    /// CPU. (A handler-phase hit is always inside trap code: nested hits
    /// finish before the outermost trap leaves.)
    pub fn wait_until_out_of(&self, index: u32) {
        // Pairs with the barrier in `enter_trap`: the probe was unpublished
        // before this load.
        core::sync::atomic::fence(Ordering::SeqCst);
        let seq = self.trap_seq.load(Ordering::Acquire);
        if seq % 2 == 1 {
            while self.trap_seq.load(Ordering::Acquire) == seq {
                core::hint::spin_loop();
            }
        }
        while self.active.load(Ordering::Acquire) == index {
            core::hint::spin_loop();
        }
    }
}
