//! The expressions of `// expect:` directives, as parsed.

use super::functions::Function;
use super::pattern::Pattern;

/// An expression.
#[derive(Debug)]
pub enum Expr {
    Int(i128),
    /// A string literal: text and `${...}` parts, joined when evaluated.
    Str(Vec<Part>),
    /// `N`, a `// let:` name or a comprehension's variable; `at` is its
    /// byte offset in the directive, for "not defined" errors.
    Var {
        name: String,
        at: usize,
    },
    /// `@name`: the map as the output printed it.
    Map(String),
    /// `m[key]`.
    Index(Box<Expr>, Box<Expr>),
    /// `e or d`: `d` where `e` is a map (or a key) the output did not print.
    Default(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    /// `lhs op rhs`; `text` keeps the operands' source for failure
    /// messages (`@calls is 3, fib_total(N) is 21891`).
    Binary {
        op: &'static str,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
        text: (String, String),
    },
    Call(&'static Function, Vec<Expr>),
    Comp(Box<Comp>),
    /// `lines(S)` (lines equal to S) or `lines_starting(S)`.
    Lines {
        starting: bool,
        text: Box<Expr>,
    },
    /// `lines_matching("PATTERN", COND)`: lines the pattern matches whose
    /// captures satisfy COND (true if absent).
    Matching {
        pattern: Pattern,
        cond: Option<Box<Expr>>,
    },
    /// `empty(@m)`: `@m` printed nothing but zeros, empty histograms, no keys.
    Empty(String),
    /// `printed(@m)`: how many times `@m` was printed.
    Printed(String),
}

/// A piece of a string literal or a JSON template.
#[derive(Debug)]
pub enum Part {
    Lit(String),
    Expr(Expr),
}

/// `KIND(BODY for VARS in ITER if COND)`; `counts(KEY: BODY for ...)`.
#[derive(Debug)]
pub struct Comp {
    pub kind: CompKind,
    pub key: Option<Expr>,
    pub body: Expr,
    pub vars: Vec<String>,
    pub iter: Iter,
    pub cond: Option<Expr>,
    /// Where the comprehension starts, for errors about its variables.
    pub at: usize,
}

/// What a comprehension makes of its body.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CompKind {
    /// The sum of the bodies.
    Sum,
    Min,
    Max,
    /// Whether every body is true.
    All,
    /// A map from each key to the sum of the bodies under it, keys whose
    /// sum is 0 left out: the count map a script would build.
    Counts,
}

impl CompKind {
    pub fn from_name(name: &str) -> Option<CompKind> {
        Some(match name {
            "sum" => CompKind::Sum,
            "min" => CompKind::Min,
            "max" => CompKind::Max,
            "all" => CompKind::All,
            "counts" => CompKind::Counts,
            _ => return None,
        })
    }
}

/// What a comprehension's variables run over.
#[derive(Debug)]
pub enum Iter {
    /// `lo..hi` or `lo..=hi`: one variable.
    Range { lo: Expr, hi: Expr, inclusive: bool },
    /// A map: its keys (one variable) or keys and values (two).
    Over(Expr),
}

/// Words the expression syntax uses, never variable names.
pub const KEYWORDS: [&str; 4] = ["for", "in", "if", "or"];
