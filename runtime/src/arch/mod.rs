//! Architecture-specific parts. Only AArch64 exists; the module also builds
//! on other hosts so that decode and simulate can be unit-tested there.
pub mod aarch64;
