//! AArch64: instruction decoding, simulation, XOL and trap mechanics.
pub mod pstate;
