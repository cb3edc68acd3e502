//! `print!` / `println!` on the PL011 console.

use core::fmt::{self, Write};

/// The console as a `fmt::Write` sink. Stateless: every write goes straight
/// to the UART, so it works in exception context and in the panic handler.
pub struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        crate::board::uart::write_str(s);
        Ok(())
    }
}

#[doc(hidden)]
pub fn _print(args: fmt::Arguments) {
    let _ = Console.write_fmt(args);
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
