//! The register state a generated test loads before the instruction under
//! test and stores after it, and the code that does so.
//!
//! The code is assembled here as templates (in a read-only data section,
//! never executed in place) and copied into the test page by `page.rs`:
//!
//! * `prologue` (called as `extern "C" fn(*mut Harness)`): saves the
//!   callee-saved state on the kernel stack, parks the harness pointer in
//!   TPIDR_EL1, loads Q0–Q31, FPCR, FPSR, NZCV, SP, DAIF and X0–X30 from
//!   `Harness::input`, and is followed in the page by a `B` to the slot
//!   holding the instruction under test. No register is reserved: every
//!   X register, SP and every Q register holds a test value when the
//!   instruction runs.
//! * `common` (the epilogue): reached by `BL` from a landing pad, whose
//!   first word parked X30 in TPIDR_EL0. It parks X0 in TPIDRRO_EL0, stores
//!   the pad's return address (pad + 8: it tells which pad was reached, so
//!   the PC after the instruction) and every register into
//!   `Harness::output`, masks DAIF, switches back to the kernel stack,
//!   restores the callee-saved state and returns.

use core::arch::global_asm;

/// One complete register state.
#[repr(C, align(16))]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Regs {
    /// X0–X30.
    pub x: [u64; 31],
    /// SP.
    pub sp: u64,
    /// Output only: the landing pad's BL return address (pad + 8).
    pub landing: u64,
    /// NZCV (bits 31:28).
    pub nzcv: u64,
    /// FPCR.
    pub fpcr: u64,
    /// FPSR.
    pub fpsr: u64,
    /// DAIF (bits 9:6).
    pub daif: u64,
    /// Scratch for the harness (the kernel SP while the test runs).
    pub aux: u64,
    /// Q0–Q31.
    pub v: [u128; 32],
}

impl Regs {
    /// All zero.
    pub const fn zeroed() -> Regs {
        Regs { x: [0; 31], sp: 0, landing: 0, nzcv: 0, fpcr: 0, fpsr: 0, daif: 0, aux: 0, v: [0; 32] }
    }
}

/// What the generated code reads and writes.
#[repr(C, align(16))]
pub struct Harness {
    /// Loaded before the instruction.
    pub input: Regs,
    /// Stored after it.
    pub output: Regs,
}

const SP: usize = 248;
const LANDING: usize = 256;
const NZCV: usize = 264;
const FPCR: usize = 272;
const FPSR: usize = 280;
const DAIF: usize = 288;
const AUX: usize = 296;
const V: usize = 304;
const OUT: usize = core::mem::size_of::<Regs>();

const _: () = {
    assert!(core::mem::offset_of!(Regs, sp) == SP);
    assert!(core::mem::offset_of!(Regs, landing) == LANDING);
    assert!(core::mem::offset_of!(Regs, nzcv) == NZCV);
    assert!(core::mem::offset_of!(Regs, fpcr) == FPCR);
    assert!(core::mem::offset_of!(Regs, fpsr) == FPSR);
    assert!(core::mem::offset_of!(Regs, daif) == DAIF);
    assert!(core::mem::offset_of!(Regs, aux) == AUX);
    assert!(core::mem::offset_of!(Regs, v) == V);
    assert!(core::mem::offset_of!(Harness, output) == OUT);
    assert!(OUT == 816);
};

