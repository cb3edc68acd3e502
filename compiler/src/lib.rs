//! probec: the probe-script compiler and its command-line tools.
#![warn(missing_docs)]

pub mod decode_cmd;
pub mod disasm;
