//! Typed bitfields of the saved PSTATE (SPSR_EL1 layout) and of the
//! exception syndrome (ESR_EL1), so trap code and simulators name fields
//! instead of masking raw numbers.

use tock_registers::LocalRegisterCopy;

// The macro generates items without docs of their own; the fields are
// documented inside it.
#[allow(missing_docs)]
mod fields {
    use tock_registers::register_bitfields;

    register_bitfields! {u64,
        /// SPSR_EL1 as saved on an exception taken from AArch64 EL0/EL1.
        pub SPSR [
            /// Negative condition flag.
            N OFFSET(31) NUMBITS(1) [],
            /// Zero condition flag.
            Z OFFSET(30) NUMBITS(1) [],
            /// Carry condition flag.
            C OFFSET(29) NUMBITS(1) [],
            /// Overflow condition flag.
            V OFFSET(28) NUMBITS(1) [],
            /// NZCV as one 4-bit field (N is bit 3).
            NZCV OFFSET(28) NUMBITS(4) [],
            /// Software step: with MDSCR_EL1.SS set, ERET steps one instruction.
            SS OFFSET(21) NUMBITS(1) [],
            /// Illegal execution state.
            IL OFFSET(20) NUMBITS(1) [],
            /// Branch type for BTI (FEAT_BTI): what the next instruction must accept.
            BTYPE OFFSET(10) NUMBITS(2) [
                /// Not a branch target check.
                None = 0b00,
                /// BR from X16/X17, or BR from a non-guarded page.
                Jump16 = 0b01,
                /// BLR.
                Call = 0b10,
                /// BR from other registers in a guarded page.
                Jump = 0b11
            ],
            /// Debug exception mask.
            D OFFSET(9) NUMBITS(1) [],
            /// SError mask.
            A OFFSET(8) NUMBITS(1) [],
            /// IRQ mask.
            I OFFSET(7) NUMBITS(1) [],
            /// FIQ mask.
            F OFFSET(6) NUMBITS(1) [],
            /// D, A, I, F as one 4-bit field (D is bit 3), the layout of `MRS DAIF` >> 6.
            DAIF OFFSET(6) NUMBITS(4) [],
            /// Exception level and stack pointer selection.
            M OFFSET(0) NUMBITS(4) []
        ],

        /// ESR_EL1 exception syndrome.
        pub ESR [
            /// Exception class.
            EC OFFSET(26) NUMBITS(6) [
                /// Data abort from a lower exception level.
                DataAbortLowerEl = 0x24,
                /// Data abort without a change of exception level.
                DataAbortCurrentEl = 0x25,
                /// Software step from a lower exception level.
                SoftwareStepLowerEl = 0x32,
                /// Software step without a change of exception level.
                SoftwareStepCurrentEl = 0x33,
                /// BRK instruction executed in AArch64 state.
                Brk64 = 0x3C
            ],
            /// Instruction length (1: 32-bit instruction).
            IL OFFSET(25) NUMBITS(1) [],
            /// Instruction-specific syndrome. For BRK, bits 15:0 are the immediate.
            ISS OFFSET(0) NUMBITS(25) [],
            /// The BRK immediate (ISS[15:0]) when EC is Brk64.
            BRK_IMM OFFSET(0) NUMBITS(16) []
        ]
    }
}
pub use fields::{ESR, SPSR};

/// A saved PSTATE value with typed field access.
pub type Pstate = LocalRegisterCopy<u64, SPSR::Register>;

/// An exception syndrome value with typed field access.
pub type Syndrome = LocalRegisterCopy<u64, ESR::Register>;
