//! The context switch itself: callee-saved registers and SP, in assembly.
//!
//! A thread that is switched out is always inside `cpu_switch_to`, called
//! from [`super::switch_to`]: everything the AAPCS64 lets a callee clobber
//! is dead there, so x19–x29, the return address (x30) and SP are the
//! whole of its state. FP/SIMD registers are not switched: kernel code is
//! built for the softfloat target and never uses them (threads that run
//! FP/SIMD code, like the self-tests' instruction harness, must not share
//! a CPU with another such thread; see docs/reference-kernel.md).
//!
//! A thread being switched out may already sit in another CPU's run queue
//! (it was made runnable before its registers were saved). `on_cpu` closes
//! that window, as Linux's `task_struct::on_cpu` does: it stays 1 until
//! the registers are saved, the assembly clears it with a store-release,
//! and a CPU that picked the thread waits for 0 (load-acquire) before it
//! loads them.

use core::arch::global_asm;
use core::mem::offset_of;
use core::sync::atomic::AtomicU64;

/// Saved state of a thread that is not running.
#[repr(C)]
pub struct Context {
    /// x19–x29, x30 (the address `cpu_switch_to` returns to).
    regs: [u64; 12],
    /// The stack pointer.
    sp: u64,
    /// 1 while a CPU runs the thread or is still saving its registers.
    pub on_cpu: AtomicU64,
}

impl Context {
    /// The context of a thread that will start by "returning" to
    /// `task_trampoline` on an empty `stack_top`, with `task` in x19.
    pub fn new_thread(stack_top: usize, task: usize) -> Context {
        let mut regs = [0; 12];
        regs[0] = task as u64; // x19
        regs[11] = task_trampoline as *const () as u64; // x30
        Context { regs, sp: stack_top as u64, on_cpu: AtomicU64::new(0) }
    }

    /// The context of a thread that is running now (the boot CPU's first
    /// thread, each CPU's idle thread): filled in by its first switch out.
    pub const fn running() -> Context {
        Context { regs: [0; 12], sp: 0, on_cpu: AtomicU64::new(1) }
    }
}

const _: () = {
    assert!(offset_of!(Context, regs) == 0);
    assert!(offset_of!(Context, sp) == 96);
    assert!(offset_of!(Context, on_cpu) == 104);
};

extern "C" {
    /// Save the caller's registers into `prev`, clear `prev.on_cpu`, load
    /// `next`'s registers and return into `next`.
    pub fn cpu_switch_to(prev: *mut Context, next: *const Context);
    /// First code of a new thread: calls `sched::thread_start(x19)`.
    fn task_trampoline();
}

global_asm!(
    r#"
.pushsection .text.sched, "ax"
.global cpu_switch_to
cpu_switch_to:
    stp     x19, x20, [x0, #0]
    stp     x21, x22, [x0, #16]
    stp     x23, x24, [x0, #32]
    stp     x25, x26, [x0, #48]
    stp     x27, x28, [x0, #64]
    stp     x29, x30, [x0, #80]
    mov     x9, sp
    str     x9, [x0, #96]
    // prev is saved: another CPU may now load it.
    add     x9, x0, #104
    stlr    xzr, [x9]
    ldp     x19, x20, [x1, #0]
    ldp     x21, x22, [x1, #16]
    ldp     x23, x24, [x1, #32]
    ldp     x25, x26, [x1, #48]
    ldp     x27, x28, [x1, #64]
    ldp     x29, x30, [x1, #80]
    ldr     x9, [x1, #96]
    mov     sp, x9
    ret

.global task_trampoline
task_trampoline:
    mov     x0, x19
    bl      {thread_start}
    udf     #0                      // thread_start never returns
.popsection
"#,
    thread_start = sym super::thread_start,
);
