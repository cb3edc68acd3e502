//! `snippet!`: wrap one instruction under test in a function that loads a
//! [`crate::block::Block`], runs `setup` then the probed `body`, and stores
//! the results back. The first instruction of `body` carries the global
//! label `probe_<name>`, where the tests attach the probe. X19 holds the
//! block pointer and X20 the SP before the body, so neither may be written
//! by a snippet. The kernel is built for a target without FP/SIMD
//! (`aarch64-unknown-none-softfloat`), so the assembly enables them for
//! itself: snippets load and store Q0–Q3 and some test FP/SIMD instructions.

/// Define snippet `$name` (see module docs).
macro_rules! snippet {
    ($name:literal, $setup:expr, $body:expr) => {
        core::arch::global_asm!(concat!(
            ".arch_extension fp\n",
            ".arch_extension simd\n",
            ".pushsection .text.snippet_",
            $name,
            ", \"ax\"\n",
            ".balign 4\n",
            ".global snip_",
            $name,
            "\n",
            "snip_",
            $name,
            ":\n",
            "    stp x29, x30, [sp, #-32]!\n",
            "    mov x29, sp\n",
            "    stp x19, x20, [sp, #16]\n",
            "    mov x19, x0\n",
            "    ldp q0, q1, [x19, #288]\n",
            "    ldp q2, q3, [x19, #320]\n",
            "    ldr x16, [x19, #128]\n",
            "    msr nzcv, x16\n",
            "    ldp x0, x1, [x19, #0]\n",
            "    ldp x2, x3, [x19, #16]\n",
            "    ldp x4, x5, [x19, #32]\n",
            "    ldp x6, x7, [x19, #48]\n",
            "    ldp x8, x9, [x19, #64]\n",
            "    ldp x10, x11, [x19, #80]\n",
            "    ldp x12, x13, [x19, #96]\n",
            "    ldp x14, x15, [x19, #112]\n",
            "    mov x20, sp\n",
            $setup,
            "\n",
            ".global probe_",
            $name,
            "\n",
            "probe_",
            $name,
            ":\n",
            $body,
            "\n",
            "    stp x0, x1, [x19, #136]\n",
            "    stp x2, x3, [x19, #152]\n",
            "    stp x4, x5, [x19, #168]\n",
            "    stp x6, x7, [x19, #184]\n",
            "    stp x8, x9, [x19, #200]\n",
            "    stp x10, x11, [x19, #216]\n",
            "    stp x12, x13, [x19, #232]\n",
            "    stp x14, x15, [x19, #248]\n",
            "    mrs x16, nzcv\n",
            "    str x16, [x19, #264]\n",
            "    mov x16, sp\n",
            "    sub x16, x16, x20\n",
            "    str x16, [x19, #272]\n",
            "    mov sp, x20\n",
            "    stp q0, q1, [x19, #352]\n",
            "    stp q2, q3, [x19, #384]\n",
            "    ldp x19, x20, [sp, #16]\n",
            "    ldp x29, x30, [sp], #32\n",
            "    ret\n",
            ".popsection\n",
            ".arch_extension nosimd\n",
            ".arch_extension nofp\n",
        ));
    };
}
pub(crate) use snippet;
