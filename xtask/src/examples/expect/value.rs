//! The values expectations compute with, and how printed output becomes one.

use std::collections::BTreeMap;
use std::fmt;

/// A value: what an expression evaluates to.
///
/// Integers are i128 so that sums of u64 counts and every printed u64 or
/// i64 fit without a sign question.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    Bool(bool),
    Int(i128),
    Str(String),
    /// A keyed map (`@m[k]: v` lines) or a histogram (bucket lower bound →
    /// count, `i64::MIN` for the bucket below an lhist's range).
    Map(BTreeMap<Value, Value>),
}

impl Value {
    /// A printed value or key: an integer if it reads as one (decimal, or
    /// hexadecimal after `0x`), else the text.
    pub fn from_output(text: &str) -> Value {
        let t = text.trim();
        let int = match t.strip_prefix("0x") {
            Some(hex) => i128::from_str_radix(hex, 16).ok(),
            None => t.parse::<i128>().ok(),
        };
        int.map(Value::Int).unwrap_or_else(|| Value::Str(t.to_string()))
    }

    /// What kind of value this is, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "a number",
            Value::Str(_) => "a string",
            Value::Map(_) => "a map",
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Map(m) => {
                f.write_str("{")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

/// A histogram as parsed from the output, as a map value.
pub fn hist_value(h: &BTreeMap<i64, u64>) -> Value {
    Value::Map(h.iter().map(|(&low, &n)| (Value::Int(low.into()), Value::Int(n.into()))).collect())
}
