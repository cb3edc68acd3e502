//! AArch64: instruction decoding, simulation, XOL and trap mechanics.
pub mod pstate;
pub mod brk;
pub mod cache;
pub mod debug;
pub mod condition;
pub mod decode;
pub mod encode;
pub mod insn;
pub mod simulate;
pub mod vreg;
pub mod features;
pub mod fpsimd;
