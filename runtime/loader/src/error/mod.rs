//! Errors of reading an object and resolving its probes. Every refusal is
//! a value that says what was wrong and carries the values involved
//! (section, index, offset, field, symbol); its `Display` text says what
//! and why. One file per kind of refusal.

mod contract;
mod elf;
mod format;
mod relocation;
mod resources;
mod unsupported;

pub use contract::{ContractError, Desc};
pub use elf::{ElfError, FilePart};
pub use format::FormatError;
pub use relocation::{Patchable, RelaAt, RelocationError, RelocationProblem};
pub use resources::Resources;
pub use unsupported::{Requirement, SectionProblem, Unsupported};

use crate::section::Section;
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
    /// overlapping parts, bad sizes or alignments.
    Elf(ElfError),
    /// A probec descriptor (header, probe, map, format, field, requirement)
    /// is inconsistent.
    Contract(ContractError),
    /// Well-formed but outside what this loader supports (a relocation
    /// type, a section kind, an unknown feature bit, another ABI version).
    Unsupported(Unsupported),
    /// The object needs something this CPU or embedder does not provide
    /// (an instruction set feature, a context value such as `tid`).
    Requirement(Requirement),
    /// The object asks for more than the embedder allows (map memory,
    /// handler stack, ring size, number of probes) or memory ran out.
    Resources(Resources),
    /// A relocation cannot be applied (target out of range, unexpected
    /// instruction, undefined symbol that is not a runtime helper).
    Relocation(RelocationError),
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

impl From<ElfError> for ObjectError {
    fn from(e: ElfError) -> Self {
        ObjectError::Elf(e)
    }
}

impl From<ContractError> for ObjectError {
    fn from(e: ContractError) -> Self {
        ObjectError::Contract(e)
    }
}

impl From<Unsupported> for ObjectError {
    fn from(e: Unsupported) -> Self {
        ObjectError::Unsupported(e)
    }
}

impl From<Requirement> for ObjectError {
    fn from(e: Requirement) -> Self {
        ObjectError::Requirement(e)
    }
}

impl From<Resources> for ObjectError {
    fn from(e: Resources) -> Self {
        ObjectError::Resources(e)
    }
}

impl From<RelocationError> for ObjectError {
    fn from(e: RelocationError) -> Self {
        ObjectError::Relocation(e)
    }
}

impl fmt::Display for ObjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectError::Elf(e) => write!(f, "malformed ELF object: {e}"),
            ObjectError::Contract(e) => write!(f, "invalid probec object: {e}"),
            ObjectError::Unsupported(e) => write!(f, "unsupported object: {e}"),
            ObjectError::Requirement(e) => write!(f, "unmet requirement: {e}"),
            ObjectError::Resources(e) => write!(f, "not enough resources: {e}"),
            ObjectError::Relocation(e) => write!(f, "cannot relocate: {e}"),
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

/// A section named in an error: its index and name, shown `[2] .rela.text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionRef {
    /// Index in the section header table.
    pub index: usize,
    /// Name from the section name table (empty before names are read).
    pub name: String,
}

impl SectionRef {
    /// The error's view of `s`.
    pub fn of(s: &Section<'_>) -> Self {
        SectionRef { index: s.index, name: s.name.into() }
    }
}

impl fmt::Display for SectionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.index, self.name)
    }
}
