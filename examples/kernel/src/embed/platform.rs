//! The kernel's implementation of `probec_runtime::Platform`: everything
//! the probe runtime needs from its host. Every method is callable from
//! exception context (no locks, no allocation).

use probec_runtime::Platform;

use crate::embed::probe_read::{probe_read_u16, probe_read_u32, probe_read_u64, probe_read_u8};
use crate::{board::cpu, board::layout, board::mmu, board::smp, board::time, board::uart};

/// The reference kernel as a runtime platform.
pub struct RefPlatform;

/// The instance handed to `probec_runtime::init` and the engine tests.
pub static PLATFORM: RefPlatform = RefPlatform;

impl Platform for RefPlatform {
    /// No interrupts and no threads, so only another CPU can be inside a
    /// boosted slot: wait until every other online CPU is idle or has
    /// passed a quiescent point (board/smp.rs). With one CPU this returns at once.
    fn wait_for_slot_exits(&self) -> bool {
        smp::wait_for_slot_exits()
    }

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

    /// Scripts' memory reads (`*(T *)p`, `str(p)`): the fault-safe loads of
    /// probe_read.rs, and only in RAM: a read of a device register can have
    /// side effects (it pops a byte off the UART's FIFO), so anything
    /// outside RAM reads as a failure.
    fn read_nofault(&self, addr: u64, dst: &mut [u8]) -> bool {
        let ram = layout::ram();
        let (start, len) = (addr as usize, dst.len());
        if start < ram.start || start.checked_add(len).is_none_or(|end| end > ram.end) {
            return false;
        }
        let value = match len {
            1 => probe_read_u8(start).map(u64::from),
            2 => probe_read_u16(start).map(u64::from),
            4 => probe_read_u32(start).map(u64::from),
            8 => probe_read_u64(start),
            _ => {
                for (i, byte) in dst.iter_mut().enumerate() {
                    match probe_read_u8(start + i) {
                        Some(b) => *byte = b,
                        None => return false,
                    }
                }
                return true;
            }
        };
        match value {
            Some(v) => {
                dst.copy_from_slice(&v.to_le_bytes()[..len]);
                true
            }
            None => false,
        }
    }
}
