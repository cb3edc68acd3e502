//! The loading convention: run a command with a probe script loaded.
//!
//! ```text
//! KERNEL-PATH script=PATH [format=text|json] [xol=...] [COMMAND [ARG...]]
//! ```
//!
//! This is how `probec run` hands a compiled script to the kernel, and what
//! another kernel adopts to work with `probec run` (docs/reference-kernel.md,
//! "The loading convention"):
//!
//! 1. read the object at PATH from the host (semihosting SYS_OPEN/SYS_READ);
//! 2. read this kernel's own ELF, argv[0], for its symbol table
//!    (src/embed/symbols.rs);
//! 3. `script::load` it: validate, resolve targets, attach every probe,
//!    run BEGIN. On failure print `refkernel: cannot load PATH: REASON` and
//!    exit 1;
//! 4. print `Attaching N probes...`, drain BEGIN's output, run COMMAND
//!    (unless BEGIN already called `exit()`), drain again;
//! 5. `script::unload`: detach, run END, print the maps;
//! 6. exit with COMMAND's status (0 without a command; 1 if unloading
//!    failed).
//!
//! The kernel runs one CPU with interrupts masked, so output produced while
//! COMMAND runs stays in the runtime's ring (64 KiB per CPU; what does not
//! fit is counted and reported as `Lost N events`) and is printed when
//! COMMAND returns.

use crate::board::semihosting;
use crate::cmdline::{CmdLine, ScriptFormat};
use crate::console::Console;
use crate::embed::symbols::{self, KernelSymbols};
use probec_runtime::script::{self, LoadOptions, OutputFormat};

/// Load the script at `path`, run `command` with it attached, unload it;
/// returns the exit status.
pub fn run(cmdline: &CmdLine, path: &str, command: impl FnOnce(&CmdLine) -> i32) -> i32 {
    let format = match cmdline.format {
        ScriptFormat::Text => OutputFormat::Text,
        ScriptFormat::Json => OutputFormat::Json,
    };
    let object = match semihosting::read_file(path) {
        Ok(o) => o,
        Err(e) => {
            println!("refkernel: cannot read script {path}: {e}");
            return 1;
        }
    };
    let Some(elf) = symbols::own_elf_path(&cmdline.raw) else {
        println!("refkernel: no argv[0] on the command line: cannot find this kernel's ELF for its symbols");
        return 1;
    };
    let symbols = match KernelSymbols::load(elf) {
        Ok(s) => s,
        Err(e) => {
            println!("refkernel: cannot read this kernel's symbols: {e}");
            return 1;
        }
    };
    let id = match script::load(&object, &symbols, &LoadOptions::default()) {
        Ok(id) => id,
        Err(e) => {
            println!("refkernel: cannot load {path}: {e}");
            return 1;
        }
    };
    // The loader copied what it keeps; the file and the symbols can go.
    drop(object);
    drop(symbols);
    // As bpftrace counts: probe points (globs expanded), BEGIN and END.
    let points = script::attached_probes(id).unwrap_or(0);
    match format {
        OutputFormat::Text => println!("Attaching {points} probe{}...", if points == 1 { "" } else { "s" }),
        OutputFormat::Json => println!("{{\"type\": \"attached_probes\", \"data\": {{\"probes\": {points}}}}}"),
    }
    let _ = script::drain(id, &mut Console, format);
    let status = match cmdline.command {
        Some(_) if !script::exit_requested(id) => command(cmdline),
        _ => 0,
    };
    let _ = script::drain(id, &mut Console, format);
    match script::unload(id, &mut Console, format) {
        Ok(()) => status,
        Err(e) => {
            println!("refkernel: unloading {path}: {e}");
            1
        }
    }
}
