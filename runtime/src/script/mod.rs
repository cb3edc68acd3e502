//! Loading compiled scripts (probes.o) into the running target.
//!
//! [`load`] validates an object completely ([`object`], [`descs`],
//! [`relocate`]; on targets whose exceptions save only the general-purpose
//! registers also that no handler code uses FP/SIMD, [`code`]) before it
//! touches anything, resolves every probe target
//! against the embedder's [`SymbolSource`] ([`resolve`]), checks that
//! every new probe point can be armed, then places the code ([`place`],
//! [`code_area`]), allocates maps and rings, attaches every probe point
//! ([`sites`]) — all or nothing — and runs `BEGIN`. Handlers then run on
//! hits and write to maps ([`maps`]) and per-CPU rings ([`ring`]) through
//! the [`helpers`]. [`drain`] formats pending output ([`text`], [`json`]);
//! [`unload`] detaches everything, runs `END`, prints the maps as
//! bpftrace does ([`report`]) and frees everything.
//!
//! The embedder contract additions: [`set_code_area`] (executable memory
//! for handler code), [`crate::Platform::read_nofault`] (fault-safe reads)
//! and [`crate::Platform::context_value`] (`tid`, `pid`, ...). See
//! docs/runtime-scripts.md.

pub mod code_area;
pub mod error;
pub mod helpers;
mod load;
pub mod place;
pub mod report;
pub mod sites;

// The loader's modules, where the glue and embedders have always found them.
pub use probec_loader::{
    code, descs, elf, json, maps, mapview, names, object, printf, relocate, resolve, ring, spec, state, symtab, text, value,
};
pub use probec_loader::{ObjectError, Symbol, SymbolSource};

pub use code_area::{set_code_area, CodeAreaError};
pub use error::{LoadError, UnloadError};
pub use load::{cpu_features, load};

use crate::abi;
use crate::global::installed;
use crate::runtime::Runtime;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::sync::atomic::Ordering;
use place::Placed;
use probec_loader::output::{Formatter, Sink};
use sites::Sites;
use spec::{FormatSpec, MapSpec};
use state::{Attachment, ScriptState};

/// Limits and knobs of [`load`].
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// Bytes of output ring per CPU (rounded down to a power of two, at
    /// least 256). Default 64 KiB.
    pub ring_bytes_per_cpu: usize,
    /// Most bytes all maps of one script may take. Default 16 MiB.
    pub max_map_bytes: u64,
    /// Most stack a handler may need (`max_stack` + 176): what the
    /// embedder's exception stack can spare. Default 16 KiB.
    pub max_handler_stack: u32,
    /// Largest string capacity (`max_strlen`) accepted. Default 4096.
    pub max_strlen: u32,
    /// Most probe points (descriptors expanded over glob matches). Default
    /// 4096.
    pub max_points: usize,
    /// `abi::FEATURE_*` bits the CPU supports; `None` reads the ID
    /// registers (on non-AArch64 hosts: everything).
    pub cpu_features: Option<u32>,
    /// Bind handlers to native functions by symbol name instead of running
    /// the object's code (embedders that link handlers in; host tests,
    /// where arm64 code cannot run). The object's code is still validated,
    /// placed and relocated when a code area is set.
    pub native_handlers: Option<fn(&str) -> Option<abi::Handler>>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            ring_bytes_per_cpu: 64 << 10,
            max_map_bytes: 16 << 20,
            max_handler_stack: 16 << 10,
            max_strlen: 4096,
            max_points: 4096,
            cpu_features: None,
            native_handlers: None,
        }
    }
}

/// Identifies a loaded script. Stale ids (of unloaded scripts) are
/// recognised, never confused with a later script.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ScriptId {
    slot: u32,
    generation: u32,
}

impl ScriptId {
    /// As one number (the live-attach protocol carries script ids so).
    pub fn to_raw(self) -> u64 {
        (u64::from(self.slot) << 32) | u64::from(self.generation)
    }

