//! `probec decode` as a user runs it: the built binary, its stdout, stderr
//! and exit status.

use std::process::{Command, Output};

fn probec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_probec")).args(args).output().expect("run probec")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn classifies_each_word_on_its_own_line() {
    let output = probec(&["decode", "d503201f", "0xc85ffc20", "91000420", "14000001", "d53b4220", "1d010440"]);
    assert!(output.status.success(), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "{text}");
    let fields = |line: &str| line.split_whitespace().take(3).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(fields(lines[0]), ["d503201f", "simulate", "nop"]);
    assert_eq!(fields(lines[1]), ["c85ffc20", "reject", "exclusive"]);
    assert_eq!(fields(lines[2]), ["91000420", "xol", "-"]);
    assert_eq!(fields(lines[3]), ["14000001", "simulate", "b"]);
    assert_eq!(fields(lines[4]), ["d53b4220", "simulate", "mrs-daif"]);
    assert_eq!(fields(lines[5]), ["1d010440", "reject", "memory-copy-set"]);
    // Disassembly, and the reason as a sentence for rejected words.
    assert!(lines[0].ends_with("nop"));
    assert!(lines[1].contains("ldaxr x0, [x1]"));
    assert!(lines[1].contains("the sequence would never succeed"));
    assert!(lines[2].contains("add x0, x1, #0x1"));
    assert!(lines[4].contains("mrs x0, daif"));
    assert!(lines[5].contains("<unknown>"), "yaxpeax does not know MOPS: {}", lines[5]);
    // Columns line up: the disassembly starts at the same offset everywhere.
    let column = lines[2].find("add").unwrap();
    assert_eq!(lines[0].rfind("nop"), Some(column));
    assert_eq!(lines[1].find("ldaxr"), Some(column));
}

#[test]
fn bad_hex_is_a_usage_error() {
    for bad in ["xyz", "d503201f0", "0x", "12 34"] {
        let output = probec(&["decode", "d503201f", bad]);
        assert_eq!(output.status.code(), Some(2), "`{bad}`");
        assert!(output.stdout.is_empty(), "nothing printed for a partly bad command line");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("probec decode:") && stderr.contains(bad.trim()), "{stderr}");
    }
}

#[test]
fn needs_at_least_one_word() {
    let output = probec(&["decode"]);
    assert_eq!(output.status.code(), Some(2));
}
