//! Attaching and detaching probes.
//!
//! Attach validates everything before it changes anything: alignment,
//! patchability, the instruction's classification, that the point is not
//! inside an exclusive sequence; then it fills the probe record and the XOL
//! slot, publishes the address, and only then arms the BRK with a single
//! store. Detach is the reverse: disarm, unpublish, wait until no CPU can
//! still be inside the probe, then free the slot and the record.

use crate::handler::{Handlers, ProbeId};
use crate::percpu::Phase;
use crate::record::{Execution, ProbeConfig};
use crate::runtime::Runtime;
use crate::xol::SlotArea;
use crate::XolMode;
use core::sync::atomic::Ordering;
use probec_arch::aarch64::brk;
use probec_arch::aarch64::cache::patch_word;
use probec_arch::aarch64::decode::{decode, inside_exclusive_sequence, Decoded, RejectReason};

/// How far back attach looks for a load-exclusive that would put the probe
/// point inside an LDXR..STXR sequence (as Linux, 16 instructions).
const EXCLUSIVE_SCAN_WORDS: usize = 16;

/// Why a probe could not be attached. Every variant reads as a reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachError {
    /// No runtime is installed ([`crate::init`] has not run; only the
    /// free functions of [`crate::global`] return this).
    NotInitialised,
    /// The address is not 4-byte aligned.
    Misaligned,
    /// The platform has no writable alias for the address (not kernel text,
    /// or the embedder forbids probing it).
    NotPatchable,
    /// The address is in the runtime's own XOL area.
    InRuntimeArea,
    /// Another probe is attached at the same address.
    AlreadyProbed,
    /// The instruction there is a BRK planted by someone else.
    ForeignBreakpoint,
    /// The decoder rejects the instruction.
    Rejected(RejectReason),
    /// A load-exclusive precedes the point with no store-exclusive between.
    InsideExclusiveSequence,
    /// The probe table is full.
    TooManyProbes,
    /// No XOL slot is free.
    NoFreeSlot,
    /// Attach/detach was called from a handler.
    InHandler,
}

impl core::fmt::Display for AttachError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            AttachError::NotInitialised => f.write_str("the probe runtime is not initialised"),
            AttachError::Misaligned => f.write_str("address is not 4-byte aligned"),
            AttachError::NotPatchable => f.write_str("address is not in probeable text"),
            AttachError::InRuntimeArea => f.write_str("address is inside the runtime's XOL area"),
            AttachError::AlreadyProbed => f.write_str("a probe is already attached at this address"),
            AttachError::ForeignBreakpoint => f.write_str("another breakpoint is planted at this address"),
            AttachError::Rejected(reason) => write!(f, "instruction cannot be probed: {}", reason.message()),
            AttachError::InsideExclusiveSequence => f.write_str(
                "inside an LDXR..STXR sequence: the trap would clear the exclusive monitor and the sequence would retry forever",
            ),
            AttachError::TooManyProbes => f.write_str("the probe table is full"),
            AttachError::NoFreeSlot => f.write_str("no free XOL slot"),
            AttachError::InHandler => f.write_str("cannot attach or detach from inside a probe handler"),
        }
    }
}

/// Why a probe could not be detached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetachError {
    /// No runtime is installed (only [`crate::global::detach`] returns
    /// this).
    NotInitialised,
    /// No probe with this id is attached.
    NotAttached,
    /// Called from a handler.
    InHandler,
}

impl core::fmt::Display for DetachError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            DetachError::NotInitialised => "the probe runtime is not initialised",
            DetachError::NotAttached => "no such probe is attached",
            DetachError::InHandler => "cannot attach or detach from inside a probe handler",
        })
    }
}

/// Counters of one probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ProbeStats {
    /// Hits that ran the handlers.
    pub hits: u64,
    /// Hits (or returns) whose handlers did not run.
    pub missed: u64,
}

/// Read the instruction word at an executable address.
fn read_text(addr: usize) -> u32 {
    // SAFETY: callers checked the platform maps `addr` as text.
    unsafe { core::ptr::read_volatile(addr as *const u32) }
}

