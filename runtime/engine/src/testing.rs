//! The fake platform every host test uses (feature `test-support`).
//!
//! Kernel text, the executable area for XOL slots and the code area for
//! loaded handler code are one page-aligned block of host memory, laid out
//! in that order (so boosted slots can branch back to the text, as in a
//! kernel image); the writable alias of each is the address itself. The
//! test plays the CPUs: it edits frames and calls the trap entry points as
//! exception vectors would. Platforms are leaked: a [`crate::Runtime`]
//! holds its platform for `'static`.

use crate::{ExecArea, Platform};
use alloc::vec::Vec;

/// `NOP`: what the fake text holds until a test writes it.
pub const NOP: u32 = 0xd503_201f;

/// Builds a [`FakePlatform`]; every size is in bytes, a multiple of 16.
#[derive(Clone, Debug)]
pub struct FakeBuilder {
    text: usize,
    exec: usize,
    code: usize,
    cpus: usize,
    clock_ns: u64,
    readable_text: bool,
    readable: Vec<&'static [u8]>,
    context: Vec<(&'static str, u64)>,
}

impl FakeBuilder {
    /// Bytes of fake kernel text (filled with `NOP`).
    pub fn text(mut self, bytes: usize) -> Self {
        self.text = bytes;
        self
    }

    /// Bytes of the executable area for XOL slots.
    pub fn exec(mut self, bytes: usize) -> Self {
        self.exec = bytes;
        self
    }

    /// Bytes of the code area for loaded handler code (none by default).
    pub fn code(mut self, bytes: usize) -> Self {
        self.code = bytes;
        self
    }

    /// Number of CPUs (per-CPU state is kept for each; every call comes
    /// from CPU 0).
    pub fn cpus(mut self, cpus: usize) -> Self {
        self.cpus = cpus;
        self
    }

    /// The fixed time [`Platform::now_ns`] returns.
    pub fn clock_ns(mut self, ns: u64) -> Self {
        self.clock_ns = ns;
        self
    }

    /// Let [`Platform::read_nofault`] read the fake text.
    pub fn readable_text(mut self) -> Self {
        self.readable_text = true;
        self
    }

    /// Let [`Platform::read_nofault`] read `bytes`.
    pub fn readable(mut self, bytes: &'static [u8]) -> Self {
        self.readable.push(bytes);
        self
    }

    /// Supply the context value `name` ([`Platform::context_value`]).
    pub fn context(mut self, name: &'static str, value: u64) -> Self {
        self.context.push((name, value));
        self
    }

    /// Allocate the memory and leak the platform.
    pub fn build(self) -> &'static FakePlatform {
        for bytes in [self.text, self.exec, self.code] {
            assert!(bytes.is_multiple_of(16), "fake platform sizes are multiples of 16 bytes");
        }
        let total = (self.text + self.exec + self.code).max(16);
        let layout = std::alloc::Layout::from_size_align(total, 4096).expect("fake platform layout");
        // SAFETY: `layout` has a non-zero size. The block is leaked: the
        // platform and every runtime built on it may live until the test
        // process exits.
        let base = unsafe { std::alloc::alloc_zeroed(layout) } as usize;
        assert!(base != 0, "out of memory for the fake platform");
        let platform = FakePlatform {
            text: base,
            exec: base + self.text,
            code: base + self.text + self.exec,
            sizes: [self.text, self.exec, self.code],
            cpus: self.cpus,
            clock_ns: core::sync::atomic::AtomicU64::new(self.clock_ns),
            readable: self.readable.iter().map(|b| (b.as_ptr() as usize, b.len())).collect(),
            readable_text: self.readable_text,
            context: self.context,
        };
        for i in 0..self.text / 4 {
            platform.set_text(i, NOP);
        }
        std::boxed::Box::leak(std::boxed::Box::new(platform))
    }
}

