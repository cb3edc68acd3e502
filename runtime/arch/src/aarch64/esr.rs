//! Exception syndromes (ESR_ELx): the exception classes an embedder's
//! vectors dispatch on before forwarding to the runtime's entry points
//! (`trap::on_brk`, `on_step`, `on_fault`). One definition, so embedders do
//! not each write their own table. Values: Arm ARM D24.2.41 (ESR_EL1.EC).

/// ESR.EC values.
pub mod ec {
    /// Unknown reason (an undefined instruction, e.g. a trapped semihosting call).
    pub const UNKNOWN: u64 = 0x00;
    /// Instruction abort from a lower exception level.
    pub const IABT_LOWER: u64 = 0x20;
    /// Instruction abort without a change of exception level.
    pub const IABT_CUR: u64 = 0x21;
    /// Data abort from a lower exception level.
    pub const DABT_LOWER: u64 = 0x24;
    /// Data abort without a change of exception level.
    pub const DABT_CUR: u64 = 0x25;
    /// Software step from a lower exception level.
    pub const SOFTSTEP_LOWER: u64 = 0x32;
    /// Software step without a change of exception level.
    pub const SOFTSTEP_CUR: u64 = 0x33;
    /// BRK instruction executed in AArch64 state.
    pub const BRK64: u64 = 0x3c;
}

/// The exception class of syndrome `esr` (bits 31:26).
#[inline(always)]
pub const fn class(esr: u64) -> u64 {
    (esr >> 26) & 0x3f
}

/// The BRK immediate of a [`ec::BRK64`] syndrome (ISS bits 15:0).
#[inline(always)]
pub const fn brk_imm(esr: u64) -> u16 {
    esr as u16
}

/// The instruction-specific syndrome (bits 24:0).
#[inline(always)]
pub const fn iss(esr: u64) -> u64 {
    esr & 0x1ff_ffff
}
