//! probec never emits FP/SIMD (or SVE/SME) instructions: compiled handlers
//! run inside the target's exception path, and a target whose exceptions
//! save only the general-purpose registers (`FrameContents::GeneralRegisters`)
//! refuses objects that use them. Checked for every examples/*.pr under
//! every feature combination, for scripts built from statements that
//! stress buffers (long strings, many printf arguments, string keys: where
//! a code generator would reach for vector registers to copy or zero), and
//! for every script the fuzz tests compile (fuzz.rs checks each object it
//! gets). The classifier itself is checked against objdump on the
//! compiled code.

#[path = "../../runtime/tests/fpsimd_support/mod.rs"]
mod fpsimd_support;

use probec::driver::{compile, Options};
use probec::lower::Features;
use probec_arch::aarch64::fpsimd::uses_fp_simd;
use probec_loader::{code, object};
use proptest::prelude::*;
use std::path::Path;

/// Fail with the disassembly context if `obj` has an FP/SIMD instruction
/// in handler code (the loader's own scan, `script::code`).
fn assert_no_fp_simd(obj: &[u8], what: &str) {
    let limits = object::Limits { max_strlen: 4096, max_handler_stack: 1 << 20, cpu_features: 7 };
    let v = object::validate(obj, &limits).unwrap_or_else(|e| panic!("{what}: the loader refuses the object: {e}"));
    if let Some(w) = code::first_fp_simd(&v).unwrap() {
        let asm = probec::asm::disassemble_object(obj).unwrap_or_default();
        panic!(
            "{what}: `{}`+{:#x} is FP/SIMD instruction {:#010x} ({}):\n{asm}",
            w.symbol.name,
            w.offset - w.symbol.value,
            w.word,
            probec::disasm::disassemble(w.word).unwrap_or_default()
        );
    }
}

fn examples() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut v: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pr"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    v.sort();
    assert!(v.len() >= 10, "examples found: {}", v.len());
    v
}

const FEATURES: [&str; 5] = ["", "+lse", "+bti", "+pac", "+lse,+bti,+pac"];

fn compiled(name: &str, src: &str, features: &str) -> Vec<u8> {
    let opts = Options { features: Features::parse(features).unwrap(), ..Options::default() };
    compile(src, name, &opts).unwrap_or_else(|d| panic!("{name} ({features}):\n{}", probec::diag::render(&d, name, src))).bytes
}

#[test]
fn examples_have_no_fp_simd_instructions() {
    for (name, src) in examples() {
        for features in FEATURES {
            assert_no_fp_simd(&compiled(&name, &src, features), &format!("{name} ({features})"));
        }
    }
}

/// Scripts whose handlers copy, zero and pack large buffers.
fn buffer_heavy(max_strlen: u32) -> String {
    format!(
        r#"config = {{ max_strlen = {max_strlen}; max_stack = 65536 }}
kprobe:f {{
    $a = str(arg0);
    $b = $a;
    @s[$a, $b, str(arg1), arg2] = count();
    @last = $b;
    $c = @last;
    printf("%s %s %s %d %d %d %d %d %d %d %d\n", $a, $c, func, arg0, arg1, arg2, arg3, arg4, arg5, arg6, arg7);
    @k[probe, func] = sum(arg0);
    if $a == $c {{ @eq++ }}
}}
kretprobe:f {{ @r[str(retval)] = hist(retval); print(@r); }}
END {{ clear(@s); }}
"#
    )
}

#[test]
fn buffer_heavy_handlers_have_no_fp_simd_instructions() {
    for max_strlen in [8, 16, 24, 64, 256, 1024] {
        for features in FEATURES {
            let src = buffer_heavy(max_strlen);
            assert_no_fp_simd(&compiled("buffers.pr", &src, features), &format!("max_strlen {max_strlen} ({features})"));
        }
    }
}

/// The classifier agrees with objdump on everything probec emits (every
/// word of .text, literals included: unrelocated they are zeros), and
/// objdump finds no FP/SIMD register in it either.
#[test]
fn compiled_code_agrees_with_objdump() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let mut total = 0;
    for (name, src) in examples().into_iter().chain([("buffers.pr".to_string(), buffer_heavy(64))]) {
        let obj = compiled(&name, &src, "+lse,+bti,+pac");
        let path = fpsimd_support::scratch(dir, "example.o");
        std::fs::write(&path, &obj).unwrap();
        let lines = fpsimd_support::disassemble_object(&path);
        let _ = std::fs::remove_file(&path);
        let (report, n, [fp, gp, _]) = fpsimd_support::disagreements(&lines, uses_fp_simd, 50);
        assert_eq!(n, 0, "{name}: classifier and objdump disagree:\n{report}");
        assert_eq!(fp, 0, "{name}: objdump shows FP/SIMD registers in handler code");
        total += gp;
    }
    assert!(total > 1000, "only {total} instructions disassembled");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random handler bodies from the fuzz's grammar pieces plus string
    /// and buffer statements, at random string capacities.
    #[test]
    fn generated_handlers_have_no_fp_simd_instructions(
        probe in proptest::sample::select(&["kprobe:f", "kretprobe:f", "BEGIN", "END"][..]),
        max_strlen in proptest::sample::select(&[8u32, 16, 40, 128, 512][..]),
        features in proptest::sample::select(&FEATURES[..]),
        stmts in proptest::collection::vec(proptest::sample::select(&[
            "@a = count()", "@b[arg0] = hist(arg1)", "@c = lhist(arg0, 0, 100, 10)", "$x = 1", "$x += arg0",
            "@d[str(arg0)] = sum(arg2)", "printf(\"%d %s\\n\", arg0, func)", "@e = min(retval)", "@f = *(i16 *)arg0",
            "if arg0 > 3 { @g++ } else { @g-- }", "for $i : 0..4 { @h[$i] = $i * 2 }", "unroll(3) { @u = avg(cpu) }",
            "delete(@b[1])", "print(@a)", "clear(@b)", "zero(@a)", "exit()", "return", "@s = probe", "@t = (u8)arg0 - 300",
            "@q = arg0 / arg1 % (arg2 - 1)", "@w = arg0 ? 1 : nsecs", "$s = \"x\"; @k[$s] = count()",
            "$t = str(arg1, 7); @st = $t", "@p[func, probe, str(arg2)] = max(arg3)", "printf(\"%s|%s|%s\\n\", str(arg0), probe, func)",
            "@m2 = stats(arg0 * arg1)", "$y = (i32)arg0 << 3; @n = $y >> 1", "@z = arg0 == arg1 && arg2 != 0",
        ][..]), 1..10),
    ) {
        let src = format!("config = {{ max_strlen = {max_strlen}; max_stack = 65536 }}\n{probe} {{ {} }}", stmts.join("; "));
        let opts = Options { features: Features::parse(features).unwrap(), ..Options::default() };
        if let Ok(out) = compile(&src, "gen.pr", &opts) {
            assert_no_fp_simd(&out.bytes, &src);
        }
    }
}
