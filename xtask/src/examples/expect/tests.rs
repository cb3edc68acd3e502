//! Directives end to end on made-up output: each kind passes on the right
//! output and fails on a wrong one; bad directives fail to read, saying
//! where and why; every script in examples/ reads.

use super::*;

fn args(run: &str) -> Vec<String> {
    run.split_whitespace().map(str::to_string).collect()
}

/// Read `directives` as the script `t.pr` run with `fib 20`.
fn exp(directives: &str) -> Expectations {
    read("t.pr", directives, &args("fib 20")).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The one error reading `directives` gives.
fn error(directives: &str, run: &str) -> String {
    match read("t.pr", directives, &args(run)) {
        Ok(_) => panic!("{directives:?} read without an error"),
        Err(e) => {
            assert_eq!(e.len(), 1, "{e:?}");
            e[0].clone()
        }
    }
}

/// `directive` passes on `good` and fails on `bad`, with a message that
/// contains `why`.
fn passes_and_fails(directive: &str, good: &str, bad: &str, why: &str) {
    let e = exp(directive);
    assert_eq!(e.check_text(good), Vec::<String>::new(), "{directive} on {good:?}");
    let f = e.check_text(bad);
    assert_eq!(f.len(), 1, "{directive} on {bad:?}: {f:?}");
    assert!(f[0].starts_with("t.pr:1: // expect:"), "{f:?}");
    assert!(f[0].contains(why), "{directive} on {bad:?}: {f:?} does not say {why:?}");
}

#[test]
fn scalar_values() {
    let d = "// expect: @calls == fib_total(N)";
    passes_and_fails(d, "@calls: 21891\n", "@calls: 21890\n", "@calls is 21890, fib_total(N) is 21891");
    passes_and_fails(d, "@calls: 21891\n@calls: 21891\n", "@calls: 21891\n@calls: 21890\n", "printed 2 times with different values");
    passes_and_fails(d, "@calls: 21891\n", "@call: 21891\n", "@calls was not printed");
    passes_and_fails("// expect: @null_read == 0", "@null_read: 0\n", "", "@null_read was not printed");
    // Printed in hex or decimal, compared as a number.
    let d = "// expect: @sp_low > 0x40000000 && @sp_low % 16 == 0";
    passes_and_fails(d, "@sp_low: 0x40123450\n", "@sp_low: 1075000328\n", "@sp_low % 16 is 8, 0 is 0");
    passes_and_fails("// expect: @sp_low > 0x40000000", "@sp_low: 1075000320\n", "@sp_low: 0x3fff0000\n", "is 1073676288");
    // A value that is not a number does not compare as one.
    passes_and_fails("// expect: @x >= 1", "@x: 1\n", "@x: one\n", "`>=` compares numbers");
}

#[test]
fn or_default_for_maps_never_hit() {
    let d = "// expect: @big_odd or 0 == sum(fib_calls(N, k) for k in 0..=N if k > 30)";
    passes_and_fails(d, "", "@big_odd: 3\n", "@big_odd or 0 is 3");
    let d = "// expect: @even or 0 == sum(fib_calls(N, k) for k in 0..=N if k % 2 == 0)";
    passes_and_fails(d, "@even: 10946\n", "", "@even or 0 is 0, sum(");
}

#[test]
fn keyed_maps() {
    let d = r#"// expect: @calls["miniz_oxide::deflate::compress_to_vec"] == 1"#;
    passes_and_fails(d, "@calls[miniz_oxide::deflate::compress_to_vec]: 1\n", "@calls[miniz_oxide::deflate::compress_to_vec]: 2\n", "is 2");
    passes_and_fails(d, "@calls[miniz_oxide::deflate::compress_to_vec]: 1\n", "@calls[other]: 1\n", "no key");
    // A tuple key is its printed text.
    let d = r#"// expect: @by_cpu["f", 0] == 1"#;
    passes_and_fails(d, "@by_cpu[f, 0]: 1\n", "@by_cpu[f, 1]: 1\n", "no key \"f, 0\"");
    // One map against another, re-keyed.
    let d = r#"// expect: @by_cpu == counts("${f}, 0": n for f, n in @calls)"#;
    passes_and_fails(
        d,
        "@calls[a]: 2\n@calls[b]: 1\n@by_cpu[a, 0]: 2\n@by_cpu[b, 0]: 1\n",
        "@calls[a]: 2\n@by_cpu[a, 0]: 1\n",
        "is {\"a, 0\": 1}",
    );
    // Exactly these keys: one more fails.
    let d = "// expect: @x0 == counts(k: fib_calls(3, k) for k in 0..=3)";
    passes_and_fails(
        d,
        "@x0[0]: 1\n@x0[1]: 2\n@x0[2]: 1\n@x0[3]: 1\n",
        "@x0[0]: 1\n@x0[1]: 2\n@x0[2]: 1\n@x0[3]: 1\n@x0[4]: 1\n",
        "@x0 is {",
    );
    passes_and_fails("// expect: @[\"kprobe:f\"] == 3", "@[kprobe:f]: 3\n", "@[kprobe:g]: 3\n", "no key");
}

const FIB20_HIST: &str = "@n:\n\
[0]                 4181 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                    |\n\
[1]                 6765 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\
[2, 4)              6765 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\
[4, 8)              3571 |@@@@@@@@@@@@@@@@@@@@@@@@@@@                         |\n\
[8, 16)              597 |@@@@                                                |\n\
[16, 32)              12 |                                                    |\n";

#[test]
fn histograms() {
    // The demo's histogram of fib(20)'s argument, as printed by hand.
    let d = "// expect: @n == counts(log2_bucket(k): fib_calls(N, k) for k in 0..=N)";
    passes_and_fails(d, FIB20_HIST, &FIB20_HIST.replace("597", "598"), "8: 598");
    passes_and_fails("// expect: total(@n) == fib_total(N)", FIB20_HIST, &FIB20_HIST.replace("4181", "4180"), "total(@n) is 21890");
    // Bounds on the buckets: no zero bucket, none at 512 or above.
    let d = "// expect: all(b >= 1 && b <= log2_bucket(258) for b in @n)";
    let no_zero: String = FIB20_HIST.lines().filter(|l| !l.starts_with("[0]")).map(|l| format!("{l}\n")).collect();
    passes_and_fails(d, &no_zero, FIB20_HIST, "b is 0, 1 is 1 (where b = 0)");
    passes_and_fails(d, &no_zero, &no_zero.replace("[1] ", "[1K]"), "b is 1024, log2_bucket(258) is 256 (where b = 1024)");
    passes_and_fails("// expect: printed(@n) == 1", FIB20_HIST, &format!("{FIB20_HIST}{FIB20_HIST}"), "printed(@n) is 2");
    // lhist: the bucket below the range is i64::MIN, as linear_bucket says.
    let d = "// expect: @l == counts(linear_bucket(k - 1, 0, 40, 5): 1 for k in 0..=1)";
    passes_and_fails(d, "@l:\n(..., 0)      1 |@|\n[0, 5)        1 |@|\n", "@l:\n[0, 5)        2 |@|\n", "@l is {0: 2}");
}

#[test]
fn empty_maps() {
    let d = "// expect: empty(@len)";
    passes_and_fails(d, "", "@len: 2\n", "@len was printed as [\"2\"]");
    passes_and_fails(d, "@len: 0\n", "@len:\n[0, 100)   1 |@|\n", "histogram");
    passes_and_fails(d, "@len:\n[0, 100)   0 |@|\n", "@len[3]: 0\n", "has the keys [\"3\"]");
}

#[test]
fn lines() {
    let d = r#"// expect: lines("counting calls of fib...") == 1"#;
    passes_and_fails(d, "counting calls of fib... \n", "counting calls of fib... \ncounting calls of fib...\n", "is 2, 1 is 1");
    let d = r#"// expect: lines_starting("WARNING: fib: ${2 * fib_calls(N, 1)} errors (") == 1"#;
    passes_and_fails(d, "WARNING: fib: 13530 errors (first: x)\n", "WARNING: fib: 13529 errors (first: x)\n", "is 0");
    let d = r#"// expect: lines_matching("fib({a}) at +{ns} ns from 0x{lr:x}", a > 25 && lr >= 0x40080000) == 2"#;
    let good = "fib(26) at +5 ns from 0x40081000\nfib(27) at +9 ns from 0x40081000\nfib(25) at +5 ns from 0x40081000\n";
    passes_and_fails(d, good, &good.replace("27", "24"), "is 1, 2 is 2");
    passes_and_fails(d, good, &good.replace("0x40081000\nfib(27)", "0x4001000\nfib(27)"), "is 1");
    passes_and_fails(d, good, &good.replace("+9 ns", "+x ns"), "is 1");
    let d = r#"// expect: all(lines("returned ${fib(k)}") == fib_calls(N, k) for k in 0..=N if fib(k) > 1000)"#;
    let good = "returned 6765\nreturned 4181\nreturned 2584\nreturned 2584\nreturned 1597\nreturned 1597\nreturned 1597\n";
    passes_and_fails(d, good, &good.replace("returned 1597\n", ""), "(where k = 17)");
}

#[test]
fn lets_and_strings() {
    let d = "// let: TOTAL = fib_total(N)\n\
// let: SUM = sum(fib(k) * fib_calls(N, k) for k in 0..=N)\n\
// expect: @stats == \"count ${TOTAL}, average ${SUM / TOTAL}, total ${SUM}\"\n";
    let e = exp(d);
    assert_eq!(e.globals[1], ("TOTAL".to_string(), Value::Int(21891)));
    assert_eq!(e.check_text("@stats: count 21891, average 4, total 100610\n"), Vec::<String>::new());
    let f = e.check_text("@stats: count 21891, average 5, total 100610\n");
    assert!(f.len() == 1 && f[0].starts_with("t.pr:3:") && f[0].contains("\"count 21891, average 4, total 100610\""), "{f:?}");
    let e = exp(r#"// expect: @s == "a\"b\${c}\\""#);
    assert_eq!(e.check_text("@s: a\"b${c}\\\n"), Vec::<String>::new());
    // min, max and their bindings.
    let e = exp("// expect: @min == min(fib(k) for k in 0..=N if fib_calls(N, k) > 0) && @max == max(fib(k) for k in 0..=N)");
    assert_eq!(e.check_text("@min: 0\n@max: 6765\n"), Vec::<String>::new());
    assert_eq!(e.check_text("@min: 0\n@max: 6764\n").len(), 1);
}

const COUNT_CALLS_JSON: &str = r#"// expect: @calls == fib_total(N)
// expect-json: {"type": "attached_probes", "data": {"probes": 3}}
// expect-json: {"type": "printf", "data": "counting calls of fib... \n"}
// expect-json: {"type": "map", "data": {"@calls": ${fib_total(N)}}}
"#;

#[test]
fn json_lines() {
    let e = exp(COUNT_CALLS_JSON);
    assert!(e.has_json());
    assert!(!exp("// expect: 1 == 1").has_json());
    let good = "{\"type\": \"attached_probes\", \"data\": {\"probes\": 3}}\n\
{\"type\": \"printf\", \"data\": \"counting calls of fib... \\n\"}\n\
{\"type\": \"console\", \"data\": \"fib(20) = 6765\"}\n\
{\"type\": \"map\", \"data\": {\"@calls\": 21891}}\n";
    assert_eq!(e.check_json(good), Vec::<String>::new());
    let f = e.check_json(&good.replace("21891", "21890"));
    assert!(f.len() == 1 && f[0].starts_with("t.pr:4: JSON line 3"), "{f:?}");
    let f = e.check_json(&good.replace("{\"type\": \"printf\"", "{\"type\": \"printf2\""));
    assert!(f.len() == 1 && f[0].starts_with("t.pr:3: JSON line 2"), "{f:?}");
    assert_eq!(e.check_json(&format!("{good}{{\"type\": \"x\"}}\n")).len(), 1, "one JSON line more");
    assert_eq!(e.check_json(&good.replace("{\"type\": \"map\", \"data\": {\"@calls\": 21891}}\n", "")).len(), 1, "one missing");
    assert_eq!(e.check_json(&format!("{good}warning\n")).len(), 1, "a line that is not JSON");
    let e = exp("// expect: 1 == 1\n// expect-json: {\"h\": ${hist_json(counts(log2_bucket(k): 1 for k in 0..=2))}}\n");
    let want = r#"{"h": [{"min": 0, "max": 0, "count": 1}, {"min": 1, "max": 1, "count": 1}, {"min": 2, "max": 3, "count": 1}]}"#;
    assert_eq!(e.check_json(&format!("{want}\n{{\"type\": \"console\", \"data\": \"fib(2) = 1\"}}\n")), Vec::<String>::new());
    assert_eq!(e.check_json(&format!("{want}\nfib(2) = 1\n")).len(), 2, "console text outside a record: not JSON, and no result record");
}

#[test]
fn bad_directives_say_where_and_why() {
    let cases = [
        ("// expectt: 1 == 1", "t.pr:1:4: unknown directive `// expectt`"),
        ("// Expect: 1 == 1", "t.pr:1:4: unknown directive `// Expect`"),
        ("// expect @x == 1", "t.pr:1:4: `// expect` needs a colon"),
        ("// expect: fib_cals(N) == 1", "t.pr:1:12: unknown function `fib_cals` (functions: fib(k), fib_calls(n, k)"),
        ("// expect: fib(1, 2) == 1", "t.pr:1:12: fib takes 1 argument(s) (k), got 2"),
        ("// expect: @x == M", "t.pr:1:18: `M` is not defined (defined here: N)"),
        ("// expect: @x ==", "t.pr:1:17: expected a value, found the end"),
        ("// expect: @x == 1 2", "t.pr:1:20: expected an operator or the end, found `2`"),
        ("// expect: 1 < 2 < 3", "t.pr:1:18: comparisons do not chain"),
        ("// expect:", "t.pr:1:11: an empty expression"),
        ("// expect: sum(k)", "t.pr:1:17: expected `for`"),
        ("// expect: sum(k for k, v in 0..3) == 1", "t.pr:1:12: a range binds one variable"),
        ("// expect: sum(N for N in 0..3) == 1", "t.pr:1:12: `N` is already defined"),
        ("// expect: empty(x)", "t.pr:1:18: empty takes a map"),
        (r#"// expect: lines_matching("{a") == 1"#, "t.pr:1:27: `{a`: a `{` without its `}`"),
        (r#"// expect: lines("\q") == 1"#, "t.pr:1:19: unknown escape `\\q`"),
        (r#"// expect: lines("abc) == 1"#, "t.pr:1:18: unterminated string"),
        ("// expect: lines(\"${}\") == 1", "t.pr:1:19: an empty `${}`"),
        ("// let: X = @calls\n// expect: 1 == 1", "t.pr:1:12: a let is computed from N, other lets and functions, never from the output"),
        ("// let: X == 1\n// expect: 1 == 1", "t.pr:1:9: a let is `// let: NAME = VALUE`"),
        ("// let: N = 1\n// expect: 1 == 1", "t.pr:1:9: `N` is already defined"),
        ("// let: X = fib(100)\n// expect: 1 == 1", "t.pr:1:12: fib: want a number in 0..=93, got 100"),
        ("// expect: X == 1\n// let: X = 1", "t.pr:1:12: `X` is not defined"),
        ("// run: fib 20\nkprobe:f { }", "t.pr: no `// expect:` lines"),
        ("// expect: 1 == 1\n// expect-json:   ", "t.pr:2:19: an empty JSON line"),
        (
            r#"// expect: 1 == 1
// expect-json: {"n": ${fib_total(N}}"#,
            "t.pr:2:36: expected `,` or `)` after an argument of `fib_total(`, found the end",
        ),
    ];
    for (directives, want) in cases {
        let got = error(directives, "fib 20");
        assert!(got.starts_with(want), "{directives:?}:\n got  {got}\n want {want}");
    }
    assert!(error("// expect: @x == N", "sha256").contains("`N` is not defined: the `// run:` line has no single numeric"));
    // Prose is not a directive.
    exp("// let us count\n// run: fib 20\n// expect: 1 == 1");
}

#[test]
fn evaluation_errors_fail_the_directive() {
    passes_and_fails("// expect: @x / (@x - 1) == 2", "@x: 2\n", "@x: 1\n", "1 / 0");
    passes_and_fails("// expect: @x == 1", "@x: 1\n", "@x:\n[0]  1 |@|\n", "@x is {0: 1}, 1 is 1");
    let f = exp("// expect: sum(k for k in 0..=1000000000000) == 1").check_text("");
    assert!(f.len() == 1 && f[0].contains("longer than"), "{f:?}");
    let f = exp("// expect: @x").check_text("@x: 1\n");
    assert!(f.len() == 1 && f[0].contains("1 is a number, not true or false"), "{f:?}");
}

/// Every script in examples/ reads: its directives parse, name known
/// functions and variables, and its lets compute.
#[test]
fn every_example_reads() {
    let mut n = 0;
    for script in crate::examples::scripts().expect("examples/") {
        let source = std::fs::read_to_string(&script).expect("readable");
        let run = crate::examples::run_hint(&source).expect("a // run: line");
        if let Err(e) = read(&script.display().to_string(), &source, &run) {
            panic!("{}", e.join("\n"));
        }
        n += 1;
    }
    assert!(n >= 13, "{n} scripts");
}
