//! Independent models of the workloads: what the scripts must print,
//! computed without the runtime.

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

/// All the calls `fib(n)` makes (itself included): the sum of the walk in
/// `fib_calls`, checked against its closed form 2*fib(n+1)-1 so that a
/// mistake in either shows.
pub fn fib_total(n: u64) -> Result<u64, String> {
    let total: u64 = fib_calls(n).iter().sum();
    let closed = 2 * fib_value(n + 1) - 1;
    if total != closed {
        return Err(format!("model error: the walk of fib({n}) counts {total} calls, 2*fib({n}+1)-1 = {closed}"));
    }
    Ok(total)
}

/// How often `sha256 n` (one `Sha256::digest` of n bytes: sha2 0.10 on
/// block-buffer 0.10, `digest_blocks` and `digest_pad`) calls the
/// compression function `compress256`: the one update hands all its full
/// 64-byte blocks to a single call (below 64 bytes there are none: the
/// bytes wait in the buffer); finalizing appends 0x80 and the 8-byte length
/// to the n % 64 bytes left, one call if that fits a block, else two.
pub fn sha256_compress_calls(n: u64) -> u64 {
    u64::from(n >= 64) + if n % 64 < 56 { 1 } else { 2 }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fib_call_counts_match_the_closed_form() {
        for n in 0..30u64 {
            let calls = fib_calls(n);
            assert_eq!(fib_total(n), Ok(2 * fib_value(n + 1) - 1), "n = {n}");
            // Calls of fib(k) for 1 <= k <= n are fib(n - k + 1).
            for k in 1..=n {
                assert_eq!(calls[k as usize], fib_value(n - k + 1), "n = {n}, k = {k}");
            }
        }
        assert_eq!(fib_value(20), 6765);
    }

    #[test]
    fn sha256_blocks() {
        assert_eq!(sha256_compress_calls(4096), 2, "full blocks, then padding alone");
        assert_eq!(sha256_compress_calls(0), 1);
        assert_eq!(sha256_compress_calls(55), 1);
        assert_eq!(sha256_compress_calls(56), 2, "no room for the length");
        assert_eq!(sha256_compress_calls(64), 2);
        assert_eq!(sha256_compress_calls(64 + 60), 3);
    }

    #[test]
    fn buckets() {
        assert_eq!(log2_bucket(0), 0);
        assert_eq!(log2_bucket(1), 1);
        assert_eq!(log2_bucket(3), 2);
        assert_eq!(log2_bucket(1024), 1024);
        assert_eq!(log2_bucket(-3), i64::MIN);
        assert_eq!(linear_bucket(-1, 0, 40, 5), i64::MIN);
        assert_eq!(linear_bucket(0, 0, 40, 5), 0);
        assert_eq!(linear_bucket(39, 0, 40, 5), 35);
        assert_eq!(linear_bucket(40, 0, 40, 5), 40);
    }
}