    /// From [`ScriptId::to_raw`]; any number is accepted (an id that names
    /// no loaded script is refused by the functions that take it).
    pub fn from_raw(raw: u64) -> Self {
        ScriptId { slot: (raw >> 32) as u32, generation: raw as u32 }
    }
}

impl fmt::Display for ScriptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "script {}.{}", self.slot, self.generation)
    }
}

/// How [`drain`] and [`unload`] format output.
pub use probec_loader::output::Format as OutputFormat;

/// A loaded script as the registry owns it.
pub(crate) struct Script {
    state: Box<ScriptState>,
    attachments: Box<[Attachment]>,
    /// `(address, attachment index)` of every attached probe point.
    points: Vec<(usize, usize)>,
    /// Attachment indexes of END probes.
    end: Vec<usize>,
    placed: Option<Placed>,
    maps: Vec<MapSpec>,
    formats: Vec<FormatSpec>,
    /// Probe names by descriptor index, for the error report.
    probe_names: Vec<String>,
    /// Lost records already reported, per CPU.
    lost_reported: Vec<u64>,
    /// Per probed address: its probe's name and the site's missed-hit
    /// count when this script attached (missed hits are reported at
    /// unload: hits during the script's life whose handlers did not run).
    missed_base: Vec<(usize, String, u64)>,
    /// Missed hits per probe name, filled in at unload for the report.
    missed: Vec<(String, u64)>,
}

// SAFETY: the raw pointers inside attachments point into this script's own
// boxes; the registry lock serialises every use outside the hit path.
unsafe impl Send for Script {}

struct Slot {
    generation: u32,
    script: Option<Box<Script>>,
}

struct Registry {
    slots: Vec<Slot>,
    sites: Sites,
}

static REGISTRY: spin::Mutex<Registry> = spin::Mutex::new(Registry { slots: Vec::new(), sites: Sites::new() });

impl Registry {
    fn get(&mut self, id: ScriptId) -> Option<&mut Script> {
        let slot = self.slots.get_mut(id.slot as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        slot.script.as_deref_mut()
    }
}

/// Refuse calls from probe handlers (they would deadlock or free what the
/// caller runs on).
fn check_context() -> Result<&'static Runtime, LoadError> {
    let rt = installed().ok_or(LoadError::NotInitialised)?;
    if rt.in_handler() {
        return Err(LoadError::InHandler);
    }
    Ok(rt)
}

/// Format the script's pending `printf` and `print()` output (and a
/// `Lost N events` notice if records were dropped). An unknown id writes
/// nothing.
pub fn drain(id: ScriptId, out: &mut dyn fmt::Write, format: OutputFormat) -> fmt::Result {
    let mut reg = REGISTRY.lock();
    match reg.get(id) {
        Some(s) => report::drain(&s.state, &mut s.lost_reported, &mut Formatter::new(format, &s.maps, &s.formats, out), usize::MAX),
        None => Ok(()),
    }
}

/// Pass the script's pending output to `sink` (what [`drain`] formats),
/// at most `budget` records from each CPU's ring. An unknown id passes
/// nothing.
pub fn drain_to(id: ScriptId, sink: &mut dyn Sink, budget: usize) -> fmt::Result {
    let mut reg = REGISTRY.lock();
    match reg.get(id) {
        Some(s) => report::drain(&s.state, &mut s.lost_reported, sink, budget),
        None => Ok(()),
    }
}

/// Whether a handler of the script called `exit()`. The embedder then
/// calls [`unload`].
pub fn exit_requested(id: ScriptId) -> bool {
    REGISTRY.lock().get(id).is_some_and(|s| s.state.exit.load(Ordering::Acquire))
}

/// Probe points armed by all loaded scripts together (0 when none is
/// loaded: every probed word is the original instruction again).
pub fn armed_points() -> usize {
    REGISTRY.lock().sites.len()
}

/// Whether `id` names a loaded script.
pub fn is_loaded(id: ScriptId) -> bool {
    REGISTRY.lock().get(id).is_some()
}

