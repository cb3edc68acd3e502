//! Parser tests, one group per grammar rule.

use super::parse;
use crate::ast::*;

fn ok(src: &str) -> Program {
    match parse(src) {
        Ok(p) => p,
        Err(e) => panic!("parse failed for {src:?}: {e:?}"),
    }
}

fn err(src: &str) -> String {
    match parse(src) {
        Ok(p) => panic!("expected an error for {src:?}, got {p:?}"),
        Err(e) => e[0].message.clone(),
    }
}

fn body_expr(src: &str) -> Expr {
    let p = ok(&format!("BEGIN {{ {src}; }}"));
    match &p.blocks[0].body.stmts[0].kind {
        StmtKind::Expr(e) => e.clone(),
        other => panic!("not an expression statement: {other:?}"),
    }
}

fn show(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(v) => v.to_string(),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Var(n) | ExprKind::Ident(n) => n.clone(),
        ExprKind::Map { name, keys } if keys.is_empty() => name.clone(),
        ExprKind::Map { name, keys } => {
            format!("{name}[{}]", keys.iter().map(show).collect::<Vec<_>>().join(", "))
        }
        ExprKind::Call { name, args } => {
            format!("{}({})", name.node, args.iter().map(show).collect::<Vec<_>>().join(", "))
        }
        ExprKind::Unary { op, operand } => format!("({op:?} {})", show(operand)),
        ExprKind::Binary { op, lhs, rhs } => format!("({} {} {})", show(lhs), op.symbol(), show(rhs)),
        ExprKind::Ternary { cond, then, otherwise } => {
            format!("({} ? {} : {})", show(cond), show(then), show(otherwise))
        }
        ExprKind::Cast { ty, operand } => format!("(cast {:?} {})", ty.kind, show(operand)),
    }
}

// ---- probe, probe_kind, probe_target, probe_offset, probe_addr ----

#[test]
fn probe_kinds_and_short_forms() {
    let p = ok("kprobe:a, k:b, kretprobe:c, kr:d, BEGIN, end {}");
    let kinds: Vec<_> = p.blocks[0].probes.iter().map(|p| p.kind).collect();
    use ProbeKind::*;
    assert_eq!(kinds, vec![Kprobe, Kprobe, Kretprobe, Kretprobe, Begin, End]);
    assert_eq!(p.blocks[0].probes[1].text, "kprobe:b");
    assert_eq!(p.blocks[0].probes[3].text, "kretprobe:d");
}

#[test]
fn probe_targets() {
    let p = ok("kprobe:my_kernel::sched::schedule+0x10, kprobe:uart_*, kprobe:*::alloc::*, kprobe:0xffff_0000_1000 {}");
    let t: Vec<_> = p.blocks[0].probes.iter().map(|p| p.target.clone()).collect();
    assert_eq!(t[0], Target::Symbol { name: "my_kernel::sched::schedule".into(), offset: 16 });
    assert_eq!(t[1], Target::Glob { pattern: "uart_*".into(), offset: 0 });
    assert_eq!(t[2], Target::Glob { pattern: "*::alloc::*".into(), offset: 0 });
    assert_eq!(t[3], Target::Address(0xffff_0000_1000));
}

#[test]
fn rust_names_as_demanglers_print_them() {
    let p = ok("kprobe:<miniz_oxide::deflate::core::HuffmanOxide>::optimize_table+8, \
                kprobe:core::slice::sort::unstable::ipnsort::<u64, <u64 as core::cmp::PartialOrd>::lt>, \
                kprobe:<alloc::string::String as core::fmt::Display>::fmt, \
                kprobe:a::f::{closure#0}, kprobe:a::f::{{closure}}, \
                kprobe:<*const u8 as core::fmt::Debug>::fmt, kprobe:<fn(u8) -> u8 as a::T>::m, \
                kprobe:<alloc::vec::Vec<u8>>::*{}");
    let t: Vec<_> = p.blocks[0].probes.iter().map(|p| p.target.clone()).collect();
    let sym = |name: &str, offset| Target::Symbol { name: name.into(), offset };
    assert_eq!(t[0], sym("<miniz_oxide::deflate::core::HuffmanOxide>::optimize_table", 8));
    assert_eq!(t[1], sym("core::slice::sort::unstable::ipnsort::<u64, <u64 as core::cmp::PartialOrd>::lt>", 0));
    assert_eq!(t[2], sym("<alloc::string::String as core::fmt::Display>::fmt", 0));
    assert_eq!(t[3], sym("a::f::{closure#0}", 0));
    assert_eq!(t[4], sym("a::f::{{closure}}", 0));
    // The `*` of a raw-pointer type does not make a glob.
    assert_eq!(t[5], sym("<*const u8 as core::fmt::Debug>::fmt", 0));
    assert_eq!(t[6], sym("<fn(u8) -> u8 as a::T>::m", 0));
    assert_eq!(t[7], Target::Glob { pattern: "<alloc::vec::Vec<u8>>::*".into(), offset: 0 });
    // A block right after the name is still a block.
    let p = ok("kprobe:f{ @ = count(); }");
    assert_eq!(p.blocks[0].probes[0].target, sym("f", 0));
    // Unbalanced brackets are a located syntax error, not a panic.
    assert!(err("kprobe:<a::b::c {}").contains("expected"));
}

