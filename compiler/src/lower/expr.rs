//! Lowering expressions. Every scalar is an I64 in canonical form for its
//! type; a string is the address of a `max_strlen`-byte buffer.

use super::func::{trusted, FnLower};
use super::helpers::Helper;
use crate::ast::{BinOp, UnOp};
use crate::tir::{CtxField, Expr, ExprKind as T, MapKind};
use crate::types::Type;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types::I64, InstBuilder, Value};
use probec_abi as abi;
use probec_abi::frame;

const SIGN: i64 = i64::MIN;

impl FnLower<'_, '_> {
    /// Lower an expression to a value.
    pub(crate) fn expr(&mut self, e: &Expr) -> Value {
        match &e.kind {
            T::Const(v) => self.iconst(*v),
            T::Str(bytes) => {
                let buf = self.buffer(self.strlen());
                for (i, off) in (0..self.strlen()).step_by(8).enumerate() {
                    let mut word = [0u8; 8];
                    for (j, w) in word.iter_mut().enumerate() {
                        *w = bytes.get(i * 8 + j).copied().unwrap_or(0);
                    }
                    let v = self.iconst(u64::from_le_bytes(word));
                    self.b.ins().store(trusted(), v, buf, off as i32);
                }
                buf
            }
            T::Local(i) => match self.str_locals.get(*i).copied().flatten() {
                Some(addr) => addr,
                None => self.b.use_var(self.vars[*i]),
            },
            T::MapGet { map, keys } => self.map_get(*map, keys, &e.ty),
            T::Ctx(f) => match f {
                CtxField::Cpu => self.b.ins().uload32(trusted(), self.ctx, abi::CTX_CPU as i32),
                CtxField::Nsecs => self.ctx_u64(abi::CTX_NOW_NS),
                CtxField::Retval => self.ctx_u64(abi::CTX_RETVAL),
                CtxField::Elapsed => {
                    let now = self.ctx_u64(abi::CTX_NOW_NS);
                    let start = self.ctx_u64(abi::CTX_START_NS);
                    self.b.ins().isub(now, start)
                }
            },
            T::Reg(n) => {
                let frame = self.ctx_u64(abi::CTX_FRAME);
                let off = match n {
                    31 => frame::OFFSET_SP,
                    32 => frame::OFFSET_PC,
                    n => frame::OFFSET_X + 8 * *n as usize,
                };
                self.b.ins().load(I64, trusted(), frame, off as i32)
            }
            T::Require(i) => {
                let i = self.u32_arg(*i);
                self.call(Helper::CtxValue, &[i]).unwrap_or_else(|| self.iconst(0))
            }
            T::CtxStr(which) => {
                let buf = self.buffer(self.strlen());
                let w = self.u32_arg(*which);
                let cap = self.iconst(self.strlen() as u64);
                self.call(Helper::CtxStr, &[w, buf, cap]);
                buf
            }
            T::Unary(op, x) => {
                let v = self.expr(x);
                let r = match op {
                    UnOp::Neg => self.b.ins().ineg(v),
                    UnOp::BitNot => self.b.ins().bnot(v),
                    UnOp::Not => {
                        let c = self.b.ins().icmp_imm_s(IntCC::Equal, v, 0);
                        self.b.ins().uextend(I64, c)
                    }
                    UnOp::Deref => v,
                };
                self.normalise(r, &e.ty)
            }
            T::Binary { op, signed, lhs, rhs } => {
                let a = self.expr(lhs);
                let b = self.expr(rhs);
                self.binary(*op, *signed, a, b, &e.ty)
            }
            T::PtrOffset { ptr, offset } => {
                let p = self.expr(ptr);
                let o = self.expr(offset);
                self.b.ins().iadd(p, o)
            }
            T::Logic(is_and, lhs, rhs) => {
                let a = self.expr(lhs);
                let eval_b = self.b.create_block();
                let join = self.b.create_block();
                self.b.append_block_param(join, I64);
                let short = self.iconst(if *is_and { 0 } else { 1 });
                if *is_and {
                    self.b.ins().brif(a, eval_b, &[], join, &[short.into()]);
                } else {
                    self.b.ins().brif(a, join, &[short.into()], eval_b, &[]);
                }
                self.b.switch_to_block(eval_b);
                let v = self.expr(rhs);
                self.b.ins().jump(join, &[v.into()]);
                self.b.switch_to_block(join);
                self.b.block_params(join)[0]
            }
            T::StrEq(eq, lhs, rhs) => {
                let a = self.expr(lhs);
                let b = self.expr(rhs);
                let mut acc = self.iconst(0);
                for off in (0..self.strlen()).step_by(8) {
                    let wa = self.b.ins().load(I64, trusted(), a, off as i32);
                    let wb = self.b.ins().load(I64, trusted(), b, off as i32);
                    let x = self.b.ins().bxor(wa, wb);
                    acc = self.b.ins().bor(acc, x);
                }
                let cc = if *eq { IntCC::Equal } else { IntCC::NotEqual };
                let c = self.b.ins().icmp_imm_s(cc, acc, 0);
                self.b.ins().uextend(I64, c)
            }
            T::Ternary(c, a, b) => {
                let cv = self.expr(c);
                let then = self.b.create_block();
                let other = self.b.create_block();
                let join = self.b.create_block();
                self.b.append_block_param(join, I64);
                self.b.ins().brif(cv, then, &[], other, &[]);
                self.b.switch_to_block(then);
                let av = self.expr(a);
                self.b.ins().jump(join, &[av.into()]);
                self.b.switch_to_block(other);
                let bv = self.expr(b);
                self.b.ins().jump(join, &[bv.into()]);
                self.b.switch_to_block(join);
                self.b.block_params(join)[0]
            }
            T::Cast(x) => {
                let v = self.expr(x);
                self.normalise(v, &e.ty)
            }
            T::Read(p) => {
                let addr = self.expr(p);
                let buf = self.buffer(8);
                let size = e.ty.mem_size().max(1);
                let len = self.iconst(size as u64);
                self.call(Helper::Read, &[buf, addr, len]);
                let signed = e.ty.is_signed();
                let f = trusted();
                let ins = self.b.ins();
                let v = match (size, signed) {
                    (1, false) => ins.uload8(I64, f, buf, 0),
                    (1, true) => ins.sload8(I64, f, buf, 0),
                    (2, false) => ins.uload16(I64, f, buf, 0),
                    (2, true) => ins.sload16(I64, f, buf, 0),
                    (4, false) => ins.uload32(f, buf, 0),
                    (4, true) => ins.sload32(f, buf, 0),
                    _ => ins.load(I64, f, buf, 0),
                };
                self.normalise(v, &e.ty)
            }
            T::ReadStr(p, limit) => {
                let addr = self.expr(p);
                let lim = match limit {
                    Some(n) => self.expr(n),
                    None => self.iconst(self.strlen() as u64),
                };
                let buf = self.buffer(self.strlen());
                let cap = self.iconst(self.strlen() as u64);
                self.call(Helper::ReadStr, &[buf, cap, addr, lim]);
                buf
            }
        }
    }

