//! Rust functions the tests probe. `black_box` on the function pointer
//! keeps every call a real call (LLVM would otherwise inline, or turn one
//! of fib's two recursive calls into a loop).

use core::hint::black_box;

/// A leaf function probed at its entry.
#[inline(never)]
pub extern "C" fn target_add(a: u64, b: u64) -> u64 {
    a.wrapping_mul(3).wrapping_add(b)
}

/// A function a handler calls while its probe is attached (a nested hit).
#[inline(never)]
pub extern "C" fn target_mul(a: u64, b: u64) -> u64 {
    a.wrapping_mul(b) ^ 0x55
}

/// Recursive Fibonacci, every call a real call.
#[inline(never)]
pub extern "C" fn fib(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let f: extern "C" fn(u64) -> u64 = black_box(fib);
    f(n - 1).wrapping_add(f(n - 2))
}

/// Recursion `n` deep, returning `n`.
#[inline(never)]
pub extern "C" fn depth(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let f: extern "C" fn(u64) -> u64 = black_box(depth);
    f(n - 1) + 1
}

/// Sort pseudo-random numbers (xorshift64: 13, 7, 17; seed 1) and fold
/// them into a checksum.
#[inline(never)]
pub extern "C" fn sort_checksum(n: u64) -> u64 {
    let mut s: u64 = 1;
    let mut v: alloc::vec::Vec<u64> = (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        })
        .collect();
    v.sort_unstable();
    v.iter().enumerate().fold(0u64, |acc, (i, x)| acc.rotate_left(5) ^ x.wrapping_mul(i as u64 + 1))
}

/// fib(n) iteratively: the expected values, computed without probes.
pub fn fib_iterative(n: u64) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        (a, b) = (b, a.wrapping_add(b));
    }
    a
}
