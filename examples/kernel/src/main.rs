//! refkernel: the reference embedder of the probec runtime.
//!
//! A small EL1 kernel for `qemu-system-aarch64 -M virt` that hosts the
//! runtime the way a real kernel would: its own exception vectors forward
//! BRK, software-step and data-abort exceptions to `probec_runtime::trap`,
//! kernel text is W^X and patched only through a writable alias mapping,
//! and a reserved executable area holds the runtime's XOL slots.
//!
//! Build (from examples/kernel):
//!
//! ```text
//! RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 cargo build --release
//! ```
//!
//! Run: the kernel command line comes from semihosting SYS_GET_CMDLINE, which
//! QEMU builds from `-append` prefixed with the kernel's file name (argv[0]);
//! the kernel drops that first word.
//!
//! ```text
//! qemu-system-aarch64 -M virt -cpu cortex-a57 -m 256M -nographic \
//!     -semihosting-config enable=on,target=native \
//!     -kernel target/aarch64-unknown-none-softfloat/release/refkernel \
//!     -append "xol=step fib 20"
//! ```
//!
//! (`-semihosting-config enable=on,target=native,arg=refkernel,arg=fib,arg=20`
//! works too, and then -append is ignored: give a program name first, as it
//! is dropped.) QEMU exits with the kernel's exit status. Commands, memory
//! map and the embedding contract: docs/reference-kernel.md.
#![no_std]
#![no_main]

extern crate alloc;

#[macro_use]
mod console;

mod board;
mod boot;
mod cmdline;
mod commands;
mod embed;
mod heap;
mod irq;
mod panic;
mod sched;
mod selftest;
mod stacks;
mod sync;
mod workload;

use board::{cpu, gic, mmu, semihosting, smp, uart};
use embed::{code_area, debug, exec_area, extable, platform, vectors};
use probec_runtime::{Config, ExecArea};

/// First Rust code, called by `boot::_start` on the boot CPU at EL1 with the
/// MMU off, FP/SIMD enabled, all of DAIF masked, VBAR_EL1 set and .bss
/// zeroed. `entry_el` is the exception level the CPU was started in.
#[no_mangle]
extern "C" fn kernel_main(entry_el: u64) -> ! {
    // The MMU is still off: every data access is Device memory, so only
    // code that does naturally aligned accesses may run until mmu::init.
    debug::init();
    extable::sort();
    mmu::init();

    uart::init();
    heap::init();

    let cmdline = cmdline::CmdLine::parse(&semihosting::get_cmdline());
    let cmdline = match cmdline {
        Ok(c) => c,
        Err(e) => {
            println!("refkernel: bad command line: {e}");
            semihosting::exit(2);
        }
    };

    // The vectors that save what the command line asked for; the runtime
    // is told the same.
    vectors::install(cmdline.frame);
    // Interrupts, threads, the other CPUs (all still with IRQs masked).
    if !gic::present() {
        println!(
            "refkernel: no GICv3 interrupt controller: run QEMU with -M virt,gic-version=3 (the tick, threads and the other CPUs need it)"
        );
        semihosting::exit(1);
    }
    gic::init_distributor();
    gic::init_cpu();
    irq::set_tick_hz(cmdline.tick_hz);
    sched::init_boot_cpu();
    smp::start_secondaries(entry_el);
    // The self-tests' own BRK and step users, behind the runtime's.
    embed::exceptions::register_hooks(selftest::trap_test::on_brk, selftest::trap_test::on_step);
    let config = Config {
        xol_mode: cmdline.xol_mode,
        exec_area: ExecArea { start: exec_area::start(), len: exec_area::len() },
        max_probes: 16384,
        return_instances_per_cpu: 64,
        frame: cmdline.frame,
    };
    if let Err(e) = probec_runtime::init(&platform::PLATFORM, config) {
        panic!("probec_runtime::init failed: {e}");
    }
    // Executable memory for the handler code of loaded scripts.
    code_area::init();
    // From here on this is thread `main`, preemptible like any other.
    irq::start_tick();
    cpu::irq_enable();

    let status = commands::run(&cmdline, entry_el);
    semihosting::exit(status);
}
