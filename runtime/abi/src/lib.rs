//! The object contract between the compiler and the runtime (probes.o).
//!
//! `probec` writes, and the runtime's loader reads, an ELF64 relocatable
//! object for EM_AARCH64 (little-endian, RELA). This module is the single
//! definition of everything in that object that is ours rather than ELF's:
//! section names, descriptor layouts, helper symbols, the context a handler
//! receives and the layout of map values and output records. The prose
//! version for people writing their own tools is `docs/object-format.md`.
//!
//! # Shape of an object
//!
//! | section              | contents                                          |
//! |----------------------|---------------------------------------------------|
//! | `.text`              | one handler function per probe block (AAPCS64)    |
//! | [`SECTION_HEADER`]   | one [`ObjectHeader`]                              |
//! | [`SECTION_PROBES`]   | [`ProbeDesc`] × `ObjectHeader::probe_count`       |
//! | [`SECTION_MAPS`]     | [`MapDesc`] × `ObjectHeader::map_count`           |
//! | [`SECTION_FORMATS`]  | [`FormatDesc`] × `ObjectHeader::format_count`     |
//! | [`SECTION_FIELDS`]   | [`FieldDesc`] × `ObjectHeader::field_count`       |
//! | [`SECTION_REQUIRES`] | [`RequireDesc`] × `ObjectHeader::require_count`   |
//! | [`SECTION_STRTAB`]   | NUL-terminated strings referenced by offset       |
//!
//! Descriptors contain no relocations: they refer to strings by byte offset
//! into [`SECTION_STRTAB`] and to handlers by symbol name, so a tool can read
//! them with nothing but an ELF section reader. All multi-byte fields are
//! little-endian. Every descriptor struct is `repr(C)` with a fixed size that
//! is asserted below.
//!
//! # Code
//!
//! Handlers are `extern "C" fn(ctx: *const HandlerCtx)` (AAPCS64), global
//! `STT_FUNC` symbols in `.text` named after their first probe (for example
//! `kprobe:refkernel::workload::fib`). They call runtime helpers (the
//! `HELPER_*` symbols below), which are undefined symbols reached through
//! `R_AARCH64_ABS64` literal-pool relocations. Handlers never touch target
//! memory directly: every read goes through [`HELPER_READ`] or
//! [`HELPER_READ_STR`], which must be fault-safe.
#![allow(clippy::doc_markdown)]
#![no_std]
#![warn(missing_docs)]

pub mod frame;

use crate::frame::Frame;

/// Magic bytes at the start of [`ObjectHeader`]: `"PROBEC\0\x01"`.
pub const MAGIC: [u8; 8] = *b"PROBEC\0\x01";

/// Version of this contract. The loader refuses any other version; it is
/// bumped on every incompatible change to a layout or helper in this module.
pub const ABI_VERSION: u32 = 1;

/// Section holding the [`ObjectHeader`].
pub const SECTION_HEADER: &str = ".probec.header";
/// Section holding the [`ProbeDesc`] array.
pub const SECTION_PROBES: &str = ".probec.probes";
/// Section holding the [`MapDesc`] array.
pub const SECTION_MAPS: &str = ".probec.maps";
/// Section holding the [`FormatDesc`] array (printf formats).
pub const SECTION_FORMATS: &str = ".probec.formats";
/// Section holding the [`FieldDesc`] array (types of keys, values and args).
pub const SECTION_FIELDS: &str = ".probec.fields";
/// Section holding the [`RequireDesc`] array (embedder context values).
pub const SECTION_REQUIRES: &str = ".probec.requires";
/// Section holding NUL-terminated strings; offset 0 is the empty string.
pub const SECTION_STRTAB: &str = ".probec.strtab";
/// Optional section: the GNU build-id (the descriptor bytes of the
/// kernel's `NT_GNU_BUILD_ID` note) of the kernel the object was compiled
/// against. A live-attach agent refuses an object whose build-id is not
/// its kernel's; an object without the section is not checked.
pub const SECTION_BUILD_ID: &str = ".probec.build_id";

/// [`ObjectHeader::features`] bit: code uses LSE atomics (FEAT_LSE).
pub const FEATURE_LSE: u32 = 1 << 0;
/// [`ObjectHeader::features`] bit: functions start with BTI landing pads.
pub const FEATURE_BTI: u32 = 1 << 1;
/// [`ObjectHeader::features`] bit: functions sign their return address (PAC).
pub const FEATURE_PAC: u32 = 1 << 2;

