//! PL011 UART driver: polled output only, usable from any context
//! (normal code, exception handlers, the panic handler) because it takes no
//! lock and never blocks on anything but the transmit FIFO.
//!
//! Concurrent writers (a probe handler interrupting a `println!`, or later
//! other CPUs) may interleave their characters; nothing worse happens.

use core::ptr::{read_volatile, write_volatile};

use crate::board::layout::UART_BASE;

// Register offsets (PL011 TRM).
const DR: usize = 0x00;
const FR: usize = 0x18;
const IBRD: usize = 0x24;
const FBRD: usize = 0x28;
const LCR_H: usize = 0x2c;
const CR: usize = 0x30;
const IMSC: usize = 0x38;
const ICR: usize = 0x44;

const FR_BUSY: u32 = 1 << 3;
const FR_TXFF: u32 = 1 << 5;
const LCR_H_FEN: u32 = 1 << 4;
const LCR_H_WLEN_8: u32 = 0b11 << 5;
const CR_UARTEN: u32 = 1 << 0;
const CR_TXE: u32 = 1 << 8;
const CR_RXE: u32 = 1 << 9;

fn reg(offset: usize) -> *mut u32 {
    (UART_BASE + offset) as *mut u32
}

fn read(offset: usize) -> u32 {
    // SAFETY: UART_BASE is the PL011 on QEMU virt, mapped as Device memory
    // (or accessed with the MMU off, which is Device memory too).
    unsafe { read_volatile(reg(offset)) }
}

fn write(offset: usize, value: u32) {
    // SAFETY: as in `read`.
    unsafe { write_volatile(reg(offset), value) }
}

/// Program the UART: 8N1, FIFOs on, interrupts masked, 115200 baud for the
/// 24 MHz UARTCLK of QEMU virt (QEMU ignores the rate; real boards do not).
pub fn init() {
    write(CR, 0);
    while read(FR) & FR_BUSY != 0 {}
    write(IBRD, 13); // 24e6 / (16 * 115200) = 13.02
    write(FBRD, 1); //  0.02 * 64 = 1.3
    write(LCR_H, LCR_H_WLEN_8 | LCR_H_FEN);
    write(IMSC, 0);
    write(ICR, 0x7ff);
    write(CR, CR_UARTEN | CR_TXE | CR_RXE);
}

/// Send one byte, waiting while the transmit FIFO is full.
pub fn write_byte(byte: u8) {
    while read(FR) & FR_TXFF != 0 {}
    write(DR, byte as u32);
}

/// Send a string as is (no newline translation: QEMU's -nographic console
/// and the tests that read it both want plain `\n`).
pub fn write_str(s: &str) {
    for b in s.bytes() {
        write_byte(b);
    }
}
