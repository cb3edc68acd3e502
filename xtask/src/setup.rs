//! Find or install the arm64 toolchain. Idempotent and quiet when
//! everything is present; installs the target with rustup, or Debian's
//! packages with apt-get on Debian as root;
//! otherwise says exactly what is missing and how to get it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The reference kernel's target (examples/kernel/.cargo/config.toml):
/// bare-metal arm64 whose compiled code never uses FP/SIMD registers.
pub const KERNEL_TARGET: &str = "aarch64-unknown-none-softfloat";

/// How the aarch64-unknown-none-softfloat kernel gets its `core` and `alloc`.
#[derive(Clone, Debug)]
pub enum CoreRoute {
    /// rustup has the target installed: plain `cargo build`.
    Rustup,
    /// Build `core`/`alloc` from source with this rustc (Debian's
    /// rustc-web + rust-web-src) and `-Z build-std`.
    BuildStd { rustc: PathBuf },
}

impl std::fmt::Display for Toolchain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.route {
            CoreRoute::Rustup => write!(f, "rustup target {KERNEL_TARGET}"),
            CoreRoute::BuildStd { rustc } => write!(f, "{} with -Z build-std (Debian's rustc-web)", rustc.display()),
        }
    }
}

/// What setup found.
#[derive(Clone, Debug)]
pub struct Toolchain {
    /// How to build for aarch64-unknown-none-softfloat.
    pub route: CoreRoute,
}

fn on_path(program: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {program} >/dev/null 2>&1")]).status().map(|s| s.success()).unwrap_or(false)
}

pub fn rustup_has_target() -> bool {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.trim() == KERNEL_TARGET))
        .unwrap_or(false)
}

/// rustup is there and lists the target among those it can install.
fn rustup_offers_target() -> bool {
    Command::new("rustup")
        .args(["target", "list"])
        .output()
        .map(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).lines().any(|l| l.trim() == KERNEL_TARGET))
        .unwrap_or(false)
}

/// `rustup target add` the kernel's target.
pub fn rustup_add_target() -> Result<(), String> {
    eprintln!("setup: rustup target add {KERNEL_TARGET}");
    let out = Command::new("rustup").args(["target", "add", KERNEL_TARGET]).output().map_err(|e| format!("rustup: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("rustup target add {KERNEL_TARGET} failed:\n{}", String::from_utf8_lossy(&out.stderr)))
    }
}

/// Debian's rustc with its library source next to it.
fn debian_rustc() -> Option<PathBuf> {
    let rustc = Path::new("/usr/bin/rustc");
    let src = Path::new("/usr/lib/rustlib/src/rust/library/core/Cargo.toml");
    (rustc.exists() && src.exists()).then(|| rustc.to_path_buf())
}

fn apt_install(packages: &[&str]) -> Result<(), String> {
    let debian = Path::new("/etc/debian_version").exists();
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0")).unwrap_or(false);
    if !debian || !root {
        return Err(format!(
            "missing packages {} and cannot install them here ({}); install them with your package manager",
            packages.join(" "),
            if !debian { "not a Debian system" } else { "not root" }
        ));
    }
    eprintln!("setup: installing {} with apt-get", packages.join(" "));
    let quiet = |cmd: &mut Command| -> Result<(), String> {
        let out = cmd.env("DEBIAN_FRONTEND", "noninteractive").output().map_err(|e| format!("apt-get: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("apt-get failed:\n{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
        }
    };
    quiet(Command::new("apt-get").args(["update", "-qq"]))?;
    quiet(Command::new("apt-get").args(["install", "-y", "-qq"]).args(packages))
}

/// A route asked for with `PROBEC_ROUTE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ForcedRoute {
    /// `PROBEC_ROUTE=rustup`: `rustup target add`, never Debian's rustc.
    Rustup,
    /// `PROBEC_ROUTE=rustc-web`: Debian's rustc-web with build-std, even
    /// where rustup has the target.
    RustcWeb,
}

fn forced_route() -> Result<Option<ForcedRoute>, String> {
    match std::env::var("PROBEC_ROUTE").as_deref() {
        Err(_) | Ok("") | Ok("auto") => Ok(None),
        Ok("rustup") => Ok(Some(ForcedRoute::Rustup)),
        Ok("rustc-web") => Ok(Some(ForcedRoute::RustcWeb)),
        Ok(other) => Err(format!("PROBEC_ROUTE={other}: expected rustup, rustc-web or auto")),
    }
}

/// Make sure QEMU, the cross binutils and a route to aarch64 `core` exist.
pub fn run() -> Result<Toolchain, String> {
    let mut missing = Vec::new();
    if !on_path("qemu-system-aarch64") {
        missing.push("qemu-system-arm");
    }
    if !on_path("aarch64-linux-gnu-ld") || !on_path("aarch64-linux-gnu-as") {
        missing.push("binutils-aarch64-linux-gnu");
    }
    // PROBEC_ROUTE forces a route (to test both on one machine); without
    // it: the target through rustup if it is installed; else Debian's
    // rustc with build-std if that is there; else install the target with
    // rustup (a machine set up for the old aarch64-unknown-none target gets
    // the softfloat one this way); else Debian's packages.
    let forced = forced_route()?;
    let mut rustup = forced != Some(ForcedRoute::RustcWeb) && rustup_has_target();
    let try_rustup = match forced {
        Some(ForcedRoute::Rustup) => true,
        Some(ForcedRoute::RustcWeb) => false,
        None => debian_rustc().is_none() && rustup_offers_target(),
    };
    if !rustup && try_rustup {
        match rustup_add_target() {
            Ok(()) => rustup = rustup_has_target(),
            Err(e) if forced.is_some() => return Err(format!("PROBEC_ROUTE=rustup: {e}")),
            Err(e) => eprintln!("setup: {e}; trying Debian's rustc-web instead"),
        }
    }
    if !rustup && debian_rustc().is_none() {
        missing.extend(["rustc-web", "rust-web-src"]);
    }
    if !missing.is_empty() {
        apt_install(&missing)?;
    }
    let route = if rustup {
        CoreRoute::Rustup
    } else {
        let rustc = debian_rustc().ok_or("rust-web-src installed but /usr/lib/rustlib/src/rust/library is missing")?;
        CoreRoute::BuildStd { rustc }
    };
    Ok(Toolchain { route })
}
