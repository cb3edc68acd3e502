//! The BRK immediates the runtime owns, and their encodings.
//!
//! Each use gets its own immediate so the trap handler can tell from the
//! syndrome alone what kind of stop it is, and so BRKs planted by other
//! software (debuggers, `panic` in some kernels, Linux's own kprobes values)
//! are recognisably not ours and can be chained to their owners.

/// Immediate of the BRK planted at a probe point.
pub const PROBE_IMM: u16 = 0x0D04;
/// Immediate of the BRK that follows the displaced instruction in an XOL
/// slot (BRK-after-slot mode).
pub const SLOT_IMM: u16 = 0x0D05;
/// Immediate of the BRK at the return-probe trampoline.
pub const RETURN_IMM: u16 = 0x0D06;

/// Encode `BRK #imm` (exception generation class, opc=001, LL=00).
pub const fn brk(imm: u16) -> u32 {
    0xD420_0000 | ((imm as u32) << 5)
}

/// Encode `UDF #0`: fills unused slot words so a stray jump faults loudly.
pub const UDF: u32 = 0x0000_0000;

/// The immediate of a BRK instruction word, or `None` if `word` is not BRK.
pub const fn brk_imm(word: u32) -> Option<u16> {
    if word & 0xFFE0_001F == 0xD420_0000 {
        Some(((word >> 5) & 0xFFFF) as u16)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brk_encoding_matches_assembler() {
        // `brk #0xd04` assembled by aarch64-linux-gnu-as is d421a080.
        assert_eq!(brk(PROBE_IMM), 0xd421_a080);
        assert_eq!(brk(0), 0xd420_0000);
        assert_eq!(brk(0xffff), 0xd43f_ffe0);
        assert_eq!(brk_imm(brk(RETURN_IMM)), Some(RETURN_IMM));
        assert_eq!(brk_imm(0xd503_201f), None);
    }
}
