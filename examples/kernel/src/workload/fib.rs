//! `fib N`: naive recursive Fibonacci, the standard function-entry probe
//! target (called 2*fib(N+1)-1 times).

use core::hint::black_box;

/// The N-th Fibonacci number, computed with two real recursive calls.
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

pub fn run(n: u64) -> i32 {
    println!("fib({n}) = {}", fib(n));
    0
}
