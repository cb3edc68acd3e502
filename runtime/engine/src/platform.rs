//! What the embedder provides: the one trait a kernel, hypervisor or
//! firmware implements to host the runtime.

/// Services the runtime needs from the system it is embedded in.
///
/// Implementations must be callable from exception context with interrupts
/// masked (the hit path calls [`Platform::cpu_id`] and [`Platform::now_ns`]),
/// so none of these methods may block, allocate or take a lock that normal
/// code could hold.
pub trait Platform: Sync {
    /// The writable alias of executable address `exec_addr`, or `None` if
    /// the runtime may not patch that address (not text, not mapped, or
    /// outside what the embedder allows to be probed).
    ///
    /// Kernels that keep text W^X map it a second time read-write; the
    /// runtime stores through the alias and then performs the instruction
    /// cache maintenance for the executable address itself.
    fn text_alias(&self, exec_addr: usize) -> Option<usize>;

    /// Index of the calling CPU, in `0..max_cpus()`.
    fn cpu_id(&self) -> usize;

    /// Number of CPUs the runtime must keep per-CPU state for.
    fn max_cpus(&self) -> usize;

    /// Monotonic time in nanoseconds.
    fn now_ns(&self) -> u64;

    /// Write text to the system console (used for diagnostics and output).
    fn console_write(&self, text: &str);

    /// Whether `addr` lies in a BTI-guarded page (simulated BR/BLR then set
    /// PSTATE.BTYPE exactly as the hardware would). Default: no BTI.
    fn bti_guarded(&self, _addr: usize) -> bool {
        false
    }

    /// Fault-safe read of `dst.len()` bytes at `addr` (used by compiled
    /// scripts for `*(T *)p` and `str(p)`). Returns `false`, with `dst` in
    /// any state, if any byte is unreadable; it must never fault, block or
    /// allocate (it runs in probe handlers). Embedders implement it with
    /// their exception-fixup mechanism (the reference kernel's extable).
    /// Default: every read fails, so scripts see 0 / empty strings and the
    /// failures are counted and reported.
    fn read_nofault(&self, _addr: u64, _dst: &mut [u8]) -> bool {
        false
    }

    /// The value of the context variable `name` (`tid`, `pid`, `uid`,
    /// `gid`, ...) for the code running on this CPU, or `None` if the
    /// embedder has no such notion. The loader refuses a script that needs
    /// a name for which this returns `None` at load time, so an embedder
    /// must answer `Some` in every context for the names it supports.
    /// Called from probe handlers: no locks, no allocation. Default: none.
    fn context_value(&self, _name: &str) -> Option<u64> {
        None
    }

    /// Wait until no CPU can be executing, or be suspended in the middle
    /// of, an XOL slot it entered before this call, and return `true`; or
    /// return `false` at once if this platform cannot know that.
    ///
    /// Only [`crate::XolMode::Boost`] needs it: there the CPU leaves the
    /// runtime before the slot runs, with interrupts as they were, so
    /// another CPU, or an interrupted and preempted thread, may still be
    /// about to execute a slot whose probe was just detached. Detach calls
    /// this before the slot can be reused (as Linux's x86 optprobes wait
    /// with `synchronize_rcu_tasks`). A kernel with one CPU that never
    /// detaches from interrupt context and has no preemption can return
    /// `true` at once; an SMP or preemptive kernel waits for every CPU to
    /// pass a context switch or its idle loop. [`crate::Runtime::new`] calls it once
    /// and refuses Boost mode when it returns `false`. Default: `false`.
    fn wait_for_slot_exits(&self) -> bool {
        false
    }

    /// The probe state of the thread running on this CPU, or `None` if the
    /// platform has no threads (then return-probe instances are kept per
    /// CPU, which is correct only where a thread is never switched out
    /// inside a probed function). Embedders with threads keep one
    /// [`crate::ThreadState`] in each thread's control block, so that a
    /// thread preempted inside a probed function, and resumed on another
    /// CPU, returns through its own instances. Called from exception
    /// context: no locks, no allocation. Default: no threads.
    fn current_thread(&self) -> Option<&crate::ThreadState> {
        None
    }

    /// Write the name of the thread running on this CPU (`comm`) into
    /// `buf` and return its length in bytes (truncated to `buf.len()`), or
    /// `None` if the platform has no thread names. Called from probe
    /// handlers: no locks, no allocation. Default: none.
    fn thread_name(&self, _buf: &mut [u8]) -> Option<usize> {
        None
    }
}
