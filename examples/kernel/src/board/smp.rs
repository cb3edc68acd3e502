//! The secondary CPUs: all started at boot through PSCI, as many as QEMU's
//! `-smp N` gives (up to `cpu::MAX_CPUS`); each sets up its interrupt
//! controller interface and tick and runs the scheduler (sched/).
//!
//! QEMU `virt` without firmware emulates PSCI itself: its conduit is HVC
//! when the kernel is entered at EL1, SMC with `virtualization=on` (entered
//! at EL2; hw/arm/virt.c), and CPU_ON starts the target at the highest EL
//! the caller has (so `secondary_entry` in boot.rs handles EL2 too). CPU_ON
//! of a CPU that does not exist fails with INVALID_PARAMETERS: that is how
//! the kernel learns how many there are.
//!
//! # The grace period (`Platform::wait_for_slot_exits`)
//!
//! In Boost mode a CPU runs a slot after the runtime's trap has returned,
//! with interrupts unmasked, so the runtime cannot see it there, and an
//! interrupt can arrive with the PC in the slot. Two rules make the wait
//! finite and sound:
//! - no thread is switched out with its PC in a slot (sched/ puts such a
//!   preemption off to a later interrupt), so a slot is only ever being
//!   executed by whatever a CPU is running right now, never by a thread
//!   waiting in a run queue;
//! - each CPU bumps its `quiescent` counter where it cannot be in a slot:
//!   at every context switch, every idle-loop pass, every interrupt taken
//!   with the PC outside the slots (the interrupted code is the only code
//!   of that CPU that could be in one: interrupts do not nest, and a probe
//!   hit's own trap runs with them masked);
//! - the runtime's own per-CPU trap sequence counts too, with a condition:
//!   it moves at every probe hit (odd inside the trap), and a trap is taken
//!   at a BRK, outside any slot, unless it runs inside an interrupt handler
//!   that interrupted a slot. So a CPU whose sequence moved to an even
//!   value while no such interrupt was running at the snapshot and none
//!   began since (`irq::CPUS[i].slot_irq_seq`, odd during one, even and
//!   unchanged) has been outside the slots since the wait began. (A fault inside a
//!   boosted slot also enters a trap, which sends the CPU back to the
//!   probed address: out of the slot as well.) This matters under a probe
//!   that is hit all the time: the CPU is then mostly inside traps with
//!   IRQs masked, so its tick is almost always taken right where the
//!   trap's ERET unmasks IRQs, in the slot, and it would rarely be seen
//!   quiescent otherwise; and it costs the hit path nothing.
//!
//! A slot is entered only through a probe hit, and ends by branching back
//! into the probed function. So once every other online CPU has moved its
//! counter after the probe was unpatched, none is still in its slot, and
//! none can enter it again. The tick guarantees that every CPU moves its
//! counter at least once a tick; a CPU that runs with interrupts masked for
//! long (the self-tests' harness) must call [`quiescent`] itself. After
//! [`GRACE_TIMEOUT_NS`] the wait panics, loudly, rather than hang.

use core::arch::asm;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use crate::board::cpu::{self, MAX_CPUS};
use crate::board::{gic, time};
use crate::{irq, sched};

/// How long a grace period or a secondary's start may take before it is
/// a bug (reported by a panic) rather than a slow host.
pub const GRACE_TIMEOUT_NS: u64 = 10_000_000_000;

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

/// Mark the calling CPU as past a point where it cannot be in an XOL slot
/// (for code that runs probed functions with interrupts masked for long).
#[inline]
pub fn quiescent() {
    let daif = cpu::irq_save();
    sched::quiescent(cpu::id());
    cpu::irq_restore(daif);
}

/// CPUs online (the scheduler runs on CPUs `0..online()`).
pub fn online() -> usize {
    sched::CPUS.iter().take_while(|c| c.online.load(SeqCst)).count()
}