    fn binary(&mut self, op: BinOp, signed: bool, a: Value, b: Value, ty: &Type) -> Value {
        let cmp = |cc_s: IntCC, cc_u: IntCC| if signed { cc_s } else { cc_u };
        let cc = match op {
            BinOp::Eq => Some(IntCC::Equal),
            BinOp::Ne => Some(IntCC::NotEqual),
            BinOp::Lt => Some(cmp(IntCC::SignedLessThan, IntCC::UnsignedLessThan)),
            BinOp::Le => Some(cmp(IntCC::SignedLessThanOrEqual, IntCC::UnsignedLessThanOrEqual)),
            BinOp::Gt => Some(cmp(IntCC::SignedGreaterThan, IntCC::UnsignedGreaterThan)),
            BinOp::Ge => Some(cmp(IntCC::SignedGreaterThanOrEqual, IntCC::UnsignedGreaterThanOrEqual)),
            _ => None,
        };
        if let Some(cc) = cc {
            let c = self.b.ins().icmp(cc, a, b);
            return self.b.ins().uextend(I64, c);
        }
        let ins = self.b.ins();
        let r = match op {
            BinOp::Add => ins.iadd(a, b),
            BinOp::Sub => ins.isub(a, b),
            BinOp::Mul => ins.imul(a, b),
            BinOp::BitAnd => ins.band(a, b),
            BinOp::BitOr => ins.bor(a, b),
            BinOp::BitXor => ins.bxor(a, b),
            BinOp::Shl => ins.ishl(a, b),
            BinOp::Shr if signed => ins.sshr(a, b),
            BinOp::Shr => ins.ushr(a, b),
            BinOp::Div | BinOp::Rem => return self.divide(op == BinOp::Div, signed, a, b, ty),
            _ => a,
        };
        self.normalise(r, ty)
    }

