//! Workloads: real code for probes to hit. Each produces one deterministic
//! result line and an exit status (0 unless a self-check failed); `run`
//! prints the line, `result` returns it (probe-every compares the lines of
//! runs with and without probes).
//!
//! `fib` is the classic probe target; `sha256`, `deflate` and `sort` run
//! third-party and `core`/`alloc` code nobody here wrote, which tests probe
//! at every instruction.

mod deflate;
pub mod serve;
mod sha256;
mod sort;
pub mod threads;

use alloc::format;
use alloc::string::String;
use core::hint::black_box;

use crate::cmdline::USAGE_EXIT_STATUS;

/// Workload `name`, if there is one: returns its result line and exit
/// status.
pub fn lookup(name: &str) -> Option<fn(u64) -> (String, i32)> {
    Some(match name {
        "fib" => run_fib,
        "sha256" => sha256::run,
        "deflate" => deflate::run,
        "sort" => sort::run,
        _ => return None,
    })
}

/// Run workload `name` with `args` and print its result line; `None` if
/// there is no such workload.
pub fn run(name: &str, args: &[String]) -> Option<i32> {
    let workload = lookup(name)?;
    let n = match args {
        [n] => n.parse::<u64>().ok(),
        _ => None,
    };
    Some(match n {
        Some(n) => {
            let (line, status) = workload(n);
            println!("{line}");
            status
        }
        None => {
            println!("usage: {name} N (N a non-negative integer)");
            USAGE_EXIT_STATUS
        }
    })
}

/// The N-th Fibonacci number, computed with two real recursive calls
/// (called 2*fib(N+1)-1 times). It lives here, not in a file of its own,
/// because its path `refkernel::workload::fib` is what the example probe
/// scripts name.
///
/// Left alone, LLVM turns one of the two calls into a loop (accumulator
/// tail-recursion elimination), so a probe on `fib` would see fewer hits
/// than calls in the source. `black_box` around each result stops that:
/// the addition can no longer be reassociated across the calls. Check with
/// `aarch64-linux-gnu-objdump -d` that `fib` contains two `bl` to itself.
#[inline(never)]
pub fn fib(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    black_box(fib(n - 1)).wrapping_add(black_box(fib(n - 2)))
}

/// `fib N`.
fn run_fib(n: u64) -> (String, i32) {
    (format!("fib({n}) = {}", fib(n)), 0)
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
