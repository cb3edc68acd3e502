//! The engine's state as a value: everything the trap entry points and the
//! attach API share. [`Runtime::new`] builds one from a platform and a
//! configuration; the embedder installs one for its exception vectors
//! ([`crate::global`]), and host tests construct as many as they like.

use crate::percpu::PerCpu;
use crate::record::ProbeRecord;
use crate::returns::ReturnPool;
use crate::table::AddrTable;
use crate::xol::SlotArea;
use crate::{Config, FrameContents, Platform, XolMode};
use alloc::boxed::Box;
use alloc::vec::Vec;

/// Free lists, guarded by the registry lock (attach/detach only; the hit
/// path never takes it).
pub struct Registry {
    /// Free probe table entries.
    pub free_probes: Vec<u32>,
    /// Free XOL slots.
    pub free_slots: Vec<u32>,
}

/// Everything the trap handlers and the attach API share.
///
/// Dropping a runtime does not detach its probes: detach them first (an
/// installed runtime is `'static` and never dropped).
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

/// Why [`Runtime::new`], [`crate::init`] or [`crate::install`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitError {
    /// A runtime is already installed.
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

impl Runtime {
    /// Build a runtime: check the configuration against the platform,
    /// write the return trampoline, carve the executable area into XOL
    /// slots and allocate the probe table and per-CPU state (the only
    /// allocations the engine makes; attach and the hit path allocate
    /// nothing). The executable area becomes this runtime's: no other
    /// runtime may use it.
    pub fn new(platform: &'static dyn Platform, config: Config) -> Result<Runtime, InitError> {
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
            // SAFETY: the platform vouched for the alias; the area is this
            // runtime's and nothing executes it before `new` returns.
            unsafe { probec_arch::aarch64::cache::patch_word(tramp + 4 * i, alias + 4 * i, word) };
        }
        let probes: Box<[ProbeRecord]> = (0..config.max_probes).map(|_| ProbeRecord::free()).collect();
        // Free lists are popped from the end: keep low indexes first.
        let free_probes = (0..config.max_probes as u32).rev().collect();
        let free_slots = (0..slots.count()).rev().collect();
        Ok(Runtime {
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
        })
    }

    /// Memory the runtime reserves per probe it can hold: the probe
    /// record, its share of the address table, an XOL slot and the
    /// free-list entries. Everything is allocated by [`Runtime::new`];
    /// attaching allocates nothing.
    pub fn memory_per_probe(&self) -> usize {
        let probes = self.probes.len().max(1);
        core::mem::size_of::<ProbeRecord>() + self.table.bytes() / probes + crate::xol::SLOT_BYTES + 2 * core::mem::size_of::<u32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::FakePlatform;
    use crate::{Handlers, ProbeId};

    fn config(p: &FakePlatform, mode: XolMode) -> Config {
        Config { xol_mode: mode, exec_area: p.exec_area(), max_probes: 4, return_instances_per_cpu: 2, frame: FrameContents::Full }
    }

    #[test]
    fn runtimes_are_independent_values() {
        let (p, q) = (FakePlatform::builder().build(), FakePlatform::builder().build());
        let a = Runtime::new(p, config(p, XolMode::BrkAfterSlot)).unwrap();
        let b = Runtime::new(q, config(q, XolMode::SingleStep)).unwrap();
        let id = a.attach(p.text_addr(0), Handlers::default(), 0).unwrap();
        assert_eq!(id, ProbeId(0));
        assert_eq!(b.attach(q.text_addr(0), Handlers::default(), 0), Ok(ProbeId(0)), "b has its own probe table");
        assert!(b.stats(ProbeId(0)).is_some() && a.stats(ProbeId(1)).is_none());
        assert_eq!(a.check(q.text_addr(1)), Err(crate::AttachError::NotPatchable), "a's platform does not map b's text");
        a.detach(id).unwrap();
        assert_eq!(p.word(p.text_addr(0)), crate::testing::NOP);
        assert_ne!(q.word(q.text_addr(0)), crate::testing::NOP, "b's probe stays armed");
    }

    #[test]
    fn new_checks_the_configuration() {
        let p = FakePlatform::builder().exec(16).build();
        assert!(Runtime::new(p, config(p, XolMode::Boost)).is_ok(), "one slot is enough");
        let mut c = config(p, XolMode::Boost);
        c.max_probes = 0;
        assert_eq!(Runtime::new(p, c).err(), Some(InitError::BadLimits));
        c = config(p, XolMode::Boost);
        c.exec_area.start += 4;
        assert_eq!(Runtime::new(p, c).err(), Some(InitError::ExecAreaTooSmall));
        c = config(p, XolMode::Boost);
        c.exec_area.start += 4096;
        assert_eq!(Runtime::new(p, c).err(), Some(InitError::ExecAreaNotPatchable));
    }
}
