//! `probec boot --kernel KERNEL [--smp N] [--cpu NAME] [--agent tcp:HOST:PORT] [--agent-any] [--timeout SECS] [-- KERNEL ARGS]`
//!
//! Boot KERNEL under QEMU and keep it running: its console on standard
//! output, its agent on a local TCP port for `probec attach` and `probec
//! status`. The work is done by `probec_host::boot` (docs/live-attach.md).

use crate::exit::EXIT_USAGE;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Arguments of `probec boot`.
#[derive(clap::Args, Debug)]
#[command(
    override_usage = "probec boot --kernel KERNEL [OPTIONS] [-- KERNEL ARGS...]",
    after_help = "Prints `probec boot: agent on tcp:HOST:PORT` on stderr once the agent's port listens \
(with port 0, the port picked). Exits with the target's exit status; Ctrl-C or SIGTERM kills the target \
(exit status 130 or 143).\n\n\
EXAMPLES:\n\
probec boot --kernel refkernel --agent tcp:127.0.0.1:4444 -- serve fib 22 sha256 50000\n    \
the reference kernel runs two workloads forever; attach to it from another terminal\n\
probec boot --kernel refkernel --timeout 60 -- fib 10\n    \
boot, print the console, exit with the kernel's status (killed after 60 s)"
)]
pub struct BootArgs {
    /// Kernel ELF to boot
    #[arg(long, value_name = "KERNEL")]
    pub kernel: PathBuf,

    /// QEMU CPU model
    #[arg(long, value_name = "NAME", default_value = "cortex-a57")]
    pub cpu: String,

    /// CPUs of the target (QEMU -smp)
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=8))]
    pub smp: u32,

    /// Where the target's agent listens; port 0 picks a free port
    #[arg(long, value_name = "tcp:HOST:PORT", default_value = "tcp:127.0.0.1:0")]
    pub agent: String,

    /// Allow an agent address that is not loopback (whoever reaches it can load code into the target)
    #[arg(long)]
    pub agent_any: bool,

    /// Kill the target after this many seconds [default: never]
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,

    /// The kernel's command line (`serve fib 22 sha256 50000`)
    #[arg(last = true, value_name = "KERNEL ARGS")]
    pub kernel_args: Vec<String>,
}

fn usage(msg: &str) -> i32 {
    eprintln!("probec boot: {msg}");
    EXIT_USAGE
}

/// The kernel to boot as an absolute path, once it and the words of its
/// command line are checked (`probec boot` and `probec run`): semihosting
/// hands the kernel its path as argv[0] (the reference kernel reads its
/// symbols from it) and splits the command line at spaces.
pub fn kernel_and_words(kernel: &Path, words: &[String]) -> Result<PathBuf, String> {
    if !kernel.is_file() {
        return Err(format!("cannot read kernel {}: no such file", kernel.display()));
    }
    let absolute = std::path::absolute(kernel).unwrap_or_else(|_| kernel.to_path_buf());
    if absolute.to_string_lossy().contains(char::is_whitespace) {
        return Err(format!("the kernel path {} contains spaces, which the kernel command line cannot carry", absolute.display()));
    }
    if let Some(bad) = words.iter().find(|a| a.is_empty() || a.contains(char::is_whitespace)) {
        return Err(format!("kernel argument {bad:?}: words of the kernel command line cannot be empty or contain spaces"));
    }
    Ok(absolute)
}

/// `probec boot`; returns the exit status.
pub fn run(args: &BootArgs) -> i32 {
    let kernel = match kernel_and_words(&args.kernel, &args.kernel_args) {
        Ok(k) => k,
        Err(e) => return usage(&e),
    };
    let agent = match probec_host::boot::addr::parse(&args.agent, args.agent_any) {
        Ok(a) => a,
        Err(e) => return usage(&e),
    };
    probec_host::boot::main(&probec_host::boot::Config {
        kernel,
        cpu: args.cpu.clone(),
        smp: args.smp,
        append: args.kernel_args.join(" "),
        agent,
        timeout: args.timeout.map(Duration::from_secs),
        qemu: None,
    })
}
