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

use probec_runtime::Platform;

pub use random::{DiffOptions, DiffSummary, TestPage, DEFAULT_COUNT, DEFAULT_SEED};

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
