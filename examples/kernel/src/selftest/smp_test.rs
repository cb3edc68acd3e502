//! `smp-test [ITERATIONS]`: the probe runtime with a second CPU hitting the
//! probes while the first attaches and detaches them.
//!
//! CPU 1 calls four small functions in a tight loop and checks every
//! result: two whose first instruction runs out of line (different
//! instructions, so a slot reused too early runs the wrong one), one whose
//! first instruction (ADR) is simulated, and one with a return probe.
//! CPU 0 meanwhile attaches and detaches counting probes on them, in a
//! pseudo-random order, so slots and probe records are reused. Each probe
//! lifetime is checked: its hits fit in CPU 1's calls during it, it was
//! hit, the handler counts agree with the runtime's stats (exactly when
//! CPU 1 is paused, within the one hit that can be in flight otherwise)
//! and the original word is back. Prints `smp-test: N passed, M failed`.

use core::arch::global_asm;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};

use alloc::string::String;
use probec_runtime::{attach, detach, stats, Handlers, HitContext};

use crate::{board::smp, board::time, sched};

global_asm!(
    r#"
.pushsection .text.smp_test, "ax"
.balign 4
.global smp_fn_xol_a
smp_fn_xol_a:
    add     x0, x0, #17         // probed: out of line
    eor     x0, x0, #0xff0
    ret
.global smp_fn_xol_b
smp_fn_xol_b:
    sub     x0, x0, #5          // probed: out of line
    eor     x0, x0, #0x3c
    ret
.global smp_fn_sim
smp_fn_sim:
    adr     x9, 1f              // probed: simulated
    ldr     x9, [x9]
    add     x0, x0, x9
    ret
.balign 8
1:  .quad   0x123456789
.global smp_fn_ret
smp_fn_ret:
    lsl     x0, x0, #1          // probed: out of line, plus a return probe
    add     x0, x0, #3
    ret
.popsection
"#
);

extern "C" {
    fn smp_fn_xol_a(x: u64) -> u64;
    fn smp_fn_xol_b(x: u64) -> u64;
    fn smp_fn_sim(x: u64) -> u64;
    fn smp_fn_ret(x: u64) -> u64;
}

const TARGETS: usize = 4;
const RET: usize = 3;
const NAMES: [&str; TARGETS] = ["xol_a", "xol_b", "sim", "ret"];

fn addr(t: usize) -> usize {
    [
        smp_fn_xol_a as *const () as usize,
        smp_fn_xol_b as *const () as usize,
        smp_fn_sim as *const () as usize,
        smp_fn_ret as *const () as usize,
    ][t]
}

fn call(t: usize, x: u64) -> u64 {
    // SAFETY: the functions above are leaf functions of the C ABI.
    unsafe {
        match t {
            0 => smp_fn_xol_a(x),
            1 => smp_fn_xol_b(x),
            2 => smp_fn_sim(x),
            _ => smp_fn_ret(x),
        }
    }
}

fn expect(t: usize, x: u64) -> u64 {
    match t {
        0 => x.wrapping_add(17) ^ 0xff0,
        1 => x.wrapping_sub(5) ^ 0x3c,
        2 => x.wrapping_add(0x1_2345_6789),
        _ => x.wrapping_mul(2).wrapping_add(3),
    }
}

// CPU 1's side: calls started and completed per function, wrong results.
static STARTED: [AtomicU64; TARGETS] = [const { AtomicU64::new(0) }; TARGETS];
static DONE: [AtomicU64; TARGETS] = [const { AtomicU64::new(0) }; TARGETS];
static WRONG: AtomicU64 = AtomicU64::new(0);
static FIRST_WRONG: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3]; // target, x, got
static STOP: AtomicBool = AtomicBool::new(false);
static PAUSE: AtomicBool = AtomicBool::new(false);
static PAUSED: AtomicBool = AtomicBool::new(false);

// The handlers' counts for the current lifetime of each target's probe.
static PRE: [AtomicU64; TARGETS] = [const { AtomicU64::new(0) }; TARGETS];
static RETS: AtomicU64 = AtomicU64::new(0);
static BAD_RETVAL: AtomicU64 = AtomicU64::new(0);

fn count_pre(ctx: &mut HitContext<'_>) {
    PRE[ctx.cookie].fetch_add(1, SeqCst);
}

