//! Self-checks of the exception path the probe runtime depends on:
//!
//! - `frame-test`: every register survives the vectors' save/restore, and
//!   every change a handler makes to the frame is what the interrupted code
//!   sees after ERET: x, sp, pc and NZCV always; v, FPSR and FPCR with the
//!   full frame (`frame=full`). With the general-registers frame (the
//!   default) the test checks instead that q0–q31, FPSR and FPCR are
//!   untouched in the registers, both inside the handler and after ERET,
//!   and that the frame's unsaved v/FPSR/FPCR fields are not restored.
//! - `step-test`: hardware single-step is delivered as EC 0x33 with this
//!   kernel's debug setup (OS lock cleared by debug.rs).
//!
//! Both use BRK immediates reserved for the kernel's own use; the
//! exception dispatch offers BRK and step exceptions to the runtime first
//! and to these hooks only when the runtime declines them.

use core::arch::{asm, global_asm};
use core::cell::UnsafeCell;
use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use probec_runtime::frame::{OFFSET_FPSR, OFFSET_PSTATE, OFFSET_SP, OFFSET_V, OFFSET_X};
use probec_runtime::{Frame, FrameContents};

use crate::embed::vectors;

/// BRK immediate of the frame test.
pub const FRAME_TEST_BRK: u64 = 0x7e0;
/// BRK immediate of the step test.
pub const STEP_TEST_BRK: u64 = 0x7e1;
/// BRK immediate the benchmark uses to count a bare exception round trip.
pub const BENCH_BRK: u64 = 0x7e2;

const PSTATE_NZCV_SHIFT: u64 = 28;
const PSTATE_SS: u64 = 1 << 21;
const PSTATE_D: u64 = 1 << 9;
const MDSCR_SS: u64 = 1 << 0;
const MDSCR_KDE: u64 = 1 << 13;
const FPCR_FZ: u64 = 1 << 24;

/// Value `frame_test_run` puts in xN before the BRK.
fn x_pattern(n: usize) -> u64 {
    0xa5a5 << 48 | n as u64
}

/// Value `frame_test_run` puts in vN before the BRK: bytes 0x40 + N, with
/// the upper half replaced by xN's pattern for N < 31.
fn v_pattern(n: usize) -> u128 {
    let byte = 0x40 + n as u64;
    let low = byte * 0x0101_0101_0101_0101;
    let high = if n < 31 { x_pattern(n) } else { low };
    (high as u128) << 64 | low as u128
}

/// A `Frame` the assembly writes.
struct FrameCell(UnsafeCell<Frame>);
// SAFETY: single CPU; written by `frame_test_run`, then read by `frame_test`.
unsafe impl Sync for FrameCell {}

/// Registers as the code saw them after ERET (NZCV in `pstate`).
static AFTER: FrameCell = FrameCell(UnsafeCell::new(Frame::zeroed()));
/// FP/SIMD registers as the BRK hook found them in the CPU (`v`, `fpsr`,
/// `fpcr` only).
static IN_HOOK: FrameCell = FrameCell(UnsafeCell::new(Frame::zeroed()));
/// SP of `frame_test_run` just before the BRK.
static SP_BEFORE: AtomicU64 = AtomicU64::new(0);
/// Mismatches the BRK hook found in the saved frame.
static HOOK_ERRORS: AtomicUsize = AtomicUsize::new(0);
static HOOK_RAN: AtomicBool = AtomicBool::new(false);

