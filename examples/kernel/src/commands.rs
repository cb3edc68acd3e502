//! What the kernel does after boot: run the command from the command line
//! and return the exit status QEMU should exit with.

use crate::cmdline::{CmdLine, USAGE_EXIT_STATUS};
use crate::embed::script;
use crate::selftest::{self, bench, demo, diag, probe_every, smp_test, stress, trap_test};
use crate::workload;

const USAGE: &str = "usage: [xol=step|xol=brk|xol=boost] [frame=gp|frame=full] [tick=HZ] [script=PATH [format=text|json] | script=agent] selftest | demo | bench | probe-every [WORKLOAD N]... | smp-test [ITERATIONS] | stress THREADS ITERATIONS [CYCLES] | fib N | sha256 N | deflate N | sort N | threads N WORKLOAD ARG | serve WORKLOAD ARG [WORKLOAD ARG...]";

/// Run the command, with the probe script of `script=PATH` loaded around
/// it if there is one (embed/script.rs); returns the exit status.
pub fn run(cmdline: &CmdLine, entry_el: u64) -> i32 {
    // `threads`, `stress` and `serve` check their threads' results against
    // computations made now, before a script can attach probes.
    let prepared = match cmdline.command.as_deref() {
        Some("threads") => workload::threads::Reference::compute(&cmdline.args).map(Prepared::Threads),
        Some("serve") => workload::serve::Prepared::compute(&cmdline.args, false).map(Prepared::Serve),
        // Diagnostic, not in the usage line: `serve`'s threads for SECONDS.
        Some("serve-test") => workload::serve::Prepared::compute(&cmdline.args, true).map(Prepared::Serve),
        Some("stress") => stress::Prepared::new(&cmdline.args).map(Prepared::Stress),
        _ => Ok(Prepared::Nothing),
    };
    let prepared = match prepared {
        Ok(p) => p,
        Err(status) => return status,
    };
    let stress_words = match &prepared {
        Prepared::Stress(p) => Some(p.entry_words()),
        _ => None,
    };
    let command = move |c: &CmdLine| match prepared {
        Prepared::Threads(reference) => workload::threads::run(reference),
        Prepared::Stress(p) => stress::run(p),
        Prepared::Serve(p) => workload::serve::run(p),
        Prepared::Nothing => run_command(c, entry_el),
    };
    let status = match cmdline.script.as_deref() {
        Some("agent") => crate::embed::live_run::run(cmdline, command),
        Some(path) => script::run(cmdline, path, command),
        None => command(cmdline),
    };
    match stress_words {
        Some(words) => stress::finish(&words, status),
        None => status,
    }
}

/// What a command computed before the script was loaded.
enum Prepared {
    Threads(workload::threads::Reference),
    Stress(stress::Prepared),
    Serve(workload::serve::Prepared),
    Nothing,
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
        "selftest" => selftest::engine::selftest(),
        "differential" => selftest::engine::differential(args),
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
        "uart-test" => diag::uart_test(),
        "uart-flood" => diag::uart_flood(args),
        "symbols-test" => selftest::symbols_test::run(cmdline),
        _ => workload::run(command, args).unwrap_or_else(|| {
            println!("refkernel: unknown command '{command}'");
            println!("{USAGE}");
            USAGE_EXIT_STATUS
        }),
    }
}
