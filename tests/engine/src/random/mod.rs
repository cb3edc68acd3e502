//! The randomized differential instruction suite.
//!
//! For every instruction class the decoder accepts (out of line, and each
//! simulated kind) it generates many encodings with random registers,
//! immediates, conditions and widths, runs each natively and then with a
//! probe on it from the same random state (X0–X30, SP, NZCV, DAIF, FPCR,
//! FPSR, Q0–Q31, a data buffer and a scratch stack), and compares every
//! register, the PC after the instruction, the buffer and the stack. For
//! the classes the decoder rejects it checks that attach refuses with the
//! decoder's reason and leaves the word untouched. See docs/differential.md.

mod compare;
mod features;
mod gen;
mod harness;
mod page;
mod rejects;
mod rng;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use compare::Outcome;
use core::sync::atomic::{compiler_fence, AtomicBool, AtomicU64, Ordering};
use features::Features;
use gen::{Class, Cx, Expect};
use harness::{Harness, Regs};
use page::Page;
use probec_runtime::arch::aarch64::decode::{decode, Decoded};
use probec_runtime::{attach, detach, stats, FrameContents, HitContext, Platform, XolMode};
use rng::Rng;

/// Executable memory for generated code, inside the text range the
/// platform's `text_alias` accepts (at least 32 KiB, 4 KiB aligned).
#[derive(Clone, Copy, Debug)]
pub struct TestPage {
    /// First byte.
    pub start: usize,
    /// Length in bytes.
    pub len: usize,
}

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct DiffOptions {
    /// Seed of the whole run.
    pub seed: u64,
    /// Number of instructions executed natively and probed.
    pub count: u64,
    /// Index of the first instruction (to reproduce one: `count` 1).
    pub first: u64,
    /// Print every instruction before running it (to find one that stops
    /// the kernel).
    pub trace: bool,
}

/// The default seed.
// Grouped to read "seed of diff"; equal groups would hide that.
#[allow(clippy::unusual_byte_groupings)]
pub const DEFAULT_SEED: u64 = 0x5eed_0f_d1ff;
/// The default number of instructions per configuration.
pub const DEFAULT_COUNT: u64 = 100_000;

/// Totals of a run.
#[derive(Clone, Copy, Debug, Default)]
pub struct DiffSummary {
    /// Instructions executed natively and probed and compared.
    pub instructions: u64,
    /// Classes (simulated kinds and out-of-line classes) among them.
    pub classes: usize,
    /// Instructions whose probed run differed (or was misclassified).
    pub divergences: u64,
    /// Rejected words checked.
    pub reject_words: u64,
    /// Distinct reject reasons among them.
    pub reject_reasons: usize,
    /// Rejected words attach did not refuse correctly.
    pub reject_failures: u64,
}

static PRE: AtomicU64 = AtomicU64::new(0);
static POST: AtomicU64 = AtomicU64::new(0);
static PRE_PC_WRONG: AtomicBool = AtomicBool::new(false);
static PROBE_ADDR: AtomicU64 = AtomicU64::new(0);
/// Self-check: which part of the state the handlers corrupt (0: none).
static CORRUPT: AtomicU64 = AtomicU64::new(0);
/// Self-check: an address the corruption uses (buffer byte, or new PC).
static CORRUPT_AT: AtomicU64 = AtomicU64::new(0);

/// The corruptions the self-check makes a probe commit; each must be
/// reported as a divergence.
const CORRUPTIONS: &[&str] = &["x9", "sp", "nzcv", "q7", "fpsr", "buffer", "pc after"];

