//! The command line: `probec FILE -o OUT`, `probec -e 'PROGRAM'`, and
//! subcommands (`probec decode ...`, `run`, `lines`, `boot`).

use crate::driver::{self, Emit, Options};
use crate::lower::Features;
use clap::{Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

pub use crate::exit::{EXIT_OK, EXIT_SCRIPT, EXIT_USAGE};

const EXAMPLES: &str = "\
EXAMPLES:
probec -e 'kprobe:refkernel::workload::fib { @calls = count(); }'
    count calls of fib; the object is written to probes.o
probec trace.pr -o trace.o
    compile a script file
probec -e 'kprobe:uart_* { @[func] = count(); }' --emit asm
    show the generated arm64 code of each handler
probec -e 'kretprobe:*sha2*compress* { @ret = hist(retval); }' -o sha.o
    histogram of return values of every function matching a glob
probec --emit ast trace.pr
    show the checked program with every expression's type
probec decode d503201f a9bf7bfd
    can these instructions be probed?
probec run --kernel refkernel examples/arg_histogram.pr -- fib 20
    run a script on a kernel under QEMU
probec lines --kernel refkernel refkernel::workload::fib
    where in fib can kprobe:refkernel::workload::fib+OFFSET go?
probec boot --kernel refkernel --agent tcp:127.0.0.1:4444 -- serve fib 22
    boot a kernel and keep it running, its agent on a local TCP port";

/// probec: compile probe scripts to arm64 handler objects, like bpftrace for
/// kernels that are not Linux.
#[derive(Parser, Debug)]
#[command(
    name = "probec",
    version,
    args_conflicts_with_subcommands = true,
    override_usage = "probec [OPTIONS] FILENAME\n       probec [OPTIONS] -e 'PROGRAM'\n       probec <COMMAND> ...",
    after_help = EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Script file to compile ('-' reads standard input)
    #[arg(value_name = "FILENAME")]
    file: Option<OsString>,

    /// Compile PROGRAM given on the command line
    #[arg(short = 'e', value_name = "PROGRAM", conflicts_with = "file")]
    program: Option<OsString>,

    /// Write output to FILE [default: probes.o, or stdout for text]
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,

    /// What to produce
    #[arg(long, value_enum, default_value_t = EmitKind::Obj, value_name = "KIND")]
    emit: EmitKind,

    /// Optional CPU features: +lse (LSE atomics), +bti (BTI landing pads), +pac (return address signing)
    #[arg(long = "target-features", value_name = "LIST", default_value = "")]
    target_features: String,

    /// Compile against this kernel ELF: record its GNU build-id in the
    /// object, so a live-attach agent on another build refuses it
    #[arg(long, value_name = "KERNEL")]
    kernel: Option<PathBuf>,

    /// Debug: dump the output of every compiler pass to stderr
    #[arg(short = 'd')]
    dump: bool,

    /// Verbose: print a summary and the time each pass took
    #[arg(short = 'v')]
    verbose: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum EmitKind {
    /// ELF relocatable object for the runtime's loader
    Obj,
    /// Disassembly of every handler, by probe name
    Asm,
    /// Cranelift IR of every handler
    Clif,
    /// The checked program, with types
    Ast,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Classify instruction words: can a probe go here?
    Decode {
        /// 32-bit instruction words in hex, as `objdump -d` prints them.
        #[arg(required = true)]
        words: Vec<String>,
    },
    /// Compile a script and run it on a kernel under QEMU
    Run(crate::run_cmd::RunArgs),
    /// List a kernel function's instructions: where can +OFFSET probes go?
    Lines(crate::lines_cmd::LinesArgs),
    /// Attach a script to a running target's agent, stream its output, detach at Ctrl-C
    Attach(crate::attach_cmd::AttachArgs),
    /// Ask a running target's agent for its status
    Status(crate::status_cmd::StatusArgs),
    /// Boot a kernel under QEMU and keep it running, its agent on a local TCP port
    Boot(crate::boot_cmd::BootArgs),
}

/// Run the command line; returns the exit status.
pub fn run<I: IntoIterator<Item = OsString>>(args: I) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => EXIT_OK,
                _ => EXIT_USAGE,
            };
        }
    };
    match cli.command {
        Some(Command::Decode { words }) => match crate::decode_cmd::run(&words) {
            Ok(text) => {
                print!("{text}");
                EXIT_OK
            }
            Err(message) => {
                eprintln!("probec decode: {message}");
                EXIT_USAGE
            }
        },
        Some(Command::Run(args)) => crate::run_cmd::run(&args),
        Some(Command::Lines(args)) => crate::lines_cmd::main(&args),
        Some(Command::Attach(args)) => crate::attach_cmd::run(&args),
        Some(Command::Status(args)) => crate::status_cmd::run(&args),
        Some(Command::Boot(args)) => crate::boot_cmd::run(&args),
        None => compile(&cli),
    }
}

