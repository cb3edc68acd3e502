//! Writing a SIMD&FP register directly, for embedders whose exception
//! frames hold only general registers ([`probec_abi::frame::FrameContents`]): the
//! interrupted code's V registers are still live in the hardware while the
//! runtime runs, so a simulated `LDR (literal)` to a SIMD&FP register puts
//! its result there instead of in the frame.
//!
//! This is the runtime's only FP/SIMD instruction outside XOL slots. It is
//! assembled with `.arch_extension fp/simd` so it builds for targets that
//! forbid FP/SIMD in compiled code (`aarch64-unknown-none-softfloat`).

#[cfg(target_arch = "aarch64")]
core::arch::global_asm!(
    ".arch_extension fp",
    ".arch_extension simd",
    ".pushsection .text.probec_write_q, \"ax\"",
    ".balign 8",
    // 32 entries of 8 bytes: `ldr qN, [x0]; ret`. Global: `write_q` is
    // inlined into other crates, whose objects refer to the table by name.
    ".global probec_write_q_table",
    ".hidden probec_write_q_table",
    "probec_write_q_table:",
    ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
    "    ldr q\\n, [x0]",
    "    ret",
    ".endr",
    ".popsection",
);

/// Set Q register `n` (0–31; higher bits ignored) to `value`.
#[cfg(target_arch = "aarch64")]
pub fn write_q(n: u8, value: u128) {
    extern "C" {
        static probec_write_q_table: u8;
    }
    let entry = &raw const probec_write_q_table as usize + 8 * (n as usize & 31);
    // SAFETY: the entry loads 16 bytes from x0 (a live u128 on this stack)
    // into one Q register and returns; it touches nothing else but x30,
    // which is declared clobbered.
    unsafe {
        core::arch::asm!(
            "blr {entry}",
            entry = in(reg) entry,
            in("x0") &value as *const u128,
            out("x30") _,
            options(nostack, readonly),
        );
    }
}

/// Host builds (tests) have no AArch64 registers and only use full frames.
#[cfg(not(target_arch = "aarch64"))]
pub fn write_q(_n: u8, _value: u128) {}
