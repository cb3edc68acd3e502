//! The engine's in-target suites (tests/engine): `selftest` and the
//! randomized `differential` instruction suite, with the runtime already
//! initialised in the XOL mode chosen on the command line.

use crate::cmdline::USAGE_EXIT_STATUS;

/// The in-target engine test suite (tests/engine), with the runtime already
/// initialised in the XOL mode chosen on the command line.
pub fn selftest() -> i32 {
    let summary = probec_engine_tests::run(&crate::embed::platform::PLATFORM);
    println!("selftest: {} passed, {} failed", summary.passed, summary.failed);
    if summary.failed == 0 {
        0
    } else {
        1
    }
}

/// The randomized differential instruction suite (docs/differential.md):
/// `differential [SEED [COUNT [FIRST [trace]]]]`, numbers decimal or 0x-hex
/// (`trace` prints each instruction before it runs). Exit status 0 if
/// nothing diverged and every refusal was right, else 1.
pub fn differential(args: &[alloc::string::String]) -> i32 {
    let number = |i: usize, default: u64| -> Option<u64> {
        match args.get(i) {
            None => Some(default),
            Some(a) => match a.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => a.parse().ok(),
            },
        }
    };
    let (Some(seed), Some(count), Some(first)) =
        (number(0, probec_engine_tests::DEFAULT_SEED), number(1, probec_engine_tests::DEFAULT_COUNT), number(2, 0))
    else {
        println!("usage: differential [SEED [COUNT [FIRST [trace]]]]");
        return USAGE_EXIT_STATUS;
    };
    let trace = args.get(3).is_some_and(|a| a == "trace");
    let opts = probec_engine_tests::DiffOptions { seed, count, first, trace };
    // Without the tick: the suite runs each instruction with the random
    // PSTATE (IRQs unmasked in half of them) and SP set anywhere by
    // instructions like `sub sp, x8, #0x1a6`; a tick taken there pushes its
    // frame onto the memory the suite compares between the native and the
    // probed run. (The engine selftest runs with the tick on.)
    crate::irq::stop_tick();
    let s = probec_engine_tests::run_differential(&crate::embed::platform::PLATFORM, crate::selftest::test_page::page(), opts);
    crate::irq::start_tick();
    if s.divergences == 0 && s.reject_failures == 0 && s.instructions == count {
        0
    } else {
        1
    }
}