global_asm!(
    r#"
.arch_extension fp
.arch_extension simd
.pushsection .text.frame_test, "ax"
// extern "C" fn frame_test_run(): load every register with a pattern,
// BRK (the hook checks and changes the frame), store every register into
// AFTER, and return with the caller's state restored.
.global frame_test_run
frame_test_run:
    // AAPCS64 callee-saved registers: x19-x29, x30, d8-d15.
    stp     x29, x30, [sp, #-160]!
    stp     x19, x20, [sp, #16]
    stp     x21, x22, [sp, #32]
    stp     x23, x24, [sp, #48]
    stp     x25, x26, [sp, #64]
    stp     x27, x28, [sp, #80]
    stp     d8, d9, [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    adrp    x0, {sp_before}
    add     x0, x0, :lo12:{sp_before}
    mov     x1, sp
    str     x1, [x0]
    mov     x1, #(0x9 << 28)        // NZCV = N and V
    msr     nzcv, x1
    mov     x1, #{fz}
    msr     fpcr, x1
    mov     x1, #1                  // FPSR.IOC
    msr     fpsr, x1
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
    mov     x\n, #\n
    movk    x\n, #0xa5a5, lsl #48
    movi    v\n\().16b, #(0x40 + \n)
    mov     v\n\().d[1], x\n
    .endr
    movi    v31.16b, #(0x40 + 31)
.global frame_test_brk
frame_test_brk:
    brk     #{brk}
    // Every register is under test: park x0 in TPIDR_EL1 to get a base.
    msr     tpidr_el1, x0
    adrp    x0, {after}
    add     x0, x0, :lo12:{after}
    str     x1, [x0, #{x} + 1 * 8]
    stp     x2, x3, [x0, #{x} + 2 * 8]
    stp     x4, x5, [x0, #{x} + 4 * 8]
    stp     x6, x7, [x0, #{x} + 6 * 8]
    stp     x8, x9, [x0, #{x} + 8 * 8]
    stp     x10, x11, [x0, #{x} + 10 * 8]
    stp     x12, x13, [x0, #{x} + 12 * 8]
    stp     x14, x15, [x0, #{x} + 14 * 8]
    stp     x16, x17, [x0, #{x} + 16 * 8]
    stp     x18, x19, [x0, #{x} + 18 * 8]
    stp     x20, x21, [x0, #{x} + 20 * 8]
    stp     x22, x23, [x0, #{x} + 22 * 8]
    stp     x24, x25, [x0, #{x} + 24 * 8]
    stp     x26, x27, [x0, #{x} + 26 * 8]
    stp     x28, x29, [x0, #{x} + 28 * 8]
    str     x30, [x0, #{x} + 30 * 8]
    mrs     x1, tpidr_el1
    str     x1, [x0, #{x}]
    mov     x1, sp
    str     x1, [x0, #{sp}]
    mrs     x1, nzcv
    str     x1, [x0, #{pstate}]
    mrs     x1, fpsr
    mrs     x2, fpcr
    stp     x1, x2, [x0, #{fpsr}]
    add     x1, x0, #{v}
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    str     q\n, [x1, #\n * 16]
    .endr
    // Back to the caller's state (the kernel runs with FPCR = FPSR = 0).
    adrp    x0, {sp_before}
    add     x0, x0, :lo12:{sp_before}
    ldr     x1, [x0]
    mov     sp, x1
    msr     fpcr, xzr
    msr     fpsr, xzr
    msr     tpidr_el1, xzr
    ldp     d14, d15, [sp, #144]
    ldp     d12, d13, [sp, #128]
    ldp     d10, d11, [sp, #112]
    ldp     d8, d9, [sp, #96]
    ldp     x27, x28, [sp, #80]
    ldp     x25, x26, [sp, #64]
    ldp     x23, x24, [sp, #48]
    ldp     x21, x22, [sp, #32]
    ldp     x19, x20, [sp, #16]
    ldp     x29, x30, [sp], #160
    ret

// extern "C" fn store_fpsimd(frame: *mut Frame): the CPU's q0-q31, FPSR
// and FPCR into the frame's v, fpsr and fpcr (x1 is scratch).
.global store_fpsimd
store_fpsimd:
    mrs     x1, fpsr
    str     x1, [x0, #{fpsr}]
    mrs     x1, fpcr
    str     x1, [x0, #{fpsr} + 8]
    add     x1, x0, #{v}
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    str     q\n, [x1, #\n * 16]
    .endr
    ret
.popsection
.arch_extension nosimd
.arch_extension nofp
"#,
    sp_before = sym SP_BEFORE,
    after = sym AFTER,
    brk = const FRAME_TEST_BRK,
    fz = const FPCR_FZ,
    x = const OFFSET_X,
    sp = const OFFSET_SP,
    pstate = const OFFSET_PSTATE,
    fpsr = const OFFSET_FPSR,
    v = const OFFSET_V,
);

extern "C" {
    fn frame_test_run();
    fn store_fpsimd(frame: *mut Frame);
    static frame_test_brk: u8;
}

/// Compare, count and report one register.
fn check<T: PartialEq + core::fmt::LowerHex>(errors: &AtomicUsize, what: &str, name: fmt::Arguments, got: T, want: T) {
    if got != want {
        println!("frame-test: {what}: {name} = {got:#x}, expected {want:#x}");
        errors.fetch_add(1, Ordering::Relaxed);
    }
}

/// Kernel BRK hooks; called for BRKs the runtime declined.
pub fn on_brk(frame: &mut Frame, esr: u64) -> bool {
    match esr & 0xffff {
        FRAME_TEST_BRK => frame_hook(frame),
        STEP_TEST_BRK => step_hook(frame),
        // Nothing but resuming after the BRK: what an exception costs.
        BENCH_BRK => frame.pc += 4,
        _ => return false,
    }
    true
}

/// Check the FP/SIMD state `frame_test_run` loaded in `f`'s v, fpsr and
/// fpcr against the patterns, flipped if `flipped`.
fn check_fpsimd(e: &AtomicUsize, what: &str, f: &Frame, flipped: bool) {
    let flip = |v: u128| if flipped { !v } else { v };
    for n in 0..32 {
        check(e, what, format_args!("v{n}"), f.v[n], flip(v_pattern(n)));
    }
    let (fpsr, fpcr) = if flipped { (0x1e, 0) } else { (1, FPCR_FZ) };
    check(e, what, format_args!("fpsr"), f.fpsr, fpsr);
    check(e, what, format_args!("fpcr"), f.fpcr, fpcr);
}

/// Check that the frame holds exactly what `frame_test_run` loaded (and,
/// with the general-registers frame, that the FP/SIMD registers still do),
/// then change every part of it. Out of line: it is not on the hit path.
#[cold]
#[inline(never)]
fn frame_hook(frame: &mut Frame) {
    let e = &HOOK_ERRORS;
    HOOK_RAN.store(true, Ordering::Relaxed);
    let what = "saved frame";
    for n in 0..31 {
        check(e, what, format_args!("x{n}"), frame.x[n], x_pattern(n));
    }
    check(e, what, format_args!("sp"), frame.sp, SP_BEFORE.load(Ordering::Relaxed));
    check(e, what, format_args!("pc"), frame.pc, &raw const frame_test_brk as u64);
    check(e, what, format_args!("NZCV"), frame.pstate >> PSTATE_NZCV_SHIFT & 0xf, 0x9);
    match vectors::frame_contents() {
        FrameContents::Full => check_fpsimd(e, what, frame, false),
        FrameContents::GeneralRegisters => {
            // Not in the frame: still in the registers, untouched by the
            // vector and the (softfloat) Rust code that ran since.
            // SAFETY: IN_HOOK is only written here and read after the test.
            let regs = unsafe { &mut *IN_HOOK.0.get() };
            // SAFETY: store_fpsimd writes only the v/fpsr/fpcr fields.
            unsafe { store_fpsimd(regs) };
            check_fpsimd(e, "registers in the handler", regs, false);
        }
    }

    frame.pc += 4;
    frame.sp -= 16;
    frame.pstate ^= 0xf << PSTATE_NZCV_SHIFT;
    frame.x.iter_mut().for_each(|x| *x = !*x);
    // With the general-registers frame these fields were never saved and
    // must not be restored: change them anyway, the registers must not.
    frame.fpsr = 0x1e;
    frame.fpcr = 0;
    for (n, v) in frame.v.iter_mut().enumerate() {
        *v = !v_pattern(n);
    }
}

/// `frame-test`: returns the exit status.
pub fn frame_test() -> i32 {
    let mode = vectors::frame_contents();
    // SAFETY: frame_test_run follows the C ABI and restores what it must.
    unsafe { frame_test_run() };
    // SAFETY: frame_test_run has finished writing AFTER.
    let after = unsafe { &*AFTER.0.get() };
    let errors = AtomicUsize::new(0);
    let e = &errors;
    let what = "after ERET";
    for n in 0..31 {
        check(e, what, format_args!("x{n}"), after.x[n], !x_pattern(n));
    }
    check(e, what, format_args!("sp"), after.sp, SP_BEFORE.load(Ordering::Relaxed) - 16);
    check(e, what, format_args!("NZCV"), after.pstate >> PSTATE_NZCV_SHIFT, 0x6);
    // Full frame: the handler's changes; general registers: unchanged.
    check_fpsimd(e, what, after, mode == FrameContents::Full);
    let hook = HOOK_ERRORS.load(Ordering::Relaxed);
    let ran = HOOK_RAN.load(Ordering::Relaxed);
    let after = errors.load(Ordering::Relaxed);
    // The general-registers frame's "saved frame" check includes the FP/SIMD
    // registers inside the handler, its "restored frame" check those after
    // ERET.
    println!(
        "frame-test: {} frame: saved frame {}, restored frame {}",
        if mode == FrameContents::Full { "full" } else { "gp" },
        if ran && hook == 0 { "ok" } else { "FAILED" },
        if after == 0 { "ok" } else { "FAILED" }
    );
    if ran && hook == 0 && after == 0 {
        0
    } else {
        1
    }
}

/// Set while the step test expects a software-step exception.
static STEP_ARMED: AtomicBool = AtomicBool::new(false);
/// Where the step exception was taken (ELR), 0 if none.
static STEPPED_TO: AtomicU64 = AtomicU64::new(0);

fn write_mdscr(value: u64) {
    // SAFETY: MDSCR_EL1 only controls debug exceptions, which the step
    // test arms and disarms around one instruction.
    unsafe { asm!("msr mdscr_el1, {}", "isb", in(reg) value, options(nostack, preserves_flags)) };
}

/// Arm a single step of the instruction after the BRK.
fn step_hook(frame: &mut Frame) {
    frame.pc += 4;
    frame.pstate |= PSTATE_SS; // step one instruction after ERET...
    frame.pstate &= !PSTATE_D; // ...with debug exceptions unmasked there
    STEP_ARMED.store(true, Ordering::Relaxed);
    write_mdscr(MDSCR_KDE | MDSCR_SS);
}

/// Kernel step hook; called for step exceptions the runtime declined.
pub fn on_step(frame: &mut Frame, _esr: u64) -> bool {
    if !STEP_ARMED.swap(false, Ordering::Relaxed) {
        return false;
    }
    write_mdscr(0);
    STEPPED_TO.store(frame.pc, Ordering::Relaxed);
    frame.pstate &= !PSTATE_SS;
    frame.pstate |= PSTATE_D; // the kernel runs with D masked
    true
}

/// `step-test`: BRK, single-step one NOP, expect the step exception right
/// after it. Returns the exit status.
pub fn step_test() -> i32 {
    let brk_addr: u64;
    // SAFETY: the BRK is handled by `step_hook`, the step by `on_step`;
    // both only redirect to the next instruction.
    unsafe {
        asm!(
            "adr {addr}, 1f",
            "1: brk #{imm}",
            "nop",
            "nop",
            addr = out(reg) brk_addr,
            imm = const STEP_TEST_BRK,
            options(nostack),
        )
    };
    let stepped = STEPPED_TO.load(Ordering::Relaxed);
    let ok = stepped == brk_addr + 8;
    println!("step-test: stepped one instruction to brk+{:#x}: {}", stepped.wrapping_sub(brk_addr), if ok { "ok" } else { "FAILED" });
    if ok {
        0
    } else {
        1
    }
}
