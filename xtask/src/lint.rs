//! `cargo xtask lint`: formatting and clippy, warnings as errors, over every
//! crate: the host workspace (all targets) and, for their own target, the
//! reference kernel and the engine tests it links. `cargo xtask test` runs
//! it first, so nothing unformatted or warned-about lands.
//!
//! Clippy for aarch64-unknown-none-softfloat uses rustup's toolchain with
//! the prebuilt target (Debian's rustc-web has no clippy): on a machine that
//! builds the kernel with rustc-web, lint installs the rustup target.

use crate::{kernel, setup};
use std::path::Path;
use std::process::Command;

/// The kernel-side crates, each its own workspace, linted for the kernel's
/// target (tests/engine as a dependency of the kernel).
const TARGET_CRATES: [&str; 2] = ["examples/kernel", "tests/engine"];

/// Run every check; an error lists the ones that failed.
pub fn run() -> Result<(), String> {
    let root = crate::repo_root();
    let mut failed = Vec::new();
    let mut check = |name: &str, dir: &Path, args: &[&str]| {
        let mut cmd = cargo(dir);
        cmd.args(args);
        let ok = cmd.status().map(|s| s.success()).unwrap_or(false);
        println!("lint: {name}: {}", if ok { "ok" } else { "FAILED" });
        if !ok {
            failed.push(name.to_string());
        }
    };
    check("rustfmt (workspace)", &root, &["fmt", "--all", "--check"]);
    for c in TARGET_CRATES {
        check(&format!("rustfmt ({c})"), &root.join(c), &["fmt", "--check"]);
    }
    check("clippy (workspace, all targets)", &root, &["clippy", "--quiet", "--workspace", "--all-targets", "--", "-D", "warnings"]);
    if !setup::rustup_has_target() {
        setup::rustup_add_target()?;
    }
    // The kernel's .cargo/config.toml picks the target and its flags;
    // build-std there is not needed with the prebuilt rustup target.
    check(
        "clippy (examples/kernel, aarch64-unknown-none-softfloat)",
        &kernel::kernel_dir(),
        &["clippy", "--quiet", "--release", "--", "-D", "warnings"],
    );
    // Clippy checks only workspace members: from the kernel, tests/engine
    // is a dependency and gets compiler lints only, so it runs on its own.
    check(
        "clippy (tests/engine, aarch64-unknown-none-softfloat)",
        &root.join("tests/engine"),
        &["clippy", "--quiet", "--release", "--target", setup::KERNEL_TARGET, "--", "-D", "warnings"],
    );
    match failed.len() {
        0 => Ok(()),
        _ => Err(format!("lint failed: {}", failed.join("; "))),
    }
}

/// `cargo` in `dir`, without what the outer `cargo run` set (so each
/// workspace's own configuration applies).
fn cargo(dir: &Path) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(dir);
    for var in
        ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET", "RUSTC_WRAPPER", "RUSTC", "RUSTC_BOOTSTRAP"]
    {
        cmd.env_remove(var);
    }
    cmd
}
