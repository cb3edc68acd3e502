//! The `probec` command. All logic is in [`probec::cli`].
use std::process::ExitCode;

fn main() -> ExitCode {
    // Compile on a thread with a generous stack: the passes recurse over
    // expression trees (bounded by the parser, but deep trees are legal).
    let worker = std::thread::Builder::new().stack_size(64 << 20).spawn(|| probec::cli::run(std::env::args_os()));
    let code = match worker.map(|w| w.join()) {
        Ok(Ok(code)) => code,
        _ => 101,
    };
    ExitCode::from(code as u8)
}
