//! The instructions the differential tests probe: one snippet per
//! simulated kind (several for branches, every condition code) and a
//! sample of out-of-line kinds (loads, stores incl. pre/post-index on SP,
//! ALU, flags, FP/SIMD, system register reads).

use crate::block::Block;
use crate::snippet_macro::snippet;
use alloc::vec::Vec;

/// Which inputs a snippet runs with.
#[derive(Clone, Copy)]
pub enum Vary {
    /// One run with the seeded block.
    Once,
    /// One run for each of the 16 NZCV values.
    AllNzcv,
    /// One run per value of register `reg`.
    Reg(usize, &'static [u64]),
}

/// How the runtime must classify the probed instruction.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Expect {
    /// Executed out of line.
    Xol,
    /// Simulated.
    Simulate,
}

/// One instruction under test.
pub struct Snippet {
    /// Name (also the suffix of its `snip_`/`probe_` symbols).
    pub name: &'static str,
    /// The snippet function.
    pub run: unsafe extern "C" fn(*mut Block),
    /// Address of the probed instruction.
    pub probe: usize,
    /// Expected classification.
    pub expect: Expect,
    /// Inputs.
    pub vary: Vary,
}

/// Define every snippet (assembly at item level) and [`all`] listing them.
macro_rules! snippets {
    ($( ($name:literal, $expect:ident, $vary:expr, $setup:expr, $body:expr) ),* $(,)?) => {
        $( snippet!($name, $setup, $body); )*

        /// Every snippet.
        pub fn all() -> Vec<Snippet> {
            alloc::vec![$({
                extern "C" {
                    #[link_name = concat!("snip_", $name)]
                    fn run(block: *mut Block);
                    #[link_name = concat!("probe_", $name)]
                    static PROBE: u32;
                }
                Snippet {
                    name: $name,
                    run,
                    probe: core::ptr::addr_of!(PROBE) as usize,
                    expect: Expect::$expect,
                    vary: $vary,
                }
            }),*]
        }
    };
}

const ZERO_ONE_W: &[u64] = &[0, 1, 0x1_0000_0000, u64::MAX];
const BITS: &[u64] = &[0, 1, 2, 0x8000_0000, 0x8000_0000_0000_0000, u64::MAX];

