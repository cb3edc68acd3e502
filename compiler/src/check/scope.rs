//! Block-scoped scratch variables (`$x`).

use crate::span::Span;
use crate::types::Type;
use std::collections::HashMap;

/// One visible variable.
#[derive(Clone, Debug)]
pub(crate) struct Binding {
    /// Local index in the handler.
    pub(crate) local: usize,
    /// Where it was declared.
    pub(crate) span: Span,
    /// Loop variables cannot be assigned (that could make a loop unbounded).
    pub(crate) read_only: bool,
}

/// The stack of scopes of the handler being checked, plus the types of all
/// locals it has declared so far.
#[derive(Default)]
pub(crate) struct Scopes {
    frames: Vec<HashMap<String, Binding>>,
    /// Type of each local, by index.
    pub(crate) types: Vec<crate::types::Type>,
}

impl Scopes {
    pub(crate) fn push(&mut self) {
        self.frames.push(HashMap::new());
    }

    pub(crate) fn pop(&mut self) {
        self.frames.pop();
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<&Binding> {
        self.frames.iter().rev().find_map(|f| f.get(name))
    }

    /// Declare `name` in the innermost scope with a fresh local.
    pub(crate) fn declare(&mut self, name: &str, ty: Type, span: Span, read_only: bool) -> usize {
        let local = self.types.len();
        self.types.push(ty);
        if self.frames.is_empty() {
            self.push();
        }
        if let Some(f) = self.frames.last_mut() {
            f.insert(name.to_string(), Binding { local, span, read_only });
        }
        local
    }

    /// A declaration of `name` in the innermost scope, if any.
    pub(crate) fn in_innermost(&self, name: &str) -> Option<&Binding> {
        self.frames.last().and_then(|f| f.get(name))
    }
}
