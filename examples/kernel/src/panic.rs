//! The panic handler: print where and why, then exit QEMU with status 101
//! (what a panicking Rust test process returns).

use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::board::semihosting;

/// Exit status after a panic.
pub const PANIC_EXIT_STATUS: i32 = 101;

static PANICKING: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    // A panic while printing a panic: exit without formatting again.
    if PANICKING.swap(true, Ordering::Relaxed) {
        semihosting::exit(PANIC_EXIT_STATUS);
    }
    match info.location() {
        Some(loc) => {
            println!("panic at {}:{}:{}: {}", loc.file(), loc.line(), loc.column(), info.message())
        }
        None => println!("panic: {}", info.message()),
    }
    semihosting::exit(PANIC_EXIT_STATUS)
}
