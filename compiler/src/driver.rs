//! The compile driver: the passes in order, each producing its own IR.
//!
//! ```text
//! parse  : &str          -> ast::Program
//! check  : ast::Program  -> tir::Program
//! lower  : tir::Program  -> lower::Lowered (Cranelift module, AArch64 code)
//! emit   : Lowered       -> ELF bytes (+ descriptor sections)
//! ```

use crate::diag::Diagnostic;
use crate::lower::Features;
use crate::{check, emit, lower, syntax};
use std::time::Instant;

/// What to produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Emit {
    /// The ELF relocatable object.
    #[default]
    Obj,
    /// Disassembly of the handlers.
    Asm,
    /// Cranelift IR of the handlers.
    Clif,
    /// The checked (typed) program.
    Ast,
}

/// Compiler options.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// CPU features to use.
    pub features: Features,
    /// Output kind.
    pub emit: Emit,
    /// Record a dump after every pass (`-d`).
    pub dump: bool,
    /// The GNU build-id of the kernel compiled against, recorded in the
    /// object (a live-attach agent refuses the object on another build).
    pub build_id: Option<Vec<u8>>,
}

/// The result of a compile.
#[derive(Clone, Debug, Default)]
pub struct Output {
    /// The object bytes, or the requested text.
    pub bytes: Vec<u8>,
    /// `(pass, dump)` for each pass that ran, when `Options::dump` is set.
    pub dumps: Vec<(&'static str, String)>,
    /// Warnings (compilation succeeded).
    pub warnings: Vec<Diagnostic>,
    /// Wall time of each pass that ran, in order.
    pub timings: Vec<(&'static str, std::time::Duration)>,
    /// One-line summary of the checked program (probes, maps, formats).
    pub summary: String,
}

/// Compile `source` (named `name` in messages and in the object).
pub fn compile(source: &str, name: &str, opts: &Options) -> Result<Output, Vec<Diagnostic>> {
    let mut out = Output::default();
    let t = Instant::now();
    let ast = syntax::parse(source)?;
    out.timings.push(("parse", t.elapsed()));
    if opts.dump {
        out.dumps.push(("parse", format!("{ast:#?}")));
    }
    let t = Instant::now();
    let tir = check::check(&ast)?;
    out.timings.push(("check", t.elapsed()));
    let probes: usize = tir.handlers.iter().map(|h| h.probes.len()).sum();
    out.summary = format!(
        "{probes} probe(s) in {} handler(s), {} map(s), {} printf format(s)",
        tir.handlers.len(),
        tir.maps.len(),
        tir.formats.len()
    );
    if opts.dump || opts.emit == Emit::Ast {
        let text = crate::tir_fmt::program(&tir);
        if opts.emit == Emit::Ast {
            out.bytes = text.into_bytes();
            return Ok(out);
        }
        out.dumps.push(("check", text));
    }
    let keep_clif = opts.dump || opts.emit == Emit::Clif;
    let t = Instant::now();
    let lowered = lower::lower(&tir, opts.features, keep_clif)?;
    out.timings.push(("lower", t.elapsed()));
    let code: u32 = lowered.functions.iter().map(|f| f.code_size).sum();
    out.summary.push_str(&format!(", {code} bytes of code"));
    let clif: String = lowered.functions.iter().filter_map(|f| f.clif.as_ref().map(|c| format!("; {}\n{c}\n", f.symbol))).collect();
    if opts.emit == Emit::Clif {
        out.bytes = clif.into_bytes();
        return Ok(out);
    }
    if opts.dump {
        out.dumps.push(("lower", clif));
    }
    let t = Instant::now();
    let obj = emit::emit(&tir, lowered, opts.features.bits(), name, opts.build_id.as_deref())?;
    out.timings.push(("emit", t.elapsed()));
    if opts.dump || opts.emit == Emit::Asm {
        let text = crate::asm::disassemble_object(&obj).map_err(|e| vec![Diagnostic::internal(e, crate::span::Span::default(), "")])?;
        if opts.emit == Emit::Asm {
            out.bytes = text.into_bytes();
            return Ok(out);
        }
        out.dumps.push(("emit", text));
    }
    out.bytes = obj;
    Ok(out)
}