fn pre(ctx: &mut HitContext<'_>) {
    PRE.fetch_add(1, Ordering::Relaxed);
    if ctx.frame.pc != PROBE_ADDR.load(Ordering::Relaxed) {
        PRE_PC_WRONG.store(true, Ordering::Relaxed);
    }
    let f = &mut *ctx.frame;
    match CORRUPT.load(Ordering::Relaxed) {
        1 => f.x[9] ^= 1,
        2 => f.sp -= 16,
        3 => f.pstate ^= 1 << 30,
        4 if full_frame() => f.v[7] ^= 1 << 64,
        5 if full_frame() => f.fpsr ^= 1 << 27,
        // The general-registers frame has no v/fpsr: what the probed code
        // sees is what is in the registers, so corrupt those.
        4 => corrupt_q7_register(),
        5 => corrupt_fpsr_register(),
        6 => {
            let at = CORRUPT_AT.load(Ordering::Relaxed) as *mut u8;
            // SAFETY: the self-check points this at the data buffer.
            unsafe { at.write_volatile(at.read_volatile() ^ 0x10) };
        }
        _ => {}
    }
}

/// The embedder's exception frames hold FP/SIMD state.
fn full_frame() -> bool {
    crate::frame_contents() == FrameContents::Full
}

/// Flip bit 64 of Q7 in the CPU (under the general-registers frame it is
/// live in the register while a handler runs; compiled code of this
/// softfloat target never uses it, so nothing else is disturbed).
fn corrupt_q7_register() {
    // SAFETY: changes only Q7, which no compiled code uses.
    unsafe {
        core::arch::asm!(
            ".arch_extension fp",
            ".arch_extension simd",
            "mov {t}, v7.d[1]",
            "eor {t}, {t}, #1",
            "mov v7.d[1], {t}",
            t = out(reg) _,
            options(nomem, nostack, preserves_flags),
        )
    };
}

/// Flip FPSR.QC in the CPU (as `corrupt_q7_register`).
fn corrupt_fpsr_register() {
    // SAFETY: changes only FPSR, which no compiled code uses.
    unsafe {
        core::arch::asm!(
            ".arch_extension fp",
            "mrs {t}, fpsr",
            "eor {t}, {t}, #(1 << 27)",
            "msr fpsr, {t}",
            t = out(reg) _,
            options(nomem, nostack, preserves_flags),
        )
    };
}

fn post(ctx: &mut HitContext<'_>) {
    POST.fetch_add(1, Ordering::Relaxed);
    if CORRUPT.load(Ordering::Relaxed) == 7 {
        ctx.frame.pc = CORRUPT_AT.load(Ordering::Relaxed);
    }
}

/// Print at most this many divergences in full.
const MAX_REPORTED: u64 = 20;
/// Tries to get an encoding the decoder accepts from a class.
const TRIES: u32 = 64;
/// Size of the scratch stack; the initial SP is high in it so the probed
/// run's exception frames and handlers have room below.
const ARENA: usize = 48 * 1024;
const SP_OFFSET: usize = 36 * 1024;

#[derive(Default)]
struct ClassStats {
    run: u64,
    regenerated: u64,
    gave_up: u64,
    diverged: u64,
}

/// Memory the instruction may touch, 64-byte aligned.
struct Memory {
    _buf: Vec<u128>,
    buf: usize,
    _arena: Vec<u128>,
    arena: usize,
}

impl Memory {
    fn new() -> Memory {
        let mut b = alloc::vec![0u128; gen::BUF_BYTES / 16 + 4];
        let mut a = alloc::vec![0u128; ARENA / 16 + 4];
        let buf = (b.as_mut_ptr() as usize + 63) & !63;
        let arena = (a.as_mut_ptr() as usize + 63) & !63;
        Memory { _buf: b, buf, _arena: a, arena }
    }

    fn window(&self, sp0: u64) -> usize {
        (sp0 - gen::STACK_BELOW) as usize
    }

    fn load(&self, buf: &[u8], sp0: u64, stack: &[u8]) {
        // SAFETY: both ranges lie in this object's allocations.
        unsafe {
            core::ptr::copy_nonoverlapping(buf.as_ptr(), self.buf as *mut u8, buf.len());
            core::ptr::copy_nonoverlapping(stack.as_ptr(), self.window(sp0) as *mut u8, stack.len());
        }
    }