/// The versioned header: the first thing the loader checks.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectHeader {
    /// Must equal [`MAGIC`].
    pub magic: [u8; 8],
    /// Must equal [`ABI_VERSION`].
    pub abi_version: u32,
    /// `size_of::<ObjectHeader>()`, for sanity checking.
    pub header_size: u32,
    /// Number of [`ProbeDesc`] entries.
    pub probe_count: u32,
    /// Number of [`MapDesc`] entries.
    pub map_count: u32,
    /// Number of [`FormatDesc`] entries.
    pub format_count: u32,
    /// Number of [`FieldDesc`] entries.
    pub field_count: u32,
    /// Number of [`RequireDesc`] entries.
    pub require_count: u32,
    /// `FEATURE_*` bits: CPU features the code needs.
    pub features: u32,
    /// Capacity in bytes of every string value (including its NUL).
    pub max_strlen: u32,
    /// Largest stack use of any handler, in bytes (excluding the frame
    /// record and callee-saved registers, which add at most 176 bytes).
    pub max_stack: u32,
    /// Strtab offset of the script's file name (informational).
    pub source_name: u32,
    /// Strtab offset of the compiler version string (informational).
    pub compiler: u32,
}

/// Why [`ObjectHeader::validate`] refused a header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// `magic` is not [`MAGIC`].
    BadMagic,
    /// `abi_version` is not [`ABI_VERSION`].
    AbiVersion {
        /// The header's version.
        found: u32,
    },
    /// `header_size` is not the size of [`ObjectHeader`].
    Size {
        /// The header's `header_size`.
        found: u32,
    },
}

impl core::fmt::Display for HeaderError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            HeaderError::BadMagic => write!(f, "not a probec object (bad magic in {SECTION_HEADER})"),
            HeaderError::AbiVersion { found } => {
                write!(f, "probec object from an incompatible compiler version (ABI version mismatch: {found}, expected {ABI_VERSION})")
            }
            HeaderError::Size { found } => write!(
                f,
                "corrupt {SECTION_HEADER} (wrong size: `header_size` is {found}, expected {})",
                core::mem::size_of::<ObjectHeader>()
            ),
        }
    }
}

impl ObjectHeader {
    /// Check magic, version and size: the first thing a loader does, so an
    /// object from a different compiler version is refused, never misread.
    pub fn validate(&self) -> Result<(), HeaderError> {
        if self.magic != MAGIC {
            return Err(HeaderError::BadMagic);
        }
        if self.abi_version != ABI_VERSION {
            return Err(HeaderError::AbiVersion { found: self.abi_version });
        }
        if self.header_size as usize != core::mem::size_of::<ObjectHeader>() {
            return Err(HeaderError::Size { found: self.header_size });
        }
        Ok(())
    }
}

/// `R_AARCH64_ABS64`: the relocation compiled code uses for helper addresses.
pub const R_AARCH64_ABS64: u32 = 257;
/// `R_AARCH64_ADR_PREL_PG_HI21`: accepted by the loader (not emitted today).
pub const R_AARCH64_ADR_PREL_PG_HI21: u32 = 275;
/// `R_AARCH64_ADD_ABS_LO12_NC`: accepted by the loader (not emitted today).
pub const R_AARCH64_ADD_ABS_LO12_NC: u32 = 277;
/// `R_AARCH64_CALL26`: accepted by the loader (not emitted today).
pub const R_AARCH64_CALL26: u32 = 283;
/// Every relocation type a loader must support; any other is an error.
pub const RELOCATIONS: [u32; 4] = [R_AARCH64_ABS64, R_AARCH64_ADR_PREL_PG_HI21, R_AARCH64_ADD_ABS_LO12_NC, R_AARCH64_CALL26];

/// Kind of a probe ([`ProbeDesc::kind`]).
pub mod probe_kind {
    /// Function entry or an instruction inside it (`kprobe:`).
    pub const KPROBE: u8 = 0;
    /// Function return (`kretprobe:`): handler runs when the function returns.
    pub const KRETPROBE: u8 = 1;
    /// Runs once when the object is attached (`BEGIN`).
    pub const BEGIN: u8 = 2;
    /// Runs once when tracing stops (`END`), before maps are printed.
    pub const END: u8 = 3;
}

/// A probe's kind, typed: [`ProbeKind::raw`] is what the compiler writes
/// into [`ProbeDesc::kind`] and [`ProbeKind::from_raw`] what the loader
/// reads back, one definition for both sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    /// `kprobe:` ([`probe_kind::KPROBE`]).
    Kprobe,
    /// `kretprobe:` ([`probe_kind::KRETPROBE`]).
    Kretprobe,
    /// `BEGIN` ([`probe_kind::BEGIN`]).
    Begin,
    /// `END` ([`probe_kind::END`]).
    End,
}

impl ProbeKind {
    /// The value stored in [`ProbeDesc::kind`].
    pub const fn raw(self) -> u8 {
        match self {
            ProbeKind::Kprobe => probe_kind::KPROBE,
            ProbeKind::Kretprobe => probe_kind::KRETPROBE,
            ProbeKind::Begin => probe_kind::BEGIN,
            ProbeKind::End => probe_kind::END,
        }
    }

