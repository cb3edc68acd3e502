//! The second CPU: started through PSCI only by commands that ask for it
//! (`smp-test`), so every other command runs on one CPU exactly as before.
//!
//! QEMU `virt` without firmware emulates PSCI itself: its conduit is HVC
//! when the kernel is entered at EL1, SMC with `virtualization=on` (entered
//! at EL2; hw/arm/virt.c), and CPU_ON starts the target at the highest EL
//! the caller has (so `secondary_entry` in boot.rs handles EL2 too).
//!
//! Once up, CPU 1 sits in an idle loop and runs one job at a time
//! ([`run_on_secondary`]). It has no interrupts; its only contact with
//! the runtime is taking probe hits in the code its job calls.
//!
//! # The grace period (`Platform::wait_for_slot_exits`)
//!
//! In Boost mode a CPU runs a slot after the runtime's trap has returned,
//! so the runtime cannot see it there. Each CPU therefore tells
//! [`wait_for_slot_exits`] where it can *not* be inside a slot:
//! - `idle` is true while it is in the idle loop (or offline), and
//! - it bumps its `quiescent` counter ([`quiescent`]) at points between
//!   calls of probed code (its idle loop, and the job's loop between calls).
//!
//! A slot is entered only through a probe hit, and it ends by branching
//! back into the probed function, so a CPU that is idle or has moved its
//! counter after the wait started has left any slot it was in. The wait
//! snapshots every other online CPU's counter and spins until each has
//! moved or the CPU is idle. Jobs must call [`quiescent`] often (a job
//! that runs probed code without doing so makes detach wait, and after
//! [`GRACE_TIMEOUT_NS`] panic, loudly, rather than hang).

use core::arch::asm;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};

use crate::board::cpu::{self, MAX_CPUS};
use crate::board::time;

/// How long a grace period or a secondary's start may take before it is
/// a bug (reported by a panic) rather than a slow host.
pub const GRACE_TIMEOUT_NS: u64 = 10_000_000_000;

/// What one CPU publishes for the grace period (see the module docs).
struct CpuState {
    online: AtomicBool,
    idle: AtomicBool,
    quiescent: AtomicU64,
}

static CPUS: [CpuState; MAX_CPUS] =
    [const { CpuState { online: AtomicBool::new(false), idle: AtomicBool::new(true), quiescent: AtomicU64::new(0) } }; MAX_CPUS];

/// The job for CPU 1 (a `fn()` as usize; 0 = none) and whether it is done.
static JOB: AtomicUsize = AtomicUsize::new(0);
static JOB_DONE: AtomicBool = AtomicBool::new(false);

/// The boot CPU's system registers a secondary copies before its MMU is on
/// (layout read by `secondary_entry` in boot.rs).
#[repr(C, align(64))]
struct BootRegs {
    mair: u64,
    tcr: u64,
    ttbr0: u64,
    sctlr: u64,
    vbar: u64,
}

struct BootRegsCell(UnsafeCell<BootRegs>);
// SAFETY: written by the boot CPU before CPU_ON, only read afterwards.
unsafe impl Sync for BootRegsCell {}
static BOOT_REGS: BootRegsCell = BootRegsCell(UnsafeCell::new(BootRegs { mair: 0, tcr: 0, ttbr0: 0, sctlr: 0, vbar: 0 }));

extern "C" {
    fn secondary_entry();
}

/// Called (on the waiting CPU) every millisecond a grace period waits; 0 =
/// none. Under QEMU's multi-threaded TCG a CPU can keep running a stale
/// translation of code another CPU patched, when it translated that code
/// while the patch was being written: only a later write to the page makes
/// QEMU discard it. A CPU spinning on such a stale BRK of a detached probe
/// never reaches a quiescent point, so a test that patches code sets a hook
/// that rewrites the words it patches, unchanged (selftest/smp_test.rs). Real
/// hardware needs none: the runtime's IC IVAU and the ERET after the BRK
/// make the CPU fetch the restored word.
static STALL_HOOK: AtomicUsize = AtomicUsize::new(0);

/// Set (or clear, with `None`) the hook above.
pub fn set_stall_hook(hook: Option<fn()>) {
    STALL_HOOK.store(hook.map_or(0, |h| h as usize), SeqCst);
}

/// Run the stall hook, if any.
pub fn stalled() {
    let hook = STALL_HOOK.load(SeqCst);
    if hook != 0 {
        // SAFETY: only `set_stall_hook` stores here, from a `fn()`.
        unsafe { core::mem::transmute::<usize, fn()>(hook)() };
    }
}

/// Mark the calling CPU as past a point where it cannot be in an XOL slot.
#[inline]
pub fn quiescent() {
    CPUS[cpu::id()].quiescent.fetch_add(1, SeqCst);
}

