//! Fault-safe loads: read memory that may not be mapped, getting `None`
//! instead of a kernel panic. Probe handlers and diagnostic code use them to
//! follow pointers they cannot trust.
//!
//! Each load instruction is registered in the exception-fixup table
//! (embed/extable.rs) together with a fixup label. If the load takes a data abort,
//! the exception handler resumes at the fixup, which sets `ok = 0`; on the
//! normal path the code sets `ok = 1` and branches over the fixup.

use core::arch::asm;

macro_rules! probe_read_fn {
    ($(#[$doc:meta])* $name:ident, $ty:ty, $load:literal) => {
        $(#[$doc])*
        #[inline(never)]
        pub fn $name(addr: usize) -> Option<$ty> {
            let value: u64;
            let ok: u64;
            // SAFETY: a faulting load is recovered through the fixup table;
            // a successful one only reads memory.
            unsafe {
                asm!(
                    concat!("1: ", $load, " [{addr}]"),
                    "mov {ok}, #1",
                    "b 3f",
                    "2: mov {ok}, #0",
                    "mov {val}, #0",
                    "3:",
                    ".pushsection __ex_table, \"a\"",
                    ".balign 8",
                    ".quad 1b, 2b",
                    ".popsection",
                    addr = in(reg) addr,
                    val = out(reg) value,
                    ok = out(reg) ok,
                    options(nostack, readonly, preserves_flags),
                )
            };
            if ok != 0 { Some(value as $ty) } else { None }
        }
    };
}

probe_read_fn!(
    /// Read a byte at `addr`, or `None` if the access faults.
    probe_read_u8, u8, "ldrb {val:w},"
);
probe_read_fn!(
    /// Read a u16 at `addr`, or `None` if the access faults.
    probe_read_u16, u16, "ldrh {val:w},"
);
probe_read_fn!(
    /// Read a u32 at `addr`, or `None` if the access faults.
    probe_read_u32, u32, "ldr {val:w},"
);
probe_read_fn!(
    /// Read a u64 at `addr`, or `None` if the access faults.
    probe_read_u64, u64, "ldr {val},"
);
