//! Validated descriptors: what the loader keeps of an object's
//! `.probec.*` sections once every field has been checked. Maps, the
//! output formatter and the helpers work from these, never from raw bytes.

use alloc::string::String;
use alloc::vec::Vec;

/// Type of a key field, map value or printf argument: integers, booleans
/// and pointers take 8 bytes, strings `FieldSpec::size` bytes, NUL-padded
/// (the last byte may be the truncation marker).
pub use probec_abi::FieldKind;

/// A checked [`probec_abi::FieldDesc`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// What the bytes mean.
    pub kind: FieldKind,
    /// Bytes in keys and records: 8, or `max_strlen` for strings.
    pub size: u32,
}

impl FieldSpec {
    /// An 8-byte integer field.
    pub const fn int(signed: bool) -> Self {
        FieldSpec { kind: if signed { FieldKind::Signed } else { FieldKind::Unsigned }, size: 8 }
    }
}

/// Kind of a map: how its value slots are laid out and printed.
pub use probec_abi::MapKind;

/// Parameters of an `lhist` map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lhist {
    /// Lower bound of the first bucket.
    pub min: i64,
    /// Values at or above this land in the last bucket.
    pub max: i64,
    /// Width of a bucket (> 0).
    pub step: i64,
    /// Buckets between `min` and `max`: `ceil((max - min) / step)`.
    pub buckets: u32,
}

/// A checked [`probec_abi::MapDesc`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapSpec {
    /// `@name` as written (`@` for the anonymous map).
    pub name: String,
    /// Kind.
    pub kind: MapKind,
    /// Maximum number of keys.
    pub capacity: u32,
    /// Key fields in order (empty for a map without keys).
    pub keys: Vec<FieldSpec>,
    /// Bytes per key (sum of the key field sizes).
    pub key_size: u32,
    /// Bytes per value slot.
    pub value_size: u32,
    /// Type of the value (VALUE) or of the aggregated argument; `None` for
    /// `count()`.
    pub value: Option<FieldSpec>,
    /// `lhist` parameters.
    pub lhist: Option<Lhist>,
}

impl MapSpec {
    /// Whether the aggregated value prints as signed.
    pub fn signed(&self) -> bool {
        matches!(self.value, Some(FieldSpec { kind: FieldKind::Signed, .. }))
    }
}

/// A checked [`probec_abi::FormatDesc`], its format string parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatSpec {
    /// The format string as in the object.
    pub text: String,
    /// Literal text and conversions, each conversion bound to an argument.
    pub pieces: Vec<Piece>,
    /// Argument fields in order.
    pub args: Vec<FieldSpec>,
    /// Bytes of the argument record.
    pub record_size: u32,
}

/// How a probe names its target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetSpec {
    /// `BEGIN` / `END`.
    None,
    /// An exact symbol plus an offset in bytes.
    Symbol(String, u64),
    /// A glob plus an offset in bytes.
    Glob(String, u64),
    /// An absolute address.
    Address(u64),
}

/// Kind of a probe.
pub use probec_abi::ProbeKind;

/// A checked [`probec_abi::ProbeDesc`] with its handler located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeSpec {
    /// The probe as written (`kprobe:fib+8`).
    pub name: String,
    /// Kind.
    pub kind: ProbeKind,
    /// Target.
    pub target: TargetSpec,
    /// Name of the handler's ELF symbol.
    pub handler: String,
    /// Index of the handler's ELF symbol.
    pub handler_sym: usize,
    /// The handler reads the clock (`nsecs`, `elapsed`): no
    /// [`probec_abi::probe_flags::NO_CLOCK`].
    pub clock: bool,
}

/// Flags of a printf conversion ([`crate::printf`] parses and renders them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    /// `-`: left-justify.
    pub left: bool,
    /// `0`: pad numbers with zeros.
    pub zero: bool,
    /// `+`: always print a sign for signed conversions.
    pub plus: bool,
    /// ` `: a space where a `+` would go.
    pub space: bool,
    /// `#`: `0x` for `%x`, leading `0` for `%o`.
    pub alt: bool,
}

/// One conversion, bound to its argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv {
    /// Flags.
    pub flags: Flags,
    /// Minimum width.
    pub width: u32,
    /// Conversion character: one of `diuxXocsp`.
    pub conv: u8,
    /// Byte offset of the argument in the record.
    pub offset: u32,
    /// The argument's field.
    pub field: FieldSpec,
}

/// A part of a parsed format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Text copied as is (`%%` becomes `%`).
    Lit(String),
    /// A conversion.
    Conv(Conv),
}
