//! Runtime configuration chosen by the embedder at [`crate::Runtime::new`]
//! (or [`crate::init`]).

/// How the displaced instruction of an XOL probe is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XolMode {
    /// Hardware single-step of the slot (MDSCR_EL1.SS/KDE, SPSR.SS): the
    /// 2015 Linux kprobes design. Needs the embedder to forward EC 0x32/0x33.
    SingleStep,
    /// The slot is followed by a second BRK that traps back to the runtime
    /// (what Linux moved to in 2020). Needs no debug registers.
    BrkAfterSlot,
    /// "Boosted" XOL (x86 kprobes' term): handlers run at the BRK, then the
    /// CPU returns straight into the slot, whose second word is a `B` back
    /// to the instruction after the probe. One exception per hit instead
    /// of two, and interrupts are not masked while the slot runs, so a
    /// detached probe's slot is reused only after
    /// [`crate::Platform::wait_for_slot_exits`] ([`crate::Runtime::new`] refuses this mode on
    /// platforms that cannot wait for that). Probes out of `B` range of the
    /// executable area (±128 MiB), and probes with a post-handler, fall
    /// back to [`XolMode::BrkAfterSlot`] individually.
    Boost,
}

pub use probec_abi::frame::FrameContents;

/// A range of executable memory the runtime may use for XOL slots and
/// return trampolines. It must be patchable via [`crate::Platform::text_alias`].
#[derive(Clone, Copy, Debug)]
pub struct ExecArea {
    /// First executable address (4-byte aligned).
    pub start: usize,
    /// Length in bytes.
    pub len: usize,
}

/// Everything [`crate::Runtime::new`] needs besides the platform.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// XOL mode used for every probe.
    pub xol_mode: XolMode,
    /// Executable memory for slots and trampolines.
    pub exec_area: ExecArea,
    /// Maximum number of probes attached at once.
    pub max_probes: usize,
    /// Return-probe instances per CPU: the runtime keeps a pool of this
    /// many times the CPU count, shared by every thread (a hooked return
    /// pending in a preempted thread holds one wherever the thread is).
    pub return_instances_per_cpu: usize,
    /// What the embedder's exception frames hold.
    pub frame: FrameContents,
}
