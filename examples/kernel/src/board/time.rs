//! Monotonic time from the generic timer's virtual counter.

use core::arch::asm;

/// Nanoseconds since the counter started (CNTVCT_EL0 scaled by CNTFRQ_EL0).
///
/// Callable from exception context: no lock, no allocation. The scale is a
/// 32.32 fixed-point multiplier, so the hit path costs one 64-bit division
/// and one 64x64->128 multiply, never a (library-call) 128-bit division.
pub fn now_ns() -> u64 {
    let (count, freq): (u64, u64);
    // SAFETY: reading the counter registers has no side effects. The ISB
    // keeps the counter read from being hoisted above earlier instructions.
    unsafe {
        asm!(
            "isb",
            "mrs {c}, cntvct_el0",
            "mrs {f}, cntfrq_el0",
            c = out(reg) count,
            f = out(reg) freq,
            options(nomem, nostack, preserves_flags)
        )
    };
    if freq == 0 {
        return 0;
    }
    let mult = (1_000_000_000u64 << 32) / freq; // ns per tick, 32.32
    ((count as u128 * mult as u128) >> 32) as u64
}
