//! Typed IR: the checked program, ready for code generation. Maps, formats
//! and context requirements are resolved to indices; every expression has a
//! [`Type`]; loops have constant bounds.

use crate::ast::{BinOp, ProbeSpec};
use crate::span::Span;
use crate::types::Type;

/// Limits from the `config` block (or their defaults).
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// String capacity in bytes including the NUL (a multiple of 8).
    pub max_strlen: u32,
    /// Default capacity of keyed maps.
    pub max_map_keys: u32,
    /// Stack budget per handler in bytes.
    pub max_stack: u32,
    /// Most iterations a `for` loop may have.
    pub max_loop: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_strlen: 64, max_map_keys: 4096, max_stack: 1024, max_loop: 1024 }
    }
}

/// A checked program.
#[derive(Clone, Debug)]
pub struct Program {
    /// Limits in force.
    pub limits: Limits,
    /// Maps by index.
    pub maps: Vec<Map>,
    /// printf formats by index.
    pub formats: Vec<Format>,
    /// Embedder context values by index (`tid`, ...).
    pub requires: Vec<String>,
    /// One handler per probe block, in source order.
    pub handlers: Vec<Handler>,
}

/// What a map stores: the ABI's own typed map kind.
pub use probec_abi::MapKind;

/// A global map.
#[derive(Clone, Debug, PartialEq)]
pub struct Map {
    /// Name including `@`.
    pub name: String,
    /// What it stores.
    pub kind: MapKind,
    /// Key types (empty for a map without keys).
    pub keys: Vec<Type>,
    /// Value type (`Value`) or aggregated argument type; `None` for count.
    pub value: Option<Type>,
    /// Maximum number of keys.
    pub capacity: u32,
    /// `lhist` parameters.
    pub lhist: Option<(i64, i64, i64)>,
    /// Where its type was fixed.
    pub defined_at: Span,
}

/// A printf format with its argument types.
#[derive(Clone, Debug, PartialEq)]
pub struct Format {
    /// Text with escapes resolved.
    pub text: String,
    /// Argument types in order.
    pub args: Vec<Type>,
}

/// One probe block's handler.
#[derive(Clone, Debug)]
pub struct Handler {
    /// ELF symbol name (after the first probe).
    pub symbol: String,
    /// Probes that call it.
    pub probes: Vec<ProbeSpec>,
    /// Types of its scratch variables (by local index).
    pub locals: Vec<Type>,
    /// Predicate, if any.
    pub predicate: Option<Expr>,
    /// Statements.
    pub body: Vec<Stmt>,
    /// Stack bytes the body needs (computed by the checker).
    pub stack_bytes: u32,
    /// The handler reads `nsecs` or `elapsed` (otherwise its probes carry
    /// `probe_flags::NO_CLOCK` and the runtime skips the clock read).
    pub uses_clock: bool,
    /// Span of the probe list.
    pub span: Span,
}

/// Aggregation functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agg {
    /// `count()`
    Count,
    /// `sum(x)`
    Sum,
    /// `min(x)`
    Min,
    /// `max(x)`
    Max,
    /// `avg(x)` / `stats(x)`
    AvgStats,
    /// `hist(x)`
    Hist,
    /// `lhist(x, ...)` (parameters on the map)
    Lhist,
}

