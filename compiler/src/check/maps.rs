//! Map typing: a map's key and value types are fixed at its first use in
//! source order; every later use must agree, and a conflict is reported at
//! both sites.

use super::Checker;
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::tir::{Map, MapKind};
use crate::types::Type;

/// The type a value is stored as in a map key or value slot: integers widen
/// to 64 bits keeping their signedness.
pub(crate) fn stored(t: &Type) -> Type {
    match t {
        Type::Int { signed, .. } => Type::Int { bits: 64, signed: *signed },
        other => other.clone(),
    }
}

fn class(t: &Type) -> &'static str {
    if matches!(t, Type::Str) {
        "string"
    } else {
        "integer"
    }
}

fn describe_keys(keys: &[Type]) -> String {
    match keys.len() {
        0 => "no key".to_string(),
        _ => format!("key [{}]", keys.iter().map(|k| class(k).to_string()).collect::<Vec<_>>().join(", ")),
    }
}

fn describe(m: &Map) -> String {
    match (m.kind, &m.value) {
        (MapKind::Value, Some(t)) => format!("{} value", class(t)),
        (k, _) => k.name().to_string(),
    }
}

impl Checker {
    fn conflict(&mut self, name: &str, span: Span, what: String, first: &str, first_span: Span) {
        self.error(
            Diagnostic::error(format!("conflicting types for map `{name}`"), span, format!("used here with {what}"))
                .with_note(first_span, format!("first used here with {first}"))
                .with_help("a map keeps the key and value types of its first use; use another map name for this"),
        );
    }

    /// Resolve a map write that fixes kind and value type. `None` after
    /// reporting a conflict.
    pub(crate) fn map_write(
        &mut self,
        name: &str,
        span: Span,
        keys: &[Type],
        kind: MapKind,
        value: Option<&Type>,
        lhist: Option<(i64, i64, i64)>,
    ) -> Option<usize> {
        let keys: Vec<Type> = keys.iter().map(stored).collect();
        let value = value.map(stored);
        if let Some(&index) = self.map_index.get(name) {
            let m = self.maps[index].clone();
            if !self.keys_agree(name, span, &m, &keys) {
                return None;
            }
            let same_kind = m.kind == kind && m.lhist == lhist;
            let same_class = match (&m.value, &value) {
                (Some(a), Some(b)) => class(a) == class(b),
                (None, None) => true,
                _ => kind != MapKind::Value,
            };
            if !same_kind || !same_class {
                let tmp = Map { kind, value: value.clone(), lhist, ..m.clone() };
                self.conflict(name, span, describe(&tmp), &describe(&m), m.defined_at);
                return None;
            }
            return Some(index);
        }
        let capacity = match self.declared.get(name) {
            Some((cap, _)) => *cap,
            None if keys.is_empty() => 1,
            None => self.limits.max_map_keys,
        };
        let index = self.maps.len();
        self.maps.push(Map { name: name.to_string(), kind, keys, value, capacity, lhist, defined_at: span });
        self.map_index.insert(name.to_string(), index);
        Some(index)
    }

    /// Resolve a map that must already exist (reads, `print`, `delete`).
    pub(crate) fn map_existing(&mut self, name: &str, span: Span, keys: Option<&[Type]>) -> Option<usize> {
        let Some(&index) = self.map_index.get(name) else {
            let help = if self.declared.contains_key(name) {
                format!("`{name}` is declared but never assigned before this point")
            } else {
                format!("assign it first, e.g. `{name} = 0;` or `{name}[key] = count();`, in an earlier probe block")
            };
            self.error(Diagnostic::error(format!("map `{name}` is used before it is assigned"), span, "unknown map").with_help(help));
            return None;
        };
        if let Some(keys) = keys {
            let keys: Vec<Type> = keys.iter().map(stored).collect();
            let m = self.maps[index].clone();
            if !self.keys_agree(name, span, &m, &keys) {
                return None;
            }
        }
        Some(index)
    }

    fn keys_agree(&mut self, name: &str, span: Span, m: &Map, keys: &[Type]) -> bool {
        let agree = m.keys.len() == keys.len() && m.keys.iter().zip(keys).all(|(a, b)| class(a) == class(b));
        if !agree {
            self.conflict(name, span, describe_keys(keys), &describe_keys(&m.keys), m.defined_at);
        }
        agree
    }
}
