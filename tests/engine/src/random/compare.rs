//! Comparing the native and the probed run, and describing a divergence.

use super::harness::Regs;
use alloc::string::String;
use core::fmt::Write;

/// Everything a run produced.
pub struct Outcome {
    /// Registers after the instruction.
    pub regs: Regs,
    /// The data buffer after it.
    pub buf: alloc::vec::Vec<u8>,
    /// The compared stack window after it.
    pub stack: alloc::vec::Vec<u8>,
}

impl Outcome {
    /// An empty outcome sized for the buffers.
    pub fn new(buf: usize, stack: usize) -> Outcome {
        Outcome { regs: Regs::zeroed(), buf: alloc::vec![0; buf], stack: alloc::vec![0; stack] }
    }
}

fn reg(out: &mut String, name: &str, n: u64, p: u64) {
    if n != p {
        let _ = write!(out, "\n    {name}: native {n:#x} probed {p:#x}");
    }
}

/// Report the bytes at or after `from` where `n` and `p` differ, skipping
/// those before `written_only_below` that the native run left as `init`.
// Two call sites (buffer and stack) that differ in every argument; a struct
// would only rename them.
#[allow(clippy::too_many_arguments)]
fn bytes(out: &mut String, what: &str, base: u64, n: &[u8], p: &[u8], from: usize, init: &[u8], written_only_below: usize) {
    let differs = |i: usize| n[i] != p[i] && (i >= written_only_below || n[i] != init[i]);
    let first = (from..n.len()).find(|&i| differs(i));
    let Some(first) = first else { return };
    let last = (from..n.len()).rev().find(|&i| differs(i)).unwrap_or(first);
    let show = |v: &[u8]| {
        let mut s = String::new();
        for b in &v[first..=last.min(first + 31)] {
            let _ = write!(s, "{b:02x}");
        }
        s
    };
    let _ = write!(out, "\n    {what} {:#x}..{:#x}: native {} probed {}", base + first as u64, base + last as u64 + 1, show(n), show(p));
}

/// The differences between `n` (native) and `p` (probed), one per line,
/// or an empty string if they agree. `stack_base` is the address of the
/// stack window's first byte, `stack_init` its contents before the runs
/// and `sp0` the SP before the instruction. The probed run's exceptions
/// use the stack below the SP they interrupt (the probe's BRK below `sp0`,
/// the end of the step below the final SP), as any exception would, so
/// memory below the final SP is not compared, and between the final SP
/// and a higher `sp0` only the bytes the instruction stored (those the
/// native run changed) are.
pub fn diff(n: &Outcome, p: &Outcome, insn: u64, buf_base: u64, stack_base: u64, stack_init: &[u8], sp0: u64) -> String {
    let mut out = String::new();
    for r in 0..31 {
        let name = alloc::format!("x{r}");
        reg(&mut out, &name, n.regs.x[r], p.regs.x[r]);
    }
    reg(&mut out, "sp", n.regs.sp, p.regs.sp);
    if n.regs.landing != p.regs.landing {
        let pc = |l: u64| l.wrapping_sub(8);
        let _ = write!(
            out,
            "\n    pc after: native {:#x} (insn{:+#x}) probed {:#x} (insn{:+#x})",
            pc(n.regs.landing),
            pc(n.regs.landing) as i64 - insn as i64,
            pc(p.regs.landing),
            pc(p.regs.landing) as i64 - insn as i64
        );
    }
    reg(&mut out, "nzcv", n.regs.nzcv, p.regs.nzcv);
    reg(&mut out, "fpcr", n.regs.fpcr, p.regs.fpcr);
    reg(&mut out, "fpsr", n.regs.fpsr, p.regs.fpsr);
    reg(&mut out, "daif", n.regs.daif, p.regs.daif);
    for r in 0..32 {
        if n.regs.v[r] != p.regs.v[r] {
            let _ = write!(out, "\n    q{r}: native {:#034x} probed {:#034x}", n.regs.v[r], p.regs.v[r]);
        }
    }
    bytes(&mut out, "buffer", buf_base, &n.buf, &p.buf, 0, &n.buf, 0);
    let offset = |a: u64| a.saturating_sub(stack_base).min(n.stack.len() as u64) as usize;
    let final_sp = n.regs.sp.max(p.regs.sp);
    bytes(&mut out, "stack", stack_base, &n.stack, &p.stack, offset(final_sp), stack_init, offset(sp0));
    out
}