/// Everything attach checks before it changes anything.
fn preflight(rt: &Runtime, addr: usize) -> Result<(u32, Decoded), AttachError> {
    if !addr.is_multiple_of(4) {
        return Err(AttachError::Misaligned);
    }
    if rt.slots.contains(addr) {
        return Err(AttachError::InRuntimeArea);
    }
    rt.platform.text_alias(addr).ok_or(AttachError::NotPatchable)?;
    if rt.table.lookup(addr).is_some_and(|i| rt.probes[i as usize].addr.load(Ordering::Acquire) == addr) {
        return Err(AttachError::AlreadyProbed);
    }
    let word = read_text(addr);
    if brk::brk_imm(word).is_some() {
        return Err(AttachError::ForeignBreakpoint);
    }
    let decoded = decode(word);
    if let Decoded::Reject(reason) = decoded {
        return Err(AttachError::Rejected(reason));
    }
    let mut preceding = [0u32; EXCLUSIVE_SCAN_WORDS];
    let mut n = 0;
    // Oldest first; stop at the first word that is not probeable text (the
    // start of the text mapping), so the scan never reads unmapped memory.
    for back in (1..=EXCLUSIVE_SCAN_WORDS).rev() {
        let Some(a) = addr.checked_sub(4 * back) else { continue };
        if rt.platform.text_alias(a).is_none() {
            n = 0;
            continue;
        }
        preceding[n] = read_text(a);
        n += 1;
    }
    if inside_exclusive_sequence(&preceding[..n]) {
        return Err(AttachError::InsideExclusiveSequence);
    }
    Ok((word, decoded))
}

impl Runtime {
    /// Refuse attach and detach from a handler on this CPU.
    fn check_idle(&self) -> Result<(), AttachError> {
        if self.in_handler() {
            return Err(AttachError::InHandler);
        }
        Ok(())
    }

    /// Whether the caller runs inside a probe handler of this CPU (attach,
    /// detach and script loading refuse to). The CPU number and its phase
    /// are read with IRQs masked: in a preemptive kernel a thread could
    /// otherwise be switched to another CPU between the two reads and see
    /// the phase of a hit that another thread has in progress on the CPU
    /// it left. (Preemption comes through interrupts on arm64 kernels;
    /// inside a handler IRQs are masked already.)
    pub fn in_handler(&self) -> bool {
        #[cfg(target_arch = "aarch64")]
        let daif: u64 = {
            let d: u64;
            // SAFETY: saving DAIF and masking IRQs on this CPU has no
            // other effect; restored below.
            unsafe { core::arch::asm!("mrs {}, daif", "msr daifset, #2", out(reg) d, options(nostack, preserves_flags)) };
            d
        };
        let busy = self.cpus.get(self.platform.cpu_id()).is_some_and(|c| c.phase() != Phase::Idle);
        // SAFETY: restores the DAIF value read above.
        #[cfg(target_arch = "aarch64")]
        unsafe {
            core::arch::asm!("msr daif, {}", in(reg) daif, options(nostack, preserves_flags))
        };
        busy
    }

    /// Classify the instruction at `addr` as attach would, without
    /// attaching.
    pub fn check(&self, addr: usize) -> Result<Decoded, AttachError> {
        preflight(self, addr).map(|(_, decoded)| decoded)
    }

