//! PL011 UART driver, polled: output usable from any context (normal
//! code, exception handlers, the panic handler) because it takes no lock
//! and never blocks on anything but the transmit FIFO, and input by
//! polling the receive FIFO ([`read_byte`], for the live-attach agent).
//!
//! Concurrent writers (a probe handler interrupting a `println!`, or
//! other CPUs) may interleave their characters; nothing worse happens.
//! The console (console.rs) holds the UART for a whole `print!` to keep
//! lines whole. Receiving has one reader (the agent); two readers would
//! each get some of the bytes.

use core::ptr::{read_volatile, write_volatile};
use core::sync::atomic::{AtomicU64, Ordering};

use crate::board::layout::UART_BASE;

// Register offsets (PL011 TRM).
const DR: usize = 0x00;
/// Receive status (read) / error clear (write).
const RSR_ECR: usize = 0x04;
const FR: usize = 0x18;
const IBRD: usize = 0x24;
const FBRD: usize = 0x28;
const LCR_H: usize = 0x2c;
const CR: usize = 0x30;
const IMSC: usize = 0x38;
const ICR: usize = 0x44;

const FR_BUSY: u32 = 1 << 3;
const FR_RXFE: u32 = 1 << 4;
const FR_TXFF: u32 = 1 << 5;
const FR_TXFE: u32 = 1 << 7;
const LCR_H_FEN: u32 = 1 << 4;
const LCR_H_WLEN_8: u32 = 0b11 << 5;
const CR_UARTEN: u32 = 1 << 0;
const CR_TXE: u32 = 1 << 8;
const CR_RXE: u32 = 1 << 9;

/// DR bits 8..11 of a received byte: framing, parity, break and overrun
/// error (FE, PE, BE, OE).
const DR_ERRORS: u32 = 0xf << 8;

/// Received bytes that came with an error flag (see [`read_byte`]).
static RX_ERRORS: AtomicU64 = AtomicU64::new(0);

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

/// Send bytes as they are (binary frames of the live-attach agent as well
/// as text), waiting while the transmit FIFO is full. Does not hold the
/// console: a caller that must not interleave with `print!` output from
/// other CPUs takes it (`console::with_console`).
///
/// Waits for an empty FIFO (FR.TXFE) once per 16 bytes, the PL011's FIFO
/// depth, instead of testing FR.TXFF before every byte: half the MMIO
/// accesses, which under QEMU (each one an exit to the device model)
/// roughly doubles the agent's throughput.
pub fn write_bytes(bytes: &[u8]) {
    for chunk in bytes.chunks(TX_FIFO_DEPTH) {
        while read(FR) & FR_TXFE == 0 {}
        for &b in chunk {
            write(DR, b as u32);
        }
    }
}

/// The PL011's transmit FIFO holds 16 bytes (32 from r1p5 on).
const TX_FIFO_DEPTH: usize = 16;

/// The next received byte, if the receive FIFO holds one (FR.RXFE clear);
/// never waits. Polled: the UART's receive interrupts stay masked.
///
/// A byte that arrived with an error flag (DR bits 8..11: framing, parity,
/// break or overrun error) is still returned: the caller's framing and
/// checksums decide what to do with a damaged stream, not the driver. The
/// error is counted ([`rx_errors`]) and cleared (a write to the error
/// clear register, RSR/ECR), so the next byte reports its own errors only.
/// An overrun means bytes were lost before this one (the FIFO was full).
pub fn read_byte() -> Option<u8> {
    if read(FR) & FR_RXFE != 0 {
        return None;
    }
    let data = read(DR);
    if data & DR_ERRORS != 0 {
        RX_ERRORS.fetch_add(1, Ordering::Relaxed);
        write(RSR_ECR, 0);
    }
    Some(data as u8)
}

/// How many bytes [`read_byte`] returned with an error flag since boot.
pub fn rx_errors() -> u64 {
    RX_ERRORS.load(Ordering::Relaxed)
}
