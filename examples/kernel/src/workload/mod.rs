//! Workloads: real code for probes to hit. Each prints one deterministic
//! result line and returns an exit status (0 unless a self-check failed).
//!
//! `fib` is the classic probe target (`refkernel::workload::fib::fib`);
//! `sha256`, `deflate` and `sort` run third-party and `core`/`alloc` code
//! nobody here wrote, which tests probe at every instruction.

mod deflate;
pub mod fib;
mod sha256;
mod sort;

use alloc::string::String;

use crate::commands::USAGE_EXIT_STATUS;

/// Run workload `name` with `args`; `None` if there is no such workload.
pub fn run(name: &str, args: &[String]) -> Option<i32> {
    let workload: fn(u64) -> i32 = match name {
        "fib" => fib::run,
        "sha256" => sha256::run,
        "deflate" => deflate::run,
        "sort" => sort::run,
        _ => return None,
    };
    let n = match args {
        [n] => n.parse::<u64>().ok(),
        _ => None,
    };
    Some(match n {
        Some(n) => workload(n),
        None => {
            println!("usage: {name} N (N a non-negative integer)");
            USAGE_EXIT_STATUS
        }
    })
}

/// xorshift64 (shifts 13, 7, 17): the deterministic pseudo-random source of
/// the workloads.
pub(crate) fn xorshift64(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    x
}
