//! The runtime's global state and its initialisation.

use crate::percpu::PerCpu;
use crate::record::ProbeRecord;
use crate::returns::ReturnPool;
use crate::table::AddrTable;
use crate::xol::SlotArea;
use crate::{Config, FrameContents, Platform, XolMode};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicPtr, Ordering};

/// Free lists, guarded by the registry lock (attach/detach only; the hit
/// path never takes it).
pub struct Registry {
    /// Free probe table entries.
    pub free_probes: Vec<u32>,
    /// Free XOL slots.
    pub free_slots: Vec<u32>,
}

/// Everything the trap handlers and the attach API share.
pub struct Runtime {
    /// The embedder.
    pub platform: &'static dyn Platform,
    /// XOL mode for every probe.
    pub mode: XolMode,
    /// What the embedder's exception frames hold.
    pub frame: FrameContents,
    /// The CPU implements FEAT_BTI (PSTATE.BTYPE exists).
    pub has_bti: bool,
    /// Probe table; a [`crate::ProbeId`] indexes it.
    pub probes: Box<[ProbeRecord]>,
    /// Address → probe index.
    pub table: AddrTable,
    /// Trampoline and slots.
    pub slots: SlotArea,
    /// Per-CPU hit state.
    pub cpus: Box<[PerCpu]>,
    /// Return-probe instances, shared by every CPU and thread.
    pub returns: ReturnPool,
    /// Attach/detach lock and free lists.
    pub registry: spin::Mutex<Registry>,
}

static RUNTIME: spin::Once<Runtime> = spin::Once::new();

/// `RUNTIME`'s value once initialised: every trap starts by reading it,
/// and a pointer load is cheaper than `Once`'s state check.
static READY: AtomicPtr<Runtime> = AtomicPtr::new(core::ptr::null_mut());

/// The runtime, once [`crate::init`] has run.
#[inline(always)]
pub fn get() -> Option<&'static Runtime> {
    // SAFETY: READY is null or points into RUNTIME, which is initialised
    // before the Release store and never changes or moves afterwards.
    unsafe { READY.load(Ordering::Acquire).as_ref() }
}

/// Why [`crate::init`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitError {
    /// `init` was already called.
    AlreadyInitialised,
    /// The executable area is misaligned or smaller than one slot.
    ExecAreaTooSmall,
    /// The executable area is not patchable through the platform.
    ExecAreaNotPatchable,
    /// `max_probes` or `max_cpus` is zero or too large.
    BadLimits,
    /// [`XolMode::Boost`] was asked for but the platform cannot wait for
    /// CPUs to leave XOL slots ([`Platform::wait_for_slot_exits`]).
    BoostWithoutSlotExits,
}

impl core::fmt::Display for InitError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            InitError::AlreadyInitialised => "the probe runtime is already initialised",
            InitError::ExecAreaTooSmall => "the executable area is misaligned or too small for one XOL slot",
            InitError::ExecAreaNotPatchable => "the platform has no writable alias for the executable area",
            InitError::BadLimits => "max_probes and max_cpus must be between 1 and 2^31",
            InitError::BoostWithoutSlotExits => {
                "boosted XOL needs a platform that can wait for CPUs to leave XOL slots (Platform::wait_for_slot_exits)"
            }
        })
    }
}

/// See [`crate::init`].
pub fn init(platform: &'static dyn Platform, config: Config) -> Result<(), InitError> {
    if RUNTIME.is_completed() {
        return Err(InitError::AlreadyInitialised);
    }
    let slots = SlotArea::new(config.exec_area).ok_or(InitError::ExecAreaTooSmall)?;
    let cpus = platform.max_cpus();
    if config.max_probes == 0 || config.max_probes > (1 << 31) || cpus == 0 || cpus > (1 << 31) {
        return Err(InitError::BadLimits);
    }
    if config.xol_mode == XolMode::Boost && !platform.wait_for_slot_exits() {
        return Err(InitError::BoostWithoutSlotExits);
    }
    let tramp = slots.trampoline();
    let Some(alias) = platform.text_alias(tramp) else {
        return Err(InitError::ExecAreaNotPatchable);
    };
    if platform.text_alias(slots.slot_addr(slots.count() - 1)).is_none() {
        return Err(InitError::ExecAreaNotPatchable);
    }
    for (i, word) in SlotArea::trampoline_words().into_iter().enumerate() {
        // SAFETY: the platform vouched for the alias; nothing executes the
        // area before init returns.
        unsafe { probec_arch::aarch64::cache::patch_word(tramp + 4 * i, alias + 4 * i, word) };
    }
    let mut result = Ok(());
    RUNTIME.call_once(|| {
        let probes: Box<[ProbeRecord]> = (0..config.max_probes).map(|_| ProbeRecord::free()).collect();
        // Free lists are popped from the end: keep low indexes first.
        let free_probes = (0..config.max_probes as u32).rev().collect();
        let free_slots = (0..slots.count()).rev().collect();
        Runtime {
            platform,
            mode: config.xol_mode,
            frame: config.frame,
            has_bti: probec_arch::aarch64::features::has_bti(),
            probes,
            table: AddrTable::new(config.max_probes),
            slots,
            cpus: PerCpu::all(cpus),
            returns: ReturnPool::new(config.return_instances_per_cpu * cpus),
            registry: spin::Mutex::new(Registry { free_probes, free_slots }),
        }
    });
    match RUNTIME.get() {
        Some(rt) if rt.slots.trampoline() == tramp => {
            READY.store(rt as *const Runtime as *mut Runtime, Ordering::Release);
        }
        _ => result = Err(InitError::AlreadyInitialised),
    }
    result
}

/// Memory the runtime reserves per probe it can hold: the probe record,
/// its share of the address table, an XOL slot and the free-list entries.
/// Everything is allocated at [`crate::init`]; attaching allocates nothing.
pub fn memory_per_probe() -> usize {
    let Some(rt) = get() else { return 0 };
    let probes = rt.probes.len().max(1);
    core::mem::size_of::<ProbeRecord>() + rt.table.bytes() / probes + crate::xol::SLOT_BYTES + 2 * core::mem::size_of::<u32>()
}
