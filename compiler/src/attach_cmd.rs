//! `probec attach tcp:HOST:PORT [--kernel K] SCRIPT|-e PROGRAM [--timeout S] [--format text|json]`
//!
//! Compile the script (against K when given: its build-id goes into the
//! object, and a target on another build is refused before anything is
//! sent), open a session with the target's agent, send and attach the
//! object, stream its output as it happens, and on Ctrl-C, `exit()` in
//! the script, or the timeout, detach it: END runs in the target, the
//! final maps come back, and the target is as it was. Exit status 0.

use crate::exit::{EXIT_OK, EXIT_SCRIPT, EXIT_USAGE};
use crate::script_compile::{compile, Format};
use probec_host::connection::{parse_address, Connection};
use probec_host::lines::{LineKind, LineOut};
use probec_host::output::Specs;
use probec_host::session::{HostError, Session};
use probec_host::trace::Trace;
use probec_loader::output::{Format as OutputFormat, Formatter, Sink};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Arguments of `probec attach`.
#[derive(clap::Args, Debug)]
#[command(
    override_usage = "probec attach tcp:HOST:PORT [OPTIONS] FILENAME\n       probec attach tcp:HOST:PORT [OPTIONS] -e 'PROGRAM'",
    after_help = "EXAMPLES:\n\
probec attach tcp:127.0.0.1:5555 --kernel refkernel -e 'kprobe:refkernel::workload::fib { @calls = count(); }'\n    \
count fib's calls in a running target until Ctrl-C, then print @calls and detach"
)]
pub struct AttachArgs {
    /// The agent: tcp:HOST:PORT (what `probec boot --agent` printed)
    #[arg(value_name = "AGENT")]
    pub agent: String,

    /// The target's kernel ELF: the object records its build-id, and a
    /// target running another build is refused
    #[arg(long, value_name = "KERNEL")]
    pub kernel: Option<PathBuf>,

    /// Detach after this many seconds attached (default: at Ctrl-C or exit())
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text, value_name = "FORMAT")]
    pub format: Format,

    /// Lease in milliseconds: if this host goes silent that long, the agent
    /// detaches everything it attached
    #[arg(long = "lease-ms", value_name = "MS", default_value_t = 3000)]
    pub lease_ms: u32,

    /// Optional CPU features: +lse, +bti, +pac (as for compiling)
    #[arg(long = "target-features", value_name = "LIST", default_value = "")]
    pub target_features: String,

    /// Script file to compile ('-' reads standard input)
    #[arg(value_name = "FILENAME")]
    pub file: Option<std::ffi::OsString>,

    /// Compile PROGRAM given on the command line
    #[arg(short = 'e', value_name = "PROGRAM", conflicts_with = "file")]
    pub program: Option<std::ffi::OsString>,
}

fn fail(msg: impl std::fmt::Display) -> i32 {
    eprintln!("probec attach: {msg}");
    EXIT_SCRIPT
}

/// Attach `object` through `session` and print bpftrace's first line; on a
/// refusal end the session and say why (`probec attach` and `probec run`).
pub fn attach_script<'a>(
    session: Session,
    object: &[u8],
    specs: &'a Specs,
    sink: &'a mut dyn Sink,
    format: OutputFormat,
) -> Result<Trace<'a>, String> {
    match Trace::attach(session, object, specs, sink) {
        Ok(trace) => {
            attaching_line(format, trace.probes);
            Ok(trace)
        }
        Err(failed) => {
            let (session, e) = *failed;
            let _ = session.bye(&mut |_| {});
            Err(match e {
                HostError::Refused { message, .. } => format!("the target refused the script: {message}"),
                e => e.to_string(),
            })
        }
    }
}

/// bpftrace's first line: `Attaching N probes...` (BEGIN and END count).
fn attaching_line(format: OutputFormat, probes: u32) {
    let line = match format {
        OutputFormat::Text => format!("Attaching {probes} probe{}...\n", if probes == 1 { "" } else { "s" }),
        OutputFormat::Json => format!("{{\"type\": \"attached_probes\", \"data\": {{\"probes\": {probes}}}}}\n"),
    };
    let _ = std::fmt::Write::write_str(&mut LineOut::new(LineKind::Plain), &line);
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Route Ctrl-C (SIGINT) and SIGTERM to [`INTERRUPTED`] (once per process).
fn catch_interrupts() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
    });
}

/// `probec attach`; returns the exit status.
pub fn run(args: &AttachArgs) -> i32 {
    let started = Instant::now();
    let addr = match parse_address(&args.agent) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("probec attach: {e}");
            return EXIT_USAGE;
        }
    };
    let build_id = match args.kernel.as_deref().map(crate::build_id::read) {
        None => None,
        Some(Ok(Some(id))) => Some(id),
        Some(Ok(None)) => {
            return fail(format!("{} has no GNU build-id note; link it with --build-id", args.kernel.as_ref().expect("some").display()))
        }
        Some(Err(e)) => {
            eprintln!("probec attach: {e}");
            return EXIT_USAGE;
        }
    };
    let object = match compile("probec attach", args.program.as_deref(), args.file.as_deref(), &args.target_features, build_id.clone()) {
        Ok(o) => o,
        Err(status) => return status,
    };
    let specs = match Specs::of_object(&object) {
        Ok(s) => s,
        Err(e) => return fail(format!("the compiled object does not read back: {e}")),
    };
    catch_interrupts();
    let compiled_at = started.elapsed();
    let conn = match Connection::connect(&addr, Duration::from_secs(5)) {
        Ok(c) => c,
        Err(e) => return fail(format!("cannot connect to {}: {e}", args.agent)),
    };
    let session = match Session::open(conn, args.lease_ms) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    if let Some(id) = &build_id {
        if *id != session.welcome.build_id {
            let kernel = args.kernel.as_ref().expect("build_id comes from --kernel").display();
            let theirs = crate::build_id::hex(&session.welcome.build_id);
            let _ = session.bye(&mut |_| {});
            return fail(format!(
                "the target runs kernel build-id {theirs}, but {kernel} has build-id {}: compile against the kernel the target runs",
                crate::build_id::hex(id)
            ));
        }
    }
    let format = args.format.output();
    let mut stdout = LineOut::new(LineKind::Plain);
    let mut formatter = Formatter::new(format, &specs.maps, &specs.formats, &mut stdout);
    let hello_at = started.elapsed();
    let mut trace = match attach_script(session, &object, &specs, &mut formatter, format) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    if std::env::var_os("PROBEC_ATTACH_TIMING").is_some() {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        eprintln!(
            "probec attach: attached in {:.1} ms (compile {:.1}, connect and hello {:.1}, transfer of {} bytes and attach {:.1})",
            ms(started.elapsed()),
            ms(compiled_at),
            ms(hello_at - compiled_at),
            object.len(),
            ms(started.elapsed() - hello_at)
        );
    }
    // The timeout is the time attached (`--timeout 2`: trace for 2 s), not
    // counting compile and transfer.
    let deadline = args.timeout.map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    while !INTERRUPTED.load(Ordering::SeqCst) && !trace.exit_requested && deadline.is_none_or(|d| Instant::now() < d) {
        if let Err(e) = trace.pump(Duration::from_millis(50)) {
            return fail(format!("{e}; the agent detaches the script when this host's lease lapses"));
        }
    }
    if let Err(e) = trace.finish() {
        return fail(format!("detaching: {e}"));
    }
    EXIT_OK
}