snippets! {
        // Unconditional branches.
        ("b_fwd", Simulate, Vary::Once, "", "b 1f\n mov x9, #1\n1: add x9, x9, #2"),
        ("b_back", Simulate, Vary::Once, "b 2f\n1: mov x9, #7\n b 3f\n2:", "b 1b\n mov x9, #1\n3:"),
        ("bl", Simulate, Vary::Once, "", "bl 1f\n mov x9, #1\n b 2f\n1: mov x9, x30\n2:"),
        // Every condition code over every NZCV value.
        ("bcond_eq", Simulate, Vary::AllNzcv, "", "b.eq 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("bcond_ne", Simulate, Vary::AllNzcv, "", "b.ne 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("bcond_cs", Simulate, Vary::AllNzcv, "", "b.cs 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("bcond_cc", Simulate, Vary::AllNzcv, "", "b.cc 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("bcond_mi", Simulate, Vary::AllNzcv, "", "b.mi 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("bcond_pl", Simulate, Vary::AllNzcv, "", "b.pl 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("bcond_vs", Simulate, Vary::AllNzcv, "", "b.vs 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("bcond_vc", Simulate, Vary::AllNzcv, "", "b.vc 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("bcond_hi", Simulate, Vary::AllNzcv, "", "b.hi 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("bcond_ls", Simulate, Vary::AllNzcv, "", "b.ls 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("bcond_ge", Simulate, Vary::AllNzcv, "", "b.ge 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("bcond_lt", Simulate, Vary::AllNzcv, "", "b.lt 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("bcond_gt", Simulate, Vary::AllNzcv, "", "b.gt 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("bcond_le", Simulate, Vary::AllNzcv, "", "b.le 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("bcond_al", Simulate, Vary::AllNzcv, "", "b.al 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        // Compare and test branches, X and W forms.
        ("cbz_x", Simulate, Vary::Reg(3, ZERO_ONE_W), "", "cbz x3, 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("cbz_w", Simulate, Vary::Reg(3, ZERO_ONE_W), "", "cbz w3, 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("cbnz_x", Simulate, Vary::Reg(3, ZERO_ONE_W), "", "cbnz x3, 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("cbnz_w", Simulate, Vary::Reg(3, ZERO_ONE_W), "", "cbnz w3, 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("tbz_0", Simulate, Vary::Reg(3, BITS), "", "tbz x3, #0, 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("tbnz_63", Simulate, Vary::Reg(3, BITS), "", "tbnz x3, #63, 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        ("tbz_w31", Simulate, Vary::Reg(3, BITS), "", "tbz w3, #31, 1f\n mov x9, #1\n b 2f\n1: mov x9, #2\n2:"),
        // PC-relative address generation.
        ("adr_fwd", Simulate, Vary::Once, "", "adr x5, 1f\n nop\n1: nop"),
        ("adr_back", Simulate, Vary::Once, "1: nop", "adr x6, 1b"),
        ("adrp", Simulate, Vary::Once, "", "adrp x5, ."),
        ("adrp_far", Simulate, Vary::Once, "", "adrp x7, snip_b_fwd + 0x12345"),
        // Register branches.
        ("br", Simulate, Vary::Once, "adr x10, 1f", "br x10\n mov x9, #1\n1: add x9, x9, #3"),
        ("blr", Simulate, Vary::Once, "adr x10, 1f", "blr x10\n mov x9, #1\n1: mov x9, x30"),
        ("blr_x30", Simulate, Vary::Once, "adr x30, 1f", "blr x30\n mov x9, #1\n1: mov x9, x30"),
        ("ret", Simulate, Vary::Once, "adr x30, 1f", "ret\n mov x9, #1\n1: add x9, x9, #3"),
        ("ret_x5", Simulate, Vary::Once, "adr x5, 1f", "ret x5\n mov x9, #1\n1: add x9, x9, #3"),
        // Literal loads, general and SIMD&FP registers, and PRFM.
        ("ldr_lit_x", Simulate, Vary::Once, "", "ldr x5, 1f\n b 2f\n .balign 8\n1: .quad 0x8877665544332211\n2:"),
        ("ldr_lit_w", Simulate, Vary::Once, "", "ldr w5, 1f\n b 2f\n1: .word 0x87654321\n2:"),
        ("ldrsw_lit", Simulate, Vary::Once, "", "ldrsw x5, 1f\n b 2f\n1: .word 0x87654321\n2:"),
        ("ldr_lit_s", Simulate, Vary::Once, "", "ldr s1, 1f\n b 2f\n1: .word 0x3f800000\n2:"),
        ("ldr_lit_d", Simulate, Vary::Once, "", "ldr d2, 1f\n b 2f\n .balign 8\n1: .quad 0x400921fb54442d18\n2:"),
        ("ldr_lit_q", Simulate, Vary::Once, "", "ldr q3, 1f\n b 2f\n .balign 16\n1: .quad 0x0123456789abcdef, 0xfedcba9876543210\n2:"),
        ("prfm_lit", Simulate, Vary::Once, "", "prfm pldl1keep, 1f\n b 2f\n1: .quad 0\n2:"),
        ("nop", Simulate, Vary::Once, "", "nop"),
        // DAIF as the interrupted code had it (D and I masked, A and F not);
        // out of line it would read the trap's all-masked value.
        ("mrs_daif", Simulate, Vary::Once, "mrs x17, daif\n msr daifset, #0xf\n msr daifclr, #0x5", "mrs x5, daif\n msr daif, x17"),
        // Out of line: loads and stores, incl. writeback on SP and Xn.
        ("ldr_imm", Xol, Vary::Once, "", "ldr x5, [x1, #8]"),
        ("ldr_w", Xol, Vary::Once, "", "ldr w5, [x1, #4]"),
        ("ldrb_post", Xol, Vary::Once, "", "ldrb w5, [x1], #1"),
        ("ldp", Xol, Vary::Once, "", "ldp x5, x6, [x1, #16]"),
        ("str_pre", Xol, Vary::Once, "", "str x2, [x1, #8]!"),
        ("stp_sp_pre", Xol, Vary::Once, "", "stp x5, x6, [sp, #-16]!\n ldr x7, [sp, #8]"),
        ("ldp_sp_post", Xol, Vary::Once, "stp x5, x6, [sp, #-16]!", "ldp x7, x8, [sp], #16"),
        ("sub_sp", Xol, Vary::Once, "", "sub sp, sp, #64"),
        // ALU, flags, conditional select.
        ("add", Xol, Vary::Once, "", "add x5, x1, x2"),
        ("adds", Xol, Vary::AllNzcv, "", "adds x5, x2, x3"),
        ("subs_w", Xol, Vary::AllNzcv, "", "subs w5, w2, w3"),
        ("csel", Xol, Vary::AllNzcv, "", "csel x5, x2, x3, ne"),
        ("madd", Xol, Vary::Once, "", "madd x5, x2, x3, x4"),
        ("udiv", Xol, Vary::Once, "", "udiv x5, x2, x3"),
        ("lsl", Xol, Vary::Once, "", "lsl x5, x2, #7"),
        ("movk", Xol, Vary::Once, "", "movk x5, #0x1234, lsl #16"),
        // FP and SIMD.
        ("fadd", Xol, Vary::Once, "", "fadd d0, d1, d2"),
        ("fmul_4s", Xol, Vary::Once, "", "fmul v0.4s, v1.4s, v2.4s"),
        ("ldr_q", Xol, Vary::Once, "", "ldr q0, [x1]"),
        ("str_q", Xol, Vary::Once, "", "str q1, [x1, #16]"),
        // System register read of the flags.
        ("mrs_nzcv", Xol, Vary::AllNzcv, "", "mrs x5, nzcv"),
}

core::arch::global_asm!(
    // Never executed: instructions attach must refuse, each at a label.
    ".pushsection .text.reject_targets, \"ax\"",
    ".balign 4",
    ".global reject_ldxr",
    "reject_ldxr: .inst 0xc85f7c20", // ldxr x0, [x1]
    ".global reject_in_exclusive",
    "reject_in_exclusive: .inst 0x91000400", // add x0, x0, #1 (inside ldxr..stxr)
    ".inst 0xc8027c20",                      // stxr w2, x0, [x1]
    ".global reject_svc",
    "reject_svc: .inst 0xd4000001", // svc #0
    ".global reject_msr",
    "reject_msr: .inst 0xd51b4220", // msr daif, x0
    ".global reject_eret",
    "reject_eret: .inst 0xd69f03e0", // eret
    ".global reject_retaa",
    "reject_retaa: .inst 0xd65f0bff", // retaa
    ".global reject_autiasp",
    "reject_autiasp: .inst 0xd50323bf", // autiasp
    ".global reject_brk",
    "reject_brk: .inst 0xd4200ee0", // brk #0x77, someone else's
    ".inst 0xd65f03c0",             // ret
    ".popsection",
);

extern "C" {
    /// `ldxr x0, [x1]`.
    pub static reject_ldxr: u32;
    /// An `add` between LDXR and STXR.
    pub static reject_in_exclusive: u32;
    /// `svc #0`.
    pub static reject_svc: u32;
    /// `msr daif, x0`.
    pub static reject_msr: u32;
    /// `eret`.
    pub static reject_eret: u32;
    /// `retaa`.
    pub static reject_retaa: u32;
    /// `autiasp`.
    pub static reject_autiasp: u32;
    /// `brk #0x77`.
    pub static reject_brk: u32;
}
