//! State that is live during a probe hit, one instance per CPU.
//!
//! Only the owning CPU touches [`HitState`] and the return stack, and only
//! in exception context with interrupts masked, so they need no lock. The
//! atomics are what *other* CPUs read: detach waits on them until no CPU can
//! still be inside the probe being removed.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// "No probe" in [`PerCpu::active`] and [`PerCpu::outer`].
pub const NO_PROBE: u32 = u32::MAX;

/// Where this CPU is in handling a hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not inside any probe.
    Idle,
    /// Running a handler of `HitState::probe`.
    Handling,
    /// The displaced instruction of `HitState::probe` is executing in its
    /// slot; the next step exception or slot BRK completes it.
    Stepping,
}

/// The state of the hit in progress on one CPU.
#[derive(Clone, Copy, Debug)]
pub struct HitState {
    /// Current phase.
    pub phase: Phase,
    /// Probe being handled or stepped.
    pub probe: u32,
    /// This hit runs no handlers: it happened while a handler was running
    /// and is counted as missed.
    pub missed: bool,
    /// PSTATE of the interrupted context before the slot ran (its DAIF and
    /// SS are restored after the slot).
    pub saved_pstate: u64,
    /// MDSCR_EL1 before single-step was armed.
    pub saved_mdscr: u64,
    /// The handler-phase hit a nested (missed) hit interrupted.
    pub outer: Option<(u32, bool)>,
}

impl HitState {
    const IDLE: HitState = HitState {
        phase: Phase::Idle,
        probe: NO_PROBE,
        missed: false,
        saved_pstate: 0,
        saved_mdscr: 0,
        outer: None,
    };
}

/// One pending return of a return probe.
#[derive(Clone, Copy, Debug)]
pub struct ReturnInstance {
    /// The return address the trampoline replaced.
    pub ret: u64,
    /// SP at function entry; equal to SP when the function returns.
    pub sp: u64,
    /// The probe, and its generation at entry (a detached probe's handler
    /// is not called for returns still pending).
    pub probe: u32,
    /// See [`ReturnInstance::probe`].
    pub generation: u32,
    /// Word carried from the entry handler to the return handler.
    pub call_data: u64,
}

/// Per-CPU runtime state.
pub struct PerCpu {
    /// Odd while this CPU executes runtime trap code.
    pub trap_seq: AtomicU64,
    /// Probe whose hit is in progress on this CPU (handler or slot).
    pub active: AtomicU32,
    /// Probe whose handler a nested hit interrupted.
    pub outer: AtomicU32,
    state: UnsafeCell<HitState>,
    nesting: UnsafeCell<u32>,
    returns: UnsafeCell<Vec<ReturnInstance>>,
    return_capacity: usize,
}

// SAFETY: `state`, `nesting` and `returns` are only accessed by the owning CPU from
// its exception handlers with interrupts masked (see the module docs); the
// fields other CPUs read are atomics.
unsafe impl Sync for PerCpu {}

impl PerCpu {
    /// Per-CPU state with room for `return_capacity` pending returns.
    pub fn new(return_capacity: usize) -> Self {
        PerCpu {
            trap_seq: AtomicU64::new(0),
            active: AtomicU32::new(NO_PROBE),
            outer: AtomicU32::new(NO_PROBE),
            state: UnsafeCell::new(HitState::IDLE),
            nesting: UnsafeCell::new(0),
            returns: UnsafeCell::new(Vec::with_capacity(return_capacity)),
            return_capacity,
        }
    }

    /// A boxed slice of `cpus` per-CPU states.
    pub fn all(cpus: usize, return_capacity: usize) -> Box<[PerCpu]> {
        (0..cpus).map(|_| PerCpu::new(return_capacity)).collect()
    }

    /// The hit state.
    ///
    /// # Safety
    /// Only the owning CPU, in exception context, and no other reference to
    /// the state may be live.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn state(&self) -> &mut HitState {
        &mut *self.state.get()
    }

    /// The return stack.
    ///
    /// # Safety
    /// As for [`PerCpu::state`].
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn returns(&self) -> &mut Vec<ReturnInstance> {
        &mut *self.returns.get()
    }

    /// Capacity of the return stack (pushes beyond it are refused; the
    /// vector never reallocates on the hit path).
    pub fn return_capacity(&self) -> usize {
        self.return_capacity
    }

    /// Read the phase without a mutable borrow (for detach on this CPU).
    pub fn phase(&self) -> Phase {
        // SAFETY: a copy of a field; called on the owning CPU outside trap
        // handling, when no mutable reference exists.
        unsafe { (*self.state.get()).phase }
    }

    /// Mirror the hit state into the atomics other CPUs watch. Only the
    /// state at trap exit matters to them (inside the trap they wait on
    /// `trap_seq`), so this runs once per trap, from `leave_trap`.
    fn publish(&self, state: &HitState) {
        let active = if state.phase == Phase::Idle { NO_PROBE } else { state.probe };
        let outer = state.outer.map_or(NO_PROBE, |(p, _)| p);
        self.active.store(active, Ordering::Relaxed);
        self.outer.store(outer, Ordering::Relaxed);
    }

    /// Mark entry into runtime trap code. Traps nest (a handler can hit a
    /// probe), and only the outermost one moves the sequence. Only this CPU
    /// writes its sequence, so a plain store suffices; the full barrier
    /// orders it before the probe lookup that follows, so a detaching CPU
    /// that sees the sequence even knows this CPU has not looked it up.
    ///
    /// # Safety
    /// Owning CPU, exception context (as for [`PerCpu::state`]).
    pub unsafe fn enter_trap(&self) {
        let nesting = &mut *self.nesting.get();
        if *nesting == 0 {
            let seq = self.trap_seq.load(Ordering::Relaxed);
            self.trap_seq.store(seq.wrapping_add(1), Ordering::Relaxed);
            core::sync::atomic::fence(Ordering::SeqCst);
        }
        *nesting += 1;
    }

    /// Mark exit from runtime trap code. The outermost exit publishes the
    /// hit state first; the Release store orders it before the even
    /// sequence.
    ///
    /// # Safety
    /// As for [`PerCpu::enter_trap`].
    pub unsafe fn leave_trap(&self) {
        let nesting = &mut *self.nesting.get();
        *nesting -= 1;
        if *nesting == 0 {
            self.publish(&*self.state.get());
            let seq = self.trap_seq.load(Ordering::Relaxed);
            self.trap_seq.store(seq.wrapping_add(1), Ordering::Release);
        }
    }

    /// Wait until this CPU cannot be inside probe `index`: it is not in trap
    /// code that might have looked the probe up, and its hit state does not
    /// refer to it. Called by detach for every other CPU.
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
        while self.active.load(Ordering::Acquire) == index || self.outer.load(Ordering::Acquire) == index {
            core::hint::spin_loop();
        }
    }
}
