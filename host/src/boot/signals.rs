//! Ctrl-C, SIGTERM and SIGHUP: asking `probec boot` to stop its target.
//!
//! A handler only records which signal came; the loop that waits for QEMU
//! sees it within milliseconds and kills QEMU (which has a process group of
//! its own, so the terminal's Ctrl-C does not reach it first).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

pub use signal_hook::consts::signal::SIGINT;
use signal_hook::consts::signal::{SIGHUP, SIGTERM};

/// Which stop signal came, if any.
pub struct Stop {
    signal: Arc<AtomicUsize>,
}

impl Stop {
    /// Handle SIGINT, SIGTERM and SIGHUP from now on (for the rest of the
    /// process).
    pub fn install() -> std::io::Result<Stop> {
        let signal = Arc::new(AtomicUsize::new(0));
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal_hook::flag::register_usize(sig, signal.clone(), sig as usize)?;
        }
        Ok(Stop { signal })
    }

    /// The signal that asked to stop (the last one, if several came).
    pub fn requested(&self) -> Option<i32> {
        match self.signal.load(Ordering::SeqCst) {
            0 => None,
            sig => Some(sig as i32),
        }
    }
}
