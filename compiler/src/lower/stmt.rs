//! Lowering statements: control flow, map updates (atomic), aggregations
//! and output.

use super::func::{trusted, FnLower};
use super::helpers::Helper;
use crate::tir::{Agg, Expr, Stmt};
use crate::types::Type;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types::I64, AtomicRmwOp, InstBuilder, Value};

const SIGN: i64 = i64::MIN;

impl FnLower<'_, '_> {
    /// Lower a statement list. Returns `false` if control cannot fall out
    /// of it (it ended in `return`).
    pub(crate) fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        match s {
            Stmt::SetLocal { local, value } => {
                let v = self.expr(value);
                match self.str_locals.get(*local).copied().flatten() {
                    Some(dst) => self.copy_str(dst, v),
                    None => self.b.def_var(self.vars[*local], v),
                }
            }
            Stmt::MapSet { map, keys, value } => {
                let v = self.expr(value);
                let is_str = value.ty == Type::Str;
                let slot = self.lookup(*map, keys);
                self.when(slot, |f| {
                    if is_str {
                        f.copy_str(slot, v);
                    } else {
                        f.b.ins().store(trusted(), v, slot, 0);
                    }
                });
            }
            Stmt::MapAdd { map, keys, value } => {
                let v = self.expr(value);
                let slot = self.lookup(*map, keys);
                self.when(slot, |f| f.atomic_add(slot, 0, v));
            }
            Stmt::Aggregate { map, keys, agg, value } => {
                let v = value.as_ref().map(|v| self.expr(v));
                let lhist = self.prog.maps[*map].lhist;
                let slot = self.lookup(*map, keys);
                let agg = *agg;
                self.when(slot, |f| f.aggregate(slot, agg, v, lhist));
            }
            Stmt::If { cond, then, otherwise } => {
                let c = self.expr(cond);
                let tb = self.b.create_block();
                let eb = self.b.create_block();
                let join = self.b.create_block();
                self.b.ins().brif(c, tb, &[], eb, &[]);
                self.b.switch_to_block(tb);
                self.stmts(then);
                self.b.ins().jump(join, &[]);
                self.b.switch_to_block(eb);
                self.stmts(otherwise);
                self.b.ins().jump(join, &[]);
                self.b.switch_to_block(join);
            }
            Stmt::For { local, start, end, body } => {
                let var = self.vars[*local];
                let s = self.iconst(*start as u64);
                self.b.def_var(var, s);
                let header = self.b.create_block();
                let body_blk = self.b.create_block();
                let exit = self.b.create_block();
                self.b.ins().jump(header, &[]);
                self.b.switch_to_block(header);
                let i = self.b.use_var(var);
                let more = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, i, *end);
                self.b.ins().brif(more, body_blk, &[], exit, &[]);
                self.b.switch_to_block(body_blk);
                self.stmts(body);
                let i = self.b.use_var(var);
                let next = self.b.ins().iadd_imm_s(i, 1);
                self.b.def_var(var, next);
                self.b.ins().jump(header, &[]);
                self.b.switch_to_block(exit);
            }
            Stmt::Unroll { count, body } => {
                for _ in 0..*count {
                    self.stmts(body);
                }
            }
            Stmt::Return => {
                self.b.ins().return_(&[]);
                let dead = self.b.create_block();
                self.b.switch_to_block(dead);
            }
            Stmt::Exit => {
                self.call(Helper::Exit, &[]);
            }
            Stmt::Printf { format, args } => {
                let size = crate::check::key_size(&self.prog.formats[*format].args, self.strlen());
                let buf = self.pack(args, size);
                let fmt = self.u32_arg(*format as u32);
                let len = self.u32_arg(size);
                self.call(Helper::Printf, &[fmt, buf, len]);
            }
            Stmt::Print(m) | Stmt::Clear(m) | Stmt::Zero(m) => {
                let h = match s {
                    Stmt::Print(_) => Helper::MapPrint,
                    Stmt::Clear(_) => Helper::MapClear,
                    _ => Helper::MapZero,
                };
                let id = self.u32_arg(*m as u32);
                self.call(h, &[id]);
            }
            Stmt::Delete { map, keys } => {
                let key = self.key(*map, keys);
                let id = self.u32_arg(*map as u32);
                self.call(Helper::MapDelete, &[id, key]);
            }
        }
    }

    /// The value slot for `@map[keys]`, created if absent (null if full).
    fn lookup(&mut self, map: usize, keys: &[Expr]) -> Value {
        let key = self.key(map, keys);
        let id = self.u32_arg(map as u32);
        self.call(Helper::MapLookup, &[id, key]).unwrap_or_else(|| self.iconst(0))
    }

    fn atomic_add(&mut self, slot: Value, offset: i64, v: Value) {
        let addr = if offset == 0 { slot } else { self.b.ins().iadd_imm_s(slot, offset) };
        self.b.ins().atomic_rmw(I64, trusted(), AtomicRmwOp::Add, addr, v);
    }

    /// Update an aggregation slot (layouts in `abi::map_kind`).
    fn aggregate(&mut self, slot: Value, agg: Agg, v: Option<Value>, lhist: Option<(i64, i64, i64)>) {
        let one = self.iconst(1);
        let v = v.unwrap_or(one);
        match agg {
            Agg::Count => self.atomic_add(slot, 0, one),
            Agg::Sum => self.atomic_add(slot, 0, v),
            Agg::Min => {
                let x = self.b.ins().bxor_imm_s(v, SIGN);
                let enc = self.b.ins().bnot(x);
                self.b.ins().atomic_rmw(I64, trusted(), AtomicRmwOp::Umax, slot, enc);
            }
            Agg::Max => {
                let enc = self.b.ins().bxor_imm_s(v, SIGN);
                self.b.ins().atomic_rmw(I64, trusted(), AtomicRmwOp::Umax, slot, enc);
            }
            Agg::AvgStats => {
                self.atomic_add(slot, 0, one);
                self.atomic_add(slot, 8, v);
            }
            Agg::Hist => {
                // Bucket 0: negative; otherwise 65 - clz(v): 1 for zero,
                // 2 + floor(log2 v) for positive values.
                let clz = self.b.ins().clz(v);
                let sixty_five = self.iconst(65);
                let idx = self.b.ins().isub(sixty_five, clz);
                let neg = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, v, 0);
                let zero = self.iconst(0);
                let idx = self.b.ins().select(neg, zero, idx);
                self.bucket(slot, idx);
            }
            Agg::Lhist => {
                let (min, max, step) = lhist.unwrap_or((0, 1, 1));
                let n = ((max as i128 - min as i128 + step as i128 - 1) / step as i128) as i64;
                let rel = self.b.ins().iadd_imm_s(v, min.wrapping_neg());
                let step_v = self.iconst(step as u64);
                let q = self.b.ins().sdiv(rel, step_v);
                let idx = self.b.ins().iadd_imm_s(q, 1);
                let below = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, v, min);
                let above = self.b.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, v, max);
                let zero = self.iconst(0);
                let last = self.iconst((n + 1) as u64);
                let idx = self.b.ins().select(above, last, idx);
                let idx = self.b.ins().select(below, zero, idx);
                self.bucket(slot, idx);
            }
        }
    }

    fn bucket(&mut self, slot: Value, idx: Value) {
        let off = self.b.ins().ishl_imm_s(idx, 3);
        let addr = self.b.ins().iadd(slot, off);
        let one = self.iconst(1);
        self.b.ins().atomic_rmw(I64, trusted(), AtomicRmwOp::Add, addr, one);
    }
}
