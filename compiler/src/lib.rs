//! probec: the probe-script compiler and its command-line tools.
//!
//! The compiler is a list of passes, each with its own typed IR:
//!
//! ```text
//! source ─syntax::parse─▶ ast::Program ─check::check─▶ tir::Program
//!        ─lower::lower─▶ machine code per handler ─emit::emit─▶ ELF bytes
//! ```
//!
//! [`driver::compile`] runs them in order; every failure is a list of
//! [`diag::Diagnostic`]s with spans, never a panic.
#![warn(missing_docs)]

pub mod asm;
pub mod ast;
pub mod attach_cmd;
pub mod boot_cmd;
pub mod build_id;
pub mod check;
pub mod cli;
pub mod decode_cmd;
pub mod diag;
pub mod disasm;
pub mod driver;
pub mod emit;
pub mod exit;
pub mod lines_cmd;
pub mod lower;
pub mod run_cmd;
pub mod script_compile;
pub mod script_input;
pub mod span;
pub mod status_cmd;
pub mod syntax;
pub mod tir;
pub mod tir_fmt;
pub mod types;
