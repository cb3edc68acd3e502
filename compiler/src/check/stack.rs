//! The stack budget: a handler's stack use is the sum of the buffers its
//! code allocates (one per local, key, record, string temporary and memory
//! read — the lowering allocates exactly these, without reuse), so the
//! bound is exact and known at compile time.

use super::Checker;
use crate::tir::{Expr, ExprKind as T, Handler, Stmt};
use crate::types::Type;

/// Bytes of stack the handler's buffers take.
pub(crate) fn handler_bytes(h: &Handler, cx: &Checker) -> u32 {
    let strlen = cx.limits.max_strlen;
    let mut total: u64 = h.locals.iter().map(|t| if *t == Type::Str { strlen as u64 } else { 0 }).sum();
    if let Some(p) = &h.predicate {
        total += expr_bytes(p, cx);
    }
    total += stmts_bytes(&h.body, cx);
    total.min(u32::MAX as u64) as u32
}

/// Size of a map's key buffer.
pub(crate) fn key_size(keys: &[Type], strlen: u32) -> u32 {
    keys.iter().map(|k| if *k == Type::Str { strlen } else { 8 }).sum()
}

fn keys_bytes(map: usize, keys: &[Expr], cx: &Checker) -> u64 {
    let strlen = cx.limits.max_strlen;
    let own = cx.maps.get(map).map(|m| key_size(&m.keys, strlen)).unwrap_or(0) as u64;
    own + keys.iter().map(|k| expr_bytes(k, cx)).sum::<u64>()
}

fn stmts_bytes(stmts: &[Stmt], cx: &Checker) -> u64 {
    stmts.iter().map(|s| stmt_bytes(s, cx)).sum()
}

fn stmt_bytes(s: &Stmt, cx: &Checker) -> u64 {
    match s {
        Stmt::SetLocal { value, .. } => expr_bytes(value, cx),
        Stmt::MapSet { map, keys, value } | Stmt::MapAdd { map, keys, value } => keys_bytes(*map, keys, cx) + expr_bytes(value, cx),
        Stmt::Aggregate { map, keys, value, .. } => keys_bytes(*map, keys, cx) + value.as_ref().map(|v| expr_bytes(v, cx)).unwrap_or(0),
        Stmt::If { cond, then, otherwise } => expr_bytes(cond, cx) + stmts_bytes(then, cx) + stmts_bytes(otherwise, cx),
        Stmt::For { body, .. } => stmts_bytes(body, cx),
        Stmt::Unroll { count, body } => *count as u64 * stmts_bytes(body, cx),
        Stmt::Printf { format, args } => {
            let record = cx.formats.get(*format).map(|f| key_size(&f.args, cx.limits.max_strlen)).unwrap_or(0) as u64;
            record + args.iter().map(|a| expr_bytes(a, cx)).sum::<u64>()
        }
        Stmt::Delete { map, keys } => keys_bytes(*map, keys, cx),
        Stmt::Return | Stmt::Exit | Stmt::Print(_) | Stmt::Clear(_) | Stmt::Zero(_) => 0,
    }
}

/// Stack bytes an expression's own buffers take.
pub(crate) fn expr_bytes(e: &Expr, cx: &Checker) -> u64 {
    let strlen = cx.limits.max_strlen as u64;
    match &e.kind {
        T::Const(_) | T::Local(_) | T::Ctx(_) | T::Reg(_) | T::Require(_) => 0,
        T::Str(_) | T::CtxStr(_) => strlen,
        T::MapGet { map, keys } => keys_bytes(*map, keys, cx) + if e.ty == Type::Str { strlen } else { 0 },
        T::Unary(_, x) | T::Cast(x) => expr_bytes(x, cx),
        T::Binary { lhs, rhs, .. } | T::Logic(_, lhs, rhs) | T::StrEq(_, lhs, rhs) => expr_bytes(lhs, cx) + expr_bytes(rhs, cx),
        T::PtrOffset { ptr, offset } => expr_bytes(ptr, cx) + expr_bytes(offset, cx),
        T::Ternary(c, a, b) => expr_bytes(c, cx) + expr_bytes(a, cx) + expr_bytes(b, cx) + if e.ty == Type::Str { strlen } else { 0 },
        T::Read(p) => 8 + expr_bytes(p, cx),
        T::ReadStr(p, n) => strlen + expr_bytes(p, cx) + n.as_ref().map(|n| expr_bytes(n, cx)).unwrap_or(0),
    }
}

/// Number of statements after unrolling (what the code size grows with).
pub(crate) fn statement_count(stmts: &[Stmt]) -> u64 {
    stmts
        .iter()
        .map(|s| match s {
            Stmt::If { then, otherwise, .. } => 1 + statement_count(then) + statement_count(otherwise),
            Stmt::For { body, .. } => 1 + statement_count(body),
            Stmt::Unroll { count, body } => (*count as u64).saturating_mul(statement_count(body)),
            _ => 1,
        })
        .fold(0u64, u64::saturating_add)
}
