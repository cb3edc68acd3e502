//! `sort N`: `slice::sort_unstable` on N xorshift64 values (seed 1) and an
//! `alloc::collections::BTreeMap` built from the same values; prints a
//! checksum of the sorted order and checks the two agree.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::xorshift64;

pub fn run(n: u64) -> i32 {
    let mut state = 1;
    let mut values: Vec<u64> = (0..n).map(|_| xorshift64(&mut state)).collect();
    let map: BTreeMap<u64, usize> = values.iter().enumerate().map(|(i, &v)| (v, i)).collect();
    values.sort_unstable();

    // Position-weighted, so any misplaced element changes it.
    let checksum = values
        .iter()
        .enumerate()
        .fold(0u64, |sum, (i, &v)| sum.wrapping_add((i as u64 + 1).wrapping_mul(v)));
    // xorshift64 does not repeat within 2^64 - 1 steps: all keys distinct.
    let agree = values.windows(2).all(|w| w[0] < w[1]) && map.keys().eq(values.iter());
    println!(
        "sort({n}) = {checksum:#018x}, btree {} keys, {}",
        map.len(),
        if agree { "ok" } else { "MISMATCH" }
    );
    if agree {
        0
    } else {
        1
    }
}
