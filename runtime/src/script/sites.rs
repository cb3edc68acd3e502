//! Probe sites: one engine probe per address, shared by every loaded
//! script (and every probe of one script) that probes that address. A
//! script with `kprobe:f` and `kretprobe:f`, two blocks on `f`, or two
//! scripts on `f` all work: the site's handlers run each entry in turn.
//!
//! The hit path reads a site's entry list through one Acquire load and
//! never takes a lock. Changing the list publishes a new one (Release) and
//! retires the old one; retired lists, removed sites and the attachments
//! they point to are freed only after [`synchronize`] has waited until no
//! CPU can still be in trap code that started before the change.
//!
//! A site is armed with a return hook only while some entry is a return
//! probe; adding the first return probe to an existing site re-attaches
//! it (the address is briefly unprobed: hits in that window are missed).
//! Removing the last return probe keeps the hook (it then finds nothing to
//! run); the site is re-armed without it when it is next recreated.

use super::state::{Attachment, ScriptState};
use crate::global::{attach, detach, installed, stats};
use crate::handler::{Handlers, HitContext, ProbeId};
use crate::probes::AttachError;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::sync::atomic::{fence, AtomicPtr, AtomicU64, Ordering};

/// The attachments of one site.
pub struct EntryList {
    entries: Vec<*const Attachment>,
}

/// One probed address.
pub struct Site {
    addr: usize,
    probe: Option<ProbeId>,
    has_ret: bool,
    list: AtomicPtr<EntryList>,
    /// Missed hits of the site's earlier armings (a re-arm makes a new
    /// engine probe, whose counters start at 0).
    missed_carry: u64,
}

impl Drop for Site {
    fn drop(&mut self) {
        // SAFETY: the list was created by Box::into_raw and the site is
        // dropped only after a grace period (no reader left).
        unsafe { drop(Box::from_raw(self.list.load(Ordering::Relaxed))) };
    }
}

fn list_of<'a>(hc: &HitContext<'_>) -> &'a EntryList {
    // SAFETY: the cookie is the address of a boxed Site that lives until a
    // grace period after its probe is detached; lists are likewise kept.
    unsafe { &*(*(hc.cookie as *const Site)).list.load(Ordering::Acquire) }
}

/// The time of this hit, read at most once per hit and only for handlers
/// that use it (the clock is a platform call on every hit otherwise).
struct HitClock(Option<u64>);

impl HitClock {
    fn for_handler(&mut self, a: &Attachment) -> u64 {
        if !a.clock {
            return 0;
        }
        *self.0.get_or_insert_with(|| installed().map_or(0, |rt| rt.platform.now_ns()))
    }
}

/// Activations so far: each script that becomes active takes the next
/// number ([`activate`]); an entry notes the count in its return
/// instance, and a return reaches only the scripts that were active then.
static ACTIVATIONS: AtomicU64 = AtomicU64::new(0);

/// Make a loaded script's handlers run.
pub fn activate(state: &ScriptState) {
    // `active` first: an entry that sees the new count also sees the
    // script active (SeqCst orders the two for every reader), so its
    // entry probes ran whenever its return probes will.
    state.active.store(true, Ordering::SeqCst);
    let n = ACTIVATIONS.fetch_add(1, Ordering::SeqCst) + 1;
    state.active_since.store(n, Ordering::SeqCst);
}

/// Entry handler of every site: run the entry probes.
fn site_pre(hc: &mut HitContext<'_>) {
    let list = list_of(hc);
    hc.call_data = ACTIVATIONS.load(Ordering::SeqCst);
    let mut clock = HitClock(None);
    for &a in &list.entries {
        // SAFETY: attachments outlive their presence in any list (see above).
        let a = unsafe { &*a };
        if !a.ret {
            a.fire(&*hc.frame, hc.cpu, 0, clock.for_handler(a));
        }
    }
}

/// Return handler of sites with return probes: run them with X0 as
/// `retval`.
fn site_ret(hc: &mut HitContext<'_>) {
    let list = list_of(hc);
    let mut clock = HitClock(None);
    let retval = hc.frame.x[0];
    for &a in &list.entries {
        // SAFETY: as in `site_pre`.
        let a = unsafe { &*a };
        // Only for calls that entered while the script was active.
        let since = a.state().active_since.load(Ordering::SeqCst);
        if a.ret && since != 0 && since <= hc.call_data {
            a.fire(&*hc.frame, hc.cpu, retval, clock.for_handler(a));
        }
    }
}

fn handlers(ret: bool) -> Handlers {
    Handlers { pre: Some(site_pre), post: None, ret: if ret { Some(site_ret) } else { None } }
}

/// Every site, and what waits for a grace period before it is freed.
/// (The boxes matter: CPUs may still hold pointers to the boxed list or
/// site, so they must not move or be freed before the grace period.)
#[derive(Default)]
#[allow(clippy::vec_box)]
pub struct Sites {
    map: BTreeMap<usize, Box<Site>>,
    retired: Vec<Box<EntryList>>,
    dead: Vec<Box<Site>>,
}

// SAFETY: the raw pointers in lists point to attachments that are `Sync`;
// Sites is only used under the script registry lock.
unsafe impl Send for Sites {}

impl Sites {
    /// An empty set of sites.
    pub const fn new() -> Self {
        Sites { map: BTreeMap::new(), retired: Vec::new(), dead: Vec::new() }
    }

    /// Whether `addr` has no site yet (a new probe must be planted).
    pub fn is_new(&self, addr: usize) -> bool {
        !self.map.contains_key(&addr)
    }