fn count_ret(ctx: &mut HitContext<'_>) {
    // smp_fn_ret returns 2x + 3: always odd.
    if ctx.frame.x[0] & 1 == 0 {
        BAD_RETVAL.fetch_add(1, SeqCst);
    }
    RETS.fetch_add(1, SeqCst);
}

/// CPU 1's job: call every function, check it, until told to stop. The
/// quiescent point is between rounds (no call, hence no slot, in progress).
fn cpu1_loop() {
    let mut x: u64 = 1;
    while !STOP.load(SeqCst) {
        smp::quiescent();
        if PAUSE.load(SeqCst) {
            PAUSED.store(true, SeqCst);
            while PAUSE.load(SeqCst) {
                smp::quiescent();
                core::hint::spin_loop();
            }
            PAUSED.store(false, SeqCst);
        }
        for t in 0..TARGETS {
            STARTED[t].fetch_add(1, SeqCst);
            let got = call(t, x);
            if got != expect(t, x) && WRONG.fetch_add(1, SeqCst) == 0 {
                FIRST_WRONG[0].store(t as u64, SeqCst);
                FIRST_WRONG[1].store(x, SeqCst);
                FIRST_WRONG[2].store(got, SeqCst);
            }
            DONE[t].fetch_add(1, SeqCst);
        }
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    }
}

/// Spin until `cond`, or panic with `what` after the grace timeout: a
/// stuck CPU fails loudly instead of hanging the test. Every millisecond
/// of waiting runs the stall hook (smp.rs: QEMU's stale translations).
fn spin_until(what: &str, cond: impl Fn() -> bool) {
    let start = time::now_ns();
    let mut next_hook = start + 1_000_000;
    while !cond() {
        let now = time::now_ns();
        if now - start > smp::GRACE_TIMEOUT_NS {
            panic!("smp-test: timed out waiting for {what}");
        }
        if now > next_hook {
            smp::stalled();
            next_hook = now + 1_000_000;
        }
        core::hint::spin_loop();
    }
}

static REWRITES: AtomicU64 = AtomicU64::new(0);

/// The stall hook: rewrite each probed function's first word unchanged, so
/// QEMU drops a stale translation CPU 1 may be looping in (board/smp.rs). Runs
/// on CPU 0 between or inside its own attach/detach calls, the only
/// writer of these words, so the value written is the current one.
fn rewrite_words() {
    REWRITES.fetch_add(1, SeqCst);
    for t in 0..TARGETS {
        let exec = addr(t);
        let alias = crate::board::mmu::text_alias(exec).expect("smp-test functions are kernel text");
        // SAFETY: kernel text read through its mapping, written through
        // its alias with the same value, then the usual maintenance.
        unsafe {
            let word = core::ptr::read_volatile(exec as *const u32);
            core::ptr::write_volatile(alias as *mut u32, word);
            core::arch::asm!("dc cvau, {a}", "dsb ish", "ic ivau, {e}", "dsb ish", "isb", a = in(reg) alias, e = in(reg) exec, options(nostack));
        }
    }
}

/// One attached probe's lifetime.
struct Life {
    id: probec_runtime::ProbeId,
    /// CPU 1's completed calls before attach: no hit can belong to them.
    done_before: u64,
    /// We waited until a call that started after attach completed.
    waited: bool,
}

/// Failures found, by check.
#[derive(Default)]
struct Findings {
    lifetimes: u64,
    paused: u64,
    waited: u64,
    waited_unhit: u64,
    hits_over_calls: u64,
    count_mismatch: u64,
    ret_mismatch: u64,
    word_not_restored: u64,
    missed: u64,
    errors: u64,
    first: Option<String>,
}

impl Findings {
    fn note(&mut self, msg: impl FnOnce() -> String) {
        if self.first.is_none() {
            self.first = Some(msg());
        }
    }
}

