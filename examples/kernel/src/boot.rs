//! Boot entry: `_start`, the first instruction QEMU runs (the ELF entry).
//!
//! QEMU's `-M virt` starts the boot CPU at EL1 (or at EL2 with
//! `virtualization=on`) with the MMU off and all of DAIF masked; x0 carries
//! nothing we rely on. The assembly below brings the CPU to the state Rust
//! code needs and calls `kernel_main` (main.rs; called by its unmangled
//! name, as `secondary_main` in board/smp.rs is, so boot imports neither):
//!
//! 1. CPUs other than affinity-0 zero park: QEMU starts only CPU 0 here;
//!    the others are started at boot through PSCI at `secondary_entry`
//!    (board/smp.rs).
//! 2. At EL2, configure EL2 so it stays out of the way and drop to EL1h.
//! 3. Enable FP/SIMD. The kernel's compiled code never uses it (the
//!    aarch64-unknown-none-softfloat target), but the code it probes, the
//!    engine tests and XOL slots do.
//! 4. Switch to this CPU's boot stack, install the exception vectors (the
//!    general-registers table; kernel_main switches to the full-frame one
//!    for `frame=full`) and zero .bss.

use core::arch::global_asm;

use crate::stacks::{STACKS, STACK_STRIDE};

/// SCTLR_EL1 bits that are RES1 in ARMv8.0 (EOS, TSCXT, EIS, SPAN, nTLSMD,
/// LSMAOE): the value SCTLR_EL1 gets before the MMU is configured.
pub const SCTLR_EL1_RES1: u64 = (1 << 11) | (1 << 20) | (1 << 22) | (1 << 23) | (1 << 28) | (1 << 29);

