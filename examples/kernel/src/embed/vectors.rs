//! Exception vectors (VBAR_EL1) and the register frame save/restore.
//!
//! Every exception saves the interrupted state as a `probec_runtime::Frame`
//! on the current stack (SP_EL1: the kernel runs on SP_EL1 and takes
//! exceptions on the same stack), calls Rust with a pointer to it, and, for
//! synchronous exceptions from EL1, restores the frame and returns with
//! ERET. Everything saved in the frame may have been changed by the
//! handler: the probe runtime rewrites pc (ELR), pstate (SPSR: SS, D,
//! NZCV, ...) and x registers when it simulates an instruction or sends
//! the CPU to an XOL slot, and in principle sp.
//!
//! Two vector tables, one chosen at boot ([`install`]):
//!
//! - [`FrameContents::GeneralRegisters`] (the default): x0–x30, SP, ELR
//!   (`pc`) and SPSR (`pstate`) only, as Linux does. The kernel is built
//!   for `aarch64-unknown-none-softfloat`, so no Rust code between the
//!   exception and its return touches FP/SIMD state: q0–q31, FPSR and FPCR
//!   stay live in the registers. The frame's `v`, `fpsr` and `fpcr` are
//!   left unwritten (whatever was on the stack).
//! - [`FrameContents::Full`] (`frame=full`): the same, plus FPSR, FPCR and
//!   q0–q31 saved into the frame and restored from it.
//!
//! Stack picture on entry to Rust (addresses grow up):
//!
//! ```text
//!   sp_interrupted        <- frame.sp
//!   [ Frame, FRAME_SIZE ] <- sp == x0 == &mut Frame
//!   Rust handler's stack below
//! ```
//!
//! Only "current EL with SP_ELx" exceptions are handled: synchronous ones
//! (BRK, software step, aborts) and IRQs (irq.rs: the tick and IPIs, which
//! may switch threads before the IRQ returns). FIQ, SError and anything
//! from SP_EL0 or a lower EL is reported and the kernel panics (there is
//! no EL0). Both tables share those entries, which save the general
//! registers for the dump and never return.

use core::arch::{asm, global_asm};
use core::sync::atomic::{AtomicBool, Ordering};

use probec_runtime::frame::{FRAME_SIZE, OFFSET_FPCR, OFFSET_FPSR, OFFSET_PC, OFFSET_PSTATE, OFFSET_SP, OFFSET_V, OFFSET_X};
use probec_runtime::FrameContents;

use crate::embed::exceptions::{handle_sync, handle_unexpected};

// The assembly stores pairs with STP, so it relies on these neighbours.
const _: () = {
    assert!(OFFSET_X == 0);
    assert!(OFFSET_SP == OFFSET_X + 31 * 8); // x30 and sp are one STP
    assert!(OFFSET_PSTATE == OFFSET_PC + 8); // elr and spsr are one STP
    assert!(OFFSET_FPCR == OFFSET_FPSR + 8); // fpsr and fpcr are one STP
    assert!(OFFSET_V.is_multiple_of(16)); // Q registers stored at 16-byte alignment
    assert!(FRAME_SIZE.is_multiple_of(16) && FRAME_SIZE == OFFSET_V + 32 * 16);
    assert!(FRAME_SIZE <= 4095); // fits SUB/ADD's 12-bit immediate
};

