//! `probec run --kernel KERNEL [--cpu NAME] [--smp N] [--format text|json] SCRIPT|-e PROGRAM [-- KERNEL ARGS]`
//!
//! Compile the script, boot KERNEL under `qemu-system-aarch64 -M virt`,
//! attach the script through the kernel's agent, let the kernel run the
//! command in KERNEL ARGS (a workload: `fib 20`) with it attached while
//! its output streams in, detach when the command finishes (END runs, the
//! maps are printed) and exit with the target's exit status.
//!
//! It is the live-attach path (`probec boot` + `probec attach`) in one
//! command, so output reaches the user one way only: formatted here, from
//! the object's descriptors. The kernel learns that a host will attach
//! from its command line (docs/reference-kernel.md, "The loading
//! convention"):
//!
//! ```text
//! KERNEL script=agent KERNEL ARGS...
//! ```
//!
//! The target's console goes to standard output as it is (text) or as
//! `{"type": "console", "data": LINE}` records (`--format json`: every line
//! of standard output is JSON).

use crate::exit::{EXIT_SCRIPT, EXIT_USAGE};
use probec_host::boot;
use probec_host::connection::Connection;
use probec_host::lines::{LineKind, LineOut};
use probec_host::output::Specs;
use probec_host::session::Session;
use probec_loader::output::{Format as OutputFormat, Formatter};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

pub use crate::script_compile::Format;

/// Arguments of `probec run`.
#[derive(clap::Args, Debug)]
#[command(
    override_usage = "probec run --kernel KERNEL [OPTIONS] FILENAME [-- KERNEL ARGS...]\n       probec run --kernel KERNEL [OPTIONS] -e 'PROGRAM' [-- KERNEL ARGS...]",
    after_help = "EXAMPLES:\n\
probec run --kernel refkernel examples/arg_histogram.pr -- fib 20\n    \
histogram of fib's argument while the reference kernel computes fib(20)\n\
probec run --kernel refkernel -e 'kprobe:sha2::sha256::compress256 { @blocks = sum(arg2); }' -- sha256 4096\n    \
one-liner; everything after -- is the kernel's command line"
)]
pub struct RunArgs {
    /// Kernel ELF to boot (it must follow the loading convention of docs/reference-kernel.md)
    #[arg(long, value_name = "KERNEL")]
    pub kernel: PathBuf,

    /// QEMU CPU model
    #[arg(long, value_name = "NAME", default_value = "cortex-a57")]
    pub cpu: String,

    /// Output format of the target
    #[arg(long, value_enum, default_value_t = Format::Text, value_name = "FORMAT")]
    pub format: Format,

    /// CPUs of the target (QEMU -smp; the reference kernel starts them all)
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=8))]
    pub smp: u32,

    /// Kill the target after this many seconds
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub timeout: u64,

    /// Optional CPU features: +lse, +bti, +pac (as for compiling)
    #[arg(long = "target-features", value_name = "LIST", default_value = "")]
    pub target_features: String,

    /// Script file to compile ('-' reads standard input)
    #[arg(value_name = "FILENAME")]
    pub file: Option<std::ffi::OsString>,

    /// Compile PROGRAM given on the command line
    #[arg(short = 'e', value_name = "PROGRAM", conflicts_with = "file")]
    pub program: Option<std::ffi::OsString>,

    /// The kernel's command line: the command to run with the script loaded (`fib 20`)
    #[arg(last = true, value_name = "KERNEL ARGS")]
    pub kernel_args: Vec<String>,
}

fn usage(msg: &str) -> i32 {
    eprintln!("probec run: {msg}");
    EXIT_USAGE
}

/// Compile the script to object bytes, printing diagnostics; `Err` is the
/// exit status.
fn compile(args: &RunArgs) -> Result<Vec<u8>, i32> {
    crate::script_compile::compile("probec run", args.program.as_deref(), args.file.as_deref(), &args.target_features, None)
}

/// The kernel command line after argv[0]: the loading convention's
/// option, then the user's words.
pub fn kernel_command_line(kernel_args: &[String]) -> String {
    let mut line = String::from("script=agent");
    for a in kernel_args {
        line.push(' ');
        line.push_str(a);
    }
    line
}