/// A host-memory [`Platform`]: see the module documentation.
#[derive(Debug)]
pub struct FakePlatform {
    text: usize,
    exec: usize,
    code: usize,
    /// Bytes of text, executable area and code area.
    sizes: [usize; 3],
    cpus: usize,
    /// The clock; tests move it with [`FakePlatform::advance_clock`].
    clock_ns: core::sync::atomic::AtomicU64,
    /// `(start, len)` of memory [`Platform::read_nofault`] may read.
    readable: Vec<(usize, usize)>,
    readable_text: bool,
    context: Vec<(&'static str, u64)>,
}

impl FakePlatform {
    /// Move the clock forward by `ns` (lease and timing tests).
    pub fn advance_clock(&self, ns: u64) {
        self.clock_ns.fetch_add(ns, core::sync::atomic::Ordering::Relaxed);
    }

    /// A builder with 4 KiB of text, a 4 KiB executable area, no code
    /// area, one CPU and a clock stopped at 0.
    pub fn builder() -> FakeBuilder {
        FakeBuilder {
            text: 4096,
            exec: 4096,
            code: 0,
            cpus: 1,
            clock_ns: 0,
            readable_text: false,
            readable: Vec::new(),
            context: Vec::new(),
        }
    }

    /// Address of the fake text.
    pub fn text(&self) -> usize {
        self.text
    }

    /// Address of the executable area.
    pub fn exec(&self) -> usize {
        self.exec
    }

    /// Address of the code area.
    pub fn code(&self) -> usize {
        self.code
    }

    /// Address of text word `i`.
    pub fn text_addr(&self, i: usize) -> usize {
        assert!(i < self.sizes[0] / 4, "text word {i} is outside the fake text");
        self.text + 4 * i
    }

    /// Write text word `i`, as the kernel's build would have.
    pub fn set_text(&self, i: usize, word: u32) {
        let addr = self.text_addr(i);
        // SAFETY: a word of the leaked fake text (checked above), never
        // freed; the runtime only patches it through the same address.
        unsafe { core::ptr::write_volatile(addr as *mut u32, word) }
    }

    /// The word at `addr`, which must lie in this platform's memory.
    pub fn word(&self, addr: usize) -> u32 {
        assert!(self.inside(addr) && addr.is_multiple_of(4), "{addr:#x} is not a word of the fake platform");
        // SAFETY: an aligned word of the leaked block (checked above).
        unsafe { core::ptr::read_volatile(addr as *const u32) }
    }

    /// The executable area, for [`crate::Config::exec_area`].
    pub fn exec_area(&self) -> ExecArea {
        ExecArea { start: self.exec, len: self.sizes[1] }
    }

    /// The code area, for the script loader's `set_code_area`.
    pub fn code_area(&self) -> ExecArea {
        ExecArea { start: self.code, len: self.sizes[2] }
    }

    fn inside(&self, addr: usize) -> bool {
        let end = self.text + self.sizes.iter().sum::<usize>();
        addr >= self.text && addr < end
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
        self.cpus
    }

    fn now_ns(&self) -> u64 {
        self.clock_ns.load(core::sync::atomic::Ordering::Relaxed)
    }

    fn console_write(&self, text: &str) {
        std::eprint!("{text}");
    }

    fn read_nofault(&self, addr: u64, dst: &mut [u8]) -> bool {
        let text = self.readable_text.then_some((self.text, self.sizes[0]));
        let Ok(start) = usize::try_from(addr) else { return false };
        let Some(end) = start.checked_add(dst.len()) else { return false };
        if !self.readable.iter().copied().chain(text).any(|(s, len)| start >= s && end <= s + len) {
            return false;
        }
        // SAFETY: `start..end` lies inside memory registered as readable:
        // a `'static` slice or the leaked fake text, never freed; `dst` is
        // a distinct buffer.
        unsafe { core::ptr::copy_nonoverlapping(start as *const u8, dst.as_mut_ptr(), dst.len()) };
        true
    }

    fn context_value(&self, name: &str) -> Option<u64> {
        self.context.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
    }

    /// The tests play the CPUs and never leave one inside a slot.
    fn wait_for_slot_exits(&self) -> bool {
        true
    }
}
