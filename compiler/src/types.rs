//! The checker's types and C-like integer conversion rules.

use std::fmt;

/// The type of an expression, variable or map value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// Integer of `bits` (8, 16, 32, 64) bits.
    Int {
        /// Width.
        bits: u8,
        /// Signed?
        signed: bool,
    },
    /// `bool` (0 or 1).
    Bool,
    /// Fixed-capacity string (`max_strlen` bytes including the NUL).
    Str,
    /// Typed pointer into target memory (only readable through `*`).
    Ptr(Box<Type>),
}

impl Type {
    /// `u64`
    pub const U64: Type = Type::Int { bits: 64, signed: false };
    /// `i64`
    pub const I64: Type = Type::Int { bits: 64, signed: true };
    /// `u32`
    pub const U32: Type = Type::Int { bits: 32, signed: false };

    /// Integers, bools and pointers can be tested for truth.
    pub fn is_scalar(&self) -> bool {
        !matches!(self, Type::Str)
    }

    /// Whether arithmetic on this type is signed.
    pub fn is_signed(&self) -> bool {
        matches!(self, Type::Int { signed: true, .. })
    }

    /// Size in bytes of the value in target memory (for `*p`).
    pub fn mem_size(&self) -> u32 {
        match self {
            Type::Int { bits, .. } => (*bits as u32) / 8,
            Type::Bool => 1,
            Type::Str => 0,
            Type::Ptr(_) => 8,
        }
    }

    /// C integer promotion: narrower than 32 bits (and bool) become `i32`.
    pub fn promoted(&self) -> Type {
        match self {
            Type::Int { bits, .. } if *bits < 32 => Type::Int { bits: 32, signed: true },
            Type::Bool => Type::Int { bits: 32, signed: true },
            Type::Ptr(_) => Type::U64,
            t => t.clone(),
        }
    }

    /// The usual arithmetic conversions of two integer operands.
    pub fn common(a: &Type, b: &Type) -> Type {
        let (a, b) = (a.promoted(), b.promoted());
        match (&a, &b) {
            (Type::Int { bits: ab, signed: asg }, Type::Int { bits: bb, signed: bsg }) => {
                if ab > bb {
                    a.clone()
                } else if bb > ab {
                    b.clone()
                } else {
                    Type::Int { bits: *ab, signed: *asg && *bsg }
                }
            }
            _ => Type::U64,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Int { bits, signed } => write!(f, "{}{bits}", if *signed { 'i' } else { 'u' }),
            Type::Bool => write!(f, "bool"),
            Type::Str => write!(f, "string"),
            Type::Ptr(t) => write!(f, "{t} *"),
        }
    }
}
