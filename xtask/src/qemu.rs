//! Booting the reference kernel under qemu-system-aarch64: the launcher
//! `probec run` uses (crate probec-qemu), with its errors as the strings
//! xtask reports.

use std::path::Path;
use std::time::Duration;

pub use probec_qemu::{Options, Run};

/// Boot `kernel` on `cpu` with kernel command line `args`; kill it after
/// `timeout`. A kernel that hangs fails loudly instead of hanging the tests.
pub fn run(kernel: &Path, cpu: &str, args: &str, timeout: Duration, opts: &Options) -> Result<Run, String> {
    probec_qemu::run(kernel, cpu, args, timeout, opts).map_err(|e| e.to_string())
}
