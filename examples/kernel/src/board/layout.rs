//! The physical memory map of QEMU `virt` as this kernel uses it, and the
//! image layout the linker script exports.
//!
//! All addresses are identity mapped (VA = PA), except the write alias of
//! RAM at `ALIAS_OFFSET` (see mmu.rs).

use core::ops::Range;

/// QEMU virt: RAM base.
pub const RAM_BASE: usize = 0x4000_0000;
/// RAM size this kernel assumes: run QEMU with `-m 256M`.
pub const RAM_SIZE: usize = 256 << 20;
/// QEMU virt: first MMIO address mapped (GIC at 0x0800_0000; below it is
/// flash, left unmapped so that NULL pointer accesses fault).
pub const MMIO_BASE: usize = 0x0800_0000;
/// End of the MMIO window mapped as Device memory (start of RAM).
pub const MMIO_END: usize = RAM_BASE;
/// QEMU virt: the PL011 UART.
pub const UART_BASE: usize = 0x0900_0000;
/// RAM is mapped a second time, read-write and execute-never, at
/// `PA + ALIAS_OFFSET`. Kernel text is patched only through this alias.
pub const ALIAS_OFFSET: usize = 0x1_0000_0000;
/// Heap size (see heap.rs); the heap starts at the first 2 MiB boundary
/// after the image, so it can be mapped with 2 MiB blocks.
pub const HEAP_SIZE: usize = 32 << 20;

extern "C" {
    static __image_start: u8;
    static __image_end: u8;
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __data_end: u8;
}

/// The whole kernel image: text, rodata, data, bss and stacks.
pub fn image() -> Range<usize> {
    &raw const __image_start as usize..&raw const __image_end as usize
}

/// Kernel text, including the runtime's executable area: read-only and
/// executable.
pub fn text() -> Range<usize> {
    &raw const __text_start as usize..&raw const __text_end as usize
}

/// Read-only data (and the exception-fixup table): read-only, execute-never.
pub fn rodata() -> Range<usize> {
    &raw const __rodata_start as usize..&raw const __rodata_end as usize
}

/// .data, .bss and the boot stacks: read-write, execute-never.
pub fn data() -> Range<usize> {
    &raw const __data_start as usize..&raw const __data_end as usize
}

/// The kernel heap.
pub fn heap() -> Range<usize> {
    let start = (image().end + (2 << 20) - 1) & !((2 << 20) - 1);
    start..start + HEAP_SIZE
}

/// All of RAM.
pub fn ram() -> Range<usize> {
    RAM_BASE..RAM_BASE + RAM_SIZE
}
