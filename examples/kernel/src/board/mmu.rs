//! Translation tables and MMU enable: 4 KiB granule, 39-bit VA (T0SZ = 25,
//! lookup starts at level 1), TTBR0_EL1 only.
//!
//! | VA                          | maps to       | attributes                      |
//! |-----------------------------|---------------|---------------------------------|
//! | 0x0000_0000..0x0800_0000    | (unmapped)    | flash; NULL pointers fault      |
//! | 0x0800_0000..0x4000_0000    | identity      | Device-nGnRE, XN (GIC, UART...) |
//! | kernel text (incl. exec area) | identity    | Normal WB, read-only, executable|
//! | kernel rodata               | identity      | Normal WB, read-only, XN        |
//! | kernel data/bss/stacks      | identity      | Normal WB, read-write, XN       |
//! | stack guard pages           | (unmapped)    |                                 |
//! | rest of RAM (heap, ...)     | identity      | Normal WB, read-write, XN       |
//! | RAM + ALIAS_OFFSET          | RAM           | Normal WB, read-write, XN       |
//!
//! Nothing is ever writable and executable (W^X; SCTLR_EL1.WXN enforces it
//! too): kernel text is patched only through the RAM alias, followed by
//! cache maintenance on the executable address. Normal memory is inner
//! shareable, write-back read/write-allocate.
//!
//! The 2 MiB blocks of RAM that hold the kernel image are split into 4 KiB
//! pages so text, rodata and data get their own permissions; everything
//! else uses 2 MiB blocks.

use core::arch::asm;
use core::cell::UnsafeCell;

use crate::boot::SCTLR_EL1_RES1;
use crate::{board::layout, stacks};

const PAGE: usize = 4096;
const BLOCK_2M: usize = 2 << 20;
const ENTRIES: usize = 512;

// Descriptor bits (VMSAv8-64 stage 1).
const DESC_BLOCK: u64 = 0b01; // level 1/2 block
const DESC_TABLE: u64 = 0b11; // level 1/2 next-level table
const DESC_PAGE: u64 = 0b11; // level 3 page
const ATTR_IDX_DEVICE: u64 = 0 << 2; // MAIR index 0
const ATTR_IDX_NORMAL: u64 = 1 << 2; // MAIR index 1
const AP_RO: u64 = 1 << 7; // AP[2]: read-only (EL0 never has access: AP[1] = 0)
const SH_INNER: u64 = 0b11 << 8;
const AF: u64 = 1 << 10; // access flag set: no access-flag faults
const PXN: u64 = 1 << 53;
const UXN: u64 = 1 << 54;

/// MAIR_EL1: index 0 Device-nGnRE, index 1 Normal inner/outer write-back
/// read/write-allocate.
const MAIR: u64 = 0x04 | (0xff << 8);

const DEVICE: u64 = ATTR_IDX_DEVICE | AF | PXN | UXN;
const NORMAL: u64 = ATTR_IDX_NORMAL | SH_INNER | AF;
const KERNEL_RX: u64 = NORMAL | AP_RO | UXN;
const KERNEL_RO: u64 = NORMAL | AP_RO | PXN | UXN;
const KERNEL_RW: u64 = NORMAL | PXN | UXN;

// TCR_EL1 fields.
const TCR_T0SZ: u64 = 25; // 2^39 bytes of VA through TTBR0
const TCR_IRGN0_WBWA: u64 = 0b01 << 8;
const TCR_ORGN0_WBWA: u64 = 0b01 << 10;
const TCR_SH0_INNER: u64 = 0b11 << 12;
const TCR_TG0_4K: u64 = 0b00 << 14;
const TCR_EPD1: u64 = 1 << 23; // no TTBR1 walks: there is no upper half
const TCR_IPS_SHIFT: u64 = 32;

// SCTLR_EL1 bits turned on.
const SCTLR_M: u64 = 1 << 0; // MMU
const SCTLR_C: u64 = 1 << 2; // data cache
const SCTLR_SA: u64 = 1 << 3; // SP alignment check
const SCTLR_I: u64 = 1 << 12; // instruction cache
const SCTLR_WXN: u64 = 1 << 19; // writable implies execute-never

/// 2 MiB blocks of RAM split into pages for the kernel image. 4 covers an
/// image (text + exec area + data + stacks) of up to 8 MiB.
const IMAGE_L3_TABLES: usize = 4;

#[repr(C, align(4096))]
struct Table([u64; ENTRIES]);

const EMPTY: Table = Table([0; ENTRIES]);

#[repr(C)]
struct Tables {
    l1: Table,
    l2_mmio: Table,
    l2_ram: Table,
    l2_alias: Table,
    l3_image: [Table; IMAGE_L3_TABLES],
}

struct TablesCell(UnsafeCell<Tables>);

// SAFETY: written only by `init` on the boot CPU before the MMU is on,
// read-only afterwards.
unsafe impl Sync for TablesCell {}

static TABLES: TablesCell =
    TablesCell(UnsafeCell::new(Tables { l1: EMPTY, l2_mmio: EMPTY, l2_ram: EMPTY, l2_alias: EMPTY, l3_image: [EMPTY; IMAGE_L3_TABLES] }));

/// Build the tables and turn the MMU and caches on. Runs once on the boot
/// CPU with the MMU off (so every access here is Device memory: aligned
/// u64 stores only, which is all this does).
pub fn init() {
    // SAFETY: nothing else references the tables yet.
    let t = unsafe { &mut *TABLES.0.get() };
    build(t);
    // SAFETY: the tables map everything the kernel touches, with the same
    // addresses it runs at now (identity map).
    unsafe { enable(&t.l1 as *const Table as u64) };
}

fn table_desc(table: &Table) -> u64 {
    table as *const Table as u64 | DESC_TABLE
}