/// Number of probe points the script has attached (globs expanded).
pub fn probe_points(id: ScriptId) -> Option<usize> {
    REGISTRY.lock().get(id).map(|s| s.points.len())
}

/// The number bpftrace prints in `Attaching N probes...`: probe points
/// (globs expanded) plus `BEGIN` and `END` probes.
pub fn attached_probes(id: ScriptId) -> Option<usize> {
    REGISTRY.lock().get(id).map(|s| s.attachments.len())
}

/// Where the script's code was placed: `(start, length)` in the code area
/// (`None` without code, e.g. with native handlers and no code area).
/// Useful to disassemble it: `objdump --adjust-vma=START`.
pub fn code_range(id: ScriptId) -> Option<(usize, usize)> {
    REGISTRY.lock().get(id).and_then(|s| s.placed.as_ref()?.code)
}

/// Detach every probe of the script, run its `END` handlers, write the
/// remaining output and the final report (maps, lost events, errors) to
/// `out`, and free everything it used. The probes are gone and the memory
/// freed even if writing fails ([`UnloadError::Output`]).
pub fn unload(id: ScriptId, out: &mut dyn fmt::Write, format: OutputFormat) -> Result<(), UnloadError> {
    let mut fmt_out = Some((out, format));
    unload_with(id, &mut |script: &mut Script| {
        let (out, format) = fmt_out.take().expect("called once");
        // The formatter borrows the descriptors while the report reads
        // the rest of the script.
        let maps = core::mem::take(&mut script.maps);
        let formats = core::mem::take(&mut script.formats);
        let written = report::finish_with(script, &maps, &mut Formatter::new(format, &maps, &formats, out));
        script.maps = maps;
        script.formats = formats;
        written
    })
}

/// [`unload`], passing the final output to `sink` instead of formatting
/// it (the live-attach agent sends it to the host).
pub fn unload_to(id: ScriptId, sink: &mut dyn Sink) -> Result<(), UnloadError> {
    unload_with(id, &mut |script: &mut Script| report::finish(script, sink))
}

fn unload_with(id: ScriptId, report: &mut dyn FnMut(&mut Script) -> fmt::Result) -> Result<(), UnloadError> {
    let rt = check_context().map_err(|e| if e == LoadError::InHandler { UnloadError::InHandler } else { UnloadError::NotLoaded })?;
    let mut reg = REGISTRY.lock();
    let Registry { slots, sites } = &mut *reg;
    let slot = slots.get_mut(id.slot as usize).filter(|s| s.generation == id.generation).ok_or(UnloadError::NotLoaded)?;
    let mut script = slot.script.take().ok_or(UnloadError::NotLoaded)?;
    slot.generation = slot.generation.wrapping_add(1);
    script.state.active.store(false, Ordering::Release);
    script.missed = script
        .missed_base
        .iter()
        .filter_map(|(addr, name, base)| Some((name.clone(), sites.missed(*addr)?.saturating_sub(*base))))
        .filter(|(_, n)| *n > 0)
        .collect();
    // A script's attachments at one address leave together, as they came.
    let mut groups: alloc::collections::BTreeMap<usize, Vec<*const Attachment>> = alloc::collections::BTreeMap::new();
    for &(addr, i) in &script.points {
        groups.entry(addr).or_default().push(&script.attachments[i] as *const Attachment);
    }
    for (addr, group) in &groups {
        sites.remove_group(*addr, group);
    }
    // After this no handler of the script runs anywhere: END may use the
    // rings as their only writer, and code and memory can be freed.
    sites::synchronize();
    sites.reap();
    let cpu = rt.platform.cpu_id();
    for &i in &script.end {
        script.attachments[i].call(core::ptr::null(), cpu, 0, rt.platform.now_ns());
    }
    let written = report(&mut script);
    if let Some(p) = script.placed.as_mut() {
        p.release();
    }
    drop(script);
    written.map_err(|_| UnloadError::Output)
}
