//! `uses_fp_simd` against the real assembler and disassembler.
//!
//! 1. `data/fpsimd_table.txt` lists instructions of every class (scalar
//!    FP, Advanced SIMD, crypto, every SIMD&FP load/store form, FPCR/FPSR
//!    moves, SVE, SME) and general-purpose look-alikes (MOPS, LSE, MTE,
//!    system registers next to FPCR), assembled in one `as` run.
//! 2. Real code: `data/fpsimd_rustc.s` (FP-heavy functions as rustc
//!    compiles them for aarch64-unknown-none) assembled and disassembled by
//!    objdump; every instruction must agree with objdump's view (an operand
//!    naming a v/q/d/s/h/b/z/p/za register or FPCR/FPSR/FPMR/SVCR, or an
//!    SVE/SME instruction with general-purpose operands only).
//! 3. Random words, and one- and two-bit neighbours of the table's words,
//!    compared with objdump the same way wherever objdump knows the word.
//!    `PROBEC_FPSIMD_SWEEP` sets the number of random words (default
//!    100000), `PROBEC_FPSIMD_SEED` the seed.

mod fpsimd_support;

use fpsimd_support::*;
use probec_runtime::arch::aarch64::fpsimd::uses_fp_simd;
use std::path::Path;

fn tmp() -> &'static Path {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
}

struct Entry {
    line: usize,
    asm: String,
    fp: bool,
}

fn table() -> Vec<Entry> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fpsimd_table.txt");
    let mut entries = Vec::new();
    for (i, raw) in std::fs::read_to_string(path).unwrap().lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (asm, class) = line.rsplit_once('|').unwrap_or_else(|| panic!("fpsimd_table.txt:{}: no `| fp` or `| gp`", i + 1));
        let fp = match class.trim() {
            "fp" => true,
            "gp" => false,
            other => panic!("fpsimd_table.txt:{}: class `{other}` (fp or gp)", i + 1),
        };
        entries.push(Entry { line: i + 1, asm: asm.trim().into(), fp });
    }
    entries
}

fn table_words(entries: &[Entry]) -> Vec<u32> {
    let lines: Vec<&str> = entries.iter().map(|e| e.asm.as_str()).collect();
    let words = assemble(tmp(), &lines);
    assert_eq!(words.len(), entries.len(), "every table line must assemble to exactly one word");
    words
}

#[test]
fn table_matches_assembler() {
    let entries = table();
    let words = table_words(&entries);
    let mut failures = String::new();
    for (e, &w) in entries.iter().zip(&words) {
        if uses_fp_simd(w) != e.fp {
            failures += &format!("  line {:3}: {w:08x}  {:<44} expected {}\n", e.line, e.asm, if e.fp { "fp" } else { "gp" });
        }
    }
    assert!(failures.is_empty(), "uses_fp_simd disagrees with fpsimd_table.txt:\n{failures}");
    let fp = entries.iter().filter(|e| e.fp).count();
    assert!(fp > 150 && entries.len() - fp > 100, "the table should cover both sides well ({fp} fp of {})", entries.len());
    // The table's own verdicts agree with objdump's view where objdump
    // knows the instruction (so the oracle the sweeps use is checked too).
    let (report, n, _) = disagreements(&disassemble_words(tmp(), &words), uses_fp_simd, 50);
    assert_eq!(n, 0, "objdump's view disagrees on table words:\n{report}");
}

#[test]
fn rustc_fp_heavy_code_agrees_with_objdump() {
    let source = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fpsimd_rustc.s")).unwrap();
    let object = assemble_source(tmp(), &source);
    let lines = disassemble_object(&object);
    let _ = std::fs::remove_file(&object);
    let (report, n, [fp, gp, undefined]) = disagreements(&lines, uses_fp_simd, 50);
    assert_eq!(n, 0, "{n} instructions disagree:\n{report}");
    assert_eq!(undefined, 0);
    assert!(fp > 400 && gp > 20, "expected plenty of both: {fp} fp, {gp} gp");
}

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
    }
}

#[test]
fn random_words_agree_with_objdump() {
    let count: usize = std::env::var("PROBEC_FPSIMD_SWEEP").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let seed: u64 = std::env::var("PROBEC_FPSIMD_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0xf9_51bd);
    let mut rng = Rng(seed | 1);
    let mut words: Vec<u32> = (0..count).map(|_| rng.next()).collect();
    for w in table_words(&table()) {
        for bit in 0..32 {
            words.push(w ^ (1 << bit));
            words.push(w ^ (1 << bit) ^ (1 << (rng.next() % 32)));
        }
    }
    let lines = disassemble_words(tmp(), &words);
    let (report, n, [fp, gp, _]) = disagreements(&lines, uses_fp_simd, 100);
    assert_eq!(n, 0, "{n} of {} words disagree with objdump:\n{report}", words.len());
    assert!(fp > count / 10 && gp > count / 10, "{fp} fp, {gp} gp");
}
