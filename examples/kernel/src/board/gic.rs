//! GICv3 interrupt controller of QEMU `virt` (`-M virt,gic-version=3`):
//! the distributor, one redistributor per CPU, and the CPU interface
//! through its system registers (ICC_*_EL1).
//!
//! The kernel uses only private peripheral interrupts (the generic timer's)
//! and software-generated ones (IPIs), all in Group 1 with one priority, so
//! the distributor only needs affinity routing and Group 1 enabled; each CPU
//! sets up its own redistributor and CPU interface ([`init_cpu`]).
//!
//! QEMU's GIC has no security extensions unless the machine has
//! `secure=on`, so there is a single security state: Group 1 is what the
//! kernel at EL1 owns. Register offsets and bits: the GICv3/v4
//! architecture specification (IHI 0069), chapters 12 (distributor and
//! redistributor) and 12.11 (CPU interface system registers).

use core::arch::asm;
use core::ptr::{read_volatile, write_volatile};

/// QEMU virt (hw/arm/virt.c, VIRT_GIC_DIST): the distributor.
pub const GICD_BASE: usize = 0x0800_0000;
/// QEMU virt (VIRT_GIC_REDIST): the first redistributor; one 128 KiB frame
/// pair (RD_base, then SGI_base) per CPU follows it.
pub const GICR_BASE: usize = 0x080a_0000;
/// Size of one redistributor (RD_base + SGI_base frames).
const GICR_STRIDE: usize = 0x2_0000;
/// The SGI_base frame of a redistributor, after its RD_base frame.
const SGI_BASE: usize = 0x1_0000;

// Distributor registers.
const GICD_CTLR: usize = 0x0000;
const GICD_PIDR2: usize = 0xffe8;
const GICD_CTLR_ENABLE_G1: u32 = 1 << 1;
const GICD_CTLR_ARE: u32 = 1 << 4;
const GICD_CTLR_RWP: u32 = 1 << 31;

// Redistributor registers (RD_base frame).
const GICR_TYPER: usize = 0x0008;
const GICR_WAKER: usize = 0x0014;
const GICR_TYPER_LAST: u64 = 1 << 4;
const GICR_WAKER_PROCESSOR_SLEEP: u32 = 1 << 1;
const GICR_WAKER_CHILDREN_ASLEEP: u32 = 1 << 2;

// Redistributor registers (SGI_base frame): SGIs and PPIs, INTIDs 0-31.
const GICR_IGROUPR0: usize = 0x0080;
const GICR_ISENABLER0: usize = 0x0100;
const GICR_ICENABLER0: usize = 0x0180;
const GICR_ICPENDR0: usize = 0x0280;
const GICR_IPRIORITYR: usize = 0x0400;

/// Priority of every interrupt the kernel enables (lower is more urgent;
/// all equal, so none preempts another: interrupts do not nest).
const PRIORITY: u8 = 0xa0;

/// First INTID that is not a private one (SGI 0-15, PPI 16-31).
pub const FIRST_SPI: u32 = 32;
/// INTIDs 1020-1023 are special: an acknowledge that returns one of them
/// found no pending interrupt (spurious).
pub const SPURIOUS_FIRST: u32 = 1020;

fn gicd(offset: usize) -> *mut u32 {
    (GICD_BASE + offset) as *mut u32
}

fn read32(addr: *mut u32) -> u32 {
    // SAFETY: every caller passes a GIC register of QEMU virt, mapped as
    // Device memory by board/mmu.rs (the MMIO window).
    unsafe { read_volatile(addr) }
}

fn write32(addr: *mut u32, value: u32) {
    // SAFETY: as in `read32`.
    unsafe { write_volatile(addr, value) }
}

/// Whether the machine has a GICv3 with its system-register CPU interface:
/// ID_AA64PFR0_EL1.GIC (bits 27:24) says the CPU has the interface, and the
/// distributor's PIDR2.ArchRev (bits 7:4) is 3 or 4. QEMU's default `virt`
/// machine has a GICv2, which this kernel does not drive.
pub fn present() -> bool {
    let pfr0: u64;
    // SAFETY: reading an ID register has no side effects.
    unsafe { asm!("mrs {}, id_aa64pfr0_el1", out(reg) pfr0, options(nomem, nostack, preserves_flags)) };
    let cpu_if = (pfr0 >> 24) & 0xf != 0;
    let arch_rev = (read32(gicd(GICD_PIDR2)) >> 4) & 0xf;
    cpu_if && (arch_rev == 3 || arch_rev == 4)
}

/// Wait for a distributor register write to take effect (GICD_CTLR.RWP).
fn wait_distributor() {
    while read32(gicd(GICD_CTLR)) & GICD_CTLR_RWP != 0 {
        core::hint::spin_loop();
    }
}

/// Set up the distributor: affinity routing and Group 1 on. Once, on the
/// boot CPU, before any CPU calls [`init_cpu`].
pub fn init_distributor() {
    write32(gicd(GICD_CTLR), 0);
    wait_distributor();
    write32(gicd(GICD_CTLR), GICD_CTLR_ARE | GICD_CTLR_ENABLE_G1);
    wait_distributor();
}

