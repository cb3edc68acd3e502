//! Objects that are well-formed but outside what this loader supports, or
//! that need what this CPU or embedder does not provide.

use super::SectionRef;
use alloc::string::String;
use core::fmt;

/// Why a section cannot be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SectionProblem {
    /// `SHT_REL` (relocations without addends).
    Rel,
    /// Dynamic linking, group or init/fini arrays.
    DynamicOrGroup {
        /// `sh_type`.
        kind: u32,
    },
    /// `SHF_TLS` or `SHF_COMPRESSED`.
    TlsOrCompressed,
    /// `SHF_WRITE`.
    Writable,
    /// Allocated but neither `SHT_PROGBITS` nor `SHT_NOBITS`.
    NotProgbits {
        /// `sh_type`.
        kind: u32,
    },
    /// Aligned beyond a page.
    Alignment {
        /// `sh_addralign`.
        align: u64,
        /// The largest the loader honours.
        max: u64,
    },
}

impl fmt::Display for SectionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SectionProblem::Rel => f.write_str("SHT_REL relocations (without addends) are not part of the contract; objects use SHT_RELA"),
            SectionProblem::DynamicOrGroup { kind } => {
                write!(f, "dynamic-linking, group and init/fini sections are not supported (type {kind})")
            }
            SectionProblem::TlsOrCompressed => f.write_str("thread-local or compressed sections cannot be loaded"),
            SectionProblem::Writable => f.write_str("writable sections are not part of the contract (handlers keep state in maps)"),
            SectionProblem::NotProgbits { kind } => write!(f, "only SHT_PROGBITS and SHT_NOBITS sections can be loaded (type {kind})"),
            SectionProblem::Alignment { align, max } => write!(f, "alignment {align} is above {max} bytes"),
        }
    }
}

/// Well-formed, but outside what this loader supports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unsupported {
    /// Another version of the contract.
    AbiVersion {
        /// The object's version.
        found: u32,
        /// The version this runtime loads.
        supported: u32,
    },
    /// Feature bits this loader does not know.
    FeatureBits {
        /// The unknown bits.
        bits: u32,
    },
    /// A section kind or flag the loader does not load.
    Section {
        /// The section.
        section: SectionRef,
        /// What is wrong with it.
        problem: SectionProblem,
    },
    /// A relocation type the loader does not apply.
    RelocationType {
        /// Index of the relocation in its section.
        index: usize,
        /// The relocation section.
        section: SectionRef,
        /// The type.
        kind: u32,
    },
    /// A probe point inside the code of a loaded script.
    ProbeInScriptCode {
        /// The probe as written.
        probe: String,
        /// The resolved target (`symbol+0x8` or an address).
        target: String,
        /// The address.
        addr: usize,
    },
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsupported::AbiVersion { found, supported } => {
                write!(f, "ABI version {found} (this runtime loads version {supported}); recompile the script with a matching probec")
            }
            Unsupported::FeatureBits { bits } => write!(f, "header field `features` has unknown bits {bits:#x}"),
            Unsupported::Section { section, problem } => write!(f, "section {section}: {problem}"),
            Unsupported::RelocationType { index, section, kind } => write!(
                f,
                "relocation {index} in {section}: type {kind} is not supported (ABS64, CALL26, ADR_PREL_PG_HI21, ADD_ABS_LO12_NC are)"
            ),
            Unsupported::ProbeInScriptCode { probe, target, addr } => {
                write!(f, "{probe}: {target} ({addr:#x}) is inside the code of loaded scripts, which cannot be probed")
            }
        }
    }
}

/// What the object needs that this CPU or embedder does not provide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// The code uses LSE atomics; the CPU has no FEAT_LSE.
    Lse,
    /// A context value (`tid`, ...) the embedder does not supply.
    ContextValue {
        /// Its name.
        name: String,
    },
    /// No native handler is bound to a handler symbol.
    NativeHandler {
        /// The probe as written.
        probe: String,
        /// The handler symbol.
        handler: String,
    },
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Requirement::Lse => {
                f.write_str("the code uses LSE atomics (compiled with +lse) but this CPU has no FEAT_LSE; recompile without it")
            }
            Requirement::ContextValue { name } => write!(f, "the script uses `{name}`, which this embedder does not provide"),
            Requirement::NativeHandler { probe, handler } => write!(f, "{probe}: no native handler for `{handler}`"),
        }
    }
}