/// `probec run`; returns the exit status.
pub fn run(args: &RunArgs) -> i32 {
    let kernel = match crate::boot_cmd::kernel_and_words(&args.kernel, &args.kernel_args) {
        Ok(k) => k,
        Err(e) => return usage(&e),
    };
    let object = match compile(args) {
        Ok(o) => o,
        Err(status) => return status,
    };
    let specs = match Specs::of_object(&object) {
        Ok(s) => s,
        Err(e) => return fail(format!("the compiled object does not read back: {e}")),
    };
    let timeout = Duration::from_secs(args.timeout);
    let deadline = Instant::now() + timeout;
    let config = boot::Config {
        kernel,
        cpu: args.cpu.clone(),
        smp: args.smp,
        append: kernel_command_line(&args.kernel_args),
        agent: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        timeout: None,
        qemu: None,
    };
    let console_kind = match args.format {
        Format::Text => LineKind::Plain,
        Format::Json => LineKind::JsonConsole,
    };
    let booted = match boot::start(&config, Box::new(LineOut::new(console_kind))) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let agent = booted.agent();
    let stop = Arc::new(AtomicBool::new(false));
    let stop_waiter = stop.clone();
    let waiter = std::thread::spawn(move || booted.wait(Some(deadline), move || stop_waiter.load(Ordering::SeqCst)));
    let traced = trace(&object, &specs, args.format.output(), agent, deadline);
    if let Err(e) = &traced {
        // Past the deadline the waiter kills the target and says so.
        if !waiter.is_finished() && Instant::now() < deadline {
            eprintln!("probec run: {e}");
            stop.store(true, Ordering::SeqCst);
        }
    }
    match waiter.join() {
        Ok(Ok(probec_qemu::Exit::Status(code))) => {
            if let Err(e) = traced {
                if code == 0 {
                    // The target exited "successfully" without the script
                    // having run: not a success.
                    eprintln!("probec run: the target exited before the script ran to its end ({e})");
                    return EXIT_SCRIPT;
                }
            }
            code
        }
        Ok(Ok(probec_qemu::Exit::TimedOut)) => {
            eprintln!("probec run: the target did not exit within {} s; killed it", timeout.as_secs());
            EXIT_SCRIPT
        }
        Ok(Ok(probec_qemu::Exit::Signal(sig))) => {
            eprintln!("probec run: {} was killed by signal {sig}", probec_qemu::binary().display());
            EXIT_SCRIPT
        }
        Ok(Ok(probec_qemu::Exit::Stopped)) => EXIT_SCRIPT,
        Ok(Err(e)) => fail(e),
        Err(_) => fail("the thread following the target panicked"),
    }
}

fn fail(msg: impl std::fmt::Display) -> i32 {
    eprintln!("probec run: {msg}");
    EXIT_SCRIPT
}

/// Attach `object` through the agent at `agent`, stream until the
/// target's command finishes, detach and end the session.
fn trace(object: &[u8], specs: &Specs, format: OutputFormat, agent: std::net::SocketAddr, deadline: Instant) -> Result<(), String> {
    let conn = Connection::connect(&agent.to_string(), Duration::from_secs(5))
        .map_err(|e| format!("cannot connect to the target's agent: {e}"))?;
    // The kernel is still booting: say hello until its agent answers.
    let session = Session::open_retrying(conn, LEASE_MS, deadline, Duration::from_millis(500)).map_err(|e| e.to_string())?;
    let mut stdout = LineOut::new(LineKind::Plain);
    let mut formatter = Formatter::new(format, &specs.maps, &specs.formats, &mut stdout);
    let mut trace = crate::attach_cmd::attach_script(session, object, specs, &mut formatter, format)?;
    let never = || false;
    // A handler's exit() detaches at once (the command runs on to its
    // end); otherwise the script stays attached until the command ends.
    while trace.finished.is_none() && !trace.exit_requested {
        trace.pump(Duration::from_millis(50)).map_err(|e| e.to_string())?;
        if Instant::now() >= deadline {
            return Err("timed out".into());
        }
    }
    trace.detach().map_err(|e| format!("detaching: {e}"))?;
    trace.wait_finished(Some(deadline), &never).map_err(|e| e.to_string())?;
    trace.finish().map_err(|e| format!("ending the session: {e}"))
}

/// The lease `probec run` asks for: its target does nothing else, but a
/// host that dies must not leave it waiting long.
const LEASE_MS: u32 = 5000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_puts_the_convention_first() {
        assert_eq!(kernel_command_line(&["xol=brk".into(), "fib".into(), "20".into()]), "script=agent xol=brk fib 20");
        assert_eq!(kernel_command_line(&[]), "script=agent");
    }
}