    /// Division that never traps: x/0 = 0 and x%0 = 0 (as eBPF, bpftrace),
    /// and i64::MIN / -1 wraps.
    fn divide(&mut self, is_div: bool, signed: bool, a: Value, b: Value, ty: &Type) -> Value {
        let zero = self.iconst(0);
        let one = self.iconst(1);
        let is_zero = self.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
        let r = if signed {
            // Avoid both traps: divide by 1 instead of 0 or -1, then fix up.
            let is_m1 = self.b.ins().icmp_imm_s(IntCC::Equal, b, -1);
            let bad = self.b.ins().bor(is_zero, is_m1);
            let safe = self.b.ins().select(bad, one, b);
            let q = if is_div { self.b.ins().sdiv(a, safe) } else { self.b.ins().srem(a, safe) };
            let neg = self.b.ins().ineg(a);
            let m1 = if is_div { neg } else { zero };
            let q = self.b.ins().select(is_m1, m1, q);
            self.b.ins().select(is_zero, zero, q)
        } else {
            let safe = self.b.ins().select(is_zero, one, b);
            let q = if is_div { self.b.ins().udiv(a, safe) } else { self.b.ins().urem(a, safe) };
            self.b.ins().select(is_zero, zero, q)
        };
        self.normalise(r, ty)
    }

    /// Build a key buffer for `map`; null for maps without keys.
    pub(crate) fn key(&mut self, map: usize, keys: &[Expr]) -> Value {
        let size = crate::check::key_size(&self.prog.maps[map].keys, self.strlen());
        self.pack(keys, size)
    }

    /// Evaluate `exprs` and pack them, in order, into a new `size`-byte
    /// buffer in the layout keys and printf records share: integers as 8
    /// bytes, strings as `max_strlen` bytes. Null when `size` is 0.
    pub(crate) fn pack(&mut self, exprs: &[Expr], size: u32) -> Value {
        let strlen = self.strlen();
        let values: Vec<(Value, bool)> = exprs.iter().map(|e| (self.expr(e), e.ty == Type::Str)).collect();
        if size == 0 {
            return self.iconst(0);
        }
        let buf = self.buffer(size);
        let mut off = 0i32;
        for (v, is_str) in values {
            if is_str {
                for w in (0..strlen).step_by(8) {
                    let word = self.b.ins().load(I64, trusted(), v, w as i32);
                    self.b.ins().store(trusted(), word, buf, off + w as i32);
                }
                off += strlen as i32;
            } else {
                self.b.ins().store(trusted(), v, buf, off);
                off += 8;
            }
        }
        buf
    }

    /// `@m[k]` as a value: 0 (or an empty string) if the key is absent.
    fn map_get(&mut self, map: usize, keys: &[Expr], ty: &Type) -> Value {
        let key = self.key(map, keys);
        let m = self.u32_arg(map as u32);
        let slot = self.call(Helper::MapFind, &[m, key]).unwrap_or_else(|| self.iconst(0));
        if *ty == Type::Str {
            let buf = self.buffer(self.strlen());
            self.zero_str(buf);
            self.when(slot, |f| f.copy_str(buf, slot));
            return buf;
        }
        let kind = self.prog.maps[map].kind;
        let load = self.b.create_block();
        let join = self.b.create_block();
        self.b.append_block_param(join, I64);
        let zero = self.iconst(0);
        self.b.ins().brif(slot, load, &[], join, &[zero.into()]);
        self.b.switch_to_block(load);
        let raw = self.b.ins().load(I64, trusted(), slot, 0);
        let v = match kind {
            MapKind::Min => {
                let x = self.b.ins().bnot(raw);
                self.b.ins().bxor_imm_s(x, SIGN)
            }
            MapKind::Max => self.b.ins().bxor_imm_s(raw, SIGN),
            MapKind::Avg | MapKind::Stats => {
                let sum = self.b.ins().load(I64, trusted(), slot, 8);
                self.divide(true, true, sum, raw, &Type::I64)
            }
            _ => raw,
        };
        self.b.ins().jump(join, &[v.into()]);
        self.b.switch_to_block(join);
        self.b.block_params(join)[0]
    }
}