    /// Attach a probe at `addr` with `handlers`; `cookie` is handed to them.
    // Inline: the free `attach` of the installed runtime is its only
    // caller in an embedder, and this keeps it one function.
    #[inline]
    pub fn attach(&self, addr: usize, handlers: Handlers, cookie: usize) -> Result<ProbeId, AttachError> {
        self.check_idle()?;
        let mut registry = self.registry.lock();
        let (original, decoded) = preflight(self, addr)?;
        let Some(&index) = registry.free_probes.last() else {
            return Err(AttachError::TooManyProbes);
        };
        let execution = match decoded {
            Decoded::Simulate(kind) => Execution::Simulate(kind),
            Decoded::Xol => {
                let slot = *registry.free_slots.last().ok_or(AttachError::NoFreeSlot)?;
                // Boosted when the mode asks for it, there is no post-handler
                // (nothing traps back after the slot to run it) and the slot
                // can branch back; otherwise the slot traps back with a BRK.
                let boosted = match self.mode {
                    XolMode::Boost if handlers.post.is_none() => self.slots.boosted_slot_words(slot, original, addr),
                    _ => None,
                };
                let (words, execution) = match boosted {
                    Some(words) => (words, Execution::Boost { slot }),
                    None => (SlotArea::slot_words(original), Execution::Xol { slot }),
                };
                let exec = self.slots.slot_addr(slot);
                let alias = self.platform.text_alias(exec).ok_or(AttachError::NotPatchable)?;
                for (i, word) in words.into_iter().enumerate() {
                    // SAFETY: the slot is free, so no CPU executes it; the alias
                    // was checked by Runtime::new and now.
                    unsafe { patch_word(exec + 4 * i, alias + 4 * i, word) };
                }
                registry.free_slots.pop();
                execution
            }
            Decoded::Reject(reason) => return Err(AttachError::Rejected(reason)),
        };
        registry.free_probes.pop();
        let record = &self.probes[index as usize];
        // SAFETY: the entry was free (unpublished) and we hold the lock.
        unsafe { record.set_config(ProbeConfig { original, execution, handlers, cookie }) };
        record.addr.store(addr, Ordering::Release);
        self.table.insert(addr, index);
        let alias = self.platform.text_alias(addr).ok_or(AttachError::NotPatchable)?;
        // SAFETY: preflight checked the alias; the record is published, so a
        // CPU that hits the BRK finds it.
        unsafe { patch_word(addr, alias, brk::brk(brk::PROBE_IMM)) };
        Ok(ProbeId(index))
    }

    /// Detach probe `id`: the original instruction is back, exactly, when this
    /// returns, and no CPU is still inside the probe.
    #[inline]
    pub fn detach(&self, id: ProbeId) -> Result<(), DetachError> {
        self.check_idle().map_err(|_| DetachError::InHandler)?;
        let mut registry = self.registry.lock();
        let record = self.probes.get(id.0 as usize).ok_or(DetachError::NotAttached)?;
        let addr = record.addr.load(Ordering::Acquire);
        if addr == 0 {
            return Err(DetachError::NotAttached);
        }
        let config = record.config();
        let alias = self.platform.text_alias(addr).ok_or(DetachError::NotAttached)?;
        // SAFETY: the alias was valid at attach and text mappings do not move.
        unsafe { patch_word(addr, alias, config.original) };
        self.table.remove(addr);
        let me = self.platform.cpu_id();
        for (cpu, state) in self.cpus.iter().enumerate() {
            if cpu != me {
                state.wait_until_out_of(id.0);
            }
        }
        record.generation.fetch_add(1, Ordering::SeqCst);
        record.addr.store(0, Ordering::Release);
        match config.execution {
            Execution::Xol { slot } => registry.free_slots.push(slot),
            Execution::Boost { slot } => {
                // A CPU leaves the runtime before it runs a boosted slot, so
                // none of the waits above covers it: only the platform knows
                // when no CPU (or preempted thread) can still be in the slot.
                // Runtime::new refused Boost on platforms that cannot tell; should one
                // change its mind, the slot is leaked rather than reused.
                if self.platform.wait_for_slot_exits() {
                    registry.free_slots.push(slot);
                }
            }
            Execution::Simulate(_) => {}
        }
        registry.free_probes.push(id.0);
        Ok(())
    }

    /// Hit and miss counters of an attached probe.
    pub fn stats(&self, id: ProbeId) -> Option<ProbeStats> {
        let record = self.probes.get(id.0 as usize)?;
        if record.addr.load(Ordering::Acquire) == 0 {
            return None;
        }
        Some(ProbeStats { hits: record.hits.load(Ordering::Relaxed), missed: record.missed.load(Ordering::Relaxed) })
    }
}
