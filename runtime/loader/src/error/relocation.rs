//! A relocation that cannot be applied: which one (index, section, offset,
//! type) and why (the symbol, the instruction, the range).

use super::SectionRef;
use alloc::string::String;
use core::fmt;

/// One relocation, located: shown `relocation 0 in [2] .rela.text (offset
/// 0x0, type 257)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelaAt {
    /// Index in its relocation section.
    pub index: usize,
    /// The relocation section.
    pub section: SectionRef,
    /// `r_offset`.
    pub offset: u64,
    /// The relocation type.
    pub kind: u32,
}

impl fmt::Display for RelaAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "relocation {} in {} (offset {:#x}, type {})", self.index, self.section, self.offset, self.kind)
    }
}

/// The instruction an instruction-patching relocation type requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Patchable {
    /// `B` or `BL` (`R_AARCH64_CALL26`).
    Branch,
    /// `ADRP` (`R_AARCH64_ADR_PREL_PG_HI21`).
    Adrp,
    /// `ADD` (immediate) (`R_AARCH64_ADD_ABS_LO12_NC`).
    AddImmediate,
}

impl fmt::Display for Patchable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Patchable::Branch => "a B or BL instruction",
            Patchable::Adrp => "an ADRP instruction",
            Patchable::AddImmediate => "an ADD (immediate) instruction",
        })
    }
}

/// Why one relocation cannot be applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelocationProblem {
    /// It patches bytes beyond its target section (or one without bytes).
    OutsideTarget {
        /// The target section's name.
        target: String,
        /// Its size.
        size: u64,
    },
    /// Its offset in a code section is not a whole instruction.
    Misaligned,
    /// An instruction relocation outside a code section.
    NotInCode,
    /// The patched word is not the instruction its type patches.
    WrongInstruction {
        /// What the type requires.
        expected: Patchable,
        /// The word found.
        insn: u32,
    },
    /// The symbol index is not in the symbol table.
    BadSymbol {
        /// `ELF64_R_SYM`.
        index: u32,
        /// Entries in the symbol table.
        count: usize,
    },
    /// An undefined symbol that is not a runtime helper.
    NotAHelper {
        /// Its name.
        symbol: String,
    },
    /// A symbol in a section the loader does not place.
    SymbolNotLoaded {
        /// Its name.
        symbol: String,
        /// Its section's name.
        section: String,
    },
    /// The placed target is out of the instruction's reach.
    OutOfRange {
        /// The instruction patched.
        insn: Patchable,
        /// The target address.
        target: u64,
        /// The address of the patched word.
        place: u64,
    },
}

impl fmt::Display for RelocationProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RelocationProblem::OutsideTarget { target, size } => write!(f, "patches bytes outside {target} ({size} bytes)"),
            RelocationProblem::Misaligned => f.write_str("offset in code is not 4-byte aligned"),
            RelocationProblem::NotInCode => f.write_str("instruction relocation outside a code section"),
            RelocationProblem::WrongInstruction { expected, insn } => write!(f, "the patched word is not {expected} ({insn:#010x})"),
            RelocationProblem::BadSymbol { index, count } => write!(f, "symbol index {index} is not a symbol of the {count}-entry table"),
            RelocationProblem::NotAHelper { symbol } => {
                write!(f, "undefined symbol `{symbol}` is not a runtime helper (known: {})", probec_abi::HELPERS.join(", "))
            }
            RelocationProblem::SymbolNotLoaded { symbol, section } => {
                write!(f, "symbol `{symbol}` is in section {section}, which is not loaded")
            }
            RelocationProblem::OutOfRange { insn, target, place } => {
                match insn {
                    Patchable::Adrp => f.write_str("page out of ADRP range (+-4 GiB)")?,
                    _ => f.write_str("branch target out of range (+-128 MiB) or misaligned")?,
                }
                write!(f, " (target {target:#x}, place {place:#x})")
            }
        }
    }
}

/// A relocation that cannot be applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelocationError {
    /// One relocation is wrong.
    Entry {
        /// Which.
        rela: RelaAt,
        /// Why.
        problem: RelocationProblem,
    },
    /// Two relocations patch the same bytes.
    Overlap {
        /// The relocation section.
        section: SectionRef,
        /// The section both patch.
        target: String,
        /// The first's index and offset.
        first: (usize, u64),
        /// The second's index and offset.
        second: (usize, u64),
    },
}

impl fmt::Display for RelocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RelocationError::Entry { rela, problem } => write!(f, "{rela}: {problem}"),
            RelocationError::Overlap { section, target, first, second } => write!(
                f,
                "relocations {} and {} in {section} patch overlapping bytes of {target} (offsets {:#x} and {:#x})",
                first.0, second.0, first.1, second.1
            ),
        }
    }
}
