use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// probec: compile probe scripts for arm64 systems software.
#[derive(Parser)]
#[command(name = "probec", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Classify instruction words: can a probe go here?
    Decode {
        /// 32-bit instruction words in hex, as `objdump -d` prints them.
        #[arg(required = true)]
        words: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Decode { words } => match probec::decode_cmd::run(&words) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("probec decode: {message}");
                ExitCode::from(2)
            }
        },
    }
}
