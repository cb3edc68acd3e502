//! Golden tests: for every `tests/golden/KIND/NAME.pr`, the compiler's
//! output must equal `NAME.out` beside it.
//!
//! - `diag/`: the rendered diagnostics (one script per diagnostic);
//! - `ast/`: the checked, typed program (`--emit ast`);
//! - `asm/`: the disassembly of the handlers (`--emit asm`).
//!
//! Run with `BLESS=1` to (re)write the `.out` files after a deliberate
//! change, and review the diff.

use probec::driver::{compile, Emit, Options};
use std::fs;
use std::path::{Path, PathBuf};

fn scripts(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(kind);
    let mut v: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pr"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no golden scripts in {}", dir.display());
    v
}

fn run(kind: &str, render: impl Fn(&str, &str) -> String) {
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for script in scripts(kind) {
        let source = fs::read_to_string(&script).unwrap();
        let name = format!("{}.pr", script.file_stem().unwrap().to_string_lossy());
        let actual = render(&source, &name);
        let expected_path = script.with_extension("out");
        if bless {
            fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        match fs::read_to_string(&expected_path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!("{}:\n--- expected\n{expected}\n--- actual\n{actual}", script.display())),
            Err(_) => failures.push(format!("{}: missing {} (run with BLESS=1)", script.display(), expected_path.display())),
        }
    }
    assert!(failures.is_empty(), "{} golden mismatch(es):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn diagnostics() {
    run("diag", |src, name| match compile(src, name, &Options::default()) {
        Ok(_) => "compiled without errors\n".to_string(),
        Err(diags) => {
            assert!(diags.iter().any(|d| d.is_error()));
            probec::diag::render(&diags, name, src)
        }
    });
}

#[test]
fn every_diagnostic_script_fails() {
    for script in scripts("diag") {
        let src = fs::read_to_string(&script).unwrap();
        assert!(compile(&src, "t.pr", &Options::default()).is_err(), "{} compiled", script.display());
    }
}

#[test]
fn checked_ast() {
    let opts = Options { emit: Emit::Ast, ..Options::default() };
    run("ast", |src, name| match compile(src, name, &opts) {
        Ok(out) => String::from_utf8(out.bytes).unwrap(),
        Err(diags) => panic!("{name} failed:\n{}", probec::diag::render(&diags, name, src)),
    });
}

#[test]
fn disassembly() {
    let opts = Options { emit: Emit::Asm, ..Options::default() };
    run("asm", |src, name| match compile(src, name, &opts) {
        Ok(out) => String::from_utf8(out.bytes).unwrap(),
        Err(diags) => panic!("{name} failed:\n{}", probec::diag::render(&diags, name, src)),
    });
}
