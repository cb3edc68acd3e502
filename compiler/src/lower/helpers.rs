//! Runtime helpers as imported functions, with the signatures documented in
//! `probec_abi`.

use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{AbiParam, Signature};
use cranelift_module::{FuncId, Linkage, Module, ModuleError};
use cranelift_object::ObjectModule;
use probec_abi as abi;

/// A runtime helper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Helper {
    MapLookup,
    MapFind,
    MapDelete,
    MapPrint,
    MapClear,
    MapZero,
    Printf,
    Read,
    ReadStr,
    CtxStr,
    CtxValue,
    Exit,
}

impl Helper {
    /// Number of helpers.
    pub const COUNT: usize = 12;
    /// The symbol name (from the ABI).
    pub fn symbol(self) -> &'static str {
        abi::HELPERS[self as usize]
    }

    /// Parameter types after the context pointer, and whether it returns a u64.
    fn shape(self) -> (&'static [cranelift_codegen::ir::Type], bool) {
        match self {
            Helper::MapLookup | Helper::MapFind => (&[I32, I64], true),
            Helper::MapDelete => (&[I32, I64], false),
            Helper::MapPrint | Helper::MapClear | Helper::MapZero => (&[I32], false),
            Helper::Printf => (&[I32, I64, I32], false),
            Helper::Read => (&[I64, I64, I64], true),
            Helper::ReadStr => (&[I64, I64, I64, I64], true),
            Helper::CtxStr => (&[I32, I64, I64], false),
            Helper::CtxValue => (&[I32], true),
            Helper::Exit => (&[], false),
        }
    }
}

/// Helper declarations in one module, made on first use so that an
/// object imports only the helpers its code calls.
#[derive(Default)]
pub struct Helpers {
    ids: [Option<FuncId>; Helper::COUNT],
}

impl Helpers {
    /// The module's id for `h`, declaring it as an import if new. The error
    /// is boxed: `ModuleError` is large, and the caller only checks for one.
    pub fn id(&mut self, module: &mut ObjectModule, h: Helper) -> Result<FuncId, Box<ModuleError>> {
        if let Some(id) = self.ids[h as usize] {
            return Ok(id);
        }
        let mut sig: Signature = module.make_signature();
        sig.params.push(AbiParam::new(I64));
        let (params, ret) = h.shape();
        sig.params.extend(params.iter().map(|t| AbiParam::new(*t)));
        if ret {
            sig.returns.push(AbiParam::new(I64));
        }
        let id = module.declare_function(h.symbol(), Linkage::Import, &sig).map_err(Box::new)?;
        self.ids[h as usize] = Some(id);
        Ok(id)
    }
}
