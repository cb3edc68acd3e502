//! A fake platform for host tests of the hit path: "text" and the
//! executable area are ordinary host memory, the alias is the identity,
//! and the test plays the CPU by editing frames and calling the trap entry
//! points as the exception vectors would.
#![allow(dead_code)]

pub mod cases;

use probec_runtime::arch::aarch64::pstate::ESR;
use probec_runtime::{Config, ExecArea, Frame, FrameContents, Platform, XolMode};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// Words of fake kernel text.
pub const TEXT_WORDS: usize = 64;
/// Words of the fake executable area.
pub const EXEC_WORDS: usize = 256;

pub struct FakePlatform {
    pub text: usize,
    pub exec: usize,
}

impl FakePlatform {
    fn inside(&self, addr: usize) -> bool {
        (addr >= self.text && addr < self.text + TEXT_WORDS * 4) || (addr >= self.exec && addr < self.exec + EXEC_WORDS * 4)
    }
}

impl Platform for FakePlatform {
    fn text_alias(&self, exec_addr: usize) -> Option<usize> {
        self.inside(exec_addr).then_some(exec_addr)
    }
    fn cpu_id(&self) -> usize {
        0
    }
    fn max_cpus(&self) -> usize {
        1
    }
    fn now_ns(&self) -> u64 {
        0
    }
    fn console_write(&self, text: &str) {
        eprint!("{text}");
    }
    /// The tests play one CPU that never detaches from inside a slot.
    fn wait_for_slot_exits(&self) -> bool {
        true
    }
}

static PLATFORM: OnceLock<FakePlatform> = OnceLock::new();
static SERIAL: Mutex<()> = Mutex::new(());

/// Initialise the runtime once per test binary in `mode`; returns the
/// platform and a guard that serialises tests (the runtime is global and
/// every test plays CPU 0).
pub fn setup(mode: XolMode) -> (&'static FakePlatform, MutexGuard<'static, ()>) {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let platform = PLATFORM.get_or_init(|| {
        // One allocation: text and the executable area are neighbours, as
        // in a kernel image, so boosted slots can branch back to the text.
        let words: &'static mut [u32] = Box::leak(vec![0xd503_201f_u32; TEXT_WORDS + EXEC_WORDS].into_boxed_slice());
        let text = words.as_ptr() as usize;
        FakePlatform { text, exec: text + TEXT_WORDS * 4 }
    });
    if probec_runtime::runtime::get().is_none() {
        let config = Config {
            xol_mode: mode,
            exec_area: ExecArea { start: platform.exec, len: EXEC_WORDS * 4 },
            max_probes: 16,
            return_instances_per_cpu: 4,
            frame: FrameContents::Full,
        };
        probec_runtime::init(platform, config).expect("init");
    }
    (platform, guard)
}

/// Address of text word `i`.
pub fn text_addr(p: &FakePlatform, i: usize) -> usize {
    p.text + 4 * i
}

/// Write text word `i` (as the kernel's build would have).
pub fn set_text(p: &FakePlatform, i: usize, word: u32) {
    // SAFETY: callers pass `i < TEXT_WORDS`, a word of the leaked fake
    // text (never freed); tests are serialised, so nothing else writes it.
    unsafe { std::ptr::write_volatile(text_addr(p, i) as *mut u32, word) }
}

/// Read the word at `addr`.
pub fn word(addr: usize) -> u32 {
    // SAFETY: callers pass a word-aligned address in the leaked fake text
    // or executable area (probe sites and XOL slots), never freed.
    unsafe { std::ptr::read_volatile(addr as *const u32) }
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