    fn publish(&mut self, addr: usize, entries: Vec<*const Attachment>) {
        let Some(site) = self.map.get(&addr) else { return };
        let new = Box::into_raw(Box::new(EntryList { entries }));
        let old = site.list.swap(new, Ordering::AcqRel);
        // SAFETY: `old` came from Box::into_raw; it is freed after a grace period.
        self.retired.push(unsafe { Box::from_raw(old) });
    }

    /// Add attachment `a` at `addr`, planting or re-arming the probe.
    pub fn add(&mut self, addr: usize, a: &Attachment) -> Result<(), AttachError> {
        self.add_group(addr, &[a])
    }

    /// Add attachments `group` (one script's, all at `addr`) at once: they
    /// become visible to hits together, so a hit never sees one of a
    /// script's probes at an address without the others (an entry counted
    /// by a kretprobe whose kprobe twin was not listed yet). Plants or
    /// re-arms the probe as needed.
    pub fn add_group(&mut self, addr: usize, group: &[&Attachment]) -> Result<(), AttachError> {
        let ptrs: Vec<*const Attachment> = group.iter().map(|a| *a as *const Attachment).collect();
        let ret = group.iter().any(|a| a.ret);
        let Some(site) = self.map.get(&addr) else {
            let list = Box::into_raw(Box::new(EntryList { entries: ptrs }));
            let mut site = Box::new(Site { addr, probe: None, has_ret: ret, list: AtomicPtr::new(list), missed_carry: 0 });
            let cookie = &*site as *const Site as usize;
            // On failure the site (and its list, never armed) is dropped.
            site.probe = Some(attach(addr, handlers(ret), cookie)?);
            self.map.insert(addr, site);
            return Ok(());
        };
        // SAFETY: a published list is valid until retired (we hold the lock).
        let before = unsafe { (*site.list.load(Ordering::Acquire)).entries.clone() };
        let needs_ret = ret && !site.has_ret;
        let mut entries = before.clone();
        entries.extend_from_slice(&ptrs);
        self.publish(addr, entries);
        if needs_ret {
            if let Err(e) = self.rearm(addr, true) {
                // The caller frees the group on failure: it must not stay listed.
                self.publish(addr, before);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Detach and re-attach the probe at `addr` with or without a return
    /// hook.
    fn rearm(&mut self, addr: usize, ret: bool) -> Result<(), AttachError> {
        let Some(site) = self.map.get_mut(&addr) else { return Ok(()) };
        let cookie = &**site as *const Site as usize;
        if let Some(id) = site.probe.take() {
            site.missed_carry += stats(id).map_or(0, |s| s.missed);
            let _ = detach(id);
        }
        match attach(addr, handlers(ret), cookie) {
            Ok(id) => {
                site.probe = Some(id);
                site.has_ret = ret;
                Ok(())
            }
            Err(e) => {
                // Put the previous arming back so other users keep working.
                site.probe = attach(addr, handlers(site.has_ret), cookie).ok();
                Err(e)
            }
        }
    }

    /// Remove attachment `a` from `addr`; the last one removes the probe.
    pub fn remove(&mut self, addr: usize, a: *const Attachment) {
        self.remove_group(addr, &[a]);
    }

    /// Remove attachments `group` from `addr` at once (see
    /// [`Sites::add_group`]); the last ones remove the probe.
    pub fn remove_group(&mut self, addr: usize, group: &[*const Attachment]) {
        let Some(site) = self.map.get(&addr) else { return };
        // SAFETY: as in `add_group`.
        let entries: Vec<_> =
            unsafe { (*site.list.load(Ordering::Acquire)).entries.iter().copied().filter(|e| !group.contains(e)).collect() };
        if !entries.is_empty() {
            self.publish(addr, entries);
            return;
        }
        if let Some(mut site) = self.map.remove(&addr) {
            if let Some(id) = site.probe.take() {
                // Detach waits until no CPU is inside this probe.
                let _ = detach(id);
            }
            self.dead.push(site);
        }
    }

    /// Free retired lists and removed sites. Call only after [`synchronize`].
    pub fn reap(&mut self) {
        self.retired.clear();
        self.dead.clear();
    }

    /// Hits at `addr` the engine counted as missed since the site was
    /// created (a hit while a handler ran on the same CPU, a return with
    /// no free return instance), or `None` if there is no site.
    pub fn missed(&self, addr: usize) -> Option<u64> {
        let site = self.map.get(&addr)?;
        Some(site.missed_carry + site.probe.and_then(stats).map_or(0, |s| s.missed))
    }

    /// Number of live sites (for statistics).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there is no site.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Addresses of all sites (for debugging and tests).
    pub fn addrs(&self) -> impl Iterator<Item = usize> + '_ {
        self.map.values().map(|s| s.addr)
    }
}

/// Wait until every other CPU has left any runtime trap code it was in
/// when this was called: afterwards no handler can still be using a list,
/// site or attachment unpublished before the call. (The calling CPU is not
/// in trap code: loads and unloads are refused from handlers.)
pub fn synchronize() {
    let Some(rt) = installed() else { return };
    // Pairs with the barrier in `PerCpu::enter_trap`: our unpublishing
    // stores are ordered before the sequence loads below.
    fence(Ordering::SeqCst);
    let me = rt.platform.cpu_id();
    for (cpu, state) in rt.cpus.iter().enumerate() {
        if cpu == me {
            continue;
        }
        let seq = state.trap_seq.load(Ordering::Acquire);
        if seq % 2 == 1 {
            while state.trap_seq.load(Ordering::Acquire) == seq {
                core::hint::spin_loop();
            }
        }
    }
}
