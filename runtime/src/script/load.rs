//! [`load`]: validate, resolve, check every new probe point, allocate,
//! place, attach all or nothing, run BEGIN.

use super::error::LoadError;
use super::maps::{self, Map};
use super::object::{self, Limits, Validated};
use super::place::{self, Placed};
use super::resolve::{self, Point};
use super::ring::Ring;
use super::spec::ProbeKind;
use super::state::{Attachment, ScriptState};
use super::{check_context, code, code_area, sites, LoadOptions, Registry, Script, ScriptId, Slot, SymbolSource, REGISTRY};
use crate::abi;
use crate::probes::AttachError;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use probec_loader::error::{Requirement, Resources, Unsupported};

/// `abi::FEATURE_*` bits this CPU supports.
pub fn cpu_features() -> u32 {
    #[cfg(target_arch = "aarch64")]
    {
        let isar0: u64;
        // SAFETY: ID registers are readable at EL1 and have no side effects.
        unsafe { core::arch::asm!("mrs {}, id_aa64isar0_el1", out(reg) isar0, options(nomem, nostack, preserves_flags)) };
        // BTI and PAC instructions in handlers are hints: harmless without
        // the features. LSE atomics are UNDEFINED without FEAT_LSE
        // (ID_AA64ISAR0_EL1.Atomic, bits 23:20, >= 2).
        let lse = if (isar0 >> 20) & 0xf >= 2 { abi::FEATURE_LSE } else { 0 };
        lse | abi::FEATURE_BTI | abi::FEATURE_PAC
    }
    #[cfg(not(target_arch = "aarch64"))]
    {
        abi::FEATURE_LSE | abi::FEATURE_BTI | abi::FEATURE_PAC
    }
}

/// Load `object`: validate it completely, resolve its probe targets in
/// `symbols`, place and relocate its code, bind its helpers, attach every
/// probe point (all or nothing) and run its `BEGIN` handlers. On error
/// nothing stays armed or allocated, and the error says what and why.
pub fn load(object: &[u8], symbols: &dyn SymbolSource, options: &LoadOptions) -> Result<ScriptId, LoadError> {
    let rt = check_context()?;
    let limits = Limits {
        max_strlen: options.max_strlen,
        max_handler_stack: options.max_handler_stack,
        cpu_features: options.cpu_features.unwrap_or_else(cpu_features),
    };
    let v = object::validate(object, &limits)?;
    code::check_frame(&v, rt.frame)?;
    for name in &v.requires {
        // `comm` is a string the embedder writes (Platform::thread_name);
        // every other requirement is a value (Platform::context_value).
        let supported = match name.as_str() {
            "comm" => rt.platform.thread_name(&mut [0u8; 1]).is_some(),
            _ => rt.platform.context_value(name).is_some(),
        };
        if !supported {
            return Err(LoadError::Object(Requirement::ContextValue { name: name.clone() }.into()));
        }
    }
    if options.native_handlers.is_none() && !code_area::has_code_area() {
        return Err(LoadError::NoCodeArea);
    }
    let points = resolve::resolve(&v.probes, symbols, options.max_points)?;

    let mut reg = REGISTRY.lock();
    // Every new address must be armable before anything changes.
    for p in points.iter().filter(|p| reg.sites.is_new(p.addr)) {
        if code_area::contains(p.addr) {
            let probe = v.probes[p.probe].name.clone();
            return Err(LoadError::Object(Unsupported::ProbeInScriptCode { probe, target: p.target.clone(), addr: p.addr }.into()));
        }
        rt.check(p.addr).map_err(|reason| attach_error(&v, p, reason))?;
    }
    let state = build_state(&v, options, rt.platform.max_cpus())?;
    let placed = if code_area::has_code_area() { Some(place::place(&v.elf)?) } else { None };
    let script = match build_script(&v, &points, state, placed, options) {
        Ok(s) => s,
        Err(failed) => {
            let (e, mut placed) = *failed;
            if let Some(p) = placed.as_mut() {
                p.release();
            }
            return Err(e);
        }
    };
    let id = insert(&mut reg, script);
    attach_all(&mut reg, id, &v, &points)?;

    // BEGIN runs before handlers are enabled; exit() in BEGIN keeps them off.
    let Some(script) = reg.get(id) else { return Err(LoadError::NotInitialised) };
    let now = rt.platform.now_ns();
    script.state.start_ns.store(now, Ordering::Relaxed);
    let cpu = rt.platform.cpu_id();
    for (i, spec) in v.probes.iter().enumerate() {
        if spec.kind == ProbeKind::Begin {
            if let Some(a) = script.attachments.iter().find(|a| a.probe_id as usize == i) {
                a.call(core::ptr::null(), cpu, 0, rt.platform.now_ns());
            }
        }
    }
    if !script.state.exit.load(Ordering::Acquire) {
        sites::activate(&script.state);
    }
    Ok(id)
}