fn usage(msg: &str) -> i32 {
    eprintln!("probec: {msg}");
    eprintln!("Try 'probec --help' for more information.");
    EXIT_USAGE
}

fn compile(cli: &Cli) -> i32 {
    let script = match crate::script_input::read(cli.program.as_deref(), cli.file.as_deref()) {
        Ok(script) => script,
        Err(crate::script_input::ScriptInputError::Usage(message)) => return usage(&message),
        Err(e) => {
            eprint!("{}", e.render("probec"));
            return e.exit_status();
        }
    };
    let (name, source) = (script.name, script.source);
    let features = match Features::parse(&cli.target_features) {
        Ok(f) => f,
        Err(e) => return usage(&e),
    };
    let emit = match cli.emit {
        EmitKind::Obj => Emit::Obj,
        EmitKind::Asm => Emit::Asm,
        EmitKind::Clif => Emit::Clif,
        EmitKind::Ast => Emit::Ast,
    };
    let build_id = match cli.kernel.as_deref().map(crate::build_id::read) {
        None => None,
        Some(Ok(id)) => id,
        Some(Err(e)) => return usage(&e),
    };
    let opts = Options { features, emit, dump: cli.dump, build_id };
    let start = Instant::now();
    let result = driver::compile(&source, &name, &opts);
    let elapsed = start.elapsed();
    let out = match result {
        Ok(out) => out,
        Err(diags) => {
            eprint!("{}", crate::diag::render(&diags, &name, &source));
            let n = diags.iter().filter(|d| d.is_error()).count();
            eprintln!("probec: {n} error{} in {name}", if n == 1 { "" } else { "s" });
            return EXIT_SCRIPT;
        }
    };
    if !out.warnings.is_empty() {
        eprint!("{}", crate::diag::render(&out.warnings, &name, &source));
    }
    for (pass, text) in &out.dumps {
        eprintln!("===== after {pass} =====\n{text}");
    }
    let written = match (&cli.output, emit) {
        (None, Emit::Asm | Emit::Clif | Emit::Ast) => std::io::stdout().write_all(&out.bytes).map(|_| "stdout".to_string()),
        (path, _) => {
            let path = path.clone().unwrap_or_else(|| PathBuf::from("probes.o"));
            std::fs::write(&path, &out.bytes).map(|_| path.display().to_string())
        }
    };
    match written {
        Ok(dest) => {
            if cli.verbose {
                eprintln!("probec: {name}: {}", out.summary);
                for (pass, t) in &out.timings {
                    eprintln!("probec:   {pass:<6} {:8.3} ms", t.as_secs_f64() * 1e3);
                }
                eprintln!("probec: compiled {name} in {:.2} ms, wrote {} bytes to {dest}", elapsed.as_secs_f64() * 1e3, out.bytes.len());
            }
            EXIT_OK
        }
        Err(e) => usage(&format!("cannot write output: {e}")),
    }
}
