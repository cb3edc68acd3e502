//! `probec run --kernel KERNEL [--cpu NAME] [--smp N] [--format text|json] SCRIPT|-e PROGRAM [-- KERNEL ARGS]`
//!
//! Compile the script, boot KERNEL under `qemu-system-aarch64 -M virt` with
//! the object, stream the target's console to stdout, and exit with the
//! target's exit status.
//!
//! The object reaches the kernel by the loading convention of the reference
//! kernel (docs/reference-kernel.md): the command line QEMU hands over with
//! semihosting is
//!
//! ```text
//! KERNEL script=/tmp/probec-run-….o format=text KERNEL ARGS...
//! ```
//!
//! and the kernel reads the object from the host through semihosting, loads
//! and attaches it (BEGIN runs), runs the command in KERNEL ARGS (a
//! workload: `fib 20`), detaches (END runs, maps are printed) and exits with
//! the command's status through semihosting, which becomes QEMU's.

use crate::exit::{EXIT_SCRIPT, EXIT_USAGE};
use std::path::{Path, PathBuf};
use std::time::Duration;

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

/// The kernel command line after argv[0]: the loading convention's options,
/// then the user's words.
pub fn kernel_command_line(object: &Path, format: Format, kernel_args: &[String]) -> String {
    let format = match format {
        Format::Text => "text",
        Format::Json => "json",
    };
    let mut line = format!("script={} format={format}", object.display());
    for a in kernel_args {
        line.push(' ');
        line.push_str(a);
    }
    line
}

/// A temporary object file, removed when dropped.
struct TempObject(PathBuf);

impl Drop for TempObject {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `probec run`; returns the exit status.
pub fn run(args: &RunArgs) -> i32 {
    if !args.kernel.is_file() {
        return usage(&format!("cannot read kernel {}: no such file", args.kernel.display()));
    }
    // Semihosting hands the kernel its command line split at spaces, and
    // argv[0] is the kernel's path, which it reads its symbols from.
    let kernel = std::path::absolute(&args.kernel).unwrap_or_else(|_| args.kernel.clone());
    if kernel.to_string_lossy().contains(char::is_whitespace) {
        return usage(&format!("the kernel path {} contains spaces, which the kernel command line cannot carry", kernel.display()));
    }
    if let Some(bad) = args.kernel_args.iter().find(|a| a.is_empty() || a.contains(char::is_whitespace)) {
        return usage(&format!("kernel argument {bad:?}: words of the kernel command line cannot be empty or contain spaces"));
    }
    let object = match compile(args) {
        Ok(o) => o,
        Err(status) => return status,
    };
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temp = TempObject(std::env::temp_dir().join(format!("probec-run-{}-{n}.o", std::process::id())));
    let temp_path = std::path::absolute(&temp.0).unwrap_or_else(|_| temp.0.clone());
    if temp_path.to_string_lossy().contains(char::is_whitespace) {
        return usage(&format!("the temporary directory {} contains spaces; set TMPDIR", temp_path.display()));
    }
    if let Err(e) = std::fs::write(&temp.0, &object) {
        return usage(&format!("cannot write {}: {e}", temp.0.display()));
    }
    let append = kernel_command_line(&temp_path, args.format, &args.kernel_args);
    boot(&kernel, &args.cpu, args.smp, &append, Duration::from_secs(args.timeout))
}

/// Boot `kernel` with `-append append`, stream its console to stdout,
/// return its exit status (1 if it was killed or QEMU failed).
fn boot(kernel: &Path, cpu: &str, smp: u32, append: &str, timeout: Duration) -> i32 {
    let opts =
        probec_qemu::Options { console: probec_qemu::Console::Stream, stderr: probec_qemu::Stderr::Inherit, smp, ..Default::default() };
    match probec_qemu::run(kernel, cpu, append, timeout, &opts) {
        Err(e) => {
            eprintln!("probec run: {e}");
            EXIT_SCRIPT
        }
        Ok(run) if run.timed_out => {
            eprintln!("probec run: the target did not exit within {} s; killed it", timeout.as_secs());
            EXIT_SCRIPT
        }
        Ok(probec_qemu::Run { status: Some(code), .. }) => code,
        Ok(_) => {
            eprintln!("probec run: {} was killed by a signal", probec_qemu::binary().display());
            EXIT_SCRIPT
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_puts_the_convention_first() {
        let line = kernel_command_line(Path::new("/tmp/x.o"), Format::Json, &["xol=brk".into(), "fib".into(), "20".into()]);
        assert_eq!(line, "script=/tmp/x.o format=json xol=brk fib 20");
        assert_eq!(kernel_command_line(Path::new("/tmp/y.o"), Format::Text, &[]), "script=/tmp/y.o format=text");
    }
}
