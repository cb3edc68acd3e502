//! What the kernel does after boot: run the command from the command line
//! and return the exit status QEMU should exit with.

use crate::cmdline::CmdLine;
use crate::{bench, demo, diag, platform, symbols, trap_test, workload};

const USAGE: &str = "usage: [xol=step|xol=brk] selftest | demo | bench | fib N | sha256 N | deflate N | sort N";

/// Exit status for a bad command line.
pub const USAGE_EXIT_STATUS: i32 = 2;

/// Run the command; returns the exit status.
pub fn run(cmdline: &CmdLine, entry_el: u64) -> i32 {
    let Some(command) = cmdline.command.as_deref() else {
        // A common slip with `-semihosting-config ...,arg=`: forgetting that
        // the first word is the program name and is dropped.
        println!("refkernel: no command in {:?} (its first word is the program name)", cmdline.raw);
        println!("{USAGE}");
        return USAGE_EXIT_STATUS;
    };
    let args = &cmdline.args;
    match command {
        "selftest" => selftest(),
        "demo" => demo::run(),
        "bench" => bench::run(),
        // Diagnostics, not in the usage line: used to test the kernel.
        "info" => diag::info(cmdline, entry_el),
        "brk-test" => diag::brk_test(),
        "fault-test" => diag::fault_test(),
        "frame-test" => trap_test::frame_test(),
        "step-test" => trap_test::step_test(),
        "file-test" => diag::file_test(args),
        "wx-test" => diag::wx_test(),
        "symbols-test" => symbols::symbols_test(cmdline),
        _ => workload::run(command, args).unwrap_or_else(|| {
            println!("refkernel: unknown command '{command}'");
            println!("{USAGE}");
            USAGE_EXIT_STATUS
        }),
    }
}

/// The in-target engine test suite (tests/engine), with the runtime already
/// initialised in the XOL mode chosen on the command line.
fn selftest() -> i32 {
    let summary = probec_engine_tests::run(&platform::PLATFORM);
    println!("selftest: {} passed, {} failed", summary.passed, summary.failed);
    if summary.failed == 0 {
        0
    } else {
        1
    }
}
