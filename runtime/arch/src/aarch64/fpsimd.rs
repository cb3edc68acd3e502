//! Does an A64 instruction word use FP/SIMD state?
//!
//! [`uses_fp_simd`] answers for one word, from the top-level encoding index
//! of the ARM ARM. "Uses" means: executing it reads or writes a V/Q/D/S/H/B
//! register, FPCR, FPSR or FPMR, or SVE/SME state (Z/P/ZA/ZT0 registers,
//! streaming mode), or needs FP/SIMD to be enabled (CPACR_EL1.FPEN/ZEN/SMEN
//! trap it otherwise). That is:
//!
//! - the whole "Data Processing -- Scalar Floating-Point and Advanced SIMD"
//!   space (op1 = x111), crypto included;
//! - every SIMD&FP load and store: in the loads-and-stores space bit 26 is
//!   the `V` bit of each class (literal, pair, register, structures, RCpc,
//!   FP atomics); the one class where bit 26 means something else is
//!   memory copy/set (FEAT_MOPS: `CPY*`, `SETG*` and `SETGO*` have it set);
//! - the SVE space (op1 = 0010) and the SME space (op0 = 1, op1 = 0000),
//!   including SVE instructions whose operands are all general-purpose
//!   (`RDVL`, `ADDVL`, `CNTB`, ...): they trap without SVE enabled and
//!   read the vector length, which is FP/SIMD state;
//! - `MRS`/`MSR` of FPCR, FPSR, FPMR and SVCR, and `MSR SVCR*, #imm`
//!   (`SMSTART`/`SMSTOP`, which zero the vector registers).
//!
//! Everything else — data processing on general-purpose registers,
//! branches, system instructions, general-purpose loads and stores — is
//! `false`. Unallocated encodings fall wherever their space falls (an
//! unallocated word in the SIMD&FP space counts as FP/SIMD): a caller that
//! refuses FP/SIMD code errs on the side of refusing.

use super::insn::{bit, bits, matches};

/// System register numbers (`op0:op1:CRn:CRm:op2`, bits 20:5 of MRS/MSR)
/// that hold FP/SIMD state.
mod sysreg {
    const fn enc(op0: u32, op1: u32, crn: u32, crm: u32, op2: u32) -> u32 {
        op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2
    }
    /// FPCR: S3_3_C4_C4_0.
    pub const FPCR: u32 = enc(3, 3, 4, 4, 0);
    /// FPSR: S3_3_C4_C4_1.
    pub const FPSR: u32 = enc(3, 3, 4, 4, 1);
    /// FPMR (FEAT_FPMR, the FP8 mode register): S3_3_C4_C4_2.
    pub const FPMR: u32 = enc(3, 3, 4, 4, 2);
    /// SVCR (SME streaming mode and ZA enable): S3_3_C4_C2_2.
    pub const SVCR: u32 = enc(3, 3, 4, 2, 2);
}

/// True if `word` (an A64 instruction) reads or writes FP/SIMD, SVE or SME
/// state; see the module documentation for exactly what is included.
pub const fn uses_fp_simd(word: u32) -> bool {
    // Top level: op0 = bit 31, op1 = bits 28:25.
    match bits(word, 28, 25) {
        // SME (op0 = 1); op0 = 0 is UDF and unallocated.
        0b0000 => bit(word, 31),
        // SVE.
        0b0010 => true,
        // Data Processing -- Scalar Floating-Point and Advanced SIMD.
        0b0111 | 0b1111 => true,
        // Loads and stores (x1x0): bit 26 is V, except in memory copy/set.
        0b0100 | 0b0110 | 0b1100 | 0b1110 => bit(word, 26) && !memory_copy_set(word),
        // Branches, exception generating and system instructions.
        0b1010 | 0b1011 => system_fp(word),
        // Data processing on general-purpose registers (immediate,
        // register) and the unallocated 0001, 0011.
        _ => false,
    }
}

/// The loads-and-stores group op0 = xx01, op2 = 1x, op3 = 0xxxxx, where
/// bit 26 is not `V` except with op4 = 10 (LDAPUR/STLUR SIMD&FP,
/// FEAT_LRCPC3): op4 = 00 and 01 are FEAT_MOPS `CPY*`/`SET*` (bit 26
/// selects the memmove and tag-setting forms, `CPYP`, `SETGP`, `SETGOP`)
/// and, with bit 26 clear, LDAPUR/STLUR on general-purpose registers.
const fn memory_copy_set(word: u32) -> bool {
    matches(word, 0x3b20_0000, 0x1900_0000) && bits(word, 11, 10) != 0b10
}

/// `MRS`/`MSR` (register) of an FP/SIMD register, or `MSR SVCR*, #imm`.
const fn system_fp(word: u32) -> bool {
    // MRS/MSR (register): 1101010100 L 1 o0 op1 CRn CRm op2 Rt.
    if matches(word, 0xffd0_0000, 0xd510_0000) {
        let reg = bits(word, 20, 5);
        return reg == sysreg::FPCR || reg == sysreg::FPSR || reg == sysreg::FPMR || reg == sysreg::SVCR;
    }
    // MSR (immediate) with op1 = 011, CRn = 0100, op2 = 011 and CRm =
    // 001x (SVCRSM), 010x (SVCRZA) or 011x (SVCRSMZA), x the immediate:
    // SMSTART and SMSTOP in their three forms.
    matches(word, 0xffff_f0ff, 0xd503_407f) && matches!(bits(word, 11, 9), 0b001..=0b011)
}

#[cfg(test)]
mod tests {
    use super::uses_fp_simd;

    #[test]
    fn a_few_words_each_way() {
        for w in [
            0x1e60_2820u32, // fadd d0, d1, d0
            0x4e20_8400,    // add v0.16b, v0.16b, v0.16b
            0x3d40_0020,    // ldr b0, [x1]
            0x6d00_0400,    // stp d0, d1, [x0]
            0x9c00_0000,    // ldr q0, .
            0x4c40_7000,    // ld1 {v0.16b}, [x0]
            0xd53b_4400,    // mrs x0, fpcr
            0xd51b_4420,    // msr fpsr, x0
            0x04bf_5020,    // rdvl x0, #1
            0xc008_00ff,    // zero {za}
            0xd503_477f,    // smstart
        ] {
            assert!(uses_fp_simd(w), "{w:#010x}");
        }
        for w in [
            0xd503_201fu32, // nop
            0x8b02_0020,    // add x0, x1, x2
            0xf940_0020,    // ldr x0, [x1]
            0xa9bf_7bfd,    // stp x29, x30, [sp, #-16]!
            0x5800_0040,    // ldr x0, .+8
            0x1d01_0440,    // cpyp [x0]!, [x1]!, x2!
            0x1dc2_0420,    // setgp [x0]!, x1!, x2
            0xd53b_4220,    // mrs x0, daif
            0xd65f_03c0,    // ret
            0x0000_0000,    // udf #0
            0xc8df_fc00,    // ldar x0, [x0]
        ] {
            assert!(!uses_fp_simd(w), "{w:#010x}");
        }
    }
}