global_asm!(
    r#"
// The full-frame entry saves FP/SIMD registers; the target has no FP/SIMD
// for compiled code, so the assembler must be told they exist.
.arch_extension fp
.arch_extension simd

// Save x0-x30, SP, ELR and SPSR as a Frame at [sp, #-FRAME_SIZE]. Clobbers
// nothing before it is saved: x0/x1 are stored first, then used as scratch.
.macro save_gp
    sub     sp, sp, #{frame_size}
    stp     x0, x1, [sp, #{x} + 0 * 8]
    stp     x2, x3, [sp, #{x} + 2 * 8]
    stp     x4, x5, [sp, #{x} + 4 * 8]
    stp     x6, x7, [sp, #{x} + 6 * 8]
    stp     x8, x9, [sp, #{x} + 8 * 8]
    stp     x10, x11, [sp, #{x} + 10 * 8]
    stp     x12, x13, [sp, #{x} + 12 * 8]
    stp     x14, x15, [sp, #{x} + 14 * 8]
    stp     x16, x17, [sp, #{x} + 16 * 8]
    stp     x18, x19, [sp, #{x} + 18 * 8]
    stp     x20, x21, [sp, #{x} + 20 * 8]
    stp     x22, x23, [sp, #{x} + 22 * 8]
    stp     x24, x25, [sp, #{x} + 24 * 8]
    stp     x26, x27, [sp, #{x} + 26 * 8]
    stp     x28, x29, [sp, #{x} + 28 * 8]
    // frame.sp = the SP the exception interrupted (same SP_EL1, before the
    // SUB above); stored together with x30.
    add     x0, sp, #{frame_size}
    stp     x30, x0, [sp, #{x} + 30 * 8]
    mrs     x0, elr_el1
    mrs     x1, spsr_el1
    stp     x0, x1, [sp, #{pc}]
.endm

// After save_gp (x0/x1 are saved, free as scratch): FPSR, FPCR, q0-q31.
.macro save_fpsimd
    mrs     x0, fpsr
    mrs     x1, fpcr
    stp     x0, x1, [sp, #{fpsr}]
    add     x0, sp, #{v}
    stp     q0, q1, [x0, #0 * 16]
    stp     q2, q3, [x0, #2 * 16]
    stp     q4, q5, [x0, #4 * 16]
    stp     q6, q7, [x0, #6 * 16]
    stp     q8, q9, [x0, #8 * 16]
    stp     q10, q11, [x0, #10 * 16]
    stp     q12, q13, [x0, #12 * 16]
    stp     q14, q15, [x0, #14 * 16]
    stp     q16, q17, [x0, #16 * 16]
    stp     q18, q19, [x0, #18 * 16]
    stp     q20, q21, [x0, #20 * 16]
    stp     q22, q23, [x0, #22 * 16]
    stp     q24, q25, [x0, #24 * 16]
    stp     q26, q27, [x0, #26 * 16]
    stp     q28, q29, [x0, #28 * 16]
    stp     q30, q31, [x0, #30 * 16]
.endm

// Before restore_gp_and_eret (which reloads every x register): q0-q31,
// FPSR and FPCR from the Frame at sp, with x1/x2 as scratch.
.macro restore_fpsimd
    add     x1, sp, #{v}
    ldp     q0, q1, [x1, #0 * 16]
    ldp     q2, q3, [x1, #2 * 16]
    ldp     q4, q5, [x1, #4 * 16]
    ldp     q6, q7, [x1, #6 * 16]
    ldp     q8, q9, [x1, #8 * 16]
    ldp     q10, q11, [x1, #10 * 16]
    ldp     q12, q13, [x1, #12 * 16]
    ldp     q14, q15, [x1, #14 * 16]
    ldp     q16, q17, [x1, #16 * 16]
    ldp     q18, q19, [x1, #18 * 16]
    ldp     q20, q21, [x1, #20 * 16]
    ldp     q22, q23, [x1, #22 * 16]
    ldp     q24, q25, [x1, #24 * 16]
    ldp     q26, q27, [x1, #26 * 16]
    ldp     q28, q29, [x1, #28 * 16]
    ldp     q30, q31, [x1, #30 * 16]
    ldp     x1, x2, [sp, #{fpsr}]
    msr     fpsr, x1
    msr     fpcr, x2
.endm

// Restore ELR, SPSR, x0-x30 and SP from the Frame at sp and ERET. x0 holds
// the frame address until the very last load; sp is switched to frame.sp
// just before that, so the frame is read, never written, after sp moves
// (interrupts are masked, nothing else can use the stack in between).
.macro restore_gp_and_eret
    mov     x0, sp
    ldp     x1, x2, [x0, #{pc}]
    msr     elr_el1, x1             // frame.pc
    msr     spsr_el1, x2            // frame.pstate
    ldp     x2, x3, [x0, #{x} + 2 * 8]
    ldp     x4, x5, [x0, #{x} + 4 * 8]
    ldp     x6, x7, [x0, #{x} + 6 * 8]
    ldp     x8, x9, [x0, #{x} + 8 * 8]
    ldp     x10, x11, [x0, #{x} + 10 * 8]
    ldp     x12, x13, [x0, #{x} + 12 * 8]
    ldp     x14, x15, [x0, #{x} + 14 * 8]
    ldp     x16, x17, [x0, #{x} + 16 * 8]
    ldp     x18, x19, [x0, #{x} + 18 * 8]
    ldp     x20, x21, [x0, #{x} + 20 * 8]
    ldp     x22, x23, [x0, #{x} + 22 * 8]
    ldp     x24, x25, [x0, #{x} + 24 * 8]
    ldp     x26, x27, [x0, #{x} + 26 * 8]
    ldp     x28, x29, [x0, #{x} + 28 * 8]
    ldp     x30, x1, [x0, #{x} + 30 * 8]  // x30, and frame.sp into x1
    mov     sp, x1
    ldp     x0, x1, [x0, #{x} + 0 * 8]    // base register loaded last
    eret
.endm

// handle_sync(frame, esr, far) returns only if the exception was handled.
// ESR and FAR are read before any Rust code can take another exception.
.macro call_handle_sync
    mov     x0, sp
    mrs     x1, esr_el1
    mrs     x2, far_el1
    bl      {handle_sync}
.endm

// A vector table slot is 32 instructions: branch to the real entry code.
.macro vector target
    .balign 128
    b       \target
.endm

// 16 slots; only "current EL with SP_ELx, synchronous" differs per table.
.macro vector_table name, el1h_sync
.balign 2048
.global \name
\name:
    // Current EL with SP_EL0 (kind 0-3): the kernel never runs on SP_EL0.
    vector  unexpected_0
    vector  unexpected_1
    vector  unexpected_2
    vector  unexpected_3
    // Current EL with SP_ELx (kind 4-7): the kernel itself.
    vector  \el1h_sync
    vector  el1h_irq
    vector  unexpected_6
    vector  unexpected_7
    // Lower EL, AArch64 (kind 8-11) and AArch32 (kind 12-15): no EL0 yet.
    vector  unexpected_8
    vector  unexpected_9
    vector  unexpected_10
    vector  unexpected_11
    vector  unexpected_12
    vector  unexpected_13
    vector  unexpected_14
    vector  unexpected_15
.endm

// Entry for an exception the kernel does not handle: save the general
// registers for the dump, then handle_unexpected(frame, kind, esr, far),
// which panics.
.macro unexpected_entry kind
unexpected_\kind:
    save_gp
    mov     x0, sp
    mov     x1, #\kind
    mrs     x2, esr_el1
    mrs     x3, far_el1
    bl      {handle_unexpected}
    b       .
.endm

.pushsection .text.vectors, "ax"

vector_table exception_vectors, el1h_sync
vector_table exception_vectors_full, el1h_sync_full

// Synchronous exception from EL1: BRK, software step, aborts, ...
el1h_sync:
    save_gp
    call_handle_sync
    restore_gp_and_eret

// IRQ from EL1, in both tables: general registers only, whatever frame=
// says, since nothing on the interrupt path (irq.rs, the scheduler) uses
// FP/SIMD, and a thread switch keeps FP/SIMD registers as they are
// (sched/context.rs).
el1h_irq:
    save_gp
    mov     x0, sp
    bl      {handle_irq}
    restore_gp_and_eret

// The same with FP/SIMD state in the frame (frame=full).
el1h_sync_full:
    save_gp
    save_fpsimd
    call_handle_sync
    restore_fpsimd
    restore_gp_and_eret

    unexpected_entry 0
    unexpected_entry 1
    unexpected_entry 2
    unexpected_entry 3
    unexpected_entry 6
    unexpected_entry 7
    unexpected_entry 8
    unexpected_entry 9
    unexpected_entry 10
    unexpected_entry 11
    unexpected_entry 12
    unexpected_entry 13
    unexpected_entry 14
    unexpected_entry 15

.popsection
.arch_extension nosimd
.arch_extension nofp
"#,
    frame_size = const FRAME_SIZE,
    x = const OFFSET_X,
    pc = const OFFSET_PC,
    fpsr = const OFFSET_FPSR,
    v = const OFFSET_V,
    handle_sync = sym handle_sync,
    handle_unexpected = sym handle_unexpected,
    handle_irq = sym crate::irq::handle_irq,
);

extern "C" {
    static exception_vectors: u8;
    static exception_vectors_full: u8;
}

/// Set once `install` chose the full-frame table.
static FULL: AtomicBool = AtomicBool::new(false);

/// Point VBAR_EL1 at the table that saves `frame` (boot.rs installed the
/// general-registers table before any Rust code ran).
pub fn install(frame: FrameContents) {
    let table = match frame {
        FrameContents::GeneralRegisters => &raw const exception_vectors,
        FrameContents::Full => &raw const exception_vectors_full,
    };
    FULL.store(frame == FrameContents::Full, Ordering::Relaxed);
    // SAFETY: both tables are complete, 2 KiB-aligned vector tables; no
    // exception is in progress (this runs from kernel_main).
    unsafe { asm!("msr vbar_el1, {}", "isb", in(reg) table as u64, options(nostack, preserves_flags)) };
}

/// What the installed vectors save in a frame.
pub fn frame_contents() -> FrameContents {
    if FULL.load(Ordering::Relaxed) {
        FrameContents::Full
    } else {
        FrameContents::GeneralRegisters
    }
}
