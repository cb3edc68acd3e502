//! The few instructions the runtime writes besides BRK: the branch that
//! ends a boosted XOL slot.

/// `B <to>` placed at `from`: `None` if `to` is out of the ±128 MiB range
/// of imm26 or either address is misaligned.
pub const fn b(from: usize, to: usize) -> Option<u32> {
    if !from.is_multiple_of(4) || !to.is_multiple_of(4) {
        return None;
    }
    let offset = to.wrapping_sub(from) as isize;
    if offset < -(1 << 27) || offset >= (1 << 27) {
        return None;
    }
    Some(0x1400_0000 | ((offset >> 2) as u32 & 0x03ff_ffff))
}

/// The target of the `B` instruction `word` at `from`, or `None` if `word`
/// is not `B` (BL and everything else included).
pub const fn b_target(word: u32, from: usize) -> Option<usize> {
    if word & 0xfc00_0000 != 0x1400_0000 {
        return None;
    }
    let offset = super::insn::imm26_offset(word);
    Some(from.wrapping_add(offset as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (from, to, word) as aarch64-linux-gnu-as assembles `b .+OFFSET`.
    const ASSEMBLED: [(usize, usize, u32); 4] = [
        (0x1000, 0x1008, 0x1400_0002),              // b .+8
        (0x1004, 0x1000, 0x17ff_ffff),              // b .-4
        (0x1008, 0x1008 + 0x7ff_fffc, 0x15ff_ffff), // b .+0x7fffffc
        (0x800_100c, 0x100c, 0x1600_0000),          // b .-0x8000000
    ];

    #[test]
    fn encodings_match_the_assembler() {
        for (from, to, word) in ASSEMBLED {
            assert_eq!(b(from, to), Some(word), "{from:#x} -> {to:#x}");
            assert_eq!(b_target(word, from), Some(to));
        }
    }

    #[test]
    fn out_of_range_and_misaligned() {
        assert_eq!(b(0x1000, 0x1000 + (1 << 27)), None);
        assert_eq!(b(0x800_1000, 0x1000 - 4), None);
        assert_eq!(b(0x1002, 0x2000), None);
        assert_eq!(b_target(0x9400_0002, 0x1000), None); // BL
    }
}