/// The RD_base frame of the calling CPU's redistributor: the one whose
/// GICR_TYPER.Affinity_Value matches this CPU's MPIDR_EL1 affinity.
fn my_redistributor() -> usize {
    let mpidr: u64;
    // SAFETY: reading MPIDR_EL1 has no side effects.
    unsafe { asm!("mrs {}, mpidr_el1", out(reg) mpidr, options(nomem, nostack, preserves_flags)) };
    let affinity = (mpidr & 0xff_ffff) | ((mpidr >> 32 & 0xff) << 24);
    let mut rd = GICR_BASE;
    loop {
        // SAFETY: a redistributor frame of QEMU virt (the chain ends at the
        // frame whose TYPER.Last is set); a 64-bit register, read whole.
        let typer = unsafe { read_volatile((rd + GICR_TYPER) as *const u64) };
        if typer >> 32 == affinity {
            return rd;
        }
        if typer & GICR_TYPER_LAST != 0 {
            panic!("no GICv3 redistributor for MPIDR {mpidr:#x}");
        }
        rd += GICR_STRIDE;
    }
}

/// Set up the calling CPU's redistributor and CPU interface: wake the
/// redistributor, put SGIs and PPIs in Group 1 at [`PRIORITY`], all
/// disabled and not pending, then enable the system-register interface,
/// let every priority through (PMR) and enable Group 1. Interrupts stay
/// masked in PSTATE until the caller unmasks them.
pub fn init_cpu() {
    let rd = my_redistributor();
    let sgi = rd + SGI_BASE;
    let waker = (rd + GICR_WAKER) as *mut u32;
    write32(waker, read32(waker) & !GICR_WAKER_PROCESSOR_SLEEP);
    while read32(waker) & GICR_WAKER_CHILDREN_ASLEEP != 0 {
        core::hint::spin_loop();
    }
    write32((sgi + GICR_ICENABLER0) as *mut u32, u32::MAX);
    write32((sgi + GICR_ICPENDR0) as *mut u32, u32::MAX);
    write32((sgi + GICR_IGROUPR0) as *mut u32, u32::MAX);
    for intid in 0..FIRST_SPI as usize {
        // SAFETY: GICR_IPRIORITYR is byte-accessible (one byte per INTID).
        unsafe { write_volatile((sgi + GICR_IPRIORITYR + intid) as *mut u8, PRIORITY) };
    }
    // SAFETY: the GICv3 CPU interface registers of this CPU (encodings:
    // ICC_SRE_EL1 S3_0_C12_C12_5, ICC_PMR_EL1 S3_0_C4_C6_0, ICC_BPR1_EL1
    // S3_0_C12_C12_3, ICC_IGRPEN1_EL1 S3_0_C12_C12_7). SRE = 1 selects the
    // system-register interface (boot.rs allowed it at EL2 when entered
    // there); PMR 0xff lets every priority through; BPR 0: no grouping of
    // priorities (interrupts of equal priority never preempt each other).
    unsafe {
        asm!(
            "mrs {t}, S3_0_C12_C12_5",
            "orr {t}, {t}, #1",
            "msr S3_0_C12_C12_5, {t}",
            "isb",
            "msr S3_0_C4_C6_0, {pmr}",
            "msr S3_0_C12_C12_3, xzr",
            "msr S3_0_C12_C12_7, {one}",
            "isb",
            t = out(reg) _,
            pmr = in(reg) 0xffu64,
            one = in(reg) 1u64,
            options(nostack, preserves_flags),
        )
    };
}

/// Enable private interrupt `intid` (an SGI or PPI, below [`FIRST_SPI`])
/// on the calling CPU.
pub fn enable_private(intid: u32) {
    assert!(intid < FIRST_SPI, "INTID {intid} is not a private interrupt");
    let sgi = my_redistributor() + SGI_BASE;
    write32((sgi + GICR_ISENABLER0) as *mut u32, 1 << intid);
}

/// Acknowledge the highest-priority pending Group 1 interrupt: its INTID,
/// or one of 1020-1023 if none is pending (ICC_IAR1_EL1).
#[inline]
pub fn acknowledge() -> u32 {
    let intid: u64;
    // SAFETY: ICC_IAR1_EL1 (S3_0_C12_C12_0), this CPU's interface; reading
    // it activates the interrupt it returns, which `end` deactivates.
    unsafe { asm!("mrs {}, S3_0_C12_C12_0", out(reg) intid, options(nomem, nostack, preserves_flags)) };
    intid as u32 & 0xff_ffff
}

/// End interrupt `intid` (ICC_EOIR1_EL1; with ICC_CTLR_EL1.EOImode 0 this
/// both drops the running priority and deactivates it).
#[inline]
pub fn end(intid: u32) {
    // SAFETY: ICC_EOIR1_EL1 (S3_0_C12_C12_1) with an INTID `acknowledge`
    // returned on this CPU.
    unsafe { asm!("msr S3_0_C12_C12_1, {}", "isb", in(reg) intid as u64, options(nomem, nostack, preserves_flags)) };
}

/// Send software-generated interrupt `sgi` (0-15) to CPU `cpu` (its
/// MPIDR Aff0; Aff1-3 are 0 on QEMU virt), through ICC_SGI1R_EL1.
pub fn send_sgi(sgi: u32, cpu: usize) {
    assert!(sgi < 16 && cpu < 16);
    // TargetList bit `cpu` (bits 15:0), INTID in bits 27:24, Aff1/2/3 = 0.
    let value = (1u64 << cpu) | ((sgi as u64) << 24);
    // SAFETY: ICC_SGI1R_EL1 (S3_0_C12_C11_5) only raises an interrupt.
    unsafe { asm!("msr S3_0_C12_C11_5, {}", "isb", in(reg) value, options(nomem, nostack, preserves_flags)) };
}
