//! Writing instructions: the single-store patch and the cache maintenance
//! AArch64 requires before the new word can be executed.
//!
//! Text is W^X in the embedder: the executable address `exec` is mapped
//! read-only and the store goes through a writable alias `alias` of the same
//! physical word. The data cache is PIPT, so cleaning by the alias cleans the
//! line the instruction side will read; the instruction cache may be VIPT,
//! so it is invalidated by the executable address.

/// Store `word` at the executable address `exec` through its writable alias
/// `alias`, then make it visible to instruction fetch on this CPU (and, at
/// the Point of Unification, to every CPU of the inner-shareable domain).
///
/// # Safety
/// `alias` must be a writable mapping of the same physical word as `exec`,
/// both 4-byte aligned, and nothing may rely on the old instruction being
/// there after the call (other CPUs can execute either the old or the new
/// word until they next synchronise their context).
pub unsafe fn patch_word(exec: usize, alias: usize, word: u32) {
    // One aligned 32-bit store: the ARM ARM ("concurrent modification and
    // execution of instructions") allows another CPU to fetch either the
    // old or the new word when both are BRK or when the change is to/from a
    // BRK, without stopping the machine. That is why arming and disarming
    // are single stores and never a sequence.
    // SAFETY: the caller guarantees `alias` is a writable, 4-byte aligned
    // mapping of the word at `exec`.
    unsafe { core::ptr::write_volatile(alias as *mut u32, word) };
    // SAFETY: both addresses are mapped (the caller's contract above).
    unsafe { sync_icache(exec, alias) };
}

/// Clean the data cache line holding `alias` to the Point of Unification
/// and invalidate the instruction cache line holding `exec`.
///
/// # Safety
/// Both addresses must be mapped.
#[cfg(target_arch = "aarch64")]
pub unsafe fn sync_icache(exec: usize, alias: usize) {
    // SAFETY: cache maintenance by VA only needs the addresses to be mapped
    // (the caller's contract); it changes no memory contents, uses no stack
    // and leaves the flags alone, as the options declare.
    unsafe {
        core::arch::asm!(
            // Clean the new word out of the data cache to the PoU, where the
            // instruction side looks for it.
            "dc cvau, {alias}",
            // The clean must complete before the invalidate, or the I-cache
            // could refill from the stale line.
            "dsb ish",
            // Drop any stale copy of the line from every I-cache in the
            // inner-shareable domain (ic ivau is broadcast).
            "ic ivau, {exec}",
            // Wait for the invalidation to finish everywhere.
            "dsb ish",
            // Discard instructions this CPU already fetched past this point.
            "isb",
            alias = in(reg) alias,
            exec = in(reg) exec,
            options(nostack, preserves_flags),
        );
    }
}

/// Host fallback: host tests patch ordinary memory; there is no I-cache to
/// keep coherent from software on the host's side of the model.
///
/// # Safety
/// Always safe on the host; `unsafe` only to match the AArch64 signature.
#[cfg(not(target_arch = "aarch64"))]
pub unsafe fn sync_icache(exec: usize, alias: usize) {
    let _ = (exec, alias);
    core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
}
