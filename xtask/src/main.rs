//! `cargo xtask <command>`: everything that needs more than `cargo`.
//!
//! - `setup`   find or install what arm64 needs (QEMU, cross binutils, a way
//!   to build `core`/`alloc` for aarch64-unknown-none-softfloat)
//! - `kernel`  build the reference kernel; its path is the last line printed
//! - `test`    host tests, then the engine suite under QEMU on every CPU and
//!   XOL mode (general-registers exception frame) and once with the full
//!   frame
//! - `demo`    the main job: probes on a real workload in the reference kernel
//! - `bench`   instructions per probe hit, attach cost, compile time
//! - `bench-live` live attach: attach latency, streaming rate, the line's
//!   byte rate (wall clock), into docs/benchmarks.md
//! - `examples` every examples/*.pr through `probec run`, output checked
//! - `profile` where the instructions of one probe hit go, per function
//! - `names`   function names under both mangling schemes (part of `test`)
//! - `stress`  the stress suite alone: 4 CPUs, threads, interrupts, exact
//!   per-thread counts (part of `test`)
//! - `serve`   the live-attach pieces of the kernel alone: `serve`'s
//!   self-checked workload threads, the build-id, UART receive (part of
//!   `test`)
//! - `live`    the live-attach suite alone: `probec boot`, `probec attach`,
//!   the agent's fault list, on both CPU models (part of `test`)
//! - `lint`    rustfmt check and clippy -D warnings on every crate, the
//!   kernel-side ones for their target (first step of `test`)
mod bench;
mod bench_live;
mod examples;
mod kernel;
mod lint;
mod live;
mod names_test;
mod profile;
mod qemu;
mod serve_test;
mod setup;
mod stress;
mod test;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::run().map(|_| ()),
        Some("kernel") => kernel::build().map(|path| println!("{}", path.display())),
        Some("test") => test::run(&args[1..]),
        Some("demo") => test::demo(&args[1..]),
        Some("bench") => bench::run(),
        Some("examples") => test::examples(),
        Some("names") => kernel::build().and_then(|elf| names_test::run(&elf)).and_then(|(_, failed)| match failed {
            0 => Ok(()),
            n => Err(format!("{n} failed")),
        }),
        Some("lint") => lint::run(),
        Some("stress") => test::stress(),
        Some("serve") => serve_test::standalone(),
        Some("live") => live::standalone(),
        Some("bench-live") => bench_live::run(),
        Some("profile") => profile::run(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <setup|kernel|test|demo|bench|examples|profile|names|lint|stress|serve>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Root of the repository (xtask lives one level below it).
pub fn repo_root() -> std::path::PathBuf {
    let manifest = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().expect("xtask is inside the repository").to_path_buf()
}