#[test]
fn unknown_probe_type() {
    assert!(err("tracepoint:sched_switch {}").contains("unknown probe type `tracepoint`"));
}

#[test]
fn kretprobe_offset_rejected() {
    assert!(err("kretprobe:f+4 {}").contains("offset"));
}

// ---- predicate ----

#[test]
fn predicate_with_division() {
    let p = ok("kprobe:f /arg0 / 2 > 1/ { }");
    assert_eq!(show(p.blocks[0].predicate.as_ref().unwrap()), "((arg0 / 2) > 1)");
}

// ---- config_block, map_decl ----

#[test]
fn config_and_map_decl() {
    let p = ok("config = { max_strlen = 32; max_map_keys = 1_000 } let @m = hash(100); BEGIN {}");
    assert_eq!(p.config.len(), 2);
    assert_eq!(p.config[1].value.node, 1000);
    assert_eq!(p.map_decls[0].name.node, "@m");
    assert_eq!(p.map_decls[0].capacity.node, 100);
}

// ---- statements ----

#[test]
fn statements() {
    let p = ok("BEGIN { let $x: u32 = 1; $x += 2; @a++; --@b; @c[1, \"k\"] = $x; if $x > 1 { return } else if $x { } else { } for $i : 0..4 { } unroll(3) { } { exit() } }");
    let kinds: Vec<&str> = p.blocks[0]
        .body
        .stmts
        .iter()
        .map(|s| match &s.kind {
            StmtKind::Let { .. } => "let",
            StmtKind::Assign { op: Some(_), .. } => "compound",
            StmtKind::Assign { .. } => "assign",
            StmtKind::IncDec { increment: true, .. } => "inc",
            StmtKind::IncDec { .. } => "dec",
            StmtKind::If { .. } => "if",
            StmtKind::For { .. } => "for",
            StmtKind::Unroll { .. } => "unroll",
            StmtKind::Block(_) => "block",
            StmtKind::Return => "return",
            StmtKind::Expr(_) => "expr",
        })
        .collect();
    assert_eq!(kinds, vec!["let", "compound", "inc", "dec", "assign", "if", "for", "unroll", "block"]);
}

#[test]
fn last_statement_needs_no_semicolon() {
    ok("BEGIN { @x = count() }");
}

#[test]
fn missing_semicolon_between_statements() {
    let m = err("BEGIN { @x = 1 @y = 2 }");
    assert!(m.starts_with("syntax error"), "{m}");
}

// ---- expressions ----

#[test]
fn precedence_is_c_like() {
    assert_eq!(show(&body_expr("1 + 2 * 3 << 1 == 14 && !0 || 0")), "(((((1 + (2 * 3)) << 1) == 14) && (Not 0)) || 0)");
}

#[test]
fn left_associative() {
    assert_eq!(show(&body_expr("10 - 3 - 2")), "((10 - 3) - 2)");
}

#[test]
fn ternary_and_casts() {
    assert_eq!(show(&body_expr("arg0 ? 1 : 2")), "(arg0 ? 1 : 2)");
    let e = body_expr("*(u32 *)(arg0 + 8)");
    assert_eq!(show(&e), "(Deref (cast Ptr(Int { bits: 32, signed: false }) (arg0 + 8)))");
}

#[test]
fn literals() {
    assert_eq!(show(&body_expr("0x10 + 0b101 + 1_000 + 'A'")), "(((16 + 5) + 1000) + 65)");
    assert_eq!(show(&body_expr("\"a\\tb\"")), "\"a\\tb\"");
}

#[test]
fn calls_maps_builtins() {
    assert_eq!(show(&body_expr("printf(\"%d\\n\", @m[tid, $x])")), "printf(\"%d\\n\", @m[tid, $x])");
    assert_eq!(show(&body_expr("reg(\"x19\")")), "reg(\"x19\")");
}

#[test]
fn integer_overflow_literal() {
    assert!(err("BEGIN { @x = 0x1_0000_0000_0000_0000 }").contains("64 bits"));
}

#[test]
fn comments() {
    ok("// line\n/* block\n */ BEGIN { /* in */ @x = 1; // end\n }");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let src = format!("BEGIN {{ @x = {}1{} }}", "(".repeat(500), ")".repeat(500));
    assert!(err(&src).contains("nesting"));
    let long = format!("BEGIN {{ @x = 1{} }}", " + 1".repeat(1000));
    assert!(err(&long).contains("too complex"));
}

