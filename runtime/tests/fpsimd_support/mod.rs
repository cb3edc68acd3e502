//! Shared by the FP/SIMD classifier tests (runtime/tests/fpsimd.rs and the
//! compiler's compiler/tests/no_fp_simd.rs, which includes this file by
//! path): running the aarch64 binutils, and objdump's view of whether an
//! instruction uses FP/SIMD state, to compare `uses_fp_simd` against.
//!
//! Needs `binutils-aarch64-linux-gnu`; without it the tests fail, they do
//! not skip (as runtime/tests/decode_table.rs).
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const AS: &str = "aarch64-linux-gnu-as";
pub const OBJCOPY: &str = "aarch64-linux-gnu-objcopy";
pub const OBJDUMP: &str = "aarch64-linux-gnu-objdump";

/// Everything binutils 2.40 can assemble (as in decode_table.rs).
pub const MARCH: &str = "-march=armv9.3-a+crypto+sm4+sha3+aes+sha2+rng+memtag+tme+ls64+mops+hbc+sme\
                         +sve2+sve2-aes+sve2-sm4+sve2-sha3+sve2-bitperm+cssc+pauth+i8mm+f32mm\
                         +f64mm+bf16+fp16+fp16fml+rcpc+lse+flagm+predres+sb+ssbs+profile+lor+rdma";

/// Run a binutils tool and return its stdout; panic with its stderr.
pub fn run(tool: &str, args: &[&str]) -> String {
    let output = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run `{tool}` ({e}); install the aarch64 binutils (Debian/Ubuntu: apt-get install binutils-aarch64-linux-gnu)")
    });
    assert!(output.status.success(), "`{tool} {}` failed:\n{}", args.join(" "), String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// A fresh file name per call (tests run in parallel in one process).
pub fn scratch(dir: &Path, name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = dir.join("fpsimd");
    std::fs::create_dir_all(&dir).unwrap();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("{}-{n}-{name}", std::process::id()))
}

/// Assemble `source` into an object file in `dir`; returns its path.
pub fn assemble_source(dir: &Path, source: &str) -> PathBuf {
    let s = scratch(dir, "src.s");
    let o = scratch(dir, "obj.o");
    std::fs::write(&s, source).unwrap();
    run(AS, &[MARCH, "-o", o.to_str().unwrap(), s.to_str().unwrap()]);
    let _ = std::fs::remove_file(&s);
    o
}

/// Assemble one instruction per line in one run; returns the words.
pub fn assemble(dir: &Path, lines: &[&str]) -> Vec<u32> {
    let mut text = String::from(".text\n");
    for line in lines {
        writeln!(text, "{line}").unwrap();
    }
    let o = assemble_source(dir, &text);
    let bin = scratch(dir, "text.bin");
    run(OBJCOPY, &["-O", "binary", "-j", ".text", o.to_str().unwrap(), bin.to_str().unwrap()]);
    let bytes = std::fs::read(&bin).unwrap();
    let _ = std::fs::remove_file(&o);
    let _ = std::fs::remove_file(&bin);
    bytes.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect()
}

/// One line of objdump's disassembly: `(word, mnemonic, operands)`, or
/// `None` for what objdump calls undefined (`.inst ... ; undefined`).
pub type Line = (u32, Option<(String, String)>);

fn parse_line(line: &str) -> Option<(usize, Line)> {
    // "     1c:\td503201f \tnop" / "  20:\t1e602820 \tfadd\td0, d1, d0"
    let mut fields = line.split('\t');
    let address = usize::from_str_radix(fields.next()?.trim().strip_suffix(':')?, 16).ok()?;
    let word = u32::from_str_radix(fields.next()?.trim(), 16).ok()?;
    let mnemonic = fields.next()?.trim().to_string();
    let operands = fields.collect::<Vec<_>>().join("\t");
    let known = mnemonic != ".inst" && mnemonic != ".word";
    Some((address, (word, known.then_some((mnemonic, operands)))))
}

/// Disassemble raw words; one entry per word.
pub fn disassemble_words(dir: &Path, words: &[u32]) -> Vec<Line> {
    let bin = scratch(dir, "sweep.bin");
    std::fs::write(&bin, words.iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<u8>>()).unwrap();
    let text = run(OBJDUMP, &["-D", "-b", "binary", "-m", "aarch64", bin.to_str().unwrap()]);
    let _ = std::fs::remove_file(&bin);
    let mut out: Vec<Option<Line>> = vec![None; words.len()];
    for (address, line) in text.lines().filter_map(parse_line) {
        if let Some(slot) = out.get_mut(address / 4) {
            *slot = Some(line);
        }
    }
    out.into_iter().enumerate().map(|(i, l)| l.unwrap_or_else(|| panic!("objdump skipped word {i}"))).collect()
}