fn attach_error(v: &Validated<'_>, p: &Point, reason: AttachError) -> LoadError {
    LoadError::Attach { probe: v.probes[p.probe].name.clone(), target: p.target.clone(), addr: p.addr, reason }
}

fn resources(what: Resources) -> LoadError {
    LoadError::Object(what.into())
}

/// Maps, rings and counters, within the embedder's memory budget.
fn build_state(v: &Validated<'_>, options: &LoadOptions, cpus: usize) -> Result<Box<ScriptState>, LoadError> {
    let map_bytes: u64 = v.maps.iter().map(maps::footprint).sum();
    if map_bytes > options.max_map_bytes {
        return Err(resources(Resources::MapBytes { bytes: map_bytes, limit: options.max_map_bytes }));
    }
    let mut map_vec = Vec::new();
    for spec in &v.maps {
        map_vec.push(Map::new(spec).ok_or_else(|| resources(Resources::MapMemory { map: spec.name.clone() }))?);
    }
    let mut rings = Vec::new();
    for _ in 0..cpus {
        rings.push(Ring::new(options.ring_bytes_per_cpu).ok_or_else(|| resources(Resources::RingMemory))?);
    }
    let ring_bytes = rings.first().map_or(0, |r| r.capacity());
    for (i, f) in v.formats.iter().enumerate() {
        if f.record_size as usize + super::ring::HEADER_BYTES > ring_bytes {
            return Err(resources(Resources::RecordTooLarge { format: i, text: f.text.clone(), record_size: f.record_size, ring_bytes }));
        }
    }
    Ok(Box::new(ScriptState {
        maps: map_vec.into_boxed_slice(),
        rings: rings.into_boxed_slice(),
        record_sizes: v.formats.iter().map(|f| f.record_size).collect(),
        errors: v.probes.iter().map(|_| AtomicU64::new(0)).collect(),
        requires: v.requires.iter().map(|r| Box::from(r.as_str())).collect(),
        active: AtomicBool::new(false),
        active_since: core::sync::atomic::AtomicU64::new(0),
        exit: AtomicBool::new(false),
        start_ns: AtomicU64::new(0),
    }))
}

/// The handler of probe `i`: native, or its placed code.
fn handler(v: &Validated<'_>, i: usize, placed: Option<&Placed>, options: &LoadOptions) -> Result<abi::Handler, LoadError> {
    let spec = &v.probes[i];
    if let Some(bind) = options.native_handlers {
        return bind(&spec.handler).ok_or_else(|| {
            LoadError::Object(Requirement::NativeHandler { probe: spec.name.clone(), handler: spec.handler.clone() }.into())
        });
    }
    let addr =
        placed.and_then(|p| place::symbol_addr(&v.elf, &p.placement, spec.handler_sym)).filter(|&a| a != 0).ok_or(LoadError::NoCodeArea)?;
    // SAFETY: `addr` is the placed, relocated entry of a validated handler
    // function with the `abi::Handler` signature.
    Ok(unsafe { core::mem::transmute::<usize, abi::Handler>(addr as usize) })
}

type BuildError = Box<(LoadError, Option<Placed>)>;