/// A typed statement.
#[derive(Clone, Debug)]
pub enum Stmt {
    /// `$x = e`
    SetLocal {
        /// Local index.
        local: usize,
        /// Value (already of the local's type).
        value: Expr,
    },
    /// `@m[k] = e`
    MapSet {
        /// Map index.
        map: usize,
        /// Keys, converted to the map's key types.
        keys: Vec<Expr>,
        /// Value.
        value: Expr,
    },
    /// `@m[k] += e`, `++`, `--` on an integer map: an atomic add.
    MapAdd {
        /// Map index.
        map: usize,
        /// Keys.
        keys: Vec<Expr>,
        /// Amount (negated for `-=`).
        value: Expr,
    },
    /// `@m[k] = agg(x)`
    Aggregate {
        /// Map index.
        map: usize,
        /// Keys.
        keys: Vec<Expr>,
        /// Which aggregation.
        agg: Agg,
        /// Argument (none for count).
        value: Option<Expr>,
    },
    /// `if`
    If {
        /// Condition.
        cond: Expr,
        /// Then.
        then: Vec<Stmt>,
        /// Else.
        otherwise: Vec<Stmt>,
    },
    /// `for $i : start..end`
    For {
        /// Loop variable.
        local: usize,
        /// Start, inclusive.
        start: i64,
        /// End, exclusive.
        end: i64,
        /// Body.
        body: Vec<Stmt>,
    },
    /// `unroll(n)`
    Unroll {
        /// Copies.
        count: u32,
        /// Body.
        body: Vec<Stmt>,
    },
    /// `return`
    Return,
    /// `exit()`
    Exit,
    /// `printf(...)`
    Printf {
        /// Format index.
        format: usize,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// `print(@m)`
    Print(usize),
    /// `clear(@m)`
    Clear(usize),
    /// `zero(@m)`
    Zero(usize),
    /// `delete(@m[k])`
    Delete {
        /// Map index.
        map: usize,
        /// Keys.
        keys: Vec<Expr>,
    },
}

/// A typed expression.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What it computes.
    pub kind: ExprKind,
    /// Its type.
    pub ty: Type,
}

/// Values read from the handler context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtxField {
    /// `cpu`
    Cpu,
    /// `nsecs`
    Nsecs,
    /// `elapsed`
    Elapsed,
    /// `retval`
    Retval,
}

/// Typed expression forms. Integers are 64-bit in registers, normalised
/// (sign- or zero-extended) to their type after every operation.
#[derive(Clone, Debug)]
pub enum ExprKind {
    /// Integer constant (already normalised).
    Const(u64),
    /// String constant (bytes without NUL).
    Str(Vec<u8>),
    /// Scratch variable.
    Local(usize),
    /// `@m[k]` read (0 / empty if absent).
    MapGet {
        /// Map index.
        map: usize,
        /// Keys.
        keys: Vec<Expr>,
    },
    /// A handler-context field.
    Ctx(CtxField),
    /// Saved register `x0..x30` (31 = sp, 32 = pc).
    Reg(u8),
    /// Embedder context value (requirement index).
    Require(u32),
    /// `func` or `probe` (an `abi::CTX_STR_*` selector).
    CtxStr(u32),
    /// `-x`, `~x`, `!x`.
    Unary(crate::ast::UnOp, Box<Expr>),
    /// Arithmetic, bitwise or comparison on integers (`ty` says the result;
    /// `signed` how to compare or divide).
    Binary {
        /// Operator (not `&&`/`||`).
        op: BinOp,
        /// Whether the operation is signed.
        signed: bool,
        /// Left.
        lhs: Box<Expr>,
        /// Right.
        rhs: Box<Expr>,
    },
    /// Pointer plus/minus scaled integer.
    PtrOffset {
        /// Pointer.
        ptr: Box<Expr>,
        /// Byte offset (already scaled).
        offset: Box<Expr>,
    },
    /// `&&` (true) or `||` (false), short-circuit.
    Logic(bool, Box<Expr>, Box<Expr>),
    /// String `==` (true) or `!=` (false).
    StrEq(bool, Box<Expr>, Box<Expr>),
    /// `c ? a : b`
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    /// Conversion to `ty` (truncate / extend / test for bool).
    Cast(Box<Expr>),
    /// Fault-safe read of `ty` from a target address.
    Read(Box<Expr>),
    /// `str(p[, n])`
    ReadStr(Box<Expr>, Option<Box<Expr>>),
}

impl Expr {
    /// An integer constant of type `ty`.
    pub fn constant(value: u64, ty: Type) -> Expr {
        Expr { kind: ExprKind::Const(value), ty }
    }
}

/// Replace every value of `ty` that does not fit its width with its
/// normalised (wrapped) 64-bit representation.
pub fn normalise(value: u64, ty: &Type) -> u64 {
    match ty {
        Type::Int { bits: 64, .. } | Type::Ptr(_) | Type::Str => value,
        Type::Bool => (value != 0) as u64,
        Type::Int { bits, signed } => {
            let shift = 64 - *bits as u32;
            if *signed {
                (((value << shift) as i64) >> shift) as u64
            } else {
                (value << shift) >> shift
            }
        }
    }
}