    fn save(&self, sp0: u64, out: &mut Outcome) {
        // SAFETY: as in `load`.
        unsafe {
            core::ptr::copy_nonoverlapping(self.buf as *const u8, out.buf.as_mut_ptr(), out.buf.len());
            core::ptr::copy_nonoverlapping(self.window(sp0) as *const u8, out.stack.as_mut_ptr(), out.stack.len());
        }
    }
}

/// Random FP/SIMD register contents: lanes of interesting values.
fn simd_value(rng: &mut Rng) -> u128 {
    const D: &[u64] = &[
        0,
        0x8000_0000_0000_0000,
        0x3ff0_0000_0000_0000,
        0x7ff0_0000_0000_0000,
        0xfff0_0000_0000_0000,
        0x7ff8_0000_0000_0000,
        0x7ff4_0000_0000_0000,
        1,
        0x000f_ffff_ffff_ffff,
        0x4330_0000_0000_0000,
        0xc3e0_0000_0000_0000,
    ];
    const S: &[u32] = &[
        0,
        0x8000_0000,
        0x3f80_0000,
        0x7f80_0000,
        0xff80_0000,
        0x7fc0_0000,
        0x7fa0_0000,
        1,
        0x007f_ffff,
        0x4f00_0000,
        0xcf00_0000,
        0x3c00_3c00,
        0x7c00_fc00,
        0x7e00_0001,
    ];
    match rng.below(6) {
        0 => (rng.pick(D) as u128) << 64 | rng.pick(D) as u128,
        1 => {
            let mut v = 0u128;
            for i in 0..4 {
                v |= (rng.pick(S) as u128) << (32 * i);
            }
            v
        }
        2 => rng.next() as u128,
        _ => (rng.next() as u128) << 64 | rng.next() as u128,
    }
}

fn random_regs(rng: &mut Rng, sp0: u64) -> Regs {
    let mut r = Regs::zeroed();
    for x in r.x.iter_mut() {
        *x = rng.value();
    }
    r.sp = sp0;
    r.nzcv = (rng.bits(4) as u64) << 28;
    // FPCR: AHP, DN, FZ, RMode, FZ16; half the time the default.
    r.fpcr = if rng.bool() { 0 } else { rng.next() & 0x07c8_0000 };
    // FPSR: the cumulative exception flags and QC.
    r.fpsr = rng.next() & 0x0800_009f;
    r.daif = (rng.bits(4) as u64) << 6;
    for v in r.v.iter_mut() {
        *v = simd_value(rng);
    }
    r
}

struct Suite<'a> {
    platform: &'a dyn Platform,
    page: Page,
    mem: Memory,
    harness: alloc::boxed::Box<Harness>,
    feat: Features,
}

impl Suite<'_> {
    fn say(&self, text: &str) {
        self.platform.console_write(text);
    }

    /// Run the test through slot `slot` on `input` with the memory images.
    fn execute(&mut self, slot: usize, input: &Regs, buf: &[u8], stack: &[u8], out: &mut Outcome) {
        self.mem.load(buf, input.sp, stack);
        self.harness.input = *input;
        self.harness.output = Regs::zeroed();
        compiler_fence(Ordering::SeqCst);
        // SAFETY: the page holds the harness and the generated instruction,
        // whose operands the generators confined to the buffer, the
        // scratch stack and the page.
        unsafe { harness::call(self.page.entry(slot), &mut self.harness) };
        compiler_fence(Ordering::SeqCst);
        out.regs = self.harness.output;
        out.regs.aux = 0;
        out.regs.nzcv &= 0xf000_0000;
        self.mem.save(input.sp, out);
    }
}

fn pick_class<'c>(rng: &mut Rng, classes: &'c [Class], total: u64) -> &'c Class {
    let mut x = rng.below(total);
    for c in classes {
        if x < c.weight as u64 {
            return c;
        }
        x -= c.weight as u64;
    }
    &classes[classes.len() - 1]
}

