//! A kernel thread's control block and stack.

use alloc::alloc::{alloc, dealloc, Layout};
use alloc::boxed::Box;
use alloc::string::String;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, AtomicU8, Ordering};

use probec_runtime::ThreadState;

use super::context::Context;

/// Where a thread is in its life. Changed only under the scheduler lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum State {
    /// In the run queue, waiting for a CPU.
    Runnable = 0,
    /// On a CPU.
    Running = 1,
    /// Waiting for a tick ([`super::sleep_until`]).
    Sleeping = 2,
    /// Waiting for another thread to exit ([`super::JoinHandle::join`]).
    Joining = 3,
    /// Returned from its function; its stack is freed by the joiner.
    Dead = 4,
}

impl State {
    fn from_u8(v: u8) -> State {
        match v {
            0 => State::Runnable,
            1 => State::Running,
            2 => State::Sleeping,
            3 => State::Joining,
            _ => State::Dead,
        }
    }
}

/// Written at the lowest word of every thread stack and checked at each
/// switch: heap stacks have no guard page, so an overflow is caught there
/// (late, but loudly) instead of corrupting a neighbour silently forever.
pub const STACK_CANARY: u64 = 0x5354_4143_4b5f_454e; // "NE_KCATS"

/// A thread stack on the heap.
pub struct Stack {
    base: *mut u8,
    size: usize,
}

impl Stack {
    fn layout(size: usize) -> Layout {
        Layout::from_size_align(size, 16).expect("stack size")
    }

    /// A stack of `size` bytes with the canary in place.
    pub fn new(size: usize) -> Stack {
        // SAFETY: the layout has a non-zero size.
        let base = unsafe { alloc(Self::layout(size)) };
        assert!(!base.is_null(), "out of memory for a {size}-byte thread stack");
        // SAFETY: `base` is a fresh 16-byte-aligned allocation of `size`.
        unsafe { (base as *mut u64).write(STACK_CANARY) };
        Stack { base, size }
    }

    /// Its highest address (the initial SP).
    pub fn top(&self) -> usize {
        self.base as usize + self.size
    }

    /// Whether the canary is intact.
    pub fn canary_intact(&self) -> bool {
        // SAFETY: `base` is this stack's allocation, aligned.
        unsafe { (self.base as *const u64).read_volatile() == STACK_CANARY }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout, freed once.
        unsafe { dealloc(self.base, Self::layout(self.size)) };
    }
}

/// The code a new thread runs.
pub type Entry = Box<dyn FnOnce() + Send>;

/// A kernel thread (what probe scripts see as `tid`, `comm` and `cpu`).
pub struct Task {
    /// Thread id (0 for the idle threads, 1 for the boot thread `main`).
    pub tid: u32,
    /// Its name (`comm`).
    pub name: String,
    /// The CPU it runs on, or last ran on.
    pub cpu: AtomicU32,
    /// The CPU it must run on, if pinned.
    pub affinity: Option<usize>,
    /// Saved registers while switched out.
    pub(super) context: UnsafeCell<Context>,
    state: AtomicU8,
    /// Tick to wake at while [`State::Sleeping`].
    pub(super) wake_at: AtomicU64,
    /// The thread waiting in `join` for this one, if any.
    pub(super) joiner: AtomicPtr<Task>,
    /// What a new thread runs; taken by its first instructions.
    pub(super) entry: UnsafeCell<Option<Entry>>,
    /// None for threads on a boot stack (`main`, secondary CPUs' idle).
    pub(super) stack: Option<Stack>,
    /// The probe runtime's state of this thread (return-probe instances):
    /// `Platform::current_thread` returns it.
    pub probe: ThreadState,
    /// Times this thread was switched in.
    pub switches: AtomicU64,
    /// Times an interrupt switched it out (preempted).
    pub preemptions: AtomicU64,
}

// SAFETY: `context` is written only by the CPU switching the thread out
// and read by the CPU switching it in, ordered by `on_cpu` (context.rs);
// `entry` is taken once by the thread itself; everything else is atomic or
// immutable after creation.
unsafe impl Sync for Task {}
// SAFETY: as above; the entry closure is `Send`.
unsafe impl Send for Task {}

impl Task {
    /// A thread that will run `entry` on a new stack of `stack_size` bytes.
    pub fn new(tid: u32, name: String, affinity: Option<usize>, stack_size: usize, entry: Entry) -> Box<Task> {
        let stack = Stack::new(stack_size);
        let mut task = Box::new(Task::with_context(tid, name, affinity, Context::running(), State::Runnable));
        let ctx = Context::new_thread(stack.top(), &*task as *const Task as usize);
        task.context = UnsafeCell::new(ctx);
        task.entry = UnsafeCell::new(Some(entry));
        task.stack = Some(stack);
        task
    }

    /// The thread that is running now on a boot stack (it gets its
    /// registers saved at its first switch out).
    pub fn current_boot(tid: u32, name: String, affinity: Option<usize>) -> Box<Task> {
        Box::new(Task::with_context(tid, name, affinity, Context::running(), State::Running))
    }

    fn with_context(tid: u32, name: String, affinity: Option<usize>, context: Context, state: State) -> Task {
        Task {
            tid,
            name,
            cpu: AtomicU32::new(0),
            affinity,
            context: UnsafeCell::new(context),
            state: AtomicU8::new(state as u8),
            wake_at: AtomicU64::new(0),
            joiner: AtomicPtr::new(core::ptr::null_mut()),
            entry: UnsafeCell::new(None),
            stack: None,
            probe: ThreadState::new(),
            switches: AtomicU64::new(0),
            preemptions: AtomicU64::new(0),
        }
    }

    /// Its state.
    pub fn state(&self) -> State {
        State::from_u8(self.state.load(Ordering::Acquire))
    }

    /// Change its state (under the scheduler lock).
    pub(super) fn set_state(&self, state: State) {
        self.state.store(state as u8, Ordering::Release);
    }

    /// Whether CPU `cpu` may run it.
    pub fn may_run_on(&self, cpu: usize) -> bool {
        self.affinity.is_none_or(|a| a == cpu)
    }

    /// The context's `on_cpu` flag (see context.rs).
    pub(super) fn on_cpu(&self) -> &AtomicU64 {
        // SAFETY: `on_cpu` is an atomic; reading it through the cell races
        // with nothing non-atomic.
        unsafe { &(*self.context.get()).on_cpu }
    }

    /// Panic if its stack overflowed (the canary was overwritten).
    pub(super) fn check_stack(&self) {
        if let Some(stack) = &self.stack {
            if !stack.canary_intact() {
                panic!("thread {} ({}) overflowed its {}-byte stack", self.tid, self.name, stack.size);
            }
        }
    }
}
