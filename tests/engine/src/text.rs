//! Reading instruction words of the running kernel.

/// The instruction word at `addr`.
pub fn word(addr: usize) -> u32 {
    // SAFETY: callers pass addresses of kernel text.
    unsafe { core::ptr::read_volatile(addr as *const u32) }
}

/// `RET` (to X30).
pub const RET: u32 = 0xd65f_03c0;

/// The probe BRK the runtime plants (BRK #0xd04).
pub const PROBE_BRK: u32 = 0xd421_a080;

/// Addresses from `entry` up to and including its first `RET`: all inside
/// the function whatever its layout, since LLVM emits functions contiguous.
pub fn until_first_ret(entry: usize, max_words: usize) -> alloc::vec::Vec<usize> {
    let mut out = alloc::vec::Vec::new();
    for i in 0..max_words {
        let addr = entry + 4 * i;
        out.push(addr);
        if word(addr) == RET {
            break;
        }
    }
    out
}