fn expect_matches(expect: Expect, decoded: Decoded) -> bool {
    match (expect, decoded) {
        (Expect::Xol, Decoded::Xol) => true,
        (Expect::Sim(name), Decoded::Simulate(kind)) => kind.name() == name,
        _ => false,
    }
}

/// Run the suite. Prints the per-class counts, every divergence (the first
/// few in full) and the summary lines
/// `differential: N instructions, K classes, D divergences` and
/// `differential rejects: ...`.
pub fn run(platform: &'static dyn Platform, test_page: TestPage, opts: DiffOptions) -> DiffSummary {
    let mut summary = DiffSummary::default();
    let feat = Features::detect();
    let say = |s: &str| platform.console_write(s);
    say(&alloc::format!(
        "differential: seed {:#x}, instructions {}..{}, {}, features: {}\n",
        opts.seed,
        opts.first,
        opts.first + opts.count,
        crate::configuration(),
        feat.names()
    ));
    let Some(page) = Page::new(platform, test_page.start, test_page.len, opts.seed) else {
        say("differential: the test page is unusable (misaligned, too small or not patchable)\n");
        summary.divergences = 1;
        return summary;
    };
    let mut suite = Suite {
        platform,
        page,
        mem: Memory::new(),
        harness: alloc::boxed::Box::new(Harness { input: Regs::zeroed(), output: Regs::zeroed() }),
        feat,
    };
    let all = gen::classes();
    let classes: Vec<Class> = all.iter().copied().filter(|c| (c.available)(&suite.feat)).collect();
    for c in all.iter().filter(|c| !(c.available)(&suite.feat)) {
        say(&alloc::format!("differential: skipping class {} (this CPU does not implement it)\n", c.name));
    }
    let total: u64 = classes.iter().map(|c| c.weight as u64).sum();
    let mut per_class: BTreeMap<&'static str, ClassStats> = BTreeMap::new();
    let stack_len = (gen::STACK_BELOW + gen::STACK_ABOVE) as usize;
    let mut buf_init = alloc::vec![0u8; gen::BUF_BYTES];
    let mut stack_init = alloc::vec![0u8; stack_len];
    let mut native = Outcome::new(gen::BUF_BYTES, stack_len);
    let mut probed = Outcome::new(gen::BUF_BYTES, stack_len);

    let failures = self_check(&mut suite, &buf_init, &stack_init, &mut native, &mut probed);
    say(&alloc::format!(
        "differential self-check: {} of {} deliberate corruptions by the probe detected\n",
        2 * CORRUPTIONS.len() as u64 - failures,
        2 * CORRUPTIONS.len()
    ));
    summary.divergences += failures;

    for index in opts.first..opts.first + opts.count {
        let mut rng = Rng::for_index(opts.seed, index);
        let slot = rng.bits(1) as usize;
        let pc = suite.page.slot(slot);
        let sp0 = (suite.mem.arena + SP_OFFSET) as u64 + 16 * rng.below(128);
        let mut input = random_regs(&mut rng, sp0);
        for b in buf_init.iter_mut() {
            *b = rng.next() as u8;
        }
        for chunk in stack_init.chunks_mut(8) {
            chunk.copy_from_slice(&rng.next().to_le_bytes()[..chunk.len()]);
        }
        let class = pick_class(&mut rng, &classes, total);
        // Generate until the decoder accepts the encoding; a rejected one
        // is regenerated with the inputs reset. A class that keeps failing
        // hands over to another.
        let mut chosen = None;
        let mut class = class;
        for attempt in 0..8 * TRIES {
            if attempt > 0 && attempt % TRIES == 0 {
                per_class.entry(class.name).or_default().gave_up += 1;
                class = pick_class(&mut rng, &classes, total);
            }
            let stat = per_class.entry(class.name).or_default();
            let mut regs = input;
            let mut cx = Cx { feat: &suite.feat, page: &suite.page, pc, regs: &mut regs, buf: suite.mem.buf, buf_init: &mut buf_init, sp0 };
            let Some(word) = (class.gen)(&mut rng, &mut cx) else { continue };
            match decode(word) {
                Decoded::Reject(_) => stat.regenerated += 1,
                decoded => {
                    chosen = Some((word, decoded, regs));
                    break;
                }
            }
        }
        let Some((word, decoded, regs)) = chosen else { continue };
        let stat = per_class.entry(class.name).or_default();
        input = regs;
        if opts.trace {
            say(&alloc::format!("#{index}: word {word:#010x} class {} slot {}\n", class.name, ["A", "B"][slot]));
        }
        stat.run += 1;
        summary.instructions += 1;
        // In Boost mode most probes go without a post-handler so their slot
        // is boosted; every 8th keeps one and gets the BRK-after-slot
        // fallback. Elsewhere both handlers, as always.
        let with_post = crate::xol_mode() != XolMode::Boost || index % 8 == 0;
        let failure =
            check_one(&mut suite, class, slot, word, decoded, with_post, &input, &buf_init, &stack_init, &mut native, &mut probed);
        if let Some(why) = failure {
            stat.diverged += 1;
            summary.divergences += 1;
            if summary.divergences <= MAX_REPORTED {
                say(&alloc::format!(
                    "DIVERGENCE #{index}: word {word:#010x} class {} at {pc:#x} (slot {}), reproduce with `differential {:#x} 1 {index}`:{why}\n",
                    class.name,
                    ["A", "B"][slot],
                    opts.seed
                ));
            }
        }
    }
    let mut line = String::from("differential classes:");
    for (name, s) in &per_class {
        line += &alloc::format!(" {name}={}", s.run);
        if s.regenerated > 0 {
            line += &alloc::format!("(+{} regen)", s.regenerated);
        }
        if s.gave_up > 0 {
            line += &alloc::format!("(gave up {})", s.gave_up);
        }
        if s.diverged > 0 {
            line += &alloc::format!("[{} DIVERGED]", s.diverged);
        }
    }
    say(&line);
    say("\n");
    for c in &classes {
        if opts.count >= 10_000 && per_class.get(c.name).map_or(0, |s| s.run) == 0 {
            say(&alloc::format!("differential: class {} produced no accepted encoding\n", c.name));
        }
    }
    summary.classes = per_class.values().filter(|s| s.run > 0).count();
    if summary.divergences > MAX_REPORTED {
        say(&alloc::format!("differential: {} more divergences not shown\n", summary.divergences - MAX_REPORTED));
    }
    say(&alloc::format!(
        "differential: {} instructions, {} classes, {} divergences\n",
        summary.instructions,
        summary.classes,
        summary.divergences
    ));
    let r = rejects::run(&mut suite.page, platform, opts.seed, (opts.count / 20).max(200));
    summary.reject_words = r.words;
    summary.reject_reasons = r.reasons;
    summary.reject_failures = r.failures;
    say(&alloc::format!("differential rejects: {} words, {} reasons, {} failures\n", r.words, r.reasons, r.failures));
    summary
}

