//! `probec status tcp:HOST:PORT`: the target's build-id, CPUs, uptime,
//! attached scripts, the embedder's workload counters and a line
//! `self-check failures: N`. Needs no session: it works while another
//! host has scripts attached.

use crate::exit::{EXIT_OK, EXIT_SCRIPT, EXIT_USAGE};
use probec_host::connection::{parse_address, Connection};
use probec_host::status::Status;
use std::time::Duration;

/// Arguments of `probec status`.
#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    /// The agent: tcp:HOST:PORT
    #[arg(value_name = "AGENT")]
    pub agent: String,
}

/// `probec status`; returns the exit status.
pub fn run(args: &StatusArgs) -> i32 {
    let addr = match parse_address(&args.agent) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("probec status: {e}");
            return EXIT_USAGE;
        }
    };
    let mut conn = match Connection::connect(&addr, Duration::from_secs(5)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("probec status: cannot connect to {}: {e}", args.agent);
            return EXIT_SCRIPT;
        }
    };
    match Status::query(&mut conn) {
        Ok(st) => {
            print!("{}", st.to_text());
            EXIT_OK
        }
        Err(e) => {
            eprintln!("probec status: {e}");
            EXIT_SCRIPT
        }
    }
}
