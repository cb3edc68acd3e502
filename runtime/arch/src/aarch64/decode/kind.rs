//! What the decoder hands to the simulators: the kind of a simulated
//! instruction with its fields already extracted, so the hit path does no
//! decoding.

/// Destination and width of a simulated literal load (`LDR (literal)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiteralKind {
    /// `LDR Wt, label`: 4 bytes, zero-extended into Xt.
    W,
    /// `LDR Xt, label`: 8 bytes.
    X,
    /// `LDRSW Xt, label`: 4 bytes, sign-extended into Xt.
    Sw,
    /// `LDR St, label`: 4 bytes into the low lanes of Vt, the rest zeroed.
    S,
    /// `LDR Dt, label`: 8 bytes into the low lanes of Vt, the rest zeroed.
    D,
    /// `LDR Qt, label`: all 16 bytes of Vt.
    Q,
}

impl LiteralKind {
    /// The destination is a SIMD&FP register (S, D or Q form).
    pub const fn is_simd_fp(self) -> bool {
        matches!(self, LiteralKind::S | LiteralKind::D | LiteralKind::Q)
    }

    /// Number of bytes the load reads.
    pub const fn size(self) -> usize {
        match self {
            LiteralKind::W | LiteralKind::Sw | LiteralKind::S => 4,
            LiteralKind::X | LiteralKind::D => 8,
            LiteralKind::Q => 16,
        }
    }

    /// True if the destination is a SIMD&FP register.
    pub const fn is_simd(self) -> bool {
        matches!(self, LiteralKind::S | LiteralKind::D | LiteralKind::Q)
    }
}

/// An instruction that is simulated on the saved frame instead of being run
/// out of line, because it reads or writes the PC (which is different in an
/// XOL slot) or reads state that the probe's own trap changed.
///
/// Offsets are byte offsets from the instruction's address, already
/// sign-extended and scaled. Registers are 0..=31; what 31 means (XZR or SP)
/// is fixed by the instruction and documented per variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimKind {
    /// `B label`.
    B {
        /// Branch offset, ±128 MiB.
        offset: i64,
    },
    /// `BL label`: X30 = pc + 4.
    Bl {
        /// Branch offset, ±128 MiB.
        offset: i64,
    },
    /// `B.cond label`.
    BCond {
        /// Condition code (0..=15; AL and NV always branch).
        cond: u8,
        /// Branch offset, ±1 MiB.
        offset: i64,
    },
    /// `BC.cond label` (FEAT_HBC): same behaviour as B.cond; the hint that
    /// the branch is consistent only matters to branch predictors.
    BcCond {
        /// Condition code.
        cond: u8,
        /// Branch offset, ±1 MiB.
        offset: i64,
    },
    /// `CBZ`/`CBNZ`. Rt = 31 is XZR (always zero).
    Cbz {
        /// Tested register.
        rt: u8,
        /// 64-bit (`Xt`) form; otherwise only the low 32 bits are tested.
        sf: bool,
        /// CBNZ (branch if non-zero) rather than CBZ.
        nonzero: bool,
        /// Branch offset, ±1 MiB.
        offset: i64,
    },
    /// `TBZ`/`TBNZ`. Rt = 31 is XZR.
    Tbz {
        /// Tested register.
        rt: u8,
        /// Tested bit number, 0..=63.
        bit: u8,
        /// TBNZ (branch if the bit is one) rather than TBZ.
        nonzero: bool,
        /// Branch offset, ±32 KiB.
        offset: i64,
    },
    /// `ADR Xd, label`. Rd = 31 is XZR (result discarded).
    Adr {
        /// Destination register.
        rd: u8,
        /// Byte offset from the instruction, ±1 MiB.
        offset: i64,
    },
    /// `ADRP Xd, label`: Xd = (pc & !0xfff) + offset. Rd = 31 is XZR.
    Adrp {
        /// Destination register.
        rd: u8,
        /// Byte offset from the instruction's 4 KiB page (`imm << 12`), ±4 GiB.
        offset: i64,
    },
    /// `BR Xn`. Rn = 31 is XZR (branch to 0).
    Br {
        /// Target register.
        rn: u8,
    },
    /// `BLR Xn`: target read before X30 = pc + 4 is written. Rn = 31 is XZR.
    Blr {
        /// Target register.
        rn: u8,
    },
    /// `RET Xn` (usually X30). Rn = 31 is XZR.
    Ret {
        /// Target register.
        rn: u8,
    },
    /// `LDR`/`LDRSW (literal)` to a general or SIMD&FP register. For the
    /// general forms Rt = 31 is XZR; for SIMD&FP forms it is V31.
    LdrLiteral {
        /// Destination register.
        rt: u8,
        /// Width, signedness and register file.
        kind: LiteralKind,
        /// Byte offset of the literal from the instruction, ±1 MiB.
        offset: i64,
    },
    /// `PRFM (literal)`: a prefetch hint; simulated as doing nothing.
    PrfmLiteral {
        /// Byte offset of the (never read) literal, ±1 MiB.
        offset: i64,
    },
    /// NOP and the hints that are no-ops once the trap has happened (BTI):
    /// only the PC advances.
    Nop,
    /// `MRS Xt, DAIF`: read from the saved PSTATE, because the trap masked
    /// DAIF and a stepped MRS would read the masked value. Rt = 31 is XZR.
    MrsDaif {
        /// Destination register.
        rt: u8,
    },
}

impl SimKind {
    /// Short kind name shown to users (`probec decode`, attach reports).
    pub const fn name(&self) -> &'static str {
        match self {
            SimKind::B { .. } => "b",
            SimKind::Bl { .. } => "bl",
            SimKind::BCond { .. } => "b.cond",
            SimKind::BcCond { .. } => "bc.cond",
            SimKind::Cbz { nonzero: false, .. } => "cbz",
            SimKind::Cbz { nonzero: true, .. } => "cbnz",
            SimKind::Tbz { nonzero: false, .. } => "tbz",
            SimKind::Tbz { nonzero: true, .. } => "tbnz",
            SimKind::Adr { .. } => "adr",
            SimKind::Adrp { .. } => "adrp",
            SimKind::Br { .. } => "br",
            SimKind::Blr { .. } => "blr",
            SimKind::Ret { .. } => "ret",
            SimKind::LdrLiteral { kind: LiteralKind::W | LiteralKind::X, .. } => "ldr-literal",
            SimKind::LdrLiteral { kind: LiteralKind::Sw, .. } => "ldrsw-literal",
            SimKind::LdrLiteral { .. } => "ldr-literal-simd",
            SimKind::PrfmLiteral { .. } => "prfm-literal",
            SimKind::Nop => "nop",
            SimKind::MrsDaif { .. } => "mrs-daif",
        }
    }
}