fn build(t: &mut Tables) {
    // Level 1 entry 0: the first GiB, MMIO. Flash (below MMIO_BASE) stays
    // unmapped so that NULL dereferences fault.
    for (i, entry) in t.l2_mmio.0.iter_mut().enumerate() {
        let pa = i * BLOCK_2M;
        if (layout::MMIO_BASE..layout::MMIO_END).contains(&pa) {
            *entry = pa as u64 | DEVICE | DESC_BLOCK;
        }
    }
    t.l1.0[0] = table_desc(&t.l2_mmio);

    // RAM, identity mapped. Blocks holding the image are split into pages.
    let ram = layout::ram();
    let image = layout::image();
    let image_blocks = (image.end - ram.start).div_ceil(BLOCK_2M);
    assert!(image_blocks <= IMAGE_L3_TABLES, "kernel image too large for mmu::IMAGE_L3_TABLES");
    for (i, entry) in t.l2_ram.0.iter_mut().enumerate().take(ram.len() / BLOCK_2M) {
        let pa = ram.start + i * BLOCK_2M;
        if i < image_blocks {
            let l3 = &mut t.l3_image[i];
            for (j, page) in l3.0.iter_mut().enumerate() {
                let pa = pa + j * PAGE;
                *page = match image_page_attrs(pa) {
                    Some(attrs) => pa as u64 | attrs | DESC_PAGE,
                    None => 0,
                };
            }
            *entry = table_desc(l3);
        } else {
            *entry = pa as u64 | KERNEL_RW | DESC_BLOCK;
        }
    }
    t.l1.0[ram.start >> 30] = table_desc(&t.l2_ram);

    // The write alias of RAM: read-write, never executable.
    for (i, entry) in t.l2_alias.0.iter_mut().enumerate().take(ram.len() / BLOCK_2M) {
        *entry = (ram.start + i * BLOCK_2M) as u64 | KERNEL_RW | DESC_BLOCK;
    }
    t.l1.0[(ram.start + layout::ALIAS_OFFSET) >> 30] = table_desc(&t.l2_alias);
}

/// Attributes of a 4 KiB page in the 2 MiB blocks that hold the image, or
/// `None` to leave it unmapped.
fn image_page_attrs(pa: usize) -> Option<u64> {
    if layout::text().contains(&pa) {
        Some(KERNEL_RX)
    } else if layout::rodata().contains(&pa) {
        Some(KERNEL_RO)
    } else if stacks::in_guard(pa) {
        None
    } else {
        Some(KERNEL_RW) // data, bss, stacks, and RAM around the image
    }
}

/// Program the translation registers and turn on the MMU and caches.
///
/// # Safety
/// `ttbr0` must point to complete level 1 tables that identity map the
/// code, stack and data in use.
unsafe fn enable(ttbr0: u64) {
    // Tables, .bss and the stack were written with the MMU off, straight to
    // memory. Drop any stale cache lines for the image (left from before we
    // ran) so they cannot shadow that data once the caches are on.
    invalidate_dcache_range(layout::image().start, layout::image().end);

    let mmfr0: u64;
    // SAFETY: reading ID_AA64MMFR0_EL1 has no side effects.
    unsafe { asm!("mrs {}, id_aa64mmfr0_el1", out(reg) mmfr0, options(nomem, nostack, preserves_flags)) };
    let ips = (mmfr0 & 0xf).min(0b101); // PARange, at most 48 bits
    let tcr = TCR_T0SZ | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER | TCR_TG0_4K | TCR_EPD1 | (ips << TCR_IPS_SHIFT);
    let sctlr = SCTLR_EL1_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I | SCTLR_WXN;

    // SAFETY: `ttbr0` points to complete tables that identity map the code,
    // stack and data in use (the caller's contract), so execution carries
    // on at the same addresses once the MMU is on.
    unsafe {
        asm!(
            "msr mair_el1, {mair}",
            "msr tcr_el1, {tcr}",
            "msr ttbr0_el1, {ttbr0}",
            "dsb ish",          // table writes complete before the walker can see them
            "isb",
            "tlbi vmalle1",     // no stale translations from before
            "dsb nsh",
            "isb",
            "msr sctlr_el1, {sctlr}",
            "isb",
            "ic iallu",         // discard instructions fetched with the MMU off
            "dsb nsh",
            "isb",
            mair = in(reg) MAIR,
            tcr = in(reg) tcr,
            ttbr0 = in(reg) ttbr0,
            sctlr = in(reg) sctlr,
            options(nostack, preserves_flags)
        );
    }
}

/// `DC IVAC` over [start, end): invalidate data cache lines to the point of
/// coherency.
fn invalidate_dcache_range(start: usize, end: usize) {
    let ctr: u64;
    // SAFETY: reading CTR_EL0 has no side effects.
    unsafe { asm!("mrs {}, ctr_el0", out(reg) ctr, options(nomem, nostack, preserves_flags)) };
    let line = 4usize << ((ctr >> 16) & 0xf); // DminLine: log2 of words
    let mut addr = start & !(line - 1);
    while addr < end {
        // SAFETY: invalidation only discards cached copies; with the MMU
        // off nothing we wrote is in the cache.
        unsafe { asm!("dc ivac, {}", in(reg) addr, options(nostack, preserves_flags)) };
        addr += line;
    }
    // SAFETY: barrier only.
    unsafe { asm!("dsb sy", options(nostack, preserves_flags)) };
}

/// The writable alias of `exec_addr` if it lies in kernel text (which
/// includes the runtime's executable area); `None` otherwise.
pub fn text_alias(exec_addr: usize) -> Option<usize> {
    if layout::text().contains(&exec_addr) {
        Some(exec_addr + layout::ALIAS_OFFSET)
    } else {
        None
    }
}
