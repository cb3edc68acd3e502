//! Lowering: typed IR to AArch64 machine code with Cranelift, one function
//! per probe block, in a `cranelift-object` module that `emit` completes.

mod expr;
mod func;
pub mod helpers;
pub mod isa;
mod stmt;

use crate::diag::Diagnostic;
use crate::tir;
use crate::types::Type;
use cranelift_codegen::ir::{types::I64, AbiParam, InstBuilder, UserFuncName};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{Linkage, Module};
use cranelift_object::{ObjectBuilder, ObjectModule, ObjectProduct};
use func::FnLower;
use helpers::Helpers;
pub use isa::Features;

/// What lowering produced for one handler.
#[derive(Clone, Debug)]
pub struct LoweredFn {
    /// ELF symbol name.
    pub symbol: String,
    /// Cranelift IR text, if requested.
    pub clif: Option<String>,
    /// Machine code size in bytes.
    pub code_size: u32,
    /// Bytes of stack buffers the lowering allocated.
    pub stack_bytes: u32,
}

/// The module with all handlers defined, ready for `emit`.
pub struct Lowered {
    /// The object under construction.
    pub product: ObjectProduct,
    /// Per-handler results, in handler order.
    pub functions: Vec<LoweredFn>,
}

fn ice(msg: impl std::fmt::Display, span: crate::span::Span) -> Vec<Diagnostic> {
    vec![Diagnostic::internal(msg, span, "while compiling this probe")]
}

/// Lower every handler. `keep_clif` records the IR text for `--emit clif`.
pub fn lower(prog: &tir::Program, features: Features, keep_clif: bool) -> Result<Lowered, Vec<Diagnostic>> {
    let none = crate::span::Span::default();
    let isa = isa::target(features).map_err(|e| ice(e, none))?;
    let builder = ObjectBuilder::new(isa, "probes", cranelift_module::default_libcall_names()).map_err(|e| ice(e, none))?;
    let mut module = ObjectModule::new(builder);
    let mut helpers = Helpers::default();
    let mut fctx = FunctionBuilderContext::new();
    let mut ctx = module.make_context();
    let mut functions = Vec::new();
    for (index, h) in prog.handlers.iter().enumerate() {
        let mut sig = module.make_signature();
        sig.params.push(AbiParam::new(I64));
        let id = module.declare_function(&h.symbol, Linkage::Export, &sig).map_err(|e| ice(e, h.span))?;
        ctx.clear();
        ctx.func.signature = sig;
        ctx.func.name = UserFuncName::user(0, index as u32);
        let stack_bytes = build(&mut ctx, &mut fctx, &mut module, &mut helpers, prog, h);
        let clif = keep_clif.then(|| ctx.func.display().to_string());
        module.define_function(id, &mut ctx).map_err(|e| ice(format!("{e:?}"), h.span))?;
        let code_size = ctx.compiled_code().map(|c| c.code_buffer().len() as u32).unwrap_or(0);
        functions.push(LoweredFn { symbol: h.symbol.clone(), clif, code_size, stack_bytes });
    }
    Ok(Lowered { product: module.finish(), functions })
}

fn build(
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    module: &mut ObjectModule,
    helpers: &mut Helpers,
    prog: &tir::Program,
    h: &tir::Handler,
) -> u32 {
    let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let ctx_ptr = b.block_params(entry)[0];
    let mut f = FnLower::new(b, module, helpers, prog, ctx_ptr);
    for ty in &h.locals {
        let var = f.b.declare_var(I64);
        let zero = f.iconst(0);
        f.b.def_var(var, zero);
        f.vars.push(var);
        let buf = (*ty == Type::Str).then(|| {
            let buf = f.buffer(f.strlen());
            f.zero_str(buf);
            buf
        });
        f.str_locals.push(buf);
    }
    if let Some(p) = &h.predicate {
        let c = f.expr(p);
        let body = f.b.create_block();
        let out = f.b.create_block();
        f.b.ins().brif(c, body, &[], out, &[]);
        f.b.switch_to_block(out);
        f.b.ins().return_(&[]);
        f.b.switch_to_block(body);
    }
    f.stmts(&h.body);
    f.b.ins().return_(&[]);
    let stack = f.stack_bytes;
    let config = f.module.isa().frontend_config();
    let mut b = f.b;
    b.seal_all_blocks();
    b.finalize(config);
    stack
}
