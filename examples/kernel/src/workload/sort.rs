//! `sort N`: `slice::sort_unstable` on N xorshift64 values (seed 1) and an
//! `alloc::collections::BTreeMap` built from the same values by inserting
//! them one at a time; prints a checksum of the sorted order and checks the
//! two agree.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::xorshift64;

/// `BTreeMap::insert`, in a function of its own. LLVM inlines `insert`
/// (search, leaf insertion, leaf splits; only the internal-node split stays
/// a call) into its caller; this wrapper gives that code a symbol, so
/// probe-every can probe all of it and count its calls.
#[inline(never)]
pub fn btree_insert(map: &mut BTreeMap<u64, usize>, key: u64, value: usize) -> Option<usize> {
    map.insert(key, value)
}

/// The result line and the exit status.
pub fn run(n: u64) -> (String, i32) {
    let mut state = 1;
    let mut values: Vec<u64> = (0..n).map(|_| xorshift64(&mut state)).collect();
    // One `insert` per key (not `collect`, which sorts and bulk-builds): the
    // B-tree's real insertion path, which probe-every probes.
    let mut map: BTreeMap<u64, usize> = BTreeMap::new();
    for (i, &v) in values.iter().enumerate() {
        btree_insert(&mut map, v, i);
    }
    values.sort_unstable();

    // Position-weighted, so any misplaced element changes it.
    let checksum = values.iter().enumerate().fold(0u64, |sum, (i, &v)| sum.wrapping_add((i as u64 + 1).wrapping_mul(v)));
    // xorshift64 does not repeat within 2^64 - 1 steps: all keys distinct.
    let agree = values.windows(2).all(|w| w[0] < w[1]) && map.keys().eq(values.iter());
    let line = format!("sort({n}) = {checksum:#018x}, btree {} keys, {}", map.len(), if agree { "ok" } else { "MISMATCH" });
    (line, if agree { 0 } else { 1 })
}
