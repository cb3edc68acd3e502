//! `deflate N`: compress N bytes of generated text with `miniz_oxide`
//! (level 6), decompress it again and check the round trip.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use miniz_oxide::deflate::compress_to_vec;
use miniz_oxide::inflate::decompress_to_vec;

use super::xorshift64;

#[rustfmt::skip]
const WORDS: [&str; 16] = [
    "probe", "kernel", "trace", "arm64", "handler", "brk", "slot", "step",
    "map", "ring", "count", "the", "of", "a", "instruction", "exception",
];

/// N bytes of compressible text: pseudo-random words, a line break every
/// twelve words.
fn text(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 16);
    let mut state = 1;
    let mut words = 0;
    while out.len() < n {
        out.extend_from_slice(WORDS[(xorshift64(&mut state) % 16) as usize].as_bytes());
        words += 1;
        out.push(if words % 12 == 0 { b'\n' } else { b' ' });
    }
    out.truncate(n);
    out
}

/// The result line and the exit status.
pub fn run(n: u64) -> (String, i32) {
    let data = text(n as usize);
    let compressed = compress_to_vec(&data, 6);
    let round_trip = decompress_to_vec(&compressed).is_ok_and(|d| d == data);
    let line = format!("deflate({n}) = {} bytes, round trip {}", compressed.len(), if round_trip { "ok" } else { "MISMATCH" });
    (line, if round_trip { 0 } else { 1 })
}
