//! The untyped syntax tree the parser produces. Every node has a span; no
//! pest types appear here.

use crate::span::{Span, Spanned};

/// A whole script.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    /// `config = { ... }` entries, in order.
    pub config: Vec<ConfigEntry>,
    /// `let @m = hash(N);` declarations.
    pub map_decls: Vec<MapDecl>,
    /// Probe blocks in source order.
    pub blocks: Vec<ProbeBlock>,
}

/// One `name = value` in the config block.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigEntry {
    /// Setting name.
    pub name: Spanned<String>,
    /// Value.
    pub value: Spanned<u64>,
}

/// `let @name = kind(capacity);`
#[derive(Clone, Debug, PartialEq)]
pub struct MapDecl {
    /// Map name including `@`.
    pub name: Spanned<String>,
    /// Storage kind (`hash`).
    pub kind: Spanned<String>,
    /// Maximum number of keys.
    pub capacity: Spanned<u64>,
}

/// `PROBE[, PROBE...] [/predicate/] { body }`
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeBlock {
    /// The probes that run this block.
    pub probes: Vec<ProbeSpec>,
    /// Optional filter.
    pub predicate: Option<Expr>,
    /// Statements.
    pub body: Block,
    /// The probe list's span (for messages about the whole block).
    pub span: Span,
}

/// What kind of event a probe attaches to (`kprobe:`/`k:`, `kretprobe:`/`kr:`,
/// `BEGIN`, `END`): the ABI's own typed probe kind.
pub use probec_abi::ProbeKind;

/// Where a probe attaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// BEGIN/END.
    None,
    /// An exact symbol (C name or Rust path) plus an offset.
    Symbol {
        /// The symbol.
        name: String,
        /// `+OFFSET`, 0 if absent.
        offset: u64,
    },
    /// A glob pattern plus an offset.
    Glob {
        /// The pattern.
        pattern: String,
        /// `+OFFSET`, 0 if absent.
        offset: u64,
    },
    /// An absolute address.
    Address(u64),
}

/// One probe as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeSpec {
    /// Event kind.
    pub kind: ProbeKind,
    /// Attach point.
    pub target: Target,
    /// Canonical text (`kprobe:fib+8`), used for `probe` and symbol names.
    pub text: String,
    /// Where it was written.
    pub span: Span,
}

/// `{ statements }`
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// Statements in order.
    pub stmts: Vec<Stmt>,
    /// Braces included.
    pub span: Span,
}

/// A statement with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    /// What it is.
    pub kind: StmtKind,
    /// Where.
    pub span: Span,
}

/// Statement forms.
#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `let $x[: ty] [= e]`
    Let {
        /// Variable name including `$`.
        name: Spanned<String>,
        /// Declared type.
        ty: Option<TypeName>,
        /// Initial value.
        init: Option<Expr>,
    },
    /// `lhs = e` or `lhs op= e`
    Assign {
        /// Target (map access, variable, or something the checker rejects).
        target: Expr,
        /// `Some(op)` for compound assignment.
        op: Option<BinOp>,
        /// Value.
        value: Expr,
    },
    /// `x++`, `++x`, `x--`, `--x` (value unused, so pre/post are the same).
    IncDec {
        /// Target.
        target: Expr,
        /// `true` for `++`.
        increment: bool,
    },
    /// `if c { } else ...`
    If {
        /// Condition.
        cond: Expr,
        /// Then block.
        then: Block,
        /// `else` block (an `else if` is a block holding one `If`).
        otherwise: Option<Block>,
    },
    /// `for $i : a..b { }`
    For {
        /// Loop variable.
        var: Spanned<String>,
        /// Start (inclusive).
        start: Expr,
        /// End (exclusive).
        end: Expr,
        /// Body.
        body: Block,
    },
    /// `unroll(n) { }`
    Unroll {
        /// Repetitions.
        count: Expr,
        /// Body.
        body: Block,
    },
    /// A nested `{ }` block.
    Block(Block),
    /// `return`
    Return,
    /// An expression evaluated for its effect (calls such as `printf`).
    Expr(Expr),
}

/// A type as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeName {
    /// The type.
    pub kind: TypeNameKind,
    /// Where.
    pub span: Span,
}

/// Type syntax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeNameKind {
    /// `u8`..`u64`, `i8`..`i64`.
    Int {
        /// Width in bits.
        bits: u8,
        /// Signed?
        signed: bool,
    },
    /// `bool`
    Bool,
    /// `string`
    String,
    /// `T *`
    Ptr(Box<TypeNameKind>),
}

/// An expression with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where.
    pub span: Span,
}

/// Expression forms.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// Integer literal (also character literals).
    Int(u64),
    /// String literal, escapes resolved.
    Str(String),
    /// `$name`
    Var(String),
    /// `@name` or `@name[k1, k2]`
    Map {
        /// Name including `@`.
        name: String,
        /// Keys (empty for a scalar map).
        keys: Vec<Expr>,
    },
    /// A bare identifier: a builtin such as `arg0`, `nsecs`, `tid`.
    Ident(String),
    /// `name(args)`
    Call {
        /// Function name.
        name: Spanned<String>,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// Prefix operator.
    Unary {
        /// Operator.
        op: UnOp,
        /// Operand.
        operand: Box<Expr>,
    },
    /// Infix operator.
    Binary {
        /// Operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `c ? a : b`
    Ternary {
        /// Condition.
        cond: Box<Expr>,
        /// Value if true.
        then: Box<Expr>,
        /// Value if false.
        otherwise: Box<Expr>,
    },
    /// `(type) e`
    Cast {
        /// Target type.
        ty: TypeName,
        /// Operand.
        operand: Box<Expr>,
    },
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    /// `!`
    Not,
    /// `-`
    Neg,
    /// `~`
    BitNot,
    /// `*` (read target memory)
    Deref,
}

/// Infix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `||`
    Or,
    /// `&&`
    And,
    /// `|`
    BitOr,
    /// `^`
    BitXor,
    /// `&`
    BitAnd,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

impl BinOp {
    /// Binding strength, C's order (higher binds tighter).
    pub fn precedence(self) -> u8 {
        use BinOp::*;
        match self {
            Or => 1,
            And => 2,
            BitOr => 3,
            BitXor => 4,
            BitAnd => 5,
            Eq | Ne => 6,
            Lt | Le | Gt | Ge => 7,
            Shl | Shr => 8,
            Add | Sub => 9,
            Mul | Div | Rem => 10,
        }
    }

    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        use BinOp::*;
        match self {
            Or => "||",
            And => "&&",
            BitOr => "|",
            BitXor => "^",
            BitAnd => "&",
            Eq => "==",
            Ne => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            Shl => "<<",
            Shr => ">>",
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            Rem => "%",
        }
    }

    /// Parse an operator token.
    pub fn from_symbol(s: &str) -> Option<BinOp> {
        use BinOp::*;
        Some(match s {
            "||" => Or,
            "&&" => And,
            "|" => BitOr,
            "^" => BitXor,
            "&" => BitAnd,
            "==" => Eq,
            "!=" => Ne,
            "<" => Lt,
            "<=" => Le,
            ">" => Gt,
            ">=" => Ge,
            "<<" => Shl,
            ">>" => Shr,
            "+" => Add,
            "-" => Sub,
            "*" => Mul,
            "/" => Div,
            "%" => Rem,
            _ => return None,
        })
    }
}
