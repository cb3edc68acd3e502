//! Printing results on the target's console.

use alloc::string::String;
use probec_runtime::Platform;

/// Counts and prints test outcomes.
pub struct Report {
    platform: &'static dyn Platform,
    /// Passed so far.
    pub passed: usize,
    /// Failed so far.
    pub failed: usize,
}

impl Report {
    /// A report printing through `platform`.
    pub fn new(platform: &'static dyn Platform) -> Self {
        Report { platform, passed: 0, failed: 0 }
    }

    /// Record the outcome of test `name`.
    pub fn check(&mut self, name: &str, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => {
                self.passed += 1;
                self.print(&alloc::format!("ok   {name}\n"));
            }
            Err(why) => {
                self.failed += 1;
                self.print(&alloc::format!("FAIL {name}: {why}\n"));
            }
        }
    }

    /// Print a line.
    pub fn print(&self, text: &str) {
        self.platform.console_write(text);
    }
}

/// `Err` with a formatted message unless `cond`.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(alloc::format!($($fmt)+));
        }
    };
}