/// The grace period of Boost mode (see the module docs): returns when every
/// other online CPU has passed a quiescent point since the call.
pub fn wait_for_slot_exits() -> bool {
    // Spin on this CPU: preempted, the wait would last as long as the
    // other threads' time slices.
    sched::preempt_disable();
    let t0 = time::now_ns();
    let me = cpu::id();
    let rt = probec_runtime::installed();
    // Orders the detach's unpublish and unpatch before the snapshots.
    core::sync::atomic::fence(SeqCst);
    for (i, c) in sched::CPUS.iter().enumerate() {
        if i == me || !c.online.load(SeqCst) {
            continue;
        }
        let irq = &irq::CPUS[i];
        let quiescent = c.quiescent.load(SeqCst);
        // The runtime's trap sequence of CPU i (odd while it is in a trap),
        // usable only if no interrupt that interrupted a slot is running
        // now and none begins before the wait ends (see the module docs):
        // `slot_irq_seq` is even and unchanged.
        let slot_irq_seq = irq.slot_irq_seq.load(SeqCst);
        let trap_seq = rt.and_then(|rt| rt.cpus.get(i)).map(|p| &p.trap_seq);
        let seq0 = trap_seq.map(|s| s.load(SeqCst));
        let start = time::now_ns();
        let mut next_hook = start + 1_000_000;
        loop {
            if c.quiescent.load(SeqCst) != quiescent {
                break;
            }
            if let (Some(seq), Some(seq0)) = (trap_seq, seq0) {
                let now = seq.load(SeqCst);
                // Read after the trap sequence: an interrupt in a slot that
                // began before the trap this sequence shows has moved it.
                if now != seq0 && now.is_multiple_of(2) && slot_irq_seq.is_multiple_of(2) && irq.slot_irq_seq.load(SeqCst) == slot_irq_seq {
                    break;
                }
            }
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
    GRACE_NS.fetch_add(time::now_ns() - t0, SeqCst);
    GRACE_COUNT.fetch_add(1, SeqCst);
    sched::preempt_enable();
    true
}

/// Time spent in grace periods, and how many (for the stress test's report).
pub static GRACE_NS: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
/// See [`GRACE_NS`].
pub static GRACE_COUNT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// Start every secondary CPU QEMU has, one after the other, with PSCI
/// CPU_ON (HVC if the kernel was entered at EL1, SMC if at EL2), each
/// waited for until its scheduler runs. Returns the number of CPUs online.
pub fn start_secondaries(entry_el: u64) -> usize {
    for cpu in 1..MAX_CPUS {
        match start_secondary(cpu, entry_el) {
            Ok(()) => {}
            // INVALID_PARAMETERS: QEMU has no such CPU.
            Err(-2) => break,
            Err(status) => panic!("PSCI CPU_ON of CPU {cpu} failed with {status}"),
        }
    }
    online()
}

/// Start CPU `cpu` and wait until its scheduler runs. `Err` is the PSCI
/// status.
fn start_secondary(cpu: usize, entry_el: u64) -> Result<(), i64> {
    let regs = BOOT_REGS.0.get();
    // SAFETY: `cpu` is off and every CPU started before it is online, done
    // with BOOT_REGS, so nothing reads it now; the registers read here are
    // this CPU's own.
    unsafe {
        let r = &mut *regs;
        asm!("mrs {}, mair_el1", out(reg) r.mair, options(nomem, nostack));
        asm!("mrs {}, tcr_el1", out(reg) r.tcr, options(nomem, nostack));
        asm!("mrs {}, ttbr0_el1", out(reg) r.ttbr0, options(nomem, nostack));
        asm!("mrs {}, sctlr_el1", out(reg) r.sctlr, options(nomem, nostack));
        asm!("mrs {}, vbar_el1", out(reg) r.vbar, options(nomem, nostack));
        // The new CPU reads it with its MMU (and so its caches) off: clean the
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
    while !sched::CPUS[cpu].online.load(SeqCst) {
        if time::now_ns() - start > GRACE_TIMEOUT_NS {
            panic!("CPU {cpu} did not come up within 10 s of PSCI CPU_ON");
        }
        core::hint::spin_loop();
    }
    Ok(())
}

/// Rust entry of a secondary CPU (boot.rs), MMU on, on its own boot
/// stack, IRQs masked: its interrupt interface and tick, then the
/// scheduler's idle loop, for good.
#[no_mangle]
pub extern "C" fn secondary_main(cpu: u64) -> ! {
    gic::init_cpu();
    irq::start_tick();
    sched::run_secondary(cpu as usize)
}