/// The instructions of an object's code sections as objdump shows them
/// (`-d`: code only; data marked by `$d` mapping symbols is skipped).
pub fn disassemble_object(object: &Path) -> Vec<Line> {
    let text = run(OBJDUMP, &["-d", object.to_str().unwrap()]);
    text.lines().filter_map(parse_line).map(|(_, l)| l).filter(|(_, d)| d.as_ref().is_none_or(|(m, _)| m != ".word")).collect()
}

/// SVE and SME instructions whose operands are all general-purpose (or
/// none): objdump shows no FP/SIMD register, yet they read the vector
/// length or change SVE/SME state.
const GP_OPERAND_SVE_SME: &[&str] =
    &["rdvl", "addvl", "addpl", "rdsvl", "addsvl", "addspl", "setffr", "ctermeq", "ctermne", "smstart", "smstop"];

fn sve_count(mnemonic: &str) -> bool {
    // CNT*, INC*, DEC*, SQINC*, SQDEC*, UQINC*, UQDEC* with B/H/W/D.
    let stem = mnemonic.strip_prefix("sq").or_else(|| mnemonic.strip_prefix("uq")).unwrap_or(mnemonic);
    ["cnt", "inc", "dec"].iter().any(|p| stem.strip_prefix(p).is_some_and(|s| matches!(s, "b" | "h" | "w" | "d")))
}

/// Is `token` the name of FP/SIMD, SVE or SME state?
fn fp_register(token: &str) -> bool {
    let number = |rest: &str, max: u32| rest.parse::<u32>().is_ok_and(|n| n <= max) && !rest.starts_with('+');
    match token.as_bytes().first() {
        Some(b'v' | b'q' | b'd' | b's' | b'h' | b'b' | b'z') if number(&token[1..], 31) => true,
        Some(b'p') if number(&token[1..], 15) => true,
        _ if token.strip_prefix("pn").is_some_and(|r| number(r, 15)) => true,
        // ZA and its tiles and slices (za, za0h, za3v, za1, ...), ZT0.
        _ if token == "za" || token == "zt0" => true,
        _ if token.strip_prefix("za").is_some_and(|r| r.trim_end_matches(['h', 'v']).parse::<u32>().is_ok()) => true,
        _ => {
            matches!(token, "fpcr" | "fpsr" | "fpmr" | "svcr" | "svcrsm" | "svcrza" | "svcrsmza")
                // The same registers by number (objdumps that do not name them).
                || matches!(token, "s3_3_c4_c4_0" | "s3_3_c4_c4_1" | "s3_3_c4_c4_2" | "s3_3_c4_c2_2")
        }
    }
}

/// objdump's view: does this instruction name FP/SIMD, SVE or SME state
/// among its operands, or is it an SVE/SME instruction without such
/// operands?
pub fn objdump_says_fp(mnemonic: &str, operands: &str) -> bool {
    let mnemonic = mnemonic.to_ascii_lowercase();
    if GP_OPERAND_SVE_SME.contains(&mnemonic.as_str()) || sve_count(&mnemonic) {
        return true;
    }
    // Drop objdump's comments ("// #8", "; undefined"), and branch and
    // literal targets, which it prints as a bare hex address before the
    // symbolised one ("b4 <foo+0xb4>"): "b4" is not a register.
    let mut operands = operands.split("//").next().unwrap_or("").split(';').next().unwrap_or("");
    if let Some((before, _)) = operands.split_once('<') {
        let before = before.trim_end();
        operands = &before[..before.rfind([',', ' ', '\t']).map_or(0, |i| i + 1)];
    }
    operands.to_ascii_lowercase().split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).any(fp_register)
}

/// Compare `classify` with objdump's view on `lines`; a report of every
/// disagreement (at most `limit` lines of it) and the counts
/// `(fp, gp, undefined)` seen.
pub fn disagreements(lines: &[Line], classify: fn(u32) -> bool, limit: usize) -> (String, usize, [usize; 3]) {
    let mut report = String::new();
    let mut count = 0;
    let mut seen = [0; 3];
    for (word, dis) in lines {
        let Some((m, o)) = dis else {
            seen[2] += 1;
            continue;
        };
        let expected = objdump_says_fp(m, o);
        seen[usize::from(!expected)] += 1;
        if classify(*word) != expected {
            count += 1;
            if count <= limit {
                writeln!(report, "  {word:08x}  {m} {o}: objdump's view {expected}, classifier {}", !expected).unwrap();
            }
        }
    }
    (report, count, seen)
}