global_asm!(
    r#"
// FP/SIMD instructions on a target whose compiled code has none.
.arch_extension fp
.arch_extension simd
.pushsection .rodata.probec_diff_templates, "a"
.balign 4
.global probec_diff_prologue
probec_diff_prologue:
    stp     x29, x30, [sp, #-192]!
    mov     x29, sp
    stp     x18, x19, [sp, #16]
    stp     x20, x21, [sp, #32]
    stp     x22, x23, [sp, #48]
    stp     x24, x25, [sp, #64]
    stp     x26, x27, [sp, #80]
    str     x28, [sp, #96]
    stp     d8, d9, [sp, #112]
    stp     d10, d11, [sp, #128]
    stp     d12, d13, [sp, #144]
    stp     d14, d15, [sp, #160]
    mrs     x1, fpcr
    mrs     x2, fpsr
    stp     x1, x2, [sp, #176]
    mov     x1, sp
    str     x1, [x0, #{out} + {aux}]
    msr     tpidr_el1, x0
    add     x1, x0, #{v}
    ldp     q0, q1, [x1, #0]
    ldp     q2, q3, [x1, #32]
    ldp     q4, q5, [x1, #64]
    ldp     q6, q7, [x1, #96]
    ldp     q8, q9, [x1, #128]
    ldp     q10, q11, [x1, #160]
    ldp     q12, q13, [x1, #192]
    ldp     q14, q15, [x1, #224]
    ldp     q16, q17, [x1, #256]
    ldp     q18, q19, [x1, #288]
    ldp     q20, q21, [x1, #320]
    ldp     q22, q23, [x1, #352]
    ldp     q24, q25, [x1, #384]
    ldp     q26, q27, [x1, #416]
    ldp     q28, q29, [x1, #448]
    ldp     q30, q31, [x1, #480]
    ldr     x1, [x0, #{fpcr}]
    msr     fpcr, x1
    ldr     x1, [x0, #{fpsr}]
    msr     fpsr, x1
    ldr     x1, [x0, #{nzcv}]
    msr     nzcv, x1
    ldr     x1, [x0, #{sp}]
    mov     sp, x1
    ldr     x1, [x0, #{daif}]
    msr     daif, x1
    ldp     x1, x2, [x0, #8]
    ldp     x3, x4, [x0, #24]
    ldp     x5, x6, [x0, #40]
    ldp     x7, x8, [x0, #56]
    ldp     x9, x10, [x0, #72]
    ldp     x11, x12, [x0, #88]
    ldp     x13, x14, [x0, #104]
    ldp     x15, x16, [x0, #120]
    ldp     x17, x18, [x0, #136]
    ldp     x19, x20, [x0, #152]
    ldp     x21, x22, [x0, #168]
    ldp     x23, x24, [x0, #184]
    ldp     x25, x26, [x0, #200]
    ldp     x27, x28, [x0, #216]
    ldp     x29, x30, [x0, #232]
    ldr     x0, [x0, #0]
.global probec_diff_prologue_end
probec_diff_prologue_end:

.balign 4
.global probec_diff_common
probec_diff_common:
    msr     tpidrro_el0, x0
    mrs     x0, tpidr_el1
    add     x0, x0, #{out}
    str     x30, [x0, #{landing}]
    mrs     x30, tpidr_el0
    stp     x1, x2, [x0, #8]
    stp     x3, x4, [x0, #24]
    stp     x5, x6, [x0, #40]
    stp     x7, x8, [x0, #56]
    stp     x9, x10, [x0, #72]
    stp     x11, x12, [x0, #88]
    stp     x13, x14, [x0, #104]
    stp     x15, x16, [x0, #120]
    stp     x17, x18, [x0, #136]
    stp     x19, x20, [x0, #152]
    stp     x21, x22, [x0, #168]
    stp     x23, x24, [x0, #184]
    stp     x25, x26, [x0, #200]
    stp     x27, x28, [x0, #216]
    stp     x29, x30, [x0, #232]
    mrs     x1, tpidrro_el0
    str     x1, [x0, #0]
    mrs     x1, daif
    str     x1, [x0, #{daif}]
    msr     daifset, #0xf
    mrs     x1, nzcv
    str     x1, [x0, #{nzcv}]
    mrs     x1, fpcr
    str     x1, [x0, #{fpcr}]
    mrs     x1, fpsr
    str     x1, [x0, #{fpsr}]
    mov     x1, sp
    str     x1, [x0, #{sp}]
    add     x1, x0, #{v}
    stp     q0, q1, [x1, #0]
    stp     q2, q3, [x1, #32]
    stp     q4, q5, [x1, #64]
    stp     q6, q7, [x1, #96]
    stp     q8, q9, [x1, #128]
    stp     q10, q11, [x1, #160]
    stp     q12, q13, [x1, #192]
    stp     q14, q15, [x1, #224]
    stp     q16, q17, [x1, #256]
    stp     q18, q19, [x1, #288]
    stp     q20, q21, [x1, #320]
    stp     q22, q23, [x1, #352]
    stp     q24, q25, [x1, #384]
    stp     q26, q27, [x1, #416]
    stp     q28, q29, [x1, #448]
    stp     q30, q31, [x1, #480]
    ldr     x1, [x0, #{aux}]
    mov     sp, x1
    msr     tpidr_el0, xzr
    msr     tpidrro_el0, xzr
    msr     tpidr_el1, xzr
    ldp     x1, x2, [sp, #176]
    msr     fpcr, x1
    msr     fpsr, x2
    ldp     d8, d9, [sp, #112]
    ldp     d10, d11, [sp, #128]
    ldp     d12, d13, [sp, #144]
    ldp     d14, d15, [sp, #160]
    ldp     x18, x19, [sp, #16]
    ldp     x20, x21, [sp, #32]
    ldp     x22, x23, [sp, #48]
    ldp     x24, x25, [sp, #64]
    ldp     x26, x27, [sp, #80]
    ldr     x28, [sp, #96]
    ldp     x29, x30, [sp], #192
    ret
.global probec_diff_common_end
probec_diff_common_end:
.popsection
.arch_extension nosimd
.arch_extension nofp
"#,
    out = const OUT,
    aux = const AUX,
    v = const V,
    fpcr = const FPCR,
    fpsr = const FPSR,
    nzcv = const NZCV,
    sp = const SP,
    daif = const DAIF,
    landing = const LANDING,
);

extern "C" {
    static probec_diff_prologue: u32;
    static probec_diff_prologue_end: u32;
    static probec_diff_common: u32;
    static probec_diff_common_end: u32;
}

fn words(start: *const u32, end: *const u32) -> &'static [u32] {
    let n = (end as usize - start as usize) / 4;
    // SAFETY: both labels delimit one template in .rodata, in this order.
    unsafe { core::slice::from_raw_parts(start, n) }
}

/// The prologue's words (the `B` to the slot is appended by the page).
pub fn prologue_words() -> &'static [u32] {
    words(core::ptr::addr_of!(probec_diff_prologue), core::ptr::addr_of!(probec_diff_prologue_end))
}

/// The common epilogue's words.
pub fn common_words() -> &'static [u32] {
    words(core::ptr::addr_of!(probec_diff_common), core::ptr::addr_of!(probec_diff_common_end))
}

/// Run the generated test whose prologue is at `entry` on `harness`.
///
/// # Safety
/// `entry` must be a prologue written by the page, followed by a slot
/// whose instruction touches only the memory the generators allow.
pub unsafe fn call(entry: usize, harness: &mut Harness) {
    // SAFETY: `entry` is the address of a prologue the page wrote (the
    // caller's contract), code with this C signature.
    let f: unsafe extern "C" fn(*mut Harness) = unsafe { core::mem::transmute(entry) };
    // SAFETY: the prologue, slot and epilogue touch only the harness and
    // the memory the generators allow (the caller's contract).
    unsafe { f(harness) };
}
