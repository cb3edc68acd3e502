//! Compiling a script for the commands that run it (`probec run`,
//! `probec attach`): diagnostics to standard error, an exit status on
//! failure; and the output format they share.

use crate::driver::{self, Options};
use crate::exit::{EXIT_SCRIPT, EXIT_USAGE};

/// Output format of the target (`--format`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// bpftrace-style text
    Text,
    /// One JSON object per line
    Json,
}

impl Format {
    /// As the output formatter names it.
    pub fn output(self) -> probec_loader::output::Format {
        match self {
            Format::Text => probec_loader::output::Format::Text,
            Format::Json => probec_loader::output::Format::Json,
        }
    }
}

/// Compile for `probec attach`/`run`: diagnostics on stderr; `Err` is the
/// exit status.
pub fn compile(
    cmd: &str,
    program: Option<&std::ffi::OsStr>,
    file: Option<&std::ffi::OsStr>,
    target_features: &str,
    build_id: Option<Vec<u8>>,
) -> Result<Vec<u8>, i32> {
    let script = crate::script_input::read(program, file).map_err(|e| {
        eprint!("{}", e.render(cmd));
        e.exit_status()
    })?;
    let (name, source) = (script.name, script.source);
    let features = crate::lower::Features::parse(target_features).map_err(|e| {
        eprintln!("{cmd}: {e}");
        EXIT_USAGE
    })?;
    let opts = Options { features, build_id, ..Options::default() };
    match driver::compile(&source, &name, &opts) {
        Ok(out) => {
            if !out.warnings.is_empty() {
                eprint!("{}", crate::diag::render(&out.warnings, &name, &source));
            }
            Ok(out.bytes)
        }
        Err(diags) => {
            eprint!("{}", crate::diag::render(&diags, &name, &source));
            let n = diags.iter().filter(|d| d.is_error()).count();
            eprintln!("probec: {n} error{} in {name}", if n == 1 { "" } else { "s" });
            Err(EXIT_SCRIPT)
        }
    }
}
