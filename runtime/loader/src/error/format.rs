//! A `printf` format that does not fit its arguments (`crate::printf`).

use crate::spec::FieldKind;
use alloc::string::String;
use core::fmt;

/// Why a format string was refused. `conv` is the conversion as written
/// (`%5d`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// A field width above the limit.
    Width {
        /// The conversion up to the offending digit.
        conv: String,
        /// The largest width accepted.
        max: u32,
    },
    /// A conversion the formatter does not implement.
    Unsupported {
        /// The conversion.
        conv: String,
    },
    /// More conversions than arguments.
    NoArgument {
        /// The conversion.
        conv: String,
        /// Number of argument fields.
        args: usize,
    },
    /// A string conversion for a non-string argument, or the reverse.
    Mismatch {
        /// The conversion.
        conv: String,
        /// Argument index.
        arg: usize,
        /// The argument's kind.
        kind: FieldKind,
    },
    /// Fewer conversions than arguments.
    Count {
        /// Number of conversions.
        conversions: usize,
        /// Number of argument fields.
        args: usize,
    },
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Width { conv, max } => write!(f, "width in `{conv}` is larger than {max}"),
            FormatError::Unsupported { conv } => {
                write!(f, "unsupported conversion `{conv}` (supported: %d %i %u %x %X %o %c %s %p %%)")
            }
            FormatError::NoArgument { conv, args } => {
                write!(f, "conversion `{conv}` has no argument (the format has {args} argument field(s))")
            }
            FormatError::Mismatch { conv, arg, kind } => write!(f, "conversion `{conv}` does not match argument {arg} ({kind:?})"),
            FormatError::Count { conversions, args } => write!(f, "{conversions} conversion(s) for {args} argument field(s)"),
        }
    }
}