    /// The kind a [`ProbeDesc::kind`] value names, if any.
    pub const fn from_raw(raw: u8) -> Option<Self> {
        Some(match raw {
            probe_kind::KPROBE => ProbeKind::Kprobe,
            probe_kind::KRETPROBE => ProbeKind::Kretprobe,
            probe_kind::BEGIN => ProbeKind::Begin,
            probe_kind::END => ProbeKind::End,
            _ => return None,
        })
    }
}

/// How [`ProbeDesc::target`] names the probe point ([`ProbeDesc::target_kind`]).
pub mod target_kind {
    /// No target (`BEGIN`/`END`).
    pub const NONE: u8 = 0;
    /// An exact symbol: a C name or a Rust path without hash, resolved by the
    /// embedder's symbol lookup (demangled, hash stripped).
    pub const SYMBOL: u8 = 1;
    /// A glob (`*`, `?`) matched against every symbol; one probe per match.
    pub const GLOB: u8 = 2;
    /// An absolute address in [`super::ProbeDesc::offset`].
    pub const ADDRESS: u8 = 3;
}

/// How a probe names its point, typed: [`TargetKind::raw`] is what the
/// compiler writes into [`ProbeDesc::target_kind`] and
/// [`TargetKind::from_raw`] what the loader reads back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// `BEGIN`/`END` ([`target_kind::NONE`]).
    None,
    /// An exact symbol ([`target_kind::SYMBOL`]).
    Symbol,
    /// A glob ([`target_kind::GLOB`]).
    Glob,
    /// An absolute address ([`target_kind::ADDRESS`]).
    Address,
}

impl TargetKind {
    /// The value stored in [`ProbeDesc::target_kind`].
    pub const fn raw(self) -> u8 {
        match self {
            TargetKind::None => target_kind::NONE,
            TargetKind::Symbol => target_kind::SYMBOL,
            TargetKind::Glob => target_kind::GLOB,
            TargetKind::Address => target_kind::ADDRESS,
        }
    }

    /// The kind a [`ProbeDesc::target_kind`] value names, if any.
    pub const fn from_raw(raw: u8) -> Option<Self> {
        Some(match raw {
            target_kind::NONE => TargetKind::None,
            target_kind::SYMBOL => TargetKind::Symbol,
            target_kind::GLOB => TargetKind::Glob,
            target_kind::ADDRESS => TargetKind::Address,
            _ => return None,
        })
    }
}

/// One probe point. A probe block with several probes (`kprobe:a, kprobe:b`)
/// yields several descriptors sharing one handler.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbeDesc {
    /// A [`probe_kind`] value ([`ProbeKind`]).
    pub kind: u8,
    /// A [`target_kind`] value ([`TargetKind`]).
    pub target_kind: u8,
    /// [`probe_flags`] bits; unknown bits are refused.
    pub flags: u16,
    /// Strtab offset of the probe as written (`kprobe:fib+8`), for `probe`.
    pub name: u32,
    /// Strtab offset of the symbol or glob (empty for addresses and BEGIN/END).
    pub target: u32,
    /// Strtab offset of the handler's symbol name in the ELF symbol table.
    pub handler: u32,
    /// Byte offset from the symbol (`+OFFSET`), or the absolute address for
    /// [`target_kind::ADDRESS`].
    pub offset: u64,
    /// Index of the probe block (handlers are numbered in source order).
    pub block: u32,
    /// Reserved, zero.
    pub reserved: u32,
}

/// Bits of [`ProbeDesc::flags`].
pub mod probe_flags {
    /// The handler reads neither [`super::HandlerCtx::now_ns`] nor
    /// [`super::HandlerCtx::start_ns`] (no `nsecs`, no `elapsed`): the
    /// runtime may skip reading the clock for its hits and leave both 0.
    pub const NO_CLOCK: u16 = 1 << 0;
    /// Every bit this ABI version defines.
    pub const ALL: u16 = NO_CLOCK;
}

/// Kind of a map ([`MapDesc::kind`]) and so the layout of its values.
///
/// All value slots are 8-byte aligned and zero when created. Integers in
/// slots are 64-bit little-endian. Compiled code updates aggregation slots
/// with atomic read-modify-write instructions (LL/SC on ARMv8.0, LSE when
/// enabled), so concurrent CPUs never lose counts and the runtime needs no
/// per-CPU merge.
pub mod map_kind {
    /// Plain value (`@m = expr`): one field described by
    /// [`super::MapDesc::value_field`]; integers take 8 bytes, strings
    /// `max_strlen` bytes.
    pub const VALUE: u16 = 0;
    /// `count()`: `u64` number of events.
    pub const COUNT: u16 = 1;
    /// `sum(x)`: `u64` wrapping sum (print as signed if the field is signed).
    pub const SUM: u16 = 2;
    /// `min(x)`: `u64` holding `!(x ^ 1<<63)` maximised with unsigned max, so
    /// a zeroed slot means "no value" (`i64::MAX`). Decode: `!slot ^ 1<<63`.
    pub const MIN: u16 = 3;
    /// `max(x)`: `u64` holding `x ^ 1<<63` maximised with unsigned max, so a
    /// zeroed slot means `i64::MIN`. Decode: `slot ^ 1<<63`.
    pub const MAX: u16 = 4;
    /// `avg(x)`: `[count: u64, sum: u64]`; print `sum / count` (signed).
    pub const AVG: u16 = 5;
    /// `stats(x)`: `[count: u64, sum: u64]`; print count, average, total.
    pub const STATS: u16 = 6;
    /// `hist(x)`: `[u64; 66]` power-of-two buckets: index 0 counts negative
    /// values, 1 counts zero, `2 + k` counts values in `[2^k, 2^(k+1))`.
    pub const HIST: u16 = 7;
    /// `lhist(x, min, max, step)`: `[u64; n + 2]` with
    /// `n = ceil((max - min) / step)`: index 0 counts `x < min`, `1 + i`
    /// counts `min + i*step <= x < min + (i+1)*step`, `n + 1` counts
    /// `x >= max`. Parameters are in [`super::MapDesc::params`].
    pub const LHIST: u16 = 8;
}

