//! The kernel's implementation of `probec_runtime::Platform`: everything
//! the probe runtime needs from its host. Every method is callable from
//! exception context (no locks, no allocation).

use probec_runtime::Platform;

use crate::embed::probe_read::{probe_read_u16, probe_read_u32, probe_read_u64, probe_read_u8};
use crate::{board::cpu, board::layout, board::mmu, board::smp, board::time, board::uart, console, sched};

/// The reference kernel as a runtime platform.
pub struct RefPlatform;

/// The instance handed to `probec_runtime::init` and the engine tests.
pub static PLATFORM: RefPlatform = RefPlatform;

impl Platform for RefPlatform {
    /// No thread is ever switched out inside a slot, so only what another
    /// CPU runs right now can be in one: wait until every other online CPU
    /// has passed a quiescent point (board/smp.rs, which says why that is
    /// enough). With one CPU this returns at once.
    fn wait_for_slot_exits(&self) -> bool {
        smp::wait_for_slot_exits()
    }

    /// Return-probe instances live in each thread (sched/task.rs), so a
    /// thread preempted inside a probed function and resumed on another
    /// CPU returns through its own. In an interrupt handler this is the
    /// interrupted thread: the handler runs on that thread's stack.
    fn current_thread(&self) -> Option<&probec_runtime::ThreadState> {
        sched::has_current().then(|| &sched::current().probe)
    }

    /// `comm`: the current thread's name.
    fn thread_name(&self, buf: &mut [u8]) -> Option<usize> {
        if !sched::has_current() {
            return None;
        }
        let name = sched::current().name.as_bytes();
        let n = name.len().min(buf.len());
        buf[..n].copy_from_slice(&name[..n]);
        Some(n)
    }

    /// `tid`: the current thread's id (0 in the idle threads, 1 in `main`).
    fn context_value(&self, name: &str) -> Option<u64> {
        match name {
            "tid" => Some(if sched::has_current() { sched::current().tid as u64 } else { 0 }),
            _ => None,
        }
    }

    /// Kernel text, including the exec area, is patchable through the RAM
    /// write alias; nothing else is.
    fn text_alias(&self, exec_addr: usize) -> Option<usize> {
        mmu::text_alias(exec_addr)
    }

    fn cpu_id(&self) -> usize {
        cpu::id()
    }

    /// The CPUs that came up at boot (all of them are started before the
    /// runtime is initialised).
    fn max_cpus(&self) -> usize {
        smp::online()
    }

    fn now_ns(&self) -> u64 {
        time::now_ns()
    }

    fn console_write(&self, text: &str) {
        console::with_console(|| uart::write_str(text));
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
