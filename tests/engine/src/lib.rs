//! In-target tests of the probe engine. The reference kernel calls [`run`]
//! for `selftest`; it prints one line per test and a summary line.
#![no_std]

use probec_runtime::Platform;

/// Totals of a selftest run.
pub struct Summary {
    /// Tests that passed.
    pub passed: usize,
    /// Tests that failed.
    pub failed: usize,
}

/// Run every engine test. The runtime has already been initialised by the
/// embedder with the XOL mode under test.
pub fn run(platform: &'static dyn Platform) -> Summary {
    let _ = platform;
    Summary { passed: 0, failed: 0 }
}