/// Run one instruction natively and probed, with a pre-handler and, if
/// `with_post`, a post-handler; `Some(description)` if they differ or the
/// probe misbehaved.
#[allow(clippy::too_many_arguments)]
fn check_one(
    suite: &mut Suite<'_>,
    class: &Class,
    slot: usize,
    word: u32,
    decoded: Decoded,
    with_post: bool,
    input: &Regs,
    buf_init: &[u8],
    stack_init: &[u8],
    native: &mut Outcome,
    probed: &mut Outcome,
) -> Option<String> {
    let pc = suite.page.slot(slot);
    if !expect_matches(class.expect, decoded) {
        return Some(alloc::format!("\n    classified {decoded:?}, expected {:?}", class.expect));
    }
    suite.page.set_slot(slot, word);
    suite.execute(slot, input, buf_init, stack_init, native);
    PRE.store(0, Ordering::Relaxed);
    POST.store(0, Ordering::Relaxed);
    PRE_PC_WRONG.store(false, Ordering::Relaxed);
    PROBE_ADDR.store(pc as u64, Ordering::Relaxed);
    let id = match attach(pc, crate::handlers(pre, post, with_post), 0) {
        Ok(id) => id,
        Err(e) => return Some(alloc::format!("\n    attach refused: {e}")),
    };
    let (boosted, want_boosted) = (crate::is_boosted(id), crate::expect_boosted(decoded, with_post));
    // SAFETY: the slot is mapped text.
    let armed = unsafe { core::ptr::read_volatile(pc as *const u32) };
    suite.execute(slot, input, buf_init, stack_init, probed);
    let hits = stats(id).map(|s| s.hits);
    let detached = detach(id);
    // SAFETY: as above.
    let restored = unsafe { core::ptr::read_volatile(pc as *const u32) };
    let mut why = compare::diff(native, probed, pc as u64, suite.mem.buf as u64, suite.mem.window(input.sp) as u64, stack_init, input.sp);
    if armed == word {
        why += "\n    the BRK was not planted";
    }
    if let Err(e) = detached {
        why += &alloc::format!("\n    detach: {e}");
    }
    if restored != word {
        why += &alloc::format!("\n    word after detach {restored:#010x}");
    }
    let (pre_n, post_n) = (PRE.load(Ordering::Relaxed), POST.load(Ordering::Relaxed));
    let want_post = with_post as u64;
    if pre_n != 1 || post_n != want_post || hits != Some(1) {
        why += &alloc::format!("\n    handlers ran pre {pre_n} post {post_n} times, hits {hits:?} (expected 1, {want_post}, 1)");
    }
    if boosted != want_boosted {
        why += &alloc::format!("\n    slot boosted: {boosted}, expected {want_boosted}");
    }
    if PRE_PC_WRONG.load(Ordering::Relaxed) {
        why += "\n    the pre-handler's frame pc was not the probed address";
    }
    (!why.is_empty()).then_some(why)
}

