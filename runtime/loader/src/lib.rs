//! Reading a probes.o without touching a target, `#![no_std]`.
//!
//! [`object::validate`] checks an object completely ([`elf`], [`symtab`],
//! [`descs`], [`relocate`]; on targets whose exceptions save only the
//! general-purpose registers also that no handler code uses FP/SIMD,
//! [`code`]); [`resolve`] turns its probe specs into addresses against a
//! [`SymbolSource`] with the name rules of [`names`]. The data a loaded
//! script keeps at run time is built here too: maps ([`maps`]), per-CPU
//! output rings ([`ring`]), the state handlers see ([`state`]), and the
//! formatting of records and maps ([`printf`], [`value`], [`text`],
//! [`json`], [`mapview`]).
//!
//! Nothing here needs the engine: the facade (`probec-runtime`) binds a
//! validated object to it, and the compiler uses this crate to check the
//! objects it writes.
#![no_std]
#![warn(missing_docs)]

extern crate alloc;

pub mod code;
pub mod descs;
pub mod elf;
pub mod error;
pub mod json;
pub mod maps;
pub mod mapview;
pub mod names;
pub mod object;
pub mod output;
pub mod printf;
pub mod relocate;
pub mod resolve;
pub mod ring;
pub mod section;
pub mod spec;
pub mod state;
pub mod symtab;
pub mod text;
pub mod value;

pub use error::ObjectError;
pub use names::{Symbol, SymbolSource};