#[test]
fn syntax_error_names_expected() {
    let m = err("BEGIN { @x = ; }");
    assert!(m.contains("expected"), "{m}");
}

// ---- more rules: anonymous map, else-if chains, for/unroll bounds, casts ----

#[test]
fn anonymous_map_and_tuple_keys() {
    let e = body_expr("@[probe, 1]");
    assert_eq!(show(&e), "@[probe, 1]");
}

#[test]
fn else_if_chain_nests() {
    let p = ok("BEGIN { if 1 { } else if 2 { } else { @x = 1; } }");
    let StmtKind::If { otherwise: Some(b), .. } = &p.blocks[0].body.stmts[0].kind else { panic!() };
    assert!(matches!(b.stmts[0].kind, StmtKind::If { otherwise: Some(_), .. }));
}

#[test]
fn for_and_unroll_keep_their_expressions() {
    let p = ok("BEGIN { for $i : 0..2 + 2 { } unroll(3) { } }");
    let StmtKind::For { start, end, .. } = &p.blocks[0].body.stmts[0].kind else { panic!() };
    assert_eq!((show(start), show(end)), ("0".into(), "(2 + 2)".into()));
    // bpftrace's spelling, with parentheses, is the same loop.
    let q = ok("BEGIN { for ($i : 0..2 + 2) { } }");
    let StmtKind::For { var, start, end, .. } = &q.blocks[0].body.stmts[0].kind else { panic!() };
    assert_eq!((var.node.as_str(), show(start), show(end)), ("$i", "0".into(), "(2 + 2)".into()));
}

#[test]
fn colons_inside_rust_paths_are_not_probe_parts() {
    // `foreign_probe` needs non-empty parts: `::` stays a path separator.
    let p = ok("kprobe:a::b::c, kprobe:<a::T as b::Tr>::m { }");
    assert_eq!(p.blocks[0].probes[0].target, Target::Symbol { name: "a::b::c".into(), offset: 0 });
    assert!(err("kprobe:a:b { }").contains("`kprobe` takes one target"));
    assert!(err("k:a:b { }").contains("`k` takes one target"));
}

#[test]
fn pointer_types_nest() {
    let e = body_expr("(u8 **)arg0");
    assert_eq!(show(&e), "(cast Ptr(Ptr(Int { bits: 8, signed: false })) arg0)");
}

#[test]
fn keywords_are_not_identifiers() {
    assert!(parse("BEGIN { @x = if; }").is_err());
    ok("BEGIN { @x = iff; }"); // an identifier that starts like a keyword
}

#[test]
fn predicate_needs_block() {
    assert!(err("kprobe:f /arg0/").starts_with("syntax error"));
}

#[test]
fn character_escapes() {
    assert_eq!(show(&body_expr("'\\n' + '\\x41'")), "(10 + 65)");
}

#[test]
fn a_shebang_first_line_is_skipped() {
    let p = ok("#!/usr/bin/env bpftrace\nBEGIN { printf(\"hi\\n\"); }\n");
    assert_eq!(p.blocks.len(), 1);
    // Only before the first item: elsewhere `#!` is no token.
    assert!(!err("BEGIN { }\n#!/usr/bin/env bpftrace\n").is_empty());
}

#[test]
fn bpftrace_and_c_integer_type_names() {
    let cases = [
        ("(uint64)arg0", "(cast Int { bits: 64, signed: false } arg0)"),
        ("(int32)arg0", "(cast Int { bits: 32, signed: true } arg0)"),
        ("(unsigned long)arg0", "(cast Int { bits: 64, signed: false } arg0)"),
        ("(long long int)arg0", "(cast Int { bits: 64, signed: true } arg0)"),
        ("(unsigned)arg0", "(cast Int { bits: 32, signed: false } arg0)"),
        ("(short int)arg0", "(cast Int { bits: 16, signed: true } arg0)"),
        ("(char)arg0", "(cast Int { bits: 8, signed: false } arg0)"),
        ("(signed char)arg0", "(cast Int { bits: 8, signed: true } arg0)"),
        ("(unsigned char *)arg0", "(cast Ptr(Int { bits: 8, signed: false }) arg0)"),
    ];
    for (src, want) in cases {
        assert_eq!(show(&body_expr(src)), want, "{src}");
    }
    let p = ok("BEGIN { let $x: uint16 = 1; }");
    assert_eq!(p.blocks.len(), 1);
    let e = err("BEGIN { $x = (short long)arg0; }");
    assert!(e.contains("`short long` is not a C integer type"), "{e}");
    // A parenthesised builtin is still an expression.
    assert_eq!(show(&body_expr("(pid)")), "pid");
}

#[test]
fn garbage_at_the_start_says_what_a_script_starts_with() {
    let e = err("junk");
    assert!(e.contains("a probe") && e.contains("`config`"), "{e}");
}
