//! Errors of reading an object and resolving its probes. Every refusal is a value whose
//! `Display` text says what (which section, field, index, probe) and why.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// What is wrong with an object, or with its probes against a symbol table,
/// found without touching a target (the facade's `LoadError` adds the
/// refusals that come from the target: no runtime, no code area, a probe
/// point the engine cannot arm).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ObjectError {
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
    /// ([`probec_abi::frame::FrameContents::GeneralRegisters`]). See
    /// [`crate::code`] for which bytes count as code.
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
}

impl fmt::Display for ObjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectError::Elf(m) => write!(f, "malformed ELF object: {m}"),
            ObjectError::Contract(m) => write!(f, "invalid probec object: {m}"),
            ObjectError::Unsupported(m) => write!(f, "unsupported object: {m}"),
            ObjectError::Requirement(m) => write!(f, "unmet requirement: {m}"),
            ObjectError::Resources(m) => write!(f, "not enough resources: {m}"),
            ObjectError::Relocation(m) => write!(f, "cannot relocate: {m}"),
            ObjectError::FpSimd { symbol, handler, section, offset, symbol_offset, word } => write!(
                f,
                "{} `{symbol}` uses FP/SIMD register instruction {word:#010x} at {section}+{offset:#x} (`{symbol}`+{symbol_offset:#x}); \
                 this target's exceptions do not preserve FP/SIMD state (FrameContents::GeneralRegisters), \
                 so handler code may use general-purpose registers only",
                if *handler { "handler" } else { "function" }
            ),
            ObjectError::UnknownSymbol { probe, symbol, close } => {
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
            ObjectError::NoMatch { probe, glob } => write!(f, "{probe}: no symbol matches `{glob}`"),
            ObjectError::BadOffset { probe, symbol, offset, size } => {
                if offset % 4 != 0 {
                    write!(f, "{probe}: offset {offset:#x} into `{symbol}` is not a multiple of 4 (instructions are 4 bytes)")
                } else {
                    write!(f, "{probe}: offset {offset:#x} is outside `{symbol}` ({size} bytes)")
                }
            }
        }
    }
}

/// Build a [`ObjectError::Elf`] from format arguments.
macro_rules! elf_err {
    ($($t:tt)*) => { $crate::error::ObjectError::Elf(alloc::format!($($t)*)) };
}
/// Build a [`ObjectError::Contract`] from format arguments.
macro_rules! contract_err {
    ($($t:tt)*) => { $crate::error::ObjectError::Contract(alloc::format!($($t)*)) };
}
pub(crate) use {contract_err, elf_err};
