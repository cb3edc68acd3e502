//! Property tests: random and mutated scripts never panic and never hang
//! the compiler, and whatever compiles has no FP/SIMD instruction in its
//! handler code. Budget: a bounded number of cases so `cargo test` stays
//! fast; every case runs all passes (parse, check, lower, emit).

use probec::driver::{compile, Options};
use proptest::prelude::*;
use std::time::{Duration, Instant};

/// Per-script limit in a debug build (release is ~100x faster).
const LIMIT: Duration = Duration::from_secs(5);

const TOKENS: &[&str] = &[
    "kprobe:f",
    "kretprobe:g",
    "k:a::b",
    "kr:*x*",
    "BEGIN",
    "END",
    "kprobe:f+8",
    "kprobe:0x1000",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "/",
    ";",
    ",",
    "=",
    "+=",
    "++",
    "--",
    "-",
    "+",
    "*",
    "&",
    "&&",
    "||",
    "!",
    "~",
    "<<",
    ">>",
    "==",
    "!=",
    "<",
    ">=",
    "?",
    ":",
    "..",
    "@m",
    "@",
    "@n",
    "$x",
    "$y",
    "arg0",
    "arg1",
    "retval",
    "nsecs",
    "cpu",
    "tid",
    "func",
    "probe",
    "sp",
    "pc",
    "count()",
    "hist(",
    "lhist(",
    "sum(",
    "min(",
    "max(",
    "avg(",
    "stats(",
    "printf(",
    "\"%d\\n\"",
    "\"%s\"",
    "str(",
    "reg(\"x19\")",
    "print(",
    "clear(",
    "delete(",
    "exit()",
    "let",
    "if",
    "else",
    "for",
    "unroll(",
    "return",
    "u8",
    "u32",
    "i64",
    "(u64 *)",
    "(i8)",
    "bool",
    "string",
    "0",
    "1",
    "0xff",
    "1_000",
    "'a'",
    "\"s\"",
    "config = { max_strlen = 16 }",
    "let @m = hash(4);",
    "//c\n",
    "/* c */",
    " ",
    "\n",
];

fn compile_quickly(src: &str) {
    let start = Instant::now();
    match compile(src, "fuzz.pr", &Options::default()) {
        Err(diags) => {
            // Rendering must not panic either (spans inside UTF-8 sequences).
            let text = probec::diag::render(&diags, "fuzz.pr", src);
            assert!(text.contains("error"), "{text}");
            // emit's own check (no FP/SIMD instructions in handler code).
            assert!(!text.contains("uses FP/SIMD instruction"), "{text}");
        }
        Ok(out) => assert_no_fp_simd(&out.bytes, src),
    }
    assert!(start.elapsed() < LIMIT, "took {:?} for {src:?}", start.elapsed());
}

/// Every object the fuzz compiles loads on targets whose exceptions save
/// only the general-purpose registers: the loader's scan finds no FP/SIMD
/// instruction in its handler code.
fn assert_no_fp_simd(obj: &[u8], src: &str) {
    use probec_loader::{code, object};
    let limits = object::Limits { max_strlen: 4096, max_handler_stack: 1 << 20, cpu_features: 7 };
    let v = object::validate(obj, &limits).unwrap_or_else(|e| panic!("the loader refuses the object of {src:?}: {e}"));
    let found = code::first_fp_simd(&v).unwrap();
    assert!(found.is_none(), "FP/SIMD instruction {:#010x?} in the code of {src:?}", found.map(|w| w.word));
}

fn examples() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pr"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    v.sort();
    v
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, String),
    Replace(usize, usize, String),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let tok = proptest::sample::select(TOKENS).prop_map(str::to_string);
    prop_oneof![
        (any::<usize>(), 1usize..20).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), tok.clone()).prop_map(|(a, t)| Mutation::Insert(a, t)),
        (any::<usize>(), 1usize..8, tok).prop_map(|(a, n, t)| Mutation::Replace(a, n, t)),
        (any::<usize>(), 1usize..40).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
    ]
}

fn apply(src: &str, m: &Mutation) -> String {
    let b = src.as_bytes();
    let len = b.len().max(1);
    let clamp = |a: usize| a % len;
    let mut out = b.to_vec();
    match m {
        Mutation::Delete(a, n) => {
            let a = clamp(*a).min(out.len());
            let e = (a + n).min(out.len());
            out.drain(a..e);
        }
        Mutation::Insert(a, t) => {
            let a = clamp(*a).min(out.len());
            out.splice(a..a, t.bytes());
        }
        Mutation::Replace(a, n, t) => {
            let a = clamp(*a).min(out.len());
            let e = (a + n).min(out.len());
            out.splice(a..e, t.bytes());
        }
        Mutation::Duplicate(a, n) => {
            let a = clamp(*a).min(out.len());
            let e = (a + n).min(out.len());
            let piece = out[a..e].to_vec();
            out.splice(e..e, piece);
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn token_soup_never_panics(tokens in proptest::collection::vec(proptest::sample::select(TOKENS), 0..60)) {
        compile_quickly(&tokens.join(" "));
    }

    #[test]
    fn mutated_examples_never_panic(index in 0usize..64, mutations in proptest::collection::vec(mutation(), 1..6)) {
        let all = examples();
        let mut src = all[index % all.len()].clone();
        for m in &mutations {
            src = apply(&src, m);
        }
        compile_quickly(&src);
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,200}") {
        compile_quickly(&src);
    }

    #[test]
    fn unicode_in_scripts_never_panics(prefix in "[a-z{}@$ =;()]{0,20}", uni in "[é€😀\u{300}]{1,4}", suffix in "[a-z{}@$ =;()]{0,20}") {
        compile_quickly(&format!("kprobe:f {{ {prefix}{uni}{suffix} }}"));
        compile_quickly(&format!("{prefix}{uni}{suffix}"));
        compile_quickly(&format!("BEGIN {{ printf(\"{uni}%d\", {uni}); }}"));
    }

    #[test]
    fn probe_bodies_from_grammar_pieces_never_panic(
        probe in proptest::sample::select(&["kprobe:f", "kretprobe:f", "BEGIN", "END"][..]),
        stmts in proptest::collection::vec(proptest::sample::select(&[
            "@a = count()", "@b[arg0] = hist(arg1)", "@c = lhist(arg0, 0, 100, 10)", "$x = 1", "$x += arg0",
            "@d[str(arg0)] = sum(arg2)", "printf(\"%d %s\\n\", arg0, func)", "@e = min(retval)", "@f = *(i16 *)arg0",
            "if arg0 > 3 { @g++ } else { @g-- }", "for $i : 0..4 { @h[$i] = $i * 2 }", "unroll(3) { @u = avg(cpu) }",
            "delete(@b[1])", "print(@a)", "clear(@b)", "zero(@a)", "exit()", "return", "@s = probe", "@t = (u8)arg0 - 300",
            "@q = arg0 / arg1 % (arg2 - 1)", "@w = arg0 ? 1 : nsecs", "@z = tid", "$s = \"x\"; @k[$s] = count()",
        ][..]), 0..12),
    ) {
        compile_quickly(&format!("{probe} {{ {} }}", stmts.join("; ")));
    }
}