/// A map's kind, typed. The compiler writes [`MapKind::raw`] into
/// [`MapDesc::kind`]; the loader reads it back with [`MapKind::from_raw`],
/// so both sides share one definition of the mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapKind {
    /// `@m = expr` ([`map_kind::VALUE`]).
    Value,
    /// `count()` ([`map_kind::COUNT`]).
    Count,
    /// `sum(x)` ([`map_kind::SUM`]).
    Sum,
    /// `min(x)` ([`map_kind::MIN`]).
    Min,
    /// `max(x)` ([`map_kind::MAX`]).
    Max,
    /// `avg(x)` ([`map_kind::AVG`]).
    Avg,
    /// `stats(x)` ([`map_kind::STATS`]).
    Stats,
    /// `hist(x)` ([`map_kind::HIST`]).
    Hist,
    /// `lhist(x, min, max, step)` ([`map_kind::LHIST`]).
    Lhist,
}

impl MapKind {
    /// The value stored in [`MapDesc::kind`].
    pub const fn raw(self) -> u16 {
        match self {
            MapKind::Value => map_kind::VALUE,
            MapKind::Count => map_kind::COUNT,
            MapKind::Sum => map_kind::SUM,
            MapKind::Min => map_kind::MIN,
            MapKind::Max => map_kind::MAX,
            MapKind::Avg => map_kind::AVG,
            MapKind::Stats => map_kind::STATS,
            MapKind::Hist => map_kind::HIST,
            MapKind::Lhist => map_kind::LHIST,
        }
    }

    /// The kind a [`MapDesc::kind`] value names, if any.
    pub const fn from_raw(raw: u16) -> Option<Self> {
        Some(match raw {
            map_kind::VALUE => MapKind::Value,
            map_kind::COUNT => MapKind::Count,
            map_kind::SUM => MapKind::Sum,
            map_kind::MIN => MapKind::Min,
            map_kind::MAX => MapKind::Max,
            map_kind::AVG => MapKind::Avg,
            map_kind::STATS => MapKind::Stats,
            map_kind::HIST => MapKind::Hist,
            map_kind::LHIST => MapKind::Lhist,
            _ => return None,
        })
    }

    /// The name as a script writes it (for messages).
    pub const fn name(self) -> &'static str {
        match self {
            MapKind::Value => "value",
            MapKind::Count => "count()",
            MapKind::Sum => "sum()",
            MapKind::Min => "min()",
            MapKind::Max => "max()",
            MapKind::Avg => "avg()",
            MapKind::Stats => "stats()",
            MapKind::Hist => "hist()",
            MapKind::Lhist => "lhist()",
        }
    }
}

/// Number of `u64` buckets of a [`map_kind::HIST`] value.
pub const HIST_BUCKETS: usize = 66;

/// One global map (`@name`). The runtime preallocates `capacity` entries of
/// `key_size + value_size` bytes; a full map drops new keys (counted).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapDesc {
    /// Strtab offset of the name including `@` (`@bytes`).
    pub name: u32,
    /// A [`map_kind`] value ([`MapKind`]).
    pub kind: u16,
    /// Reserved, zero.
    pub flags: u16,
    /// Maximum number of keys (1 for a map without keys).
    pub capacity: u32,
    /// Size in bytes of a key: the key fields packed in order, each at its
    /// [`FieldDesc::size`] (integers 8, strings `max_strlen` rounded up to 8).
    /// Zero for a map without keys.
    pub key_size: u32,
    /// Size in bytes of a value slot (see [`map_kind`]).
    pub value_size: u32,
    /// Index of the first key field in [`SECTION_FIELDS`].
    pub key_fields: u32,
    /// Number of key fields.
    pub key_count: u32,
    /// Field index describing the value type (for `VALUE`, `SUM`, `MIN`,
    /// `MAX`, `AVG`, `STATS`, `HIST` and `LHIST`: the type of the argument),
    /// or `u32::MAX` for `COUNT`.
    pub value_field: u32,
    /// `lhist` parameters `[min, max, step]`; zero for other kinds.
    pub params: [i64; 3],
}