fn build_script(
    v: &Validated<'_>,
    points: &[Point],
    state: Box<ScriptState>,
    placed: Option<Placed>,
    options: &LoadOptions,
) -> Result<Box<Script>, BuildError> {
    let st: *const ScriptState = &*state;
    let mut atts = Vec::new();
    let mut end = Vec::new();
    let mut fail = None;
    let mut make = |probe: usize, func_addr: u64, func: &str, name: &str| match handler(v, probe, placed.as_ref(), options) {
        Ok(h) => Some(Attachment {
            state: st,
            handler: h,
            probe_id: probe as u32,
            ret: v.probes[probe].kind == ProbeKind::Kretprobe,
            clock: v.probes[probe].clock,
            func_addr,
            func: func.into(),
            probe: name.into(),
        }),
        Err(e) => {
            fail.get_or_insert(e);
            None
        }
    };
    for p in points {
        atts.extend(make(p.probe, p.func_addr, &p.func, &p.name));
    }
    for (i, spec) in v.probes.iter().enumerate() {
        if matches!(spec.kind, ProbeKind::Begin | ProbeKind::End) {
            if let Some(a) = make(i, 0, "", &spec.name) {
                if spec.kind == ProbeKind::End {
                    end.push(atts.len());
                }
                atts.push(a);
            }
        }
    }
    if let Some(e) = fail {
        return Err(Box::new((e, placed)));
    }
    Ok(Box::new(Script {
        state,
        attachments: atts.into_boxed_slice(),
        points: points.iter().enumerate().map(|(i, p)| (p.addr, i)).collect(),
        end,
        placed,
        maps: v.maps.clone(),
        formats: v.formats.clone(),
        probe_names: v.probes.iter().map(|p| p.name.clone()).collect(),
        lost_reported: Vec::new(),
        missed_base: Vec::new(),
        missed: Vec::new(),
    }))
}

fn insert(reg: &mut Registry, script: Box<Script>) -> ScriptId {
    if let Some(i) = reg.slots.iter().position(|s| s.script.is_none()) {
        let slot = &mut reg.slots[i];
        slot.script = Some(script);
        return ScriptId { slot: i as u32, generation: slot.generation };
    }
    reg.slots.push(Slot { generation: 0, script: Some(script) });
    ScriptId { slot: reg.slots.len() as u32 - 1, generation: 0 }
}

/// Point indexes grouped by address, addresses in order of first
/// appearance.
pub(crate) fn by_address(points: &[Point]) -> Vec<(usize, Vec<usize>)> {
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut index = alloc::collections::BTreeMap::new();
    for (i, p) in points.iter().enumerate() {
        let g = *index.entry(p.addr).or_insert_with(|| {
            groups.push((p.addr, Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(i);
    }
    groups
}

/// Attach every point; on the first failure remove what was added, free
/// the script and report which probe failed and why.
fn attach_all(reg: &mut Registry, id: ScriptId, v: &Validated<'_>, points: &[Point]) -> Result<(), LoadError> {
    let Registry { slots, sites } = reg;
    let slot = &mut slots[id.slot as usize];
    let Some(script) = slot.script.as_mut() else { return Err(LoadError::NotInitialised) };
    // One script's attachments at an address go in together
    // (Sites::add_group), in the order their addresses first appear.
    let groups = by_address(points);
    let mut result = Ok(());
    let mut added = 0;
    for (addr, members) in &groups {
        let group: Vec<&Attachment> = members.iter().map(|&i| &script.attachments[i]).collect();
        if let Err(reason) = sites.add_group(*addr, &group) {
            result = Err(attach_error(v, &points[members[0]], reason));
            break;
        }
        added += 1;
    }
    if result.is_err() {
        for (addr, members) in &groups[..added] {
            let group: Vec<*const Attachment> = members.iter().map(|&i| &script.attachments[i] as *const Attachment).collect();
            sites.remove_group(*addr, &group);
        }
    }
    // Retired entry lists (and, on failure, the script) are freed only
    // once no CPU can still be reading them.
    sites::synchronize();
    sites.reap();
    if result.is_ok() {
        // One entry per address: a site's count covers every probe there.
        let mut base: Vec<(usize, alloc::string::String, u64)> = Vec::new();
        for p in points {
            if !base.iter().any(|(a, _, _)| *a == p.addr) {
                base.push((p.addr, p.target.clone(), sites.missed(p.addr).unwrap_or(0)));
            }
        }
        script.missed_base = base;
    }
    if result.is_err() {
        if let Some(mut s) = slot.script.take() {
            if let Some(p) = s.placed.as_mut() {
                p.release();
            }
        }
        slot.generation = slot.generation.wrapping_add(1);
    }
    result
}
