//! AArch64: instruction decoding, simulation, XOL and trap mechanics.
pub mod brk;
pub mod cache;
pub mod condition;
pub mod debug;
pub mod decode;
pub mod encode;
pub mod esr;
pub mod features;
pub mod fpsimd;
pub mod insn;
pub mod pstate;
pub mod simulate;
pub mod vreg;