/// Kind of a field ([`FieldDesc::kind`]).
pub mod field_kind {
    /// Unsigned integer, stored as 8 bytes (zero-extended).
    pub const UNSIGNED: u16 = 0;
    /// Signed integer, stored as 8 bytes (sign-extended).
    pub const SIGNED: u16 = 1;
    /// Boolean, stored as 8 bytes (0 or 1).
    pub const BOOL: u16 = 2;
    /// String: `size` bytes, NUL-terminated and NUL-padded. If the source
    /// did not fit, byte `size - 1` is [`super::STR_TRUNCATED`] instead of 0
    /// and the text should be printed with a trailing marker (the runtime
    /// prints `..`, bpftrace's default `str_trunc_trailer`).
    pub const STRING: u16 = 3;
    /// Pointer (8 bytes), printed in hex.
    pub const POINTER: u16 = 4;
}

/// A field's kind, typed: [`FieldKind::raw`] is what the compiler writes
/// into [`FieldDesc::kind`] (and [`RequireDesc::kind`]) and
/// [`FieldKind::from_raw`] what the loader reads back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// Unsigned integer ([`field_kind::UNSIGNED`]).
    Unsigned,
    /// Signed integer ([`field_kind::SIGNED`]).
    Signed,
    /// Boolean ([`field_kind::BOOL`]).
    Bool,
    /// NUL-padded string, possibly truncated ([`field_kind::STRING`]).
    Str,
    /// Pointer, printed in hex ([`field_kind::POINTER`]).
    Ptr,
}

impl FieldKind {
    /// The value stored in [`FieldDesc::kind`].
    pub const fn raw(self) -> u16 {
        match self {
            FieldKind::Unsigned => field_kind::UNSIGNED,
            FieldKind::Signed => field_kind::SIGNED,
            FieldKind::Bool => field_kind::BOOL,
            FieldKind::Str => field_kind::STRING,
            FieldKind::Ptr => field_kind::POINTER,
        }
    }

    /// The kind a [`FieldDesc::kind`] value names, if any.
    pub const fn from_raw(raw: u16) -> Option<Self> {
        Some(match raw {
            field_kind::UNSIGNED => FieldKind::Unsigned,
            field_kind::SIGNED => FieldKind::Signed,
            field_kind::BOOL => FieldKind::Bool,
            field_kind::STRING => FieldKind::Str,
            field_kind::POINTER => FieldKind::Ptr,
            _ => return None,
        })
    }
}

/// Marker in the last byte of a string buffer whose text was truncated.
pub const STR_TRUNCATED: u8 = 1;

/// The type of a map key, map value or printf argument.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDesc {
    /// A [`field_kind`] value ([`FieldKind`]).
    pub kind: u16,
    /// Width in bits of the declared integer type (8..64), 0 otherwise;
    /// informational (stored integers are always 8 bytes).
    pub bits: u16,
    /// Size of the field in bytes in keys and records (a multiple of 8).
    pub size: u32,
}

/// One `printf` format. The handler builds the arguments as a packed record
/// (each argument at its [`FieldDesc::size`], in order) and calls
/// [`HELPER_PRINTF`]; the runtime formats it when the ring is drained.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatDesc {
    /// Strtab offset of the format string with escapes already resolved.
    /// Conversions: `%d %i %u %x %X %o %c %s %p %%` with optional flags
    /// `-0+ #`, width, and length modifiers `l ll h hh z` (ignored).
    pub format: u32,
    /// Index of the first argument field in [`SECTION_FIELDS`].
    pub arg_fields: u32,
    /// Number of arguments.
    pub arg_count: u32,
    /// Size of the argument record in bytes.
    pub record_size: u32,
}

/// A context value the embedder must supply (`tid`, `pid`, ...). Handlers
/// ask for it with [`HELPER_CTX_VALUE`] passing the descriptor's index; the
/// loader refuses an object whose requirements the embedder cannot meet.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequireDesc {
    /// Strtab offset of the value's name (`tid`).
    pub name: u32,
    /// A [`field_kind`] value (currently always `UNSIGNED`).
    pub kind: u32,
}

/// What a compiled handler receives (pointer in `x0`). Filled in by the
/// runtime for each hit; handlers only read it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct HandlerCtx {
    /// The saved registers of the probed context (see [`Frame`] and its
    /// `OFFSET_*` constants): at entry for kprobes, at the return for
    /// kretprobes. Null for `BEGIN`/`END`.
    pub frame: *const Frame,
    /// Index of the [`ProbeDesc`] that fired.
    pub probe_id: u32,
    /// CPU the handler runs on.
    pub cpu: u32,
    /// Time of the hit in nanoseconds (`nsecs`).
    pub now_ns: u64,
    /// Time the object was attached in nanoseconds (`elapsed = now - start`).
    pub start_ns: u64,
    /// Return value (x0 at the return) for kretprobes, 0 otherwise.
    pub retval: u64,
    /// Address of the probed function's entry (0 for absolute addresses and
    /// BEGIN/END).
    pub func_addr: u64,
    /// Opaque pointer for the runtime's helpers (maps, ring, counters).
    /// Handlers pass the whole context to helpers and never read this.
    pub runtime: *mut core::ffi::c_void,
}

