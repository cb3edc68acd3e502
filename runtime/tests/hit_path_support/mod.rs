//! Support for the hit-path tests: a runtime of its own per test on the
//! shared fake platform (`probec_engine::testing`), and the exception
//! syndromes and frames the test hands to the trap entry points as the
//! exception vectors would.
#![allow(dead_code)]

pub mod cases;

use probec_engine::testing::FakePlatform;
use probec_runtime::arch::aarch64::pstate::ESR;
use probec_runtime::{Config, Frame, FrameContents, Runtime, XolMode};
use std::sync::{Mutex, MutexGuard};

/// Words of fake kernel text.
pub const TEXT_WORDS: usize = 64;
/// Words of the fake executable area.
pub const EXEC_WORDS: usize = 256;

/// One test's CPU: its platform, its runtime, and the lock that makes it
/// the only test playing CPU 0.
pub struct Setup {
    pub p: &'static FakePlatform,
    pub rt: Runtime,
    pub mode: XolMode,
    _serial: MutexGuard<'static, ()>,
}

/// Tests run one at a time even though each has its own runtime: they
/// all play the same CPU, whose registers (the host stand-in for
/// MDSCR_EL1 that single-step arms) and the handlers' counters are
/// process-wide.
static SERIAL: Mutex<()> = Mutex::new(());

/// A fresh platform and a runtime in `mode` on it.
pub fn setup(mode: XolMode) -> Setup {
    let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let p = FakePlatform::builder().text(TEXT_WORDS * 4).exec(EXEC_WORDS * 4).build();
    let config =
        Config { xol_mode: mode, exec_area: p.exec_area(), max_probes: 16, return_instances_per_cpu: 4, frame: FrameContents::Full };
    let rt = Runtime::new(p, config).expect("runtime");
    Setup { p, rt, mode, _serial: serial }
}

/// ESR of a BRK with `imm`.
pub fn esr_brk(imm: u16) -> u64 {
    ESR::EC::Brk64.value | (1 << 25) | imm as u64
}

/// ESR of a software step taken at EL1.
pub fn esr_step() -> u64 {
    ESR::EC::SoftwareStepCurrentEl.value | (1 << 25)
}

/// A frame at `pc` in EL1h with interrupts unmasked.
pub fn frame_at(pc: usize) -> Frame {
    let mut f = Frame::zeroed();
    f.pc = pc as u64;
    f.pstate = 0x5; // EL1h, DAIF clear
    f.sp = 0x8000_0000;
    f
}
