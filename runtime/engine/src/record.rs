//! One attached probe, as the hit path sees it.

use crate::handler::Handlers;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use probec_arch::aarch64::decode::SimKind;

/// How the displaced instruction runs. (`repr(u8)`: a plain tag byte, so
/// the hit path's dispatch is one compare, not a niche decode.)
#[derive(Clone, Copy, Debug)]
#[repr(u8)]
pub enum Execution {
    /// Out of line, in XOL slot `slot`, trapping back to the runtime after
    /// it (single-step or the slot's BRK).
    Xol {
        /// Slot index in the executable area.
        slot: u32,
    },
    /// Out of line in boosted slot `slot`, which branches back to the
    /// instruction after the probe ([`crate::XolMode::Boost`]).
    Boost {
        /// Slot index in the executable area.
        slot: u32,
    },
    /// Simulated on the saved frame.
    Simulate(SimKind),
}

/// The parts of a probe fixed between attach and detach.
#[derive(Clone, Copy)]
pub struct ProbeConfig {
    /// The instruction the BRK replaced.
    pub original: u32,
    /// How it is executed.
    pub execution: Execution,
    /// The handlers.
    pub handlers: Handlers,
    /// Opaque value handed to handlers.
    pub cookie: usize,
}

/// A probe table entry.
pub struct ProbeRecord {
    /// Probed address; 0 while the entry is free.
    pub addr: AtomicUsize,
    /// Bumped at every detach, so pending returns of a detached probe are
    /// recognised.
    pub generation: AtomicU32,
    /// Hits that ran the handlers.
    pub hits: AtomicU64,
    /// Hits that did not run the handlers (nested in a handler, or return
    /// instances exhausted).
    pub missed: AtomicU64,
    config: UnsafeCell<ProbeConfig>,
}

// SAFETY: `config` is written only under the registry lock while the entry
// is unpublished (not in the address table and not armed) and no CPU can
// be inside the probe (detach waited); readers reach it only through the
// table, whose Release store orders the write before their Acquire load.
unsafe impl Sync for ProbeRecord {}

impl ProbeRecord {
    /// A free entry.
    pub fn free() -> Self {
        ProbeRecord {
            addr: AtomicUsize::new(0),
            generation: AtomicU32::new(0),
            hits: AtomicU64::new(0),
            missed: AtomicU64::new(0),
            config: UnsafeCell::new(ProbeConfig {
                original: 0,
                execution: Execution::Xol { slot: 0 },
                handlers: Handlers::default(),
                cookie: 0,
            }),
        }
    }

    /// The fixed configuration (borrowed: the hit path must not copy it).
    pub fn config(&self) -> &ProbeConfig {
        // SAFETY: see the `Sync` impl: no writer while the entry is reachable.
        unsafe { &*self.config.get() }
    }

    /// Fill in a free entry before publishing it.
    ///
    /// # Safety
    /// Caller holds the registry lock and the entry is unpublished.
    pub unsafe fn set_config(&self, config: ProbeConfig) {
        // SAFETY: the caller holds the registry lock and the entry is
        // unpublished, so no other reference to the config exists.
        unsafe { *self.config.get() = config };
        self.hits.store(0, Ordering::Relaxed);
        self.missed.store(0, Ordering::Relaxed);
    }
}
