//! The checker: the verifier's job, done at compile time. It types every
//! expression and map, checks printf formats, guarantees termination (only
//! constant-bounded loops), enforces a stack budget per handler and forbids
//! stores to target memory. Output: [`crate::tir::Program`].

mod calls;
mod consts;
mod expr;
mod maps;
mod printf;
mod scope;
mod stack;
pub(crate) use stack::key_size;
mod stmt;

use crate::ast::{self, ProbeKind};
use crate::diag::Diagnostic;
use crate::tir::{self, Limits};
use std::collections::HashMap;

/// Check a parsed program. Returns the typed program, or every error found
/// (the checker keeps going after an error to report as many as it can).
pub fn check(program: &ast::Program) -> Result<tir::Program, Vec<Diagnostic>> {
    let mut cx = Checker::default();
    cx.limits = cx.config(&program.config);
    cx.declare_maps(&program.map_decls);
    let mut handlers = Vec::new();
    let mut symbols: HashMap<String, usize> = HashMap::new();
    for (index, block) in program.blocks.iter().enumerate() {
        if let Some(h) = cx.handler(block, index, &mut symbols) {
            handlers.push(h);
        }
    }
    if handlers.is_empty() && cx.diags.is_empty() {
        cx.diags.push(
            Diagnostic::error("the script has no probes", crate::span::Span::default(), "nothing to compile")
                .with_help("add a probe block such as `kprobe:my_function { @calls = count(); }`"),
        );
    }
    if cx.diags.iter().any(Diagnostic::is_error) {
        return Err(cx.diags);
    }
    Ok(tir::Program { limits: cx.limits, maps: cx.maps, formats: cx.formats, requires: cx.requires, handlers })
}

/// State shared across the whole program while checking.
#[derive(Default)]
pub(crate) struct Checker {
    pub(crate) limits: Limits,
    pub(crate) maps: Vec<tir::Map>,
    pub(crate) map_index: HashMap<String, usize>,
    /// Declared capacities (`let @m = hash(N)`), by name.
    pub(crate) declared: HashMap<String, (u32, crate::span::Span)>,
    pub(crate) formats: Vec<tir::Format>,
    pub(crate) requires: Vec<String>,
    pub(crate) diags: Vec<Diagnostic>,
    pub(crate) scope: scope::Scopes,
    /// Kinds of the probes of the block being checked.
    pub(crate) kinds: Vec<ProbeKind>,
    /// The block being checked reads `nsecs` or `elapsed`.
    pub(crate) uses_clock: bool,
}

impl Checker {
    pub(crate) fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn config(&mut self, entries: &[ast::ConfigEntry]) -> Limits {
        let mut limits = Limits::default();
        for e in entries {
            let v = e.value.node;
            let (slot, lo, hi): (&mut u32, u64, u64) = match e.name.node.as_str() {
                "max_strlen" => (&mut limits.max_strlen, 8, 4096),
                "max_map_keys" => (&mut limits.max_map_keys, 1, 1 << 24),
                "max_stack" => (&mut limits.max_stack, 64, 65536),
                "max_loop" => (&mut limits.max_loop, 1, 1 << 20),
                other => {
                    self.error(
                        Diagnostic::error(format!("unknown config setting `{other}`"), e.name.span, "not a setting")
                            .with_help("settings are max_strlen, max_map_keys, max_stack and max_loop"),
                    );
                    continue;
                }
            };
            if v < lo || v > hi {
                self.error(Diagnostic::error(format!("`{}` must be between {lo} and {hi}", e.name.node), e.value.span, "out of range"));
                continue;
            }
            *slot = v as u32;
        }
        // Strings are handled in 8-byte words.
        limits.max_strlen = (limits.max_strlen + 7) & !7;
        limits
    }

    fn declare_maps(&mut self, decls: &[ast::MapDecl]) {
        for d in decls {
            if d.kind.node != "hash" {
                self.error(
                    Diagnostic::error(format!("unknown map type `{}`", d.kind.node), d.kind.span, "not a map type")
                        .with_help(format!("write `let {} = hash({});`", d.name.node, d.capacity.node)),
                );
                continue;
            }
            if d.capacity.node == 0 || d.capacity.node > 1 << 24 {
                self.error(Diagnostic::error("map capacity must be between 1 and 16777216", d.capacity.span, "out of range"));
                continue;
            }
            if let Some((_, first)) = self.declared.get(&d.name.node) {
                let first = *first;
                self.error(
                    Diagnostic::error(format!("map `{}` is declared twice", d.name.node), d.name.span, "second declaration")
                        .with_note(first, "first declared here"),
                );
                continue;
            }
            self.declared.insert(d.name.node.clone(), (d.capacity.node as u32, d.name.span));
        }
    }

    fn handler(&mut self, block: &ast::ProbeBlock, index: usize, symbols: &mut HashMap<String, usize>) -> Option<tir::Handler> {
        let errors_before = self.diags.len();
        self.kinds = block.probes.iter().map(|p| p.kind).collect();
        self.uses_clock = false;
        self.scope = scope::Scopes::default();
        self.scope.push();
        let predicate = block.predicate.as_ref().and_then(|p| self.condition(p, "a predicate"));
        let body = self.block(&block.body);
        self.scope.pop();
        let first = block.probes.first().map(|p| p.text.clone()).unwrap_or_else(|| format!("block{index}"));
        let count = symbols.entry(first.clone()).or_insert(0);
        *count += 1;
        let symbol = if *count == 1 { first } else { format!("{first}#{}", *count) };
        let mut h = tir::Handler {
            symbol,
            probes: block.probes.clone(),
            locals: std::mem::take(&mut self.scope.types),
            predicate,
            body,
            stack_bytes: 0,
            uses_clock: self.uses_clock,
            span: block.span,
        };
        h.stack_bytes = stack::handler_bytes(&h, self);
        if h.stack_bytes > self.limits.max_stack {
            self.error(
                Diagnostic::error(
                    format!("this handler needs {} bytes of stack, the budget is {}", h.stack_bytes, self.limits.max_stack),
                    block.span,
                    "stack budget exceeded",
                )
                .with_help("use fewer strings or printf arguments, or raise `config = { max_stack = N }`"),
            );
        }
        if self.diags.len() > errors_before && self.diags[errors_before..].iter().any(Diagnostic::is_error) {
            return None;
        }
        Some(h)
    }

    /// Whether every probe of the current block has one of `kinds`.
    pub(crate) fn all_probes(&self, kinds: &[ProbeKind]) -> bool {
        self.kinds.iter().all(|k| kinds.contains(k))
    }
}
