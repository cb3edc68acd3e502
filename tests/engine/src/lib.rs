//! In-target tests of the probe engine. The reference kernel calls [`run`]
//! for its `selftest` command, after initialising the runtime with the XOL
//! mode under test; each test prints `ok` or `FAIL` with the reason.
#![no_std]

extern crate alloc;

#[macro_use]
mod report;
mod block;
mod differential;
mod functions;
mod random;
mod rejects;
mod snippet_macro;
mod snippets;
mod targets;
mod text;
mod workload;

use probec_runtime::{FrameContents, Platform, XolMode};

pub use random::{DiffOptions, DiffSummary, TestPage, DEFAULT_COUNT, DEFAULT_SEED};

/// What the embedder's exception frames hold, as it told the runtime.
pub(crate) fn frame_contents() -> FrameContents {
    probec_runtime::installed().expect("the runtime is initialised").frame
}

/// The XOL mode the runtime runs with.
pub(crate) fn xol_mode() -> XolMode {
    probec_runtime::installed().expect("the runtime is initialised").mode
}

/// Whether probe `id` runs its instruction in a boosted slot.
pub(crate) fn is_boosted(id: probec_runtime::ProbeId) -> bool {
    let rt = probec_runtime::installed().expect("the runtime is initialised");
    matches!(rt.probes[id.0 as usize].config().execution, probec_runtime::record::Execution::Boost { .. })
}

/// Handlers for a probe under test: `pre`, and `post` if `with_post`. In
/// Boost mode a probe without a post-handler gets a boosted slot, one with
/// a post-handler the BRK-after-slot fallback.
pub(crate) fn handlers(pre: probec_runtime::Handler, post: probec_runtime::Handler, with_post: bool) -> probec_runtime::Handlers {
    probec_runtime::Handlers { pre: Some(pre), post: with_post.then_some(post), ret: None }
}

/// Whether the runtime should have boosted a probe on an instruction
/// decoded as `decoded`, attached with or without a post-handler.
pub(crate) fn expect_boosted(decoded: probec_runtime::arch::aarch64::decode::Decoded, with_post: bool) -> bool {
    xol_mode() == XolMode::Boost && !with_post && matches!(decoded, probec_runtime::arch::aarch64::decode::Decoded::Xol)
}

/// The configuration under test, e.g. `xol=step frame=gp`.
pub fn configuration() -> alloc::string::String {
    let xol = match xol_mode() {
        XolMode::SingleStep => "step",
        XolMode::BrkAfterSlot => "brk",
        XolMode::Boost => "boost",
    };
    let frame = match frame_contents() {
        FrameContents::GeneralRegisters => "gp",
        FrameContents::Full => "full",
    };
    alloc::format!("xol={xol} frame={frame}")
}

/// Totals of a selftest run.
pub struct Summary {
    /// Tests that passed.
    pub passed: usize,
    /// Tests that failed.
    pub failed: usize,
}

/// Run every engine test.
pub fn run(platform: &'static dyn Platform) -> Summary {
    let mut report = report::Report::new(platform);
    report.print(&alloc::format!("selftest configuration: {}\n", configuration()));
    differential::run(&mut report);
    rejects::run(&mut report);
    functions::run(&mut report);
    workload::run(&mut report);
    Summary { passed: report.passed, failed: report.failed }
}

/// The randomized differential instruction suite (docs/differential.md):
/// generates code into `page`, runs `opts.count` random instructions
/// natively and probed, and checks attach's refusals.
pub fn run_differential(platform: &'static dyn Platform, page: TestPage, opts: DiffOptions) -> DiffSummary {
    random::run(platform, page, opts)
}
