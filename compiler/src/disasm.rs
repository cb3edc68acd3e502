//! Disassembly of AArch64 instruction words for people to read (via
//! `yaxpeax-arm`). Used by `probec decode` and, later, `--emit asm`.

use yaxpeax_arch::{Decoder, U8Reader};
use yaxpeax_arm::armv8::a64::InstDecoder;

/// Disassemble one little-endian instruction word, or `None` if the
/// disassembler does not know it (unallocated or too new).
pub fn disassemble(word: u32) -> Option<String> {
    let bytes = word.to_le_bytes();
    let mut reader = U8Reader::new(&bytes);
    InstDecoder::default().decode(&mut reader).ok().map(|inst| inst.to_string())
}
