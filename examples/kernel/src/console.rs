//! `print!` / `println!` on the PL011 console.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::board::{cpu, time};

/// The console as a `fmt::Write` sink. Stateless: every write goes straight
/// to the UART, so it works in exception context and in the panic handler.
pub struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        crate::board::uart::write_str(s);
        Ok(())
    }
}

/// The CPU that holds the console (its index + 1; 0: free). Lines from
/// threads on several CPUs would interleave character by character on the
/// one UART; holding the console for a whole `print!` keeps each line
/// whole. It is not a plain lock: an exception taken while this CPU holds
/// it (a probe handler's output, a fault dump) writes straight through
/// instead of waiting for itself, and a holder that never lets go (a CPU
/// that panicked mid-line) is waited for at most [`WAIT_LIMIT_NS`].
static OWNER: AtomicUsize = AtomicUsize::new(0);

/// How long a writer waits for another CPU to release the console.
const WAIT_LIMIT_NS: u64 = 100_000_000;

/// Run `f` holding the console (see [`OWNER`]), with IRQs masked.
pub fn with_console<R>(f: impl FnOnce() -> R) -> R {
    let daif = cpu::irq_save();
    let me = cpu::id() + 1;
    let nested = OWNER.load(Ordering::Relaxed) == me;
    let mut owned = false;
    if !nested {
        let start = time::now_ns();
        loop {
            if OWNER.compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed).is_ok() {
                owned = true;
                break;
            }
            if time::now_ns().wrapping_sub(start) > WAIT_LIMIT_NS {
                break;
            }
            core::hint::spin_loop();
        }
    }
    let r = f();
    if owned {
        OWNER.store(0, Ordering::Release);
    }
    cpu::irq_restore(daif);
    r
}

#[doc(hidden)]
pub fn _print(args: fmt::Arguments) {
    with_console(|| {
        let _ = Console.write_fmt(args);
    });
}

/// Print to the console.
macro_rules! print {
    ($($arg:tt)*) => ($crate::console::_print(format_args!($($arg)*)));
}

/// Print to the console, with a newline.
macro_rules! println {
    () => (print!("\n"));
    ($($arg:tt)*) => ($crate::console::_print(format_args!("{}\n", format_args!($($arg)*))));
}
