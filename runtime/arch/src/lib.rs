//! The arm64 instruction layer of probec: which instructions a probe may
//! displace (decode, by allow-list), how the ones that cannot run out of
//! line are simulated on a saved register frame, the encodings the runtime
//! writes, cache maintenance and system-register access.
//!
//! Pure where it can be: decode and simulate take words and frames and
//! return values, so they unit-test on any host; the parts that touch
//! system registers or caches have host fallbacks.
#![no_std]
#![warn(missing_docs)]

pub mod aarch64;
