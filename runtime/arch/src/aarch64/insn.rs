//! Field extraction for A64 instruction words.
//!
//! Every A64 instruction is one little-endian 32-bit word; the decoder and the
//! simulators name fields through these helpers instead of repeating shifts
//! and masks, so an off-by-one in a field position has one place to live.

/// Bits `hi..=lo` of `insn`, shifted down to bit 0.
#[inline]
pub const fn bits(insn: u32, hi: u32, lo: u32) -> u32 {
    (insn >> lo) & (u32::MAX >> (31 - (hi - lo)))
}

/// Bit `n` of `insn`.
#[inline]
pub const fn bit(insn: u32, n: u32) -> bool {
    (insn >> n) & 1 == 1
}

/// True if the bits selected by `mask` equal `value` (the usual way the
/// ARM ARM's encoding diagrams are checked: fixed bits in the mask).
#[inline]
pub const fn matches(insn: u32, mask: u32, value: u32) -> bool {
    insn & mask == value
}

/// Sign-extend the low `width` bits of `value` to 64 bits.
#[inline]
pub const fn sign_extend(value: u64, width: u32) -> i64 {
    let shift = 64 - width;
    ((value << shift) as i64) >> shift
}

/// Register field `Rd`/`Rt` (bits 4:0).
#[inline]
pub const fn rd(insn: u32) -> u8 {
    bits(insn, 4, 0) as u8
}

/// Register field `Rn` (bits 9:5).
#[inline]
pub const fn rn(insn: u32) -> u8 {
    bits(insn, 9, 5) as u8
}

/// Register field `Rt2`/`Ra` (bits 14:10).
#[inline]
pub const fn rt2(insn: u32) -> u8 {
    bits(insn, 14, 10) as u8
}

/// Register field `Rm`/`Rs` (bits 20:16).
#[inline]
pub const fn rm(insn: u32) -> u8 {
    bits(insn, 20, 16) as u8
}

/// The 26-bit word offset of B/BL, as a byte offset (±128 MiB).
#[inline]
pub const fn imm26_offset(insn: u32) -> i64 {
    sign_extend(bits(insn, 25, 0) as u64, 26) * 4
}

/// The 19-bit word offset at bits 23:5 (B.cond, CBZ, LDR literal), as a
/// byte offset (±1 MiB).
#[inline]
pub const fn imm19_offset(insn: u32) -> i64 {
    sign_extend(bits(insn, 23, 5) as u64, 19) * 4
}

/// The 14-bit word offset at bits 18:5 (TBZ/TBNZ), as a byte offset
/// (±32 KiB).
#[inline]
pub const fn imm14_offset(insn: u32) -> i64 {
    sign_extend(bits(insn, 18, 5) as u64, 14) * 4
}

/// The 21-bit immediate of ADR/ADRP (`immhi:immlo`), sign-extended.
#[inline]
pub const fn adr_imm(insn: u32) -> i64 {
    let immlo = bits(insn, 30, 29) as u64;
    let immhi = bits(insn, 23, 5) as u64;
    sign_extend((immhi << 2) | immlo, 21)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        assert_eq!(bits(0xd503201f, 31, 22), 0b1101010100);
        assert_eq!(bits(0xffff_ffff, 31, 0), u32::MAX);
        assert!(bit(0x8000_0000, 31));
        assert_eq!(sign_extend(0x3ff_ffff, 26), -1);
        assert_eq!(sign_extend(0x200_0000, 26), -(1 << 25));
        assert_eq!(imm26_offset(0x17ff_ffff), -4);
        assert_eq!(imm19_offset(0x5400_0020), 4);
    }
}
