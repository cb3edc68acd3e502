//! Building the reference kernel for aarch64-unknown-none-softfloat (no
//! FP/SIMD in compiled code, so its exception entry saves general
//! registers only: examples/kernel/src/vectors.rs).

use crate::setup::{self, CoreRoute};
use std::path::PathBuf;
use std::process::Command;

/// Directory of the reference kernel crate.
pub fn kernel_dir() -> PathBuf {
    crate::repo_root().join("examples/kernel")
}

/// Build the reference kernel (release) and return the ELF's path.
pub fn build() -> Result<PathBuf, String> {
    let toolchain = setup::run()?;
    let dir = kernel_dir();
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(&dir).args(["build", "--release", "--quiet"]);
    // This process runs under `cargo run`: drop what that cargo set so the
    // kernel's own .cargo/config.toml decides target dir and flags.
    for var in ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET", "RUSTC_WRAPPER", "RUSTC"] {
        cmd.env_remove(var);
    }
    match &toolchain.route {
        CoreRoute::Rustup => {}
        CoreRoute::BuildStd { rustc } => {
            // Debian's rustc builds core/alloc from its library source;
            // RUSTC_BOOTSTRAP unlocks -Z build-std on a stable compiler.
            cmd.env("RUSTC", rustc).env("RUSTC_BOOTSTRAP", "1").args([
                "-Z",
                "build-std=core,alloc",
                "-Z",
                "build-std-features=compiler-builtins-mem",
            ]);
        }
    }
    let status = cmd.status().map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err("building the reference kernel failed".into());
    }
    let elf = dir.join(format!("target/{}/release/refkernel", setup::KERNEL_TARGET));
    if !elf.exists() {
        return Err(format!("kernel build succeeded but {} is missing", elf.display()));
    }
    Ok(elf)
}