/// Offset of [`HandlerCtx::frame`].
pub const CTX_FRAME: usize = 0;
/// Offset of [`HandlerCtx::probe_id`].
pub const CTX_PROBE_ID: usize = 8;
/// Offset of [`HandlerCtx::cpu`].
pub const CTX_CPU: usize = 12;
/// Offset of [`HandlerCtx::now_ns`].
pub const CTX_NOW_NS: usize = 16;
/// Offset of [`HandlerCtx::start_ns`].
pub const CTX_START_NS: usize = 24;
/// Offset of [`HandlerCtx::retval`].
pub const CTX_RETVAL: usize = 32;
/// Offset of [`HandlerCtx::func_addr`].
pub const CTX_FUNC_ADDR: usize = 40;
/// Offset of [`HandlerCtx::runtime`].
pub const CTX_RUNTIME: usize = 48;
/// Size of [`HandlerCtx`] (on 64-bit targets).
pub const CTX_SIZE: usize = 56;

/// The type of a compiled handler.
pub type Handler = unsafe extern "C" fn(ctx: *const HandlerCtx);

/// `fn(ctx, map: u32, key: *const u8) -> *mut u8`: the value slot for `key`
/// (`key_size` bytes; null for maps without keys), created zeroed if absent.
/// Returns null if the map is full (the runtime counts the drop).
pub const HELPER_MAP_LOOKUP: &str = "probec_map_lookup";
/// `fn(ctx, map: u32, key: *const u8) -> *const u8`: the value slot for
/// `key`, or null if absent. Never creates an entry.
pub const HELPER_MAP_FIND: &str = "probec_map_find";
/// `fn(ctx, map: u32, key: *const u8)`: remove `key` (`delete(@m[k])`).
pub const HELPER_MAP_DELETE: &str = "probec_map_delete";
/// `fn(ctx, map: u32)`: print the map now (`print(@m)`), as bpftrace does.
pub const HELPER_MAP_PRINT: &str = "probec_map_print";
/// `fn(ctx, map: u32)`: remove every key (`clear(@m)`).
pub const HELPER_MAP_CLEAR: &str = "probec_map_clear";
/// `fn(ctx, map: u32)`: set every value to zero, keeping keys (`zero(@m)`).
pub const HELPER_MAP_ZERO: &str = "probec_map_zero";
/// `fn(ctx, format: u32, args: *const u8, len: u32)`: emit a printf record
/// (format index, then `len` argument bytes) to the output ring.
pub const HELPER_PRINTF: &str = "probec_printf";
/// `fn(ctx, dst: *mut u8, src: u64, len: u64) -> u64`: fault-safe read of
/// `len` (1, 2, 4 or 8) bytes of target memory. Returns 0 on success; on a
/// fault fills `dst` with zeros, counts the failure and returns non-zero.
pub const HELPER_READ: &str = "probec_read";
/// `fn(ctx, dst: *mut u8, cap: u64, src: u64, limit: u64) -> u64`:
/// fault-safe read of a NUL-terminated string of at most `min(limit,
/// cap - 1)` bytes into `dst`, NUL-padded to `cap`; sets byte `cap - 1` to
/// [`STR_TRUNCATED`] when the string was longer. Returns 0 on success,
/// non-zero (and an empty string) on a fault.
pub const HELPER_READ_STR: &str = "probec_read_str";
/// `fn(ctx, which: u32, dst: *mut u8, cap: u64)`: copy a context string into
/// `dst` (NUL-padded): `which` = [`CTX_STR_FUNC`], [`CTX_STR_PROBE`] or
/// [`CTX_STR_COMM`].
pub const HELPER_CTX_STR: &str = "probec_ctx_str";
/// `fn(ctx, require: u32) -> u64`: the value of [`RequireDesc`] number
/// `require` (for example `tid`), supplied by the embedder.
pub const HELPER_CTX_VALUE: &str = "probec_ctx_value";
/// `fn(ctx)`: stop tracing after this handler returns (`exit()`).
pub const HELPER_EXIT: &str = "probec_exit";

/// Every helper symbol an object may import; the loader rejects others.
pub const HELPERS: [&str; 12] = [
    HELPER_MAP_LOOKUP,
    HELPER_MAP_FIND,
    HELPER_MAP_DELETE,
    HELPER_MAP_PRINT,
    HELPER_MAP_CLEAR,
    HELPER_MAP_ZERO,
    HELPER_PRINTF,
    HELPER_READ,
    HELPER_READ_STR,
    HELPER_CTX_STR,
    HELPER_CTX_VALUE,
    HELPER_EXIT,
];

