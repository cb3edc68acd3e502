//! What the kernel does after boot: run the command from the command line
//! and return the exit status QEMU should exit with.

use crate::cmdline::CmdLine;
use crate::{bench, demo, diag, platform, probe_every, script_cmd, smp_test, symbols, trap_test, workload};

const USAGE: &str = "usage: [xol=step|xol=brk|xol=boost] [frame=gp|frame=full] [script=PATH [format=text|json]] selftest | demo | bench | probe-every [WORKLOAD N]... | smp-test [ITERATIONS] | fib N | sha256 N | deflate N | sort N";

/// Exit status for a bad command line.
pub const USAGE_EXIT_STATUS: i32 = 2;

/// Run the command, with the probe script of `script=PATH` loaded around
/// it if there is one (script_cmd.rs); returns the exit status.
pub fn run(cmdline: &CmdLine, entry_el: u64) -> i32 {
    match cmdline.script.as_deref() {
        Some(path) => script_cmd::run(cmdline, path, |c| run_command(c, entry_el)),
        None => run_command(cmdline, entry_el),
    }
}

/// Run the command alone; returns the exit status.
fn run_command(cmdline: &CmdLine, entry_el: u64) -> i32 {
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
        "differential" => differential(args),
        "demo" => demo::run(),
        "bench" => bench::run(),
        "bench-script" => bench::run_script(),
        "bench-once" => bench::run_once(args),
        "probe-every" => probe_every::run(cmdline),
        "smp-test" => smp_test::run(args, entry_el),
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

/// The randomized differential instruction suite (docs/differential.md):
/// `differential [SEED [COUNT [FIRST [trace]]]]`, numbers decimal or 0x-hex
/// (`trace` prints each instruction before it runs). Exit status 0 if
/// nothing diverged and every refusal was right, else 1.
fn differential(args: &[alloc::string::String]) -> i32 {
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
    let s = probec_engine_tests::run_differential(&platform::PLATFORM, crate::test_page::page(), opts);
    if s.divergences == 0 && s.reject_failures == 0 && s.instructions == count {
        0
    } else {
        1
    }
}
