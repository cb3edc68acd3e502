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

/// Symbol mangling of a reference kernel build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mangling {
    /// `-C symbol-mangling-version=v0`, from examples/kernel/.cargo/config.toml:
    /// the same names on every toolchain. What every test uses.
    V0,
    /// Rust's stable default, as a user's kernel is likely built: a second
    /// copy in its own target directory, to test that scripts resolve the
    /// same on it (xtask/src/names_test.rs).
    Legacy,
}

/// Build the reference kernel (release) and return the ELF's path.
pub fn build() -> Result<PathBuf, String> {
    build_with(Mangling::V0)
}

/// Build the reference kernel with the given symbol mangling.
pub fn build_with(mangling: Mangling) -> Result<PathBuf, String> {
    let toolchain = setup::run()?;
    let dir = kernel_dir();
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(&dir).args(["build", "--release", "--quiet"]);
    // This process runs under `cargo run`: drop what that cargo set so the
    // kernel's own .cargo/config.toml decides target dir and flags.
    for var in ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET", "RUSTC_WRAPPER", "RUSTC"] {
        cmd.env_remove(var);
    }
    let target_dir = match mangling {
        Mangling::V0 => dir.join("target"),
        Mangling::Legacy => {
            // RUSTFLAGS replaces the config's target rustflags: repeat the
            // linker flavour, leave out `symbol-mangling-version=v0`.
            // Naming `legacy` explicitly is unstable; it is the default on
            // stable rustc, and Debian's rustc-web (v0 by default) runs
            // with RUSTC_BOOTSTRAP anyway.
            let mut flags = String::from("-C linker-flavor=ld");
            if matches!(toolchain.route, CoreRoute::BuildStd { .. }) {
                flags.push_str(" -Z unstable-options -C symbol-mangling-version=legacy");
            }
            let legacy_dir = dir.join("target/legacy-mangling");
            cmd.env("RUSTFLAGS", flags).arg("--target-dir").arg(&legacy_dir);
            legacy_dir
        }
    };
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
        return Err(format!("building the reference kernel ({mangling:?} mangling) failed"));
    }
    let elf = target_dir.join(format!("{}/release/refkernel", setup::KERNEL_TARGET));
    if !elf.exists() {
        return Err(format!("kernel build succeeded but {} is missing", elf.display()));
    }
    Ok(elf)
}