/// [`HELPER_CTX_STR`] selector: the probed function's symbol (`func`).
pub const CTX_STR_FUNC: u32 = 0;
/// [`HELPER_CTX_STR`] selector: the probe's name as written (`probe`).
pub const CTX_STR_PROBE: u32 = 1;
/// [`HELPER_CTX_STR`] selector: the name of the thread running on this CPU
/// (`comm`). An object that uses it lists the requirement `comm`, which a
/// runtime satisfies only where the embedder has thread names.
pub const CTX_STR_COMM: u32 = 2;

/// Kind of an output record ([`RecordHeader::kind`]).
pub mod record_kind {
    /// A printf record: `id` is the format index, payload the arguments.
    pub const PRINTF: u16 = 0;
    /// A `print(@m)` request: `id` is the map index, no payload (the map is
    /// read when the ring is drained).
    pub const PRINT_MAP: u16 = 1;
    /// `exit()` was called: no payload.
    pub const EXIT: u16 = 2;
}

/// An output record's kind, typed: the runtime's helpers write
/// [`RecordKind::raw`] into [`RecordHeader::kind`] and its formatter reads
/// it back with [`RecordKind::from_raw`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// A printf record ([`record_kind::PRINTF`]).
    Printf,
    /// A `print(@m)` request ([`record_kind::PRINT_MAP`]).
    PrintMap,
    /// `exit()` was called ([`record_kind::EXIT`]).
    Exit,
}

impl RecordKind {
    /// The value stored in [`RecordHeader::kind`].
    pub const fn raw(self) -> u16 {
        match self {
            RecordKind::Printf => record_kind::PRINTF,
            RecordKind::PrintMap => record_kind::PRINT_MAP,
            RecordKind::Exit => record_kind::EXIT,
        }
    }

    /// The kind a [`RecordHeader::kind`] value names, if any.
    pub const fn from_raw(raw: u16) -> Option<Self> {
        Some(match raw {
            record_kind::PRINTF => RecordKind::Printf,
            record_kind::PRINT_MAP => RecordKind::PrintMap,
            record_kind::EXIT => RecordKind::Exit,
            _ => return None,
        })
    }
}

/// Header of a record in the runtime's output ring. Records are 8-byte
/// aligned; `size` includes the header and is a multiple of 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    /// Total size of the record in bytes (header + payload + padding).
    pub size: u32,
    /// A [`record_kind`] value ([`RecordKind`]).
    pub kind: u16,
    /// CPU that wrote the record.
    pub cpu: u16,
    /// Format index or map index, depending on `kind`.
    pub id: u32,
    /// Length of the payload in bytes (before padding).
    pub len: u32,
}

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<ObjectHeader>() == 56);
    assert!(size_of::<ProbeDesc>() == 32);
    assert!(size_of::<MapDesc>() == 56);
    assert!(size_of::<FieldDesc>() == 8);
    assert!(size_of::<FormatDesc>() == 16);
    assert!(size_of::<RequireDesc>() == 8);
    assert!(size_of::<RecordHeader>() == 16);
    assert!(offset_of!(HandlerCtx, frame) == CTX_FRAME);
    assert!(offset_of!(HandlerCtx, probe_id) == CTX_PROBE_ID);
    assert!(offset_of!(HandlerCtx, cpu) == CTX_CPU);
    assert!(offset_of!(HandlerCtx, now_ns) == CTX_NOW_NS);
    assert!(offset_of!(HandlerCtx, start_ns) == CTX_START_NS);
    assert!(offset_of!(HandlerCtx, retval) == CTX_RETVAL);
    assert!(offset_of!(HandlerCtx, func_addr) == CTX_FUNC_ADDR);
    assert!(offset_of!(HandlerCtx, runtime) == CTX_RUNTIME);
    assert!(size_of::<HandlerCtx>() == CTX_SIZE);
};

/// Byte view of a descriptor, for writers (the compiler) on little-endian
/// hosts and for readers that copy out of a section.
///
/// # Safety
/// Implemented only for the `repr(C)` descriptor types above, which have no
/// padding and no invalid bit patterns.
pub unsafe trait Pod: Copy {
    /// The descriptor's bytes (little-endian on little-endian hosts).
    fn as_bytes(&self) -> &[u8] {
        // SAFETY: Self is repr(C), padding-free plain data (trait contract).
        unsafe { core::slice::from_raw_parts(self as *const Self as *const u8, core::mem::size_of::<Self>()) }
    }
    /// Read one value from the start of `bytes`, or `None` if too short.
    fn read_from(bytes: &[u8]) -> Option<Self> {
        if bytes.len() < core::mem::size_of::<Self>() {
            return None;
        }
        // SAFETY: length checked; any bit pattern is valid for Self (trait
        // contract); read_unaligned tolerates any alignment of `bytes`.
        Some(unsafe { core::ptr::read_unaligned(bytes.as_ptr() as *const Self) })
    }
}

