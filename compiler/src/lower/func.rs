//! Per-handler lowering state and the small building blocks every
//! statement and expression uses: stack buffers, helper calls, loads from
//! the context and integer normalisation.

use super::helpers::{Helper, Helpers};
use crate::types::Type;
use cranelift_codegen::ir::{types::I64, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Value};
use cranelift_frontend::{FunctionBuilder, Variable};
use cranelift_module::Module;
use cranelift_object::ObjectModule;

/// Lowering state for one handler.
pub(crate) struct FnLower<'a, 'b> {
    pub(crate) b: FunctionBuilder<'b>,
    pub(crate) module: &'a mut ObjectModule,
    pub(crate) helpers: &'a mut Helpers,
    pub(crate) prog: &'a crate::tir::Program,
    /// The `HandlerCtx *` argument.
    pub(crate) ctx: Value,
    /// One variable per scalar local.
    pub(crate) vars: Vec<Variable>,
    /// Buffer address per string local (`None` for scalar locals).
    pub(crate) str_locals: Vec<Option<Value>>,
    /// Imported helper references, created on first use.
    refs: [Option<cranelift_codegen::ir::FuncRef>; Helper::COUNT],
    /// Bytes of stack buffers allocated so far.
    pub(crate) stack_bytes: u32,
}

/// Memory flags for our own buffers, the context and map slots: aligned and
/// never faulting (they are ours, not target memory).
pub(crate) fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

impl<'a, 'b> FnLower<'a, 'b> {
    pub(crate) fn new(
        b: FunctionBuilder<'b>,
        module: &'a mut ObjectModule,
        helpers: &'a mut Helpers,
        prog: &'a crate::tir::Program,
        ctx: Value,
    ) -> Self {
        FnLower { b, module, helpers, prog, ctx, vars: Vec::new(), str_locals: Vec::new(), refs: [None; Helper::COUNT], stack_bytes: 0 }
    }

    /// String capacity in bytes.
    pub(crate) fn strlen(&self) -> u32 {
        self.prog.limits.max_strlen
    }

    /// A fresh 8-byte-aligned stack buffer; returns its address.
    pub(crate) fn buffer(&mut self, size: u32) -> Value {
        let size = size.max(8);
        self.stack_bytes += size;
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, size, 3));
        self.b.ins().stack_addr(I64, slot, 0)
    }

    /// Call a runtime helper; returns its result if it has one.
    pub(crate) fn call(&mut self, h: Helper, args: &[Value]) -> Option<Value> {
        let fref = match self.refs[h as usize] {
            Some(f) => f,
            None => {
                // Declaring an import with a fixed, valid signature cannot
                // fail unless the name clashes with a handler, which the
                // helper prefix rules out.
                let Ok(id) = self.helpers.id(self.module, h) else { return None };
                let f = self.module.declare_func_in_func(id, self.b.func);
                self.refs[h as usize] = Some(f);
                f
            }
        };
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.ctx);
        all.extend_from_slice(args);
        let inst = self.b.ins().call(fref, &all);
        self.b.inst_results(inst).first().copied()
    }

    /// A 32-bit immediate argument.
    pub(crate) fn u32_arg(&mut self, v: u32) -> Value {
        self.b.ins().iconst(cranelift_codegen::ir::types::I32, v as i64)
    }

    /// A 64-bit constant.
    pub(crate) fn iconst(&mut self, v: u64) -> Value {
        self.b.ins().iconst(I64, v as i64)
    }

    /// Load a 64-bit field of the context.
    pub(crate) fn ctx_u64(&mut self, offset: usize) -> Value {
        self.b.ins().load(I64, trusted(), self.ctx, offset as i32)
    }

    /// Bring a 64-bit value to the canonical form of `ty`: wrapped to its
    /// width and sign- or zero-extended back to 64 bits.
    pub(crate) fn normalise(&mut self, v: Value, ty: &Type) -> Value {
        match ty {
            Type::Int { bits, signed } if *bits < 64 => {
                let shift = 64 - *bits as i64;
                if *signed {
                    let l = self.b.ins().ishl_imm_s(v, shift);
                    self.b.ins().sshr_imm_s(l, shift)
                } else {
                    self.b.ins().band_imm_s(v, ((1u64 << *bits) - 1) as i64)
                }
            }
            Type::Bool => {
                let c = self.b.ins().icmp_imm_s(cranelift_codegen::ir::condcodes::IntCC::NotEqual, v, 0);
                self.b.ins().uextend(I64, c)
            }
            _ => v,
        }
    }

    /// Copy a string buffer (`strlen` bytes, word by word).
    pub(crate) fn copy_str(&mut self, dst: Value, src: Value) {
        for off in (0..self.strlen()).step_by(8) {
            let w = self.b.ins().load(I64, trusted(), src, off as i32);
            self.b.ins().store(trusted(), w, dst, off as i32);
        }
    }

    /// Fill a string buffer with zeros.
    pub(crate) fn zero_str(&mut self, dst: Value) {
        let z = self.iconst(0);
        for off in (0..self.strlen()).step_by(8) {
            self.b.ins().store(trusted(), z, dst, off as i32);
        }
    }

    /// Run `body` only if `cond` (an I64 or I8) is non-zero.
    pub(crate) fn when(&mut self, cond: Value, body: impl FnOnce(&mut Self)) {
        let then = self.b.create_block();
        let join = self.b.create_block();
        self.b.ins().brif(cond, then, &[], join, &[]);
        self.b.switch_to_block(then);
        body(self);
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(join);
    }
}
