//! Interrupts: the Rust half of the IRQ vector, and the tick.
//!
//! Every CPU takes its own tick (the generic timer's virtual timer, a
//! private interrupt) at `tick=HZ` (default 1000) and the scheduler's
//! wake-up IPI. Interrupts do not nest: the handler runs with IRQs masked
//! (as the exception entry left them) and acknowledges everything pending
//! before it returns. On the way out it lets the scheduler switch threads
//! (sched/, `irq_exit`).
//!
//! Per CPU it counts the interrupts taken, and those taken with the PC in
//! one of the probe runtime's XOL slots: the stress test prints them to
//! show that preemption inside a slot was really tried.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed, Ordering::SeqCst};

use probec_runtime::Frame;

use crate::board::cpu::{self, MAX_CPUS};
use crate::board::{gic, timer};
use crate::sched;

/// Tick rate when the command line does not say (`tick=HZ`).
pub const DEFAULT_TICK_HZ: u64 = 1000;

/// The tick rate every CPU uses (set before the first `start_tick`).
static TICK_HZ: AtomicU64 = AtomicU64::new(DEFAULT_TICK_HZ);

/// One CPU's interrupt state and counters.
pub struct CpuIrq {
    /// Counter ticks per tick.
    period: AtomicU64,
    /// The deadline the timer is armed for.
    deadline: AtomicU64,
    /// Ticks taken.
    pub ticks: AtomicU64,
    /// Interrupts taken (every kind, spurious ones included).
    pub taken: AtomicU64,
    /// Interrupts taken with the interrupted PC in an XOL slot.
    pub in_slot: AtomicU64,
    /// Odd while this CPU handles an interrupt that interrupted an XOL
    /// slot (a probe hit in that handler is not a quiescent point: the slot
    /// is still to be finished); bumped at the start and the end of each.
    pub slot_irq_seq: AtomicU64,
}

/// The per-CPU interrupt states.
pub static CPUS: [CpuIrq; MAX_CPUS] = [const {
    CpuIrq {
        period: AtomicU64::new(0),
        deadline: AtomicU64::new(0),
        ticks: AtomicU64::new(0),
        taken: AtomicU64::new(0),
        in_slot: AtomicU64::new(0),
        slot_irq_seq: AtomicU64::new(0),
    }
}; MAX_CPUS];

/// Set the tick rate (before the CPUs start their ticks).
pub fn set_tick_hz(hz: u64) {
    TICK_HZ.store(hz.max(1), Relaxed);
}

/// The tick rate.
pub fn tick_hz() -> u64 {
    TICK_HZ.load(Relaxed)
}

/// Start the calling CPU's tick and enable its wake-up IPI (IRQs stay
/// masked in PSTATE until the caller unmasks them).
pub fn start_tick() {
    let me = &CPUS[cpu::id()];
    let period = timer::period_for(tick_hz());
    me.period.store(period, Relaxed);
    let deadline = timer::count() + period;
    me.deadline.store(deadline, Relaxed);
    timer::set_deadline(deadline);
    gic::enable_private(timer::VIRTUAL_TIMER_INTID);
    gic::enable_private(sched::RESCHEDULE_SGI);
}

/// Stop the calling CPU's tick, for code that unmasks IRQs where no
/// interrupt may be taken (the differential suite loads random PSTATE.I
/// values while SP points anywhere). [`start_tick`] starts it again.
pub fn stop_tick() {
    timer::stop();
}

/// The tick of the calling CPU: re-arms the timer one period after the
/// last deadline and lets the scheduler wake sleepers and ask for a
/// switch. Returns the number of ticks this CPU has taken. (Probe scripts
/// name it `refkernel::irq::timer_tick`.)
#[inline(never)]
pub fn timer_tick() -> u64 {
    let cpu = cpu::id();
    let me = &CPUS[cpu];
    let deadline = timer::next_deadline(me.deadline.load(Relaxed), me.period.load(Relaxed));
    me.deadline.store(deadline, Relaxed);
    timer::set_deadline(deadline);
    let ticks = me.ticks.fetch_add(1, Relaxed) + 1;
    sched::on_tick(cpu);
    ticks
}

/// IRQ taken from EL1 (embed/vectors.rs saved the general registers in
/// `frame`). Handles everything pending, then may switch threads.
pub extern "C" fn handle_irq(frame: &mut Frame) {
    let cpu = cpu::id();
    let me = &CPUS[cpu];
    let pc = frame.pc as usize;
    me.taken.fetch_add(1, Relaxed);
    let in_slot = !probec_runtime::trap::preemptible(pc);
    if in_slot {
        me.in_slot.fetch_add(1, Relaxed);
        // Before anything in this handler can take a probe hit
        // (board/smp.rs reads it around the runtime's trap sequence).
        me.slot_irq_seq.fetch_add(1, SeqCst);
    } else {
        // Outside every slot: a quiescent point for the grace period.
        sched::quiescent(cpu);
    }
    loop {
        let intid = gic::acknowledge();
        if intid >= gic::SPURIOUS_FIRST {
            break;
        }
        match intid {
            timer::VIRTUAL_TIMER_INTID => {
                timer_tick();
            }
            sched::RESCHEDULE_SGI => sched::on_reschedule_ipi(cpu),
            other => println!("refkernel: unexpected interrupt {other} on CPU {cpu}"),
        }
        gic::end(intid);
    }
    if in_slot {
        me.slot_irq_seq.fetch_add(1, SeqCst);
    }
    sched::irq_exit(cpu, pc);
}