// SAFETY: all of these are repr(C), have no padding (sizes asserted above
// equal the sum of their fields) and consist of integers only.
unsafe impl Pod for ObjectHeader {}
// SAFETY: as above.
unsafe impl Pod for ProbeDesc {}
// SAFETY: as above.
unsafe impl Pod for MapDesc {}
// SAFETY: as above.
unsafe impl Pod for FieldDesc {}
// SAFETY: as above.
unsafe impl Pod for FormatDesc {}
// SAFETY: as above.
unsafe impl Pod for RequireDesc {}
// SAFETY: as above.
unsafe impl Pod for RecordHeader {}

/// The NUL-terminated string at `offset` in a strtab section's bytes, or
/// `None` if out of range, unterminated or not UTF-8.
pub fn strtab_get(strtab: &[u8], offset: u32) -> Option<&str> {
    let rest = strtab.get(offset as usize..)?;
    let end = rest.iter().position(|&b| b == 0)?;
    core::str::from_utf8(&rest[..end]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> ObjectHeader {
        ObjectHeader {
            magic: MAGIC,
            abi_version: ABI_VERSION,
            header_size: core::mem::size_of::<ObjectHeader>() as u32,
            probe_count: 1,
            map_count: 0,
            format_count: 0,
            field_count: 0,
            require_count: 0,
            features: FEATURE_LSE,
            max_strlen: 64,
            max_stack: 0,
            source_name: 0,
            compiler: 0,
        }
    }

    #[test]
    fn descriptors_round_trip_through_bytes() {
        let h = header();
        assert_eq!(ObjectHeader::read_from(h.as_bytes()), Some(h));
        assert_eq!(ObjectHeader::read_from(&h.as_bytes()[..10]), None);
        let m = MapDesc {
            name: 1,
            kind: map_kind::HIST,
            flags: 0,
            capacity: 8,
            key_size: 8,
            value_size: 528,
            key_fields: 0,
            key_count: 1,
            value_field: 1,
            params: [0; 3],
        };
        assert_eq!(MapDesc::read_from(m.as_bytes()), Some(m));
        assert_eq!(m.as_bytes()[4], map_kind::HIST as u8, "little-endian, kind at offset 4");
    }

    #[test]
    fn header_validation_refuses_other_versions() {
        assert_eq!(header().validate(), Ok(()));
        let mut h = header();
        h.abi_version += 1;
        assert!(h.validate().is_err());
        h = header();
        h.magic[0] = b'X';
        assert!(h.validate().is_err());
    }

    #[test]
    fn typed_kinds_round_trip_through_their_numbers() {
        for k in [ProbeKind::Kprobe, ProbeKind::Kretprobe, ProbeKind::Begin, ProbeKind::End] {
            assert_eq!(ProbeKind::from_raw(k.raw()), Some(k));
        }
        for k in [TargetKind::None, TargetKind::Symbol, TargetKind::Glob, TargetKind::Address] {
            assert_eq!(TargetKind::from_raw(k.raw()), Some(k));
        }
        for k in [FieldKind::Unsigned, FieldKind::Signed, FieldKind::Bool, FieldKind::Str, FieldKind::Ptr] {
            assert_eq!(FieldKind::from_raw(k.raw()), Some(k));
        }
        for k in [RecordKind::Printf, RecordKind::PrintMap, RecordKind::Exit] {
            assert_eq!(RecordKind::from_raw(k.raw()), Some(k));
        }
        // The wire numbers are the contract's: they never change.
        assert_eq!([TargetKind::None.raw(), TargetKind::Symbol.raw(), TargetKind::Glob.raw(), TargetKind::Address.raw()], [0, 1, 2, 3]);
        assert_eq!(
            [FieldKind::Unsigned, FieldKind::Signed, FieldKind::Bool, FieldKind::Str, FieldKind::Ptr].map(FieldKind::raw),
            [0, 1, 2, 3, 4]
        );
        assert_eq!([RecordKind::Printf, RecordKind::PrintMap, RecordKind::Exit].map(RecordKind::raw), [0, 1, 2]);
        assert_eq!((TargetKind::from_raw(4), FieldKind::from_raw(5), RecordKind::from_raw(3)), (None, None, None));
    }

    #[test]
    fn strtab_lookup() {
        let tab = b"\0@calls\0kprobe:fib\0";
        assert_eq!(strtab_get(tab, 0), Some(""));
        assert_eq!(strtab_get(tab, 1), Some("@calls"));
        assert_eq!(strtab_get(tab, 8), Some("kprobe:fib"));
        assert_eq!(strtab_get(tab, 100), None);
        assert_eq!(strtab_get(b"abc", 0), None, "unterminated");
    }
}
