//! Errors of loading and unloading a script. Every refusal is a value whose
//! `Display` text says what (which section, field, index, probe) and why.

use crate::probes::AttachError;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Why [`super::load`] refused an object. Nothing of the object stays in
/// the target when this is returned: no probe armed, no memory kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// [`crate::init`] has not run (no platform, no probe table).
    NotInitialised,
    /// `load`/`unload` was called from inside a probe handler.
    InHandler,
    /// No executable memory for handler code: the embedder did not call
    /// [`super::set_code_area`] (and gave no native handlers).
    NoCodeArea,
    /// The ELF container is malformed: truncated, out-of-bounds offsets,
    /// overlapping parts, bad sizes or alignments. The text names the part.
    Elf(String),
    /// A probec descriptor (header, probe, map, format, field, requirement)
    /// is inconsistent. The text names the descriptor, its index and field.
    Contract(String),
    /// Well-formed but outside what this loader supports (a relocation
    /// type, a section kind, an unknown feature bit, another ABI version).
    Unsupported(String),
    /// The object needs something this CPU or embedder does not provide
    /// (an instruction set feature, a context value such as `tid`).
    Requirement(String),
    /// The object asks for more than the embedder allows (map memory,
    /// handler stack, ring size, number of probes) or memory ran out.
    Resources(String),
    /// A relocation cannot be applied (target out of range, unexpected
    /// instruction, undefined symbol that is not a runtime helper).
    Relocation(String),
    /// Handler code uses an FP/SIMD, SVE or SME instruction, but the
    /// embedder's exceptions do not preserve FP/SIMD state
    /// ([`crate::FrameContents::GeneralRegisters`]). See
    /// [`super::code`] for which bytes count as code.
    FpSimd {
        /// The function symbol whose code contains the instruction.
        symbol: String,
        /// Whether that symbol is a handler (named by a probe descriptor).
        handler: bool,
        /// The code section.
        section: String,
        /// Byte offset of the instruction in the section.
        offset: u64,
        /// Byte offset of the instruction from the symbol.
        symbol_offset: u64,
        /// The instruction word.
        word: u32,
    },
    /// A probe names a symbol the embedder's symbol table does not have.
    UnknownSymbol {
        /// The probe as written (`kprobe:fib`).
        probe: String,
        /// The symbol looked up.
        symbol: String,
        /// Symbols with similar names, best first (at most five).
        close: Vec<String>,
    },
    /// A glob matched no symbol.
    NoMatch {
        /// The probe as written.
        probe: String,
        /// The glob.
        glob: String,
    },
    /// `+OFFSET` does not land on an instruction of the function.
    BadOffset {
        /// The probe as written.
        probe: String,
        /// The function.
        symbol: String,
        /// The offset in bytes.
        offset: u64,
        /// The function's size in bytes.
        size: usize,
    },
    /// A probe point cannot be armed (the engine's reason).
    Attach {
        /// The probe as written.
        probe: String,
        /// The resolved target (`symbol+0x8` or an address).
        target: String,
        /// The address.
        addr: usize,
        /// Why the engine refused it.
        reason: AttachError,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotInitialised => f.write_str("the probe runtime is not initialised (call probec_runtime::init first)"),
            LoadError::InHandler => f.write_str("scripts cannot be loaded or unloaded from inside a probe handler"),
            LoadError::NoCodeArea => {
                f.write_str("no executable memory for handler code (the embedder must call probec_runtime::script::set_code_area)")
            }
            LoadError::Elf(m) => write!(f, "malformed ELF object: {m}"),
            LoadError::Contract(m) => write!(f, "invalid probec object: {m}"),
            LoadError::Unsupported(m) => write!(f, "unsupported object: {m}"),
            LoadError::Requirement(m) => write!(f, "unmet requirement: {m}"),
            LoadError::Resources(m) => write!(f, "not enough resources: {m}"),
            LoadError::Relocation(m) => write!(f, "cannot relocate: {m}"),
            LoadError::FpSimd { symbol, handler, section, offset, symbol_offset, word } => write!(
                f,
                "{} `{symbol}` uses FP/SIMD register instruction {word:#010x} at {section}+{offset:#x} (`{symbol}`+{symbol_offset:#x}); \
                 this target's exceptions do not preserve FP/SIMD state (FrameContents::GeneralRegisters), \
                 so handler code may use general-purpose registers only",
                if *handler { "handler" } else { "function" }
            ),
            LoadError::UnknownSymbol { probe, symbol, close } => {
                write!(f, "{probe}: unknown symbol `{symbol}`")?;
                if !close.is_empty() {
                    f.write_str("; close matches: ")?;
                    for (i, c) in close.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "`{c}`")?;
                    }
                }
                Ok(())
            }
            LoadError::NoMatch { probe, glob } => write!(f, "{probe}: no symbol matches `{glob}`"),
            LoadError::BadOffset { probe, symbol, offset, size } => {
                if offset % 4 != 0 {
                    write!(f, "{probe}: offset {offset:#x} into `{symbol}` is not a multiple of 4 (instructions are 4 bytes)")
                } else {
                    write!(f, "{probe}: offset {offset:#x} is outside `{symbol}` ({size} bytes)")
                }
            }
            LoadError::Attach { probe, target, addr, reason } => {
                write!(f, "{probe}: cannot probe {target} ({addr:#x}): {reason}")
            }
        }
    }
}

/// Why [`super::unload`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnloadError {
    /// No script with this id is loaded.
    NotLoaded,
    /// Called from inside a probe handler.
    InHandler,
    /// Everything was detached and freed, but writing the final output
    /// failed.
    Output,
}

impl fmt::Display for UnloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnloadError::NotLoaded => "no such script is loaded",
            UnloadError::InHandler => "scripts cannot be loaded or unloaded from inside a probe handler",
            UnloadError::Output => "the script was unloaded, but writing its final output failed",
        })
    }
}

/// Build a [`LoadError::Elf`] from format arguments.
macro_rules! elf_err {
    ($($t:tt)*) => { $crate::script::error::LoadError::Elf(alloc::format!($($t)*)) };
}
/// Build a [`LoadError::Contract`] from format arguments.
macro_rules! contract_err {
    ($($t:tt)*) => { $crate::script::error::LoadError::Contract(alloc::format!($($t)*)) };
}
pub(crate) use {contract_err, elf_err};