/// Detach target `t`'s probe and check its lifetime; CPU 1 is paused
/// around it when `paused`, so the counts must agree exactly.
fn end_life(t: usize, life: Life, paused: bool, original: u32, f: &mut Findings) {
    if paused {
        PAUSE.store(true, SeqCst);
        spin_until("CPU 1 to pause", || PAUSED.load(SeqCst));
    }
    let h0 = PRE[t].load(SeqCst);
    let s = stats(life.id);
    let h1 = PRE[t].load(SeqCst);
    let r1 = RETS.load(SeqCst);
    if let Err(e) = detach(life.id) {
        f.errors += 1;
        f.note(|| alloc::format!("detach {}: {e}", NAMES[t]));
    }
    let hf = PRE[t].load(SeqCst);
    let rf = RETS.load(SeqCst);
    let started_after = STARTED[t].load(SeqCst);
    // SAFETY: function text is mapped and readable.
    let word = unsafe { core::ptr::read_volatile(addr(t) as *const u32) };
    if paused {
        PAUSE.store(false, SeqCst);
        spin_until("CPU 1 to resume", || !PAUSED.load(SeqCst));
        f.paused += 1;
    }
    f.lifetimes += 1;
    let Some(s) = s else {
        f.errors += 1;
        f.note(|| alloc::format!("stats({}) = None while attached", NAMES[t]));
        return;
    };
    let calls = started_after - life.done_before;
    if s.hits > calls || hf > calls {
        f.hits_over_calls += 1;
        f.note(|| alloc::format!("{}: {} hits (handler {hf}) > {calls} calls", NAMES[t], s.hits));
    }
    // Hits are counted before the handler runs, and only CPU 1 hits, so
    // at most one hit is between the two; none once it is paused.
    let counts_ok = if paused { h0 == s.hits && hf == s.hits } else { h0 <= s.hits && s.hits <= h1 + 1 && s.hits <= hf };
    if !counts_ok {
        f.count_mismatch += 1;
        f.note(|| alloc::format!("{}: stats hits {} vs handler {h0}/{h1}/{hf} (paused {paused})", NAMES[t], s.hits));
    }
    if t == RET {
        // A return pending at detach is not reported; nothing is pending
        // while CPU 1 is paused.
        let ok = if paused { r1 == h1 && rf == hf } else { rf <= hf && rf + 1 >= hf };
        if !ok {
            f.ret_mismatch += 1;
            f.note(|| alloc::format!("ret: {rf} returns for {hf} entries (paused {paused})"));
        }
    }
    if s.missed != 0 {
        f.missed += 1;
        f.note(|| alloc::format!("{}: {} missed hits", NAMES[t], s.missed));
    }
    if life.waited {
        f.waited += 1;
        if hf == 0 {
            f.waited_unhit += 1;
        }
    }
    if word != original {
        f.word_not_restored += 1;
        f.note(|| alloc::format!("{}: word {word:#010x} after detach, was {original:#010x}", NAMES[t]));
    }
}

