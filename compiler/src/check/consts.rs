//! Constant evaluation of integer expressions (loop bounds, `unroll`
//! counts, `lhist` parameters), with wrapping arithmetic.

use crate::ast::{BinOp, Expr, ExprKind, UnOp};

/// The value of a constant integer expression, or `None` if it is not one.
pub(crate) fn eval(e: &Expr) -> Option<i64> {
    Some(match &e.kind {
        ExprKind::Int(v) => *v as i64,
        ExprKind::Unary { op: UnOp::Neg, operand } => eval(operand)?.wrapping_neg(),
        ExprKind::Unary { op: UnOp::BitNot, operand } => !eval(operand)?,
        ExprKind::Binary { op, lhs, rhs } => {
            let (a, b) = (eval(lhs)?, eval(rhs)?);
            match op {
                BinOp::Add => a.wrapping_add(b),
                BinOp::Sub => a.wrapping_sub(b),
                BinOp::Mul => a.wrapping_mul(b),
                BinOp::Div => a.checked_div(b).unwrap_or(0),
                BinOp::Rem => a.checked_rem(b).unwrap_or(0),
                BinOp::Shl => a.wrapping_shl(b as u32),
                BinOp::Shr => a.wrapping_shr(b as u32),
                BinOp::BitAnd => a & b,
                BinOp::BitOr => a | b,
                BinOp::BitXor => a ^ b,
                _ => return None,
            }
        }
        _ => return None,
    })
}
