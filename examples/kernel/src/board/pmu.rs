//! The PMU's instruction counter, for benchmarks. Under QEMU with
//! `-icount shift=0`, event 0x08 (INST_RETIRED) counts executed
//! instructions exactly, so costs are counted, not timed.

use core::arch::asm;

/// PMCR_EL0.E: enable all counters.
const PMCR_E: u64 = 1 << 0;
/// PMCR_EL0.P: reset the event counters.
const PMCR_P: u64 = 1 << 1;
/// Architectural event: instruction architecturally executed.
const EVENT_INST_RETIRED: u64 = 0x08;

/// Start event counter 0 counting retired instructions at EL1 (and EL0).
pub fn init() {
    // SAFETY: PMU registers at EL1; the kernel uses no other PMU counter.
    unsafe {
        asm!(
            "msr pmevtyper0_el0, {event}",
            "msr pmcntenset_el0, {one}",
            "msr pmcr_el0, {pmcr}",
            "isb",
            event = in(reg) EVENT_INST_RETIRED,
            one = in(reg) 1u64,
            pmcr = in(reg) PMCR_E | PMCR_P,
            options(nostack),
        );
    }
}

/// The current value of the instruction counter (32 bits; differences
/// are taken with wrapping arithmetic).
#[inline(always)]
pub fn instructions() -> u32 {
    let value: u64;
    // SAFETY: reading a PMU counter has no side effects. The ISB keeps the
    // read from being reordered around the measured code.
    unsafe { asm!("isb", "mrs {}, pmevcntr0_el0", out(reg) value, options(nostack)) };
    value as u32
}

/// Instructions executed by `f`, minus the counter reads themselves. IRQs
/// are masked meanwhile: the counter counts everything this CPU executes,
/// and a tick in the middle would add its handler (and maybe a switch to
/// another thread) to the figure being measured.
pub fn count(f: impl FnOnce()) -> u64 {
    let daif = crate::board::cpu::irq_save();
    let start = instructions();
    f();
    let end = instructions();
    crate::board::cpu::irq_restore(daif);
    end.wrapping_sub(start) as u64
}
