//! Checking statements: scoping, assignment targets, bounded loops.

use super::expr::{convert, type_of};
use super::Checker;
use crate::ast::{self, BinOp, ExprKind as A, StmtKind as S, UnOp};
use crate::diag::Diagnostic;
use crate::tir::{Expr, ExprKind as T, MapKind, Stmt};
use crate::types::Type;

/// Most copies `unroll` may make.
const MAX_UNROLL: i64 = 100;
/// Most statements all `unroll`s of one block may expand to.
const MAX_UNROLLED_STATEMENTS: u64 = 10_000;

impl Checker {
    /// Check a block in a new scope.
    pub(crate) fn block(&mut self, b: &ast::Block) -> Vec<Stmt> {
        self.scope.push();
        let mut out = Vec::new();
        for s in &b.stmts {
            if let Some(st) = self.stmt(s) {
                out.push(st);
            }
        }
        self.scope.pop();
        out
    }

    fn stmt(&mut self, s: &ast::Stmt) -> Option<Stmt> {
        match &s.kind {
            S::Let { name, ty, init } => {
                if let Some(prev) = self.scope.in_innermost(&name.node) {
                    let prev = prev.span;
                    self.error(
                        Diagnostic::error(format!("`{}` is already declared in this block", name.node), name.span, "declared again")
                            .with_note(prev, "first declared here")
                            .with_help(format!("assign it instead: `{} = ...;`", name.node)),
                    );
                    return None;
                }
                let value = match init {
                    Some(e) => Some(self.expr(e)?),
                    None => None,
                };
                let declared = ty.as_ref().map(|t| type_of(&t.kind));
                let ty = match (&declared, &value) {
                    (Some(t), _) => t.clone(),
                    (None, Some(v)) => v.ty.clone(),
                    (None, None) => {
                        self.error(
                            Diagnostic::error(format!("`{}` needs a type or an initial value", name.node), name.span, "type unknown")
                                .with_help(format!("write `let {}: u64;` or `let {} = 0;`", name.node, name.node)),
                        );
                        return None;
                    }
                };
                let value = match value {
                    Some(v) => self.assignable(v, &ty, init.as_ref().map(|e| e.span).unwrap_or(name.span))?,
                    None if ty == Type::Str => Expr { kind: T::Str(Vec::new()), ty: Type::Str },
                    None => Expr::constant(0, ty.clone()),
                };
                let local = self.scope.declare(&name.node, ty, name.span, false);
                Some(Stmt::SetLocal { local, value })
            }
            S::Assign { target, op, value } => self.assign(target, *op, value, s),
            S::IncDec { target, increment } => {
                let one = ast::Expr { kind: A::Int(1), span: s.span };
                self.assign(target, Some(if *increment { BinOp::Add } else { BinOp::Sub }), &one, s)
            }
            S::If { cond, then, otherwise } => {
                let c = self.condition(cond, "an `if` condition");
                let t = self.block(then);
                let o = otherwise.as_ref().map(|b| self.block(b)).unwrap_or_default();
                Some(Stmt::If { cond: c?, then: t, otherwise: o })
            }
            S::For { var, start, end, body } => {
                let bounds = self.bound(start).zip(self.bound(end));
                self.scope.push();
                let local = self.scope.declare(&var.node, Type::I64, var.span, true);
                let body = self.block(body);
                self.scope.pop();
                let (a, b) = bounds?;
                if b.saturating_sub(a) > self.limits.max_loop as i64 {
                    self.error(
                        Diagnostic::error(
                            format!("this loop runs {} times, the limit is {}", b - a, self.limits.max_loop),
                            start.span.to(end.span),
                            "too many iterations",
                        )
                        .with_help("raise `config = { max_loop = N }` if you mean it"),
                    );
                    return None;
                }
                Some(Stmt::For { local, start: a, end: b, body })
            }
            S::Unroll { count, body } => {
                let n = self.bound(count);
                let body = self.block(body);
                let n = n?;
                if !(1..=MAX_UNROLL).contains(&n) {
                    self.error(Diagnostic::error(format!("`unroll` count must be between 1 and {MAX_UNROLL}"), count.span, "out of range"));
                    return None;
                }
                // Nested unrolls multiply: bound the code they generate.
                let copies = super::stack::statement_count(&body).saturating_mul(n as u64);
                if copies > MAX_UNROLLED_STATEMENTS {
                    self.error(
                        Diagnostic::error(
                            format!("this `unroll` expands to {copies} statements, at most {MAX_UNROLLED_STATEMENTS} are allowed"),
                            s.span,
                            "too much code",
                        )
                        .with_help("use a `for` loop, which is not copied"),
                    );
                    return None;
                }
                Some(Stmt::Unroll { count: n as u32, body })
            }
            S::Block(b) => {
                let body = self.block(b);
                Some(Stmt::If { cond: Expr::constant(1, Type::Bool), then: body, otherwise: Vec::new() })
            }
            S::Return => Some(Stmt::Return),
            S::Expr(e) => match &e.kind {
                A::Call { name, args } => self.call_stmt(&name.node, name.span, args, e),
                _ => {
                    // Type it for its errors, then report that it does nothing.
                    self.expr(e)?;
                    self.error(
                        Diagnostic::error("this expression has no effect", e.span, "value unused")
                            .with_help("assign it to a variable or map, or print it with printf"),
                    );
                    None
                }
            },
        }
    }

    /// A constant loop bound.
    fn bound(&mut self, e: &ast::Expr) -> Option<i64> {
        let v = super::consts::eval(e);
        if v.is_none() {
            self.error(
                Diagnostic::error("loop bounds must be constants", e.span, "not a constant")
                    .with_help("probes must terminate, so loops need bounds known at compile time, e.g. `for $i : 0..16`"),
            );
        }
        v
    }

