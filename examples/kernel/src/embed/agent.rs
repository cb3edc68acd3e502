//! The live-attach agent on the console UART (docs/live-attach.md): what
//! an embedder writes to let `probec attach` reach its runtime.
//!
//! The reference kernel has one PL011, so the agent shares it with the
//! console: frames (0x00-delimited COBS) go out whole under the console
//! lock, so a line of text never splits a frame, and the host's
//! `probec boot` tells them apart. Everything the host sends is frames.
//!
//! The agent runs in the `serve` command's main thread. It polls: while
//! bytes arrive or output flows it only yields to other threads between
//! polls (the PL011's receive FIFO holds 16 bytes, so a sleeping reader
//! would throttle an object transfer to 16 bytes a tick), and when idle
//! it sleeps one tick.

use crate::board::{build_id, layout, semihosting, time, uart};
use crate::console;
use crate::embed::symbols::{self, KernelSymbols};
use crate::embed::{code_area, exec_area};
use crate::sched;
use crate::workload::serve;
use probec_runtime::agent::{Agent, AgentConfig, AgentTarget, ByteChannel, Poll};
use probec_runtime::script::SymbolSource;

/// The console UART as the agent's channel.
pub(crate) struct Uart;

impl ByteChannel for Uart {
    fn read(&mut self, buf: &mut [u8]) -> usize {
        let mut n = 0;
        while n < buf.len() {
            match uart::read_byte() {
                Some(b) => {
                    buf[n] = b;
                    n += 1;
                }
                None => break,
            }
        }
        n
    }

    fn write(&mut self, frame: &[u8]) {
        // Whole frames under the console lock: no text line lands inside.
        console::with_console(|| uart::write_bytes(frame));
    }
}

/// What the agent needs to know about this kernel.
pub(crate) struct Target {
    pub(crate) symbols: KernelSymbols,
}

impl AgentTarget for Target {
    fn symbols(&self) -> &dyn SymbolSource {
        &self.symbols
    }

    fn build_id(&self) -> &[u8] {
        build_id::build_id()
    }

    fn counters(&self, f: &mut dyn FnMut(&str, u64, u64)) {
        serve::for_each_counter(|label, iterations, failures| f(label, iterations, failures));
    }

    /// The kernel's own code: text up to the runtime's executable area
    /// (which the runtime rewrites as slots come and go; the differential
    /// suite's test page after it is not kernel code), without the
    /// script code area (the loader writes handlers there).
    fn text_crc(&self) -> Option<u32> {
        let (start, end) = (layout::text().start, exec_area::start());
        let code = code_area::range();
        let mut crc = crc32fast::Hasher::new();
        for (a, b) in [(start, code.start.clamp(start, end)), (code.end.clamp(start, end), end)] {
            // SAFETY: [a, b) lies in kernel text, mapped readable for the
            // kernel's lifetime; it is only read.
            crc.update(unsafe { core::slice::from_raw_parts(a as *const u8, b - a) });
        }
        Some(crc.finalize())
    }

    fn log(&self, line: core::fmt::Arguments<'_>) {
        println!("{line}");
    }
}

/// Run the agent on the console UART forever (the `serve` command's main
/// thread ends here). Symbols come from this kernel's own ELF, read once
/// through semihosting (argv[0]); an embedder without a host file system
/// links its symbol table in instead.
pub fn serve_forever() -> ! {
    let target = match own_symbols() {
        Ok(symbols) => Target { symbols },
        Err(e) => halt(format_args!("agent: {e}")),
    };
    let mut agent = Agent::new(AgentConfig::default());
    loop {
        pause(agent.poll(&mut Uart, &target));
    }
}

/// This kernel's symbols, from its own ELF (argv[0]) through semihosting.
pub(crate) fn own_symbols() -> Result<KernelSymbols, alloc::string::String> {
    let raw = semihosting::get_cmdline();
    match symbols::own_elf_path(&raw).map(KernelSymbols::load) {
        Some(Ok(s)) => Ok(s),
        Some(Err(e)) => Err(alloc::format!("cannot read this kernel's symbols: {e}")),
        None => Err("no argv[0] on the command line: cannot find this kernel's ELF".into()),
    }
}

/// How long a busy agent waits before it polls again, reading only the
/// counter (a system register), not the UART: under QEMU every UART
/// register access takes the big device-model lock, and a tight poll of
/// an empty FIFO starves the I/O thread that refills it.
const BUSY_PAUSE_NS: u64 = 20_000;

/// Between polls: poll again soon while the agent is busy (bytes
/// arriving: the PL011's receive FIFO holds 16 bytes, and QEMU refills it
/// only as fast as it is read; output flowing: the UART is the limit),
/// sleep a tick when it is idle. A busy agent does not hog a CPU: the tick
/// preempts it like any thread. (Yielding here instead cut the
/// host-to-target rate to 3.5 KB/s with three workload threads: every
/// yield gave each of them a time slice before the next 16 bytes. Polling
/// with no pause at all was slower than with the pause: a 1.6 KB chunk
/// took 240 ms instead of 130-190 ms with one workload thread running.)
pub(crate) fn pause(poll: Poll) {
    match poll {
        Poll::Busy => {
            let until = time::now_ns() + BUSY_PAUSE_NS;
            while time::now_ns() < until {
                core::hint::spin_loop();
            }
        }
        Poll::Idle => sched::sleep_until(sched::jiffies() + 1),
    }
}

/// The agent cannot start: say why and keep the workloads running.
fn halt(why: core::fmt::Arguments<'_>) -> ! {
    println!("{why}");
    loop {
        sched::sleep_until(sched::jiffies() + 1000);
    }
}
