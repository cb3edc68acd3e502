//! Independent models of the workloads: what the scripts must print,
//! computed without the runtime.

use std::collections::BTreeMap;

/// For `fib(n)`: how many calls `fib(k)` gets, for every k in 0..=n, by
/// walking the recursion top down (fib(k) for k >= 2 calls fib(k-1) and
/// fib(k-2)).
pub fn fib_calls(n: u64) -> Vec<u64> {
    let n = n as usize;
    let mut calls = vec![0u64; n + 1];
    calls[n] = 1;
    for k in (2..=n).rev() {
        calls[k - 1] += calls[k];
        calls[k - 2] += calls[k];
    }
    calls
}

/// fib(k) iteratively.
pub fn fib_value(k: u64) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..k {
        (a, b) = (b, a.wrapping_add(b));
    }
    a
}

/// The bucket `hist()` puts `v` in, by its lower bound: 0 for 0, else the
/// largest power of two <= v (negative values: `i64::MIN`).
pub fn log2_bucket(v: i64) -> i64 {
    match v {
        i64::MIN..=-1 => i64::MIN,
        0 => 0,
        v => 1i64 << (63 - v.leading_zeros()),
    }
}

/// The bucket `lhist(v, min, max, step)` puts `v` in, by its lower bound.
pub fn linear_bucket(v: i64, min: i64, max: i64, step: i64) -> i64 {
    if v < min {
        i64::MIN
    } else if v >= max {
        max
    } else {
        min + (v - min) / step * step
    }
}

/// A histogram of `(value, multiplicity)` pairs.
pub fn histogram(values: impl Iterator<Item = (i64, u64)>, bucket: impl Fn(i64) -> i64) -> BTreeMap<i64, u64> {
    let mut h = BTreeMap::new();
    for (v, n) in values.filter(|&(_, n)| n > 0) {
        *h.entry(bucket(v)).or_insert(0) += n;
    }
    h
}