global_asm!(
    r#"
.pushsection .text.boot, "ax"
// Every CPU at EL1, x19 = its index: SP_EL1 for everything, FP/SIMD
// untrapped (CPACR_EL1.FPEN = 0b11), and sp = the top of its stack,
// STACKS + (cpu + 1) * STACK_STRIDE.
.macro el1_cpu_setup
    msr     spsel, #1
    mov     x0, #(3 << 20)
    msr     cpacr_el1, x0
    isb
    adrp    x0, {stacks}
    add     x0, x0, :lo12:{stacks}
    ldr     x1, ={stride}
    add     x2, x19, #1
    madd    x0, x1, x2, x0
    mov     sp, x0
.endm

.global _start
_start:
    // Affinity 0 of MPIDR_EL1 is the CPU index everywhere in this kernel.
    mrs     x19, mpidr_el1
    and     x19, x19, #0xff
    cbnz    x19, park

    // x20 = the exception level we were started in (passed to kernel_main).
    mrs     x20, CurrentEL
    lsr     x20, x20, #2
    adr     x21, el1_entry          // where el2_to_el1 drops to
    cmp     x20, #1
    b.eq    el1_entry
    cmp     x20, #2
    b.eq    el2_to_el1
    b       park                    // EL3: not supported

    // Shared by the boot CPU and secondaries: configure EL2 and ERET to
    // the EL1 code at x21.
el2_to_el1:
    // EL1 runs AArch64; no VHE (E2H = 0), no stage 2, no traps to EL2.
    mov     x0, #(1 << 31)          // HCR_EL2.RW
    // With pointer authentication, PAC instructions at EL1 trap to EL2
    // unless HCR_EL2.API/APK are set (probed code may contain PACIASP).
    mrs     x1, id_aa64isar1_el1
    tst     x1, #0xff0              // APA | API
    b.eq    1f
    orr     x0, x0, #(1 << 40)      // APK
    orr     x0, x0, #(1 << 41)      // API
1:  msr     hcr_el2, x0
    msr     vttbr_el2, xzr
    // EL1 may use the physical counter and timer; no virtual offset.
    mrs     x0, cnthctl_el2
    orr     x0, x0, #3              // EL1PCTEN | EL1PCEN
    msr     cnthctl_el2, x0
    msr     cntvoff_el2, xzr
    // GICv3: EL1 may use the system-register CPU interface (ICC_SRE_EL2
    // SRE and Enable); no virtual CPU interface (ICH_HCR_EL2 = 0).
    mrs     x0, id_aa64pfr0_el1
    ubfx    x0, x0, #24, #4         // ID_AA64PFR0_EL1.GIC
    cbz     x0, 4f
    mrs     x0, S3_4_C12_C9_5       // ICC_SRE_EL2
    mov     x1, #0x9                // SRE | Enable (not a logical immediate)
    orr     x0, x0, x1
    msr     S3_4_C12_C9_5, x0
    isb
    msr     S3_4_C12_C11_0, xzr     // ICH_HCR_EL2
4:
    // Do not trap FP/SIMD (TFP) or anything else to EL2 (RES1 bits only).
    mov     x0, #0x33ff
    msr     cptr_el2, x0
    // Debug and PMU registers stay EL1's: no TDE/TDA/TPM, all counters.
    mrs     x0, pmcr_el0
    ubfx    x0, x0, #11, #5         // PMCR_EL0.N -> MDCR_EL2.HPMN
    msr     mdcr_el2, x0
    // EL1 reads of MIDR/MPIDR return these.
    mrs     x0, midr_el1
    msr     vpidr_el2, x0
    mrs     x0, mpidr_el1
    msr     vmpidr_el2, x0
    // EL1 starts with the MMU off.
    ldr     x0, ={sctlr_res1}
    msr     sctlr_el1, x0
    // "Return" to EL1h (SP_EL1) with D, A, I and F masked.
    mov     x0, #0x3c5
    msr     spsr_el2, x0
    msr     elr_el2, x21
    eret

el1_entry:
    el1_cpu_setup

    adrp    x0, exception_vectors
    add     x0, x0, :lo12:exception_vectors
    msr     vbar_el1, x0
    isb

    // Zero .bss (16-byte aligned by the linker script). The MMU is off, so
    // these are Device-memory stores: aligned STP only.
    adrp    x0, __bss_start
    add     x0, x0, :lo12:__bss_start
    adrp    x1, __bss_end
    add     x1, x1, :lo12:__bss_end
2:  cmp     x0, x1
    b.hs    3f
    stp     xzr, xzr, [x0], #16
    b       2b
3:
    mov     x0, x20
    bl      kernel_main

park:
    wfe
    b       park

    // A secondary CPU, started by PSCI CPU_ON (board/smp.rs) with the MMU off, at
    // EL2 or EL1, x0 = the boot CPU's `smp::BootRegs` (cleaned to memory).
    // It takes the boot CPU's FP/SIMD, debug, vector and translation state
    // (the tables exist already) and calls `smp::secondary_main(cpu)`.
.global secondary_entry
secondary_entry:
    mov     x22, x0
    mrs     x19, mpidr_el1
    and     x19, x19, #0xff
    mrs     x20, CurrentEL
    lsr     x20, x20, #2
    adr     x21, secondary_el1
    cmp     x20, #2
    b.eq    el2_to_el1
    cmp     x20, #1
    b.ne    park
secondary_el1:
    el1_cpu_setup
    // Single-step needs the OS lock clear on every CPU (embed/debug.rs).
    msr     oslar_el1, xzr
    msr     osdlr_el1, xzr
    msr     mdscr_el1, xzr
    // MMU off: these are Device loads of what the boot CPU cleaned to
    // memory; aligned LDP/LDR only.
    ldp     x0, x1, [x22]           // mair, tcr
    ldp     x2, x3, [x22, #16]      // ttbr0, sctlr
    ldr     x4, [x22, #32]          // vbar (the table frame= chose)
    msr     vbar_el1, x4
    msr     mair_el1, x0
    msr     tcr_el1, x1
    msr     ttbr0_el1, x2
    dsb     ish
    isb
    tlbi    vmalle1
    dsb     nsh
    isb
    msr     sctlr_el1, x3
    isb
    ic      iallu
    dsb     nsh
    isb
    mov     x0, x19
    bl      secondary_main
    b       park
.ltorg
.popsection
"#,
    stacks = sym STACKS,
    stride = const STACK_STRIDE,
    sctlr_res1 = const SCTLR_EL1_RES1,
);
