//! Each snippet run natively, then with a probe on its instruction, from
//! the same inputs: every output register, NZCV, SIMD register, the SP
//! change and the memory buffer must match, and the handlers must have run
//! once per run with the frame at the probed address. In Boost mode the
//! probe has no post-handler, so out-of-line snippets run boosted.

use crate::block::Block;
use crate::report::Report;
use crate::snippets::{self, Expect, Snippet, Vary};
use crate::text;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use probec_runtime::arch::aarch64::decode::Decoded;
use probec_runtime::{attach, check, detach, stats, HitContext, XolMode};

static PRE: AtomicU64 = AtomicU64::new(0);
static POST: AtomicU64 = AtomicU64::new(0);
static PRE_PC_WRONG: AtomicBool = AtomicBool::new(false);

fn pre(ctx: &mut HitContext<'_>) {
    PRE.fetch_add(1, Ordering::Relaxed);
    if ctx.frame.pc as usize != ctx.addr {
        PRE_PC_WRONG.store(true, Ordering::Relaxed);
    }
}

fn post(_: &mut HitContext<'_>) {
    POST.fetch_add(1, Ordering::Relaxed);
}

/// The inputs of every run of `snippet`.
fn inputs(snippet: &Snippet, seed: u64) -> Vec<Block> {
    let base = Block::seeded(seed);
    match snippet.vary {
        Vary::Once => alloc::vec![base],
        Vary::AllNzcv => (0..16u64)
            .map(|n| {
                let mut b = base;
                b.in_nzcv = n << 28;
                b
            })
            .collect(),
        Vary::Reg(reg, values) => values
            .iter()
            .map(|&v| {
                let mut b = base;
                b.in_x[reg] = v;
                b
            })
            .collect(),
    }
}

/// Run `snippet` on `input` in `slot` (a fixed heap block, so the buffer
/// address in X1 is the same in both runs).
fn execute(snippet: &Snippet, slot: &mut Block, input: &Block) -> Block {
    *slot = *input;
    slot.in_x[1] = slot.buf.as_ptr() as u64;
    // SAFETY: the snippet only touches the block, its buffer and its own
    // stack frame, and restores every callee-saved register.
    unsafe { (snippet.run)(slot) };
    // Only the flags are defined in NZCV's register image.
    slot.out_nzcv &= 0xF000_0000;
    *slot
}

fn describe(native: &Block, probed: &Block) -> String {
    let mut out = String::new();
    for r in 0..16 {
        if native.out_x[r] != probed.out_x[r] {
            out += &alloc::format!(" x{r}: {:#x} vs {:#x};", native.out_x[r], probed.out_x[r]);
        }
    }
    if native.out_nzcv != probed.out_nzcv {
        out += &alloc::format!(" nzcv: {:#x} vs {:#x};", native.out_nzcv, probed.out_nzcv);
    }
    if native.out_sp_delta != probed.out_sp_delta {
        out += &alloc::format!(" sp delta: {:#x} vs {:#x};", native.out_sp_delta, probed.out_sp_delta);
    }
    for r in 0..4 {
        if native.out_v[r] != probed.out_v[r] {
            out += &alloc::format!(" q{r}: {:#x} vs {:#x};", native.out_v[r], probed.out_v[r]);
        }
    }
    if native.buf != probed.buf {
        out += " memory buffer differs;";
    }
    out
}

fn test_snippet(snippet: &Snippet, slot: &mut Block) -> Result<(), String> {
    let class = check(snippet.probe).map_err(|e| alloc::format!("check refused: {e}"))?;
    let got = match class {
        Decoded::Xol => Expect::Xol,
        Decoded::Simulate(_) => Expect::Simulate,
        Decoded::Reject(r) => return Err(alloc::format!("rejected: {}", r.message())),
    };
    ensure!(got == snippet.expect, "classified {got:?}, expected {:?}", snippet.expect);
    let original = text::word(snippet.probe);
    let runs = inputs(snippet, snippet.probe as u64);
    let native: Vec<Block> = runs.iter().map(|input| execute(snippet, slot, input)).collect();
    PRE.store(0, Ordering::Relaxed);
    POST.store(0, Ordering::Relaxed);
    PRE_PC_WRONG.store(false, Ordering::Relaxed);
    let with_post = crate::xol_mode() != XolMode::Boost;
    let id = attach(snippet.probe, crate::handlers(pre, post, with_post), 0).map_err(|e| alloc::format!("attach: {e}"))?;
    let (boosted, want_boosted) = (crate::is_boosted(id), crate::expect_boosted(class, with_post));
    ensure!(text::word(snippet.probe) == text::PROBE_BRK, "BRK not planted");
    let probed: Vec<Block> = runs.iter().map(|input| execute(snippet, slot, input)).collect();
    let counters = stats(id);
    detach(id).map_err(|e| alloc::format!("detach: {e}"))?;
    ensure!(text::word(snippet.probe) == original, "original word not restored after detach");
    for (i, (n, p)) in native.iter().zip(&probed).enumerate() {
        ensure!(n == p, "run {i} (nzcv in {:#x}) diverged:{}", runs[i].in_nzcv, describe(n, p));
    }
    ensure!(boosted == want_boosted, "slot boosted: {boosted}, expected {want_boosted}");
    let expected = runs.len() as u64;
    let expected_post = if with_post { expected } else { 0 };
    ensure!(
        PRE.load(Ordering::Relaxed) == expected && POST.load(Ordering::Relaxed) == expected_post,
        "handlers ran pre {} post {} times, expected {expected} and {expected_post}",
        PRE.load(Ordering::Relaxed),
        POST.load(Ordering::Relaxed)
    );
    ensure!(counters.map(|c| c.hits) == Some(expected), "hit counter {counters:?}, expected {expected}");
    ensure!(!PRE_PC_WRONG.load(Ordering::Relaxed), "pre-handler saw a frame pc other than the probe address");
    Ok(())
}

/// Run every snippet.
pub fn run(report: &mut Report) {
    let mut slot = Box::new(Block::seeded(0));
    for snippet in snippets::all() {
        let outcome = test_snippet(&snippet, &mut slot);
        report.check(&alloc::format!("insn {}", snippet.name), outcome);
    }
}