    /// Check that `v` can be stored in a place of type `to`, converting it.
    fn assignable(&mut self, v: Expr, to: &Type, span: crate::span::Span) -> Option<Expr> {
        if (v.ty == Type::Str) != (*to == Type::Str) {
            self.error(Diagnostic::error(format!("expected {to}, found {}", v.ty), span, format!("this is {}", v.ty)).with_help(
                if *to == Type::Str { "read a string from memory with `str(pointer)`" } else { "strings cannot be converted to numbers" },
            ));
            return None;
        }
        Some(convert(v, to))
    }

    fn assign(&mut self, target: &ast::Expr, op: Option<BinOp>, value: &ast::Expr, s: &ast::Stmt) -> Option<Stmt> {
        match &target.kind {
            A::Var(name) => {
                let rhs = match op {
                    None => value.clone(),
                    Some(op) => {
                        ast::Expr { kind: A::Binary { op, lhs: Box::new(target.clone()), rhs: Box::new(value.clone()) }, span: s.span }
                    }
                };
                match self.scope.lookup(name).cloned() {
                    Some(b) if b.read_only => {
                        self.error(
                            Diagnostic::error(format!("cannot assign to loop variable `{name}`"), target.span, "loop variable")
                                .with_note(b.span, "declared by this loop")
                                .with_help("copy it first: `let $j = $i;`"),
                        );
                        None
                    }
                    Some(b) => {
                        let v = self.expr(&rhs)?;
                        let ty = self.scope.types[b.local].clone();
                        let v = self.assignable(v, &ty, value.span)?;
                        Some(Stmt::SetLocal { local: b.local, value: v })
                    }
                    None if op.is_none() => {
                        // `$x = e` declares `$x` in the current block, as in bpftrace.
                        let v = self.expr(value)?;
                        let local = self.scope.declare(name, v.ty.clone(), target.span, false);
                        Some(Stmt::SetLocal { local, value: v })
                    }
                    None => {
                        self.error(
                            Diagnostic::error(format!("variable `{name}` is not defined"), target.span, "undefined")
                                .with_help(format!("declare it first: `let {name} = 0;`")),
                        );
                        None
                    }
                }
            }
            A::Map { name, keys } => self.assign_map(name, keys, op, value, target, s),
            A::Unary { op: UnOp::Deref, .. } => {
                self.error(
                    Diagnostic::error("cannot store to target memory", target.span, "store through a pointer")
                        .with_help("probes only observe: store the value in a map or variable instead, e.g. `@seen = *(u64 *)arg0;`"),
                );
                None
            }
            _ => {
                self.error(
                    Diagnostic::error("this cannot be assigned to", target.span, "not a variable or map")
                        .with_help("assign to a scratch variable (`$x = ...`) or a map (`@m[key] = ...`)"),
                );
                None
            }
        }
    }

    fn assign_map(
        &mut self,
        name: &str,
        key_exprs: &[ast::Expr],
        op: Option<BinOp>,
        value: &ast::Expr,
        target: &ast::Expr,
        s: &ast::Stmt,
    ) -> Option<Stmt> {
        let keys = self.keys(key_exprs)?;
        let key_types: Vec<Type> = keys.iter().map(|k| k.ty.clone()).collect();
        if op.is_none() {
            if let Some(agg) = self.aggregation(value) {
                let agg = agg?;
                let map = self.map_write(name, target.span, &key_types, agg.kind, agg.value.as_ref().map(|v| &v.ty), agg.lhist)?;
                return Some(Stmt::Aggregate { map, keys, agg: agg.agg, value: agg.value });
            }
        }
        match op {
            None => {
                let v = self.expr(value)?;
                let map = self.map_write(name, target.span, &key_types, MapKind::Value, Some(&v.ty), None)?;
                let ty = self.maps[map].value.clone().unwrap_or(Type::I64);
                let v = self.assignable(v, &ty, value.span)?;
                Some(Stmt::MapSet { map, keys, value: v })
            }
            Some(op @ (BinOp::Add | BinOp::Sub)) => {
                // `@m += e` (and `++`): an atomic add, creating an i64 map if new.
                let v = self.expr(value)?;
                if !v.ty.is_scalar() {
                    self.error(Diagnostic::error(format!("`{}=` needs an integer, found a string", op.symbol()), value.span, "string"));
                    return None;
                }
                let vty = if self.map_index.contains_key(name) { v.ty.clone() } else { Type::I64 };
                let map = self.map_write(name, target.span, &key_types, MapKind::Value, Some(&vty), None)?;
                if self.maps[map].value == Some(Type::Str) {
                    return None;
                }
                let mut amount = convert(v, &Type::I64);
                if op == BinOp::Sub {
                    amount = Expr { kind: T::Unary(UnOp::Neg, Box::new(amount)), ty: Type::I64 };
                }
                Some(Stmt::MapAdd { map, keys, value: amount })
            }
            Some(op) => {
                // Other compound operators: read, compute, write (not atomic).
                let rhs = ast::Expr { kind: A::Binary { op, lhs: Box::new(target.clone()), rhs: Box::new(value.clone()) }, span: s.span };
                let v = self.expr(&rhs)?;
                let map = self.map_existing(name, target.span, Some(&key_types))?;
                let ty = self.maps[map].value.clone().unwrap_or(Type::I64);
                let v = self.assignable(v, &ty, value.span)?;
                Some(Stmt::MapSet { map, keys, value: v })
            }
        }
    }
}