/// `smp-test [ITERATIONS]` (default 6000 attach-or-detach steps).
pub fn run(args: &[String], entry_el: u64) -> i32 {
    let iterations: u64 = match args.first().map(|a| a.parse()) {
        None => 6000,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            println!("usage: smp-test [ITERATIONS]");
            return crate::cmdline::USAGE_EXIT_STATUS;
        }
    };
    let _ = entry_el;
    if smp::online() < 2 {
        println!("smp-test: one CPU online (QEMU needs -smp 2 or more)");
        println!("smp-test: 0 passed, 1 failed");
        return 1;
    }
    println!("smp-test: CPU 1 up; {iterations} attach/detach steps while it calls the probed functions");
    // SAFETY: function text is mapped and readable; nothing is attached yet.
    let original: [u32; TARGETS] = core::array::from_fn(|t| unsafe { core::ptr::read_volatile(addr(t) as *const u32) });
    STOP.store(false, SeqCst);
    smp::set_stall_hook(Some(rewrite_words));
    let cpu1 = match sched::spawn(String::from("smp-test/cpu1"), Some(1), cpu1_loop) {
        Ok(h) => h,
        Err(_) => panic!("smp-test: cannot start a thread"),
    };
    spin_until("CPU 1 to start calling", || DONE[TARGETS - 1].load(SeqCst) > 0);

    let mut f = Findings::default();
    let mut live: [Option<Life>; TARGETS] = [const { None }; TARGETS];
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let start = time::now_ns();
    for _ in 0..iterations {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let t = (rng % TARGETS as u64) as usize;
        match live[t].take() {
            Some(life) => {
                let paused = f.lifetimes % 8 == 7;
                end_life(t, life, paused, original[t], &mut f);
            }
            None => {
                PRE[t].store(0, SeqCst);
                if t == RET {
                    RETS.store(0, SeqCst);
                }
                let handlers = Handlers { pre: Some(count_pre), post: None, ret: (t == RET).then_some(count_ret as _) };
                let done_before = DONE[t].load(SeqCst);
                match attach(addr(t), handlers, t) {
                    Ok(id) => {
                        // Most lifetimes last until a call that began after
                        // attach has returned (so it was hit); a quarter end
                        // at once, to race detach against a hit in progress.
                        // A call can miss a fresh BRK when QEMU translated
                        // the code while attach patched it (board/smp.rs): then
                        // rewrite the words and wait for another call, a
                        // few times at most.
                        let waited = !(rng >> 8).is_multiple_of(4);
                        if waited {
                            for _ in 0..3 {
                                let begun = STARTED[t].load(SeqCst);
                                spin_until("CPU 1 to call a probed function", || DONE[t].load(SeqCst) > begun);
                                if PRE[t].load(SeqCst) > 0 {
                                    break;
                                }
                                rewrite_words();
                            }
                        }
                        live[t] = Some(Life { id, done_before, waited });
                    }
                    Err(e) => {
                        f.errors += 1;
                        f.note(|| alloc::format!("attach {}: {e}", NAMES[t]));
                    }
                }
            }
        }
    }
    for t in 0..TARGETS {
        if let Some(life) = live[t].take() {
            end_life(t, life, false, original[t], &mut f);
        }
    }
    STOP.store(true, SeqCst);
    spin_until("CPU 1 to stop", || cpu1.is_finished());
    cpu1.join();
    smp::set_stall_hook(None);
    let ms = (time::now_ns() - start) / 1_000_000;
    let calls: u64 = DONE.iter().map(|d| d.load(SeqCst)).sum();
    println!(
        "smp-test: {} probe lifetimes ({} with CPU 1 paused, {} of {} waited for unhit), CPU 1 made {calls} calls, {ms} ms, {} stale-translation rewrites",
        f.lifetimes,
        f.paused,
        f.waited_unhit,
        f.waited,
        REWRITES.load(SeqCst)
    );

    let wrong = WRONG.load(SeqCst);
    let bad_ret = BAD_RETVAL.load(SeqCst);
    let checks: [(&str, bool, String); 9] = [
        ("CPU 1 results", wrong == 0, {
            let [t, x, got] = FIRST_WRONG.each_ref().map(|a| a.load(SeqCst));
            alloc::format!("{wrong} wrong; first: {}({x:#x}) = {got:#x}, want {:#x}", NAMES[t as usize], expect(t as usize, x))
        }),
        ("attach/detach errors", f.errors == 0, alloc::format!("{} errors", f.errors)),
        ("hits <= calls in each lifetime", f.hits_over_calls == 0, alloc::format!("{} lifetimes over", f.hits_over_calls)),
        (
            "hit in most lifetimes",
            f.waited > 0 && f.waited_unhit * 10 <= f.waited,
            alloc::format!("{} of {} lifetimes that saw a call were not hit", f.waited_unhit, f.waited),
        ),
        ("handler counts = stats hits", f.count_mismatch == 0, alloc::format!("{} lifetimes differ", f.count_mismatch)),
        (
            "return probe counts",
            f.ret_mismatch == 0 && bad_ret == 0,
            alloc::format!("{} lifetimes differ, {bad_ret} bad return values", f.ret_mismatch),
        ),
        ("no missed hits", f.missed == 0, alloc::format!("{} lifetimes with missed hits", f.missed)),
        ("original words back", f.word_not_restored == 0, alloc::format!("{} not restored", f.word_not_restored)),
        ("CPU 1 called every function", DONE.iter().all(|d| d.load(SeqCst) > 0), String::from("some never called")),
    ];
    let mut failed = 0;
    for (name, ok, detail) in &checks {
        if *ok {
            println!("smp-test: {name}: ok");
        } else {
            failed += 1;
            println!("smp-test: {name}: FAILED ({detail})");
        }
    }
    if let Some(first) = &f.first {
        println!("smp-test: first problem: {first}");
    }
    println!("smp-test: {} passed, {failed} failed", checks.len() - failed);
    if failed == 0 {
        0
    } else {
        1
    }
}