/// The grace period of Boost mode (see the module docs): returns when every
/// other online CPU has been idle or passed a quiescent point since the call.
pub fn wait_for_slot_exits() -> bool {
    let me = cpu::id();
    // Orders the detach's unpublish and unpatch before the snapshots.
    core::sync::atomic::fence(SeqCst);
    for (i, c) in CPUS.iter().enumerate() {
        if i == me || !c.online.load(SeqCst) {
            continue;
        }
        let snapshot = c.quiescent.load(SeqCst);
        let start = time::now_ns();
        let mut next_hook = start + 1_000_000;
        while !c.idle.load(SeqCst) && c.quiescent.load(SeqCst) == snapshot {
            let now = time::now_ns();
            if now - start > GRACE_TIMEOUT_NS {
                panic!("wait_for_slot_exits: CPU {i} passed no quiescent point in 10 s");
            }
            if now > next_hook {
                stalled();
                next_hook = now + 1_000_000;
            }
            core::hint::spin_loop();
        }
    }
    true
}

/// Start CPU 1 with PSCI CPU_ON (HVC if the kernel was entered at EL1, SMC
/// if at EL2) and wait until it is in its idle loop. `Err` is the PSCI
/// status (e.g. -2 INVALID_PARAMETERS: QEMU runs with one CPU).
pub fn start_secondary(entry_el: u64) -> Result<(), i64> {
    let cpu = 1;
    if CPUS[cpu].online.load(SeqCst) {
        return Ok(());
    }
    let regs = BOOT_REGS.0.get();
    // SAFETY: CPU 1 is off, so nothing reads BOOT_REGS yet; the registers
    // read here are this CPU's own.
    unsafe {
        let r = &mut *regs;
        asm!("mrs {}, mair_el1", out(reg) r.mair, options(nomem, nostack));
        asm!("mrs {}, tcr_el1", out(reg) r.tcr, options(nomem, nostack));
        asm!("mrs {}, ttbr0_el1", out(reg) r.ttbr0, options(nomem, nostack));
        asm!("mrs {}, sctlr_el1", out(reg) r.sctlr, options(nomem, nostack));
        asm!("mrs {}, vbar_el1", out(reg) r.vbar, options(nomem, nostack));
        // CPU 1 reads it with its MMU (and so its caches) off: clean the
        // line (the struct is one aligned 64-byte line) to memory.
        asm!("dc civac, {}", "dsb sy", in(reg) regs as usize, options(nostack));
    }
    const CPU_ON_64: u64 = 0xc400_0003;
    let (entry, context) = (secondary_entry as *const () as u64, regs as u64);
    let status: i64;
    // SAFETY: a PSCI call; QEMU implements it (the conduit chosen as above).
    unsafe {
        if entry_el == 2 {
            asm!("smc #0", inout("x0") CPU_ON_64 => status, in("x1") cpu as u64, in("x2") entry, in("x3") context, options(nostack));
        } else {
            asm!("hvc #0", inout("x0") CPU_ON_64 => status, in("x1") cpu as u64, in("x2") entry, in("x3") context, options(nostack));
        }
    }
    if status != 0 {
        return Err(status);
    }
    let start = time::now_ns();
    while !CPUS[cpu].online.load(SeqCst) {
        if time::now_ns() - start > GRACE_TIMEOUT_NS {
            panic!("CPU {cpu} did not come up within 10 s of PSCI CPU_ON");
        }
        core::hint::spin_loop();
    }
    Ok(())
}

/// Give CPU 1 `job` to run (it must call [`quiescent`] between calls of
/// probed code). CPU 1 must be idle.
pub fn run_on_secondary(job: fn()) {
    JOB_DONE.store(false, SeqCst);
    JOB.store(job as usize, SeqCst);
}

/// Whether the job given by [`run_on_secondary`] has returned.
pub fn secondary_done() -> bool {
    JOB_DONE.load(SeqCst)
}

/// Rust entry of a secondary CPU (boot.rs), MMU on, on its own stack.
#[no_mangle]
pub extern "C" fn secondary_main(cpu: u64) -> ! {
    let me = &CPUS[cpu as usize];
    me.online.store(true, SeqCst);
    loop {
        me.quiescent.fetch_add(1, SeqCst);
        let job = JOB.swap(0, SeqCst);
        if job != 0 {
            me.idle.store(false, SeqCst);
            // SAFETY: only `run_on_secondary` stores here, from a `fn()`.
            let job: fn() = unsafe { core::mem::transmute::<usize, fn()>(job) };
            job();
            me.idle.store(true, SeqCst);
            JOB_DONE.store(true, SeqCst);
        }
        core::hint::spin_loop();
    }
}
