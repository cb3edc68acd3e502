//! The kernel's implementation of `probec_runtime::Platform`: everything
//! the probe runtime needs from its host. Every method is callable from
//! exception context (no locks, no allocation).

use probec_runtime::Platform;

use crate::{cpu, mmu, time, uart};

/// The reference kernel as a runtime platform.
pub struct RefPlatform;

/// The instance handed to `probec_runtime::init` and the engine tests.
pub static PLATFORM: RefPlatform = RefPlatform;

impl Platform for RefPlatform {
    /// Kernel text, including the exec area, is patchable through the RAM
    /// write alias; nothing else is.
    fn text_alias(&self, exec_addr: usize) -> Option<usize> {
        mmu::text_alias(exec_addr)
    }

    fn cpu_id(&self) -> usize {
        cpu::id()
    }

    fn max_cpus(&self) -> usize {
        cpu::MAX_CPUS
    }

    fn now_ns(&self) -> u64 {
        time::now_ns()
    }

    fn console_write(&self, text: &str) {
        uart::write_str(text);
    }
}