/// Make the probe corrupt one part of the state at a time, on a simulated
/// (NOP) and an out-of-line (ADD) instruction: every corruption must come
/// out as a divergence, or the comparison is not looking. Returns the
/// number of corruptions that went unnoticed.
fn self_check(suite: &mut Suite<'_>, buf: &[u8], stack: &[u8], native: &mut Outcome, probed: &mut Outcome) -> u64 {
    let class_sim = Class { name: "self-check", expect: Expect::Sim("nop"), weight: 0, available: gen::always, gen: |_, _| None };
    let class_xol = Class { expect: Expect::Xol, ..class_sim };
    let mut rng = Rng::new(1);
    let sp0 = (suite.mem.arena + SP_OFFSET) as u64;
    let input = random_regs(&mut rng, sp0);
    let mut missed = 0;
    for (class, word) in [(&class_sim, page::NOP), (&class_xol, 0x9100_0400)] {
        for (i, what) in CORRUPTIONS.iter().enumerate() {
            CORRUPT.store(i as u64 + 1, Ordering::Relaxed);
            CORRUPT_AT
                .store(if *what == "pc after" { suite.page.slot(0) as u64 + 16 } else { suite.mem.buf as u64 + 100 }, Ordering::Relaxed);
            // The resume PC is corrupted by the post-handler; the rest by
            // the pre-handler, on a boosted slot in Boost mode.
            let with_post = crate::xol_mode() != XolMode::Boost || *what == "pc after";
            let why = check_one(suite, class, 0, word, decode(word), with_post, &input, buf, stack, native, probed);
            CORRUPT.store(0, Ordering::Relaxed);
            if why.is_none() {
                missed += 1;
                suite.say(&alloc::format!("differential self-check: corrupting {what} after {word:#010x} went unnoticed\n"));
            }
        }
    }
    missed
}
