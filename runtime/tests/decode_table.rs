//! The decoder against a real assembler and disassembler.
//!
//! 1. `data/decode_table.txt` lists instructions in assembly with the
//!    expected class. The whole table is assembled in one `as` run; every
//!    word must decode to its expected class.
//! 2. Random words (and bit-flipped variants of the table's words) are
//!    decoded and disassembled by `objdump`: whatever the decoder lets run
//!    out of line or simulates must be an allocated instruction objdump
//!    knows, and must not be one of the instructions that are never safe
//!    out of line (branches, exclusives, MSR, ...).
//!
//! Both need binutils for aarch64 (`binutils-aarch64-linux-gnu`, installed by
//! the project's setup step). Without it the tests fail, they do not skip.

use probec_runtime::arch::aarch64::decode::{decode, Decoded};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

const AS: &str = "aarch64-linux-gnu-as";
const OBJCOPY: &str = "aarch64-linux-gnu-objcopy";
const OBJDUMP: &str = "aarch64-linux-gnu-objdump";

/// Everything binutils 2.40 can assemble: the newest architecture it knows
/// plus the optional extensions that are not implied by it.
const MARCH: &str = "-march=armv9.3-a+crypto+sm4+sha3+aes+sha2+rng+memtag+tme+ls64+mops+hbc+sme\
                     +sve2+sve2-aes+sve2-sm4+sve2-sha3+sve2-bitperm+cssc+pauth+i8mm+f32mm\
                     +f64mm+bf16+fp16+fp16fml+rcpc+lse+flagm+predres+sb+ssbs+profile+lor+rdma";

fn run(tool: &str, args: &[&str]) -> std::process::Output {
    run_explained(tool, args, |stderr| stderr.to_string())
}

/// Run a binutils tool; on failure, `explain` turns its stderr into the
/// panic message.
fn run_explained(tool: &str, args: &[&str], explain: impl Fn(&str) -> String) -> std::process::Output {
    let output = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!(
            "cannot run `{tool}` ({e}). The decoder tests need the aarch64 binutils \
             (Debian/Ubuntu: apt-get install binutils-aarch64-linux-gnu)."
        )
    });
    assert!(output.status.success(), "`{tool} {}` failed:\n{}", args.join(" "), explain(&String::from_utf8_lossy(&output.stderr)));
    output
}

/// A fresh file name per call: the tests run in parallel in one process.
fn scratch(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("decode_table");
    std::fs::create_dir_all(&dir).unwrap();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("{}-{n}-{name}", std::process::id()))
}

/// "xol", "simulate:<kind>" or "reject:<reason>".
fn class(decoded: Decoded) -> String {
    match decoded {
        Decoded::Xol => "xol".into(),
        Decoded::Simulate(kind) => format!("simulate:{}", kind.name()),
        Decoded::Reject(reason) => format!("reject:{}", reason.name()),
    }
}

struct Entry {
    line: usize,
    asm: String,
    expected: String,
}

fn table() -> Vec<Entry> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/decode_table.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut entries = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (asm, expected) = line.rsplit_once('|').unwrap_or_else(|| panic!("decode_table.txt:{}: no `| class`", index + 1));
        entries.push(Entry { line: index + 1, asm: asm.trim().into(), expected: expected.trim().into() });
    }
    entries
}

/// Assemble `lines` (one instruction each) in one run and return the words.
fn assemble(lines: &[&str]) -> Vec<u32> {
    let source = scratch("table.s");
    let object = scratch("table.o");
    let binary = scratch("table.bin");
    let mut text = String::from(".text\n");
    for line in lines {
        writeln!(text, "{line}").unwrap();
    }
    std::fs::write(&source, text).unwrap();
    // Assembler messages name lines of the generated file: line n + 1 is
    // lines[n - 1] (after the `.text` line). Quote the offending input.
    run_explained(AS, &[MARCH, "-o", object.to_str().unwrap(), source.to_str().unwrap()], |stderr| {
        let mut explained = String::new();
        for message in stderr.lines() {
            let input = message.split(':').nth(1).and_then(|n| n.parse::<usize>().ok()).and_then(|n| lines.get(n.wrapping_sub(2)));
            match input {
                Some(input) => writeln!(explained, "{message}\n    (input: `{input}`)").unwrap(),
                None => writeln!(explained, "{message}").unwrap(),
            }
        }
        explained
    });
    run(OBJCOPY, &["-O", "binary", "-j", ".text", object.to_str().unwrap(), binary.to_str().unwrap()]);
    let bytes = std::fs::read(&binary).unwrap();
    for path in [&source, &object, &binary] {
        let _ = std::fs::remove_file(path);
    }
    bytes.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect()
}

fn matches_expected(actual: &str, expected: &str) -> bool {
    // "reject" alone accepts any reason; "reject:<reason>" pins it.
    actual == expected || (expected == "reject" && actual.starts_with("reject:"))
}

#[test]
fn decode_table_matches_assembler() {
    let entries = table();
    assert!(entries.len() > 300, "the table should cover every class with variants");
    let lines: Vec<&str> = entries.iter().map(|e| e.asm.as_str()).collect();
    let words = assemble(&lines);
    assert_eq!(words.len(), entries.len(), "every table line must assemble to exactly one instruction word");
    let mut failures = String::new();
    for (entry, &word) in entries.iter().zip(&words) {
        let actual = class(decode(word));
        if !matches_expected(&actual, &entry.expected) {
            writeln!(failures, "  line {:4}: {:08x}  {:<40} expected {:<28} got {}", entry.line, word, entry.asm, entry.expected, actual)
                .unwrap();
        }
    }
    assert!(failures.is_empty(), "decoder disagrees with decode_table.txt:\n{failures}");
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for &word in &words {
        *seen.entry(class(decode(word))).or_default() += 1;
    }
    for needed in [
        "xol",
        "simulate:b",
        "simulate:bl",
        "simulate:b.cond",
        "simulate:bc.cond",
        "simulate:cbz",
        "simulate:cbnz",
        "simulate:tbz",
        "simulate:tbnz",
        "simulate:adr",
        "simulate:adrp",
        "simulate:br",
        "simulate:blr",
        "simulate:ret",
        "simulate:ldr-literal",
        "simulate:ldrsw-literal",
        "simulate:ldr-literal-simd",
        "simulate:prfm-literal",
        "simulate:nop",
        "simulate:mrs-daif",
        "reject:exclusive",
        "reject:exception-generating",
        "reject:exception-return",
        "reject:system-register-write",
        "reject:authenticated-branch",
        "reject:authentication",
        "reject:memory-copy-set",
        "reject:scalable-vector",
        "reject:wait-for-interrupt",
        "reject:exception-state-read",
        "reject:transactional",
    ] {
        assert!(seen.get(needed).copied().unwrap_or(0) >= 2, "table needs variants of {needed}");
    }
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

/// (mnemonic, operands) per word, `None` where objdump says undefined.
fn disassemble(words: &[u32]) -> Vec<Option<(String, String)>> {
    let binary = scratch("sweep.bin");
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    std::fs::write(&binary, bytes).unwrap();
    let output = run(OBJDUMP, &["-D", "-b", "binary", "-m", "aarch64", binary.to_str().unwrap()]);
    let _ = std::fs::remove_file(&binary);
    let text = String::from_utf8(output.stdout).unwrap();
    let mut result = vec![None; words.len()];
    let mut filled = 0;
    for line in text.lines() {
        // "     1c:\td503201f \tnop"
        let mut fields = line.split('\t');
        let Some(address) = fields.next().and_then(|a| a.trim().strip_suffix(':')) else { continue };
        let Ok(address) = usize::from_str_radix(address, 16) else { continue };
        let Some(_hex) = fields.next() else { continue };
        let Some(mnemonic) = fields.next() else { continue };
        let operands = fields.collect::<Vec<_>>().join("\t");
        let index = address / 4;
        if index >= words.len() {
            continue;
        }
        filled += 1;
        // ".inst 0x... ; undefined" or "; NYI": not an instruction objdump
        // can name.
        let undefined = mnemonic.trim() == ".inst";
        if !undefined {
            result[index] = Some((mnemonic.trim().to_string(), operands));
        }
    }
    assert_eq!(filled, words.len(), "objdump output did not cover every word");
    result
}

/// Mnemonics that must never be run out of line, whatever their encoding.
fn never_xol(mnemonic: &str, operands: &str) -> bool {
    const EXACT: &[&str] = &[
        "b",
        "bl",
        "br",
        "blr",
        "ret",
        "cbz",
        "cbnz",
        "tbz",
        "tbnz",
        "adr",
        "adrp",
        "svc",
        "hvc",
        "smc",
        "brk",
        "hlt",
        "dcps1",
        "dcps2",
        "dcps3",
        "eret",
        "eretaa",
        "eretab",
        "drps",
        "msr",
        "braa",
        "brab",
        "braaz",
        "brabz",
        "blraa",
        "blrab",
        "blraaz",
        "blrabz",
        "retaa",
        "retab",
        "wfi",
        "wfe",
        "wfit",
        "wfet",
        "esb",
        "tstart",
        "tcommit",
        "tcancel",
        "ttest",
        "smstart",
        "smstop",
        "udf",
        "autiasp",
        "autibsp",
        "autiaz",
        "autibz",
        "autia1716",
        "autib1716",
        "autia",
        "autib",
        "autda",
        "autdb",
        "autiza",
        "autizb",
        "autdza",
        "autdzb",
        "ldxr",
        "ldxrb",
        "ldxrh",
        "ldaxr",
        "ldaxrb",
        "ldaxrh",
        "stxr",
        "stxrb",
        "stxrh",
        "stlxr",
        "stlxrb",
        "stlxrh",
        "ldxp",
        "ldaxp",
        "stxp",
        "stlxp",
    ];
    if EXACT.contains(&mnemonic) || mnemonic.starts_with("b.") || mnemonic.starts_with("bc.") {
        return true;
    }
    // MOPS.
    if mnemonic.starts_with("cpy") || (mnemonic.starts_with("set") && !mnemonic.starts_with("setf")) {
        return true;
    }
    // Literal (PC-relative) loads print a target address, not "[...]".
    if matches!(mnemonic, "ldr" | "ldrsw" | "prfm") && !operands.contains('[') {
        return true;
    }
    // Reads of the state the probe's trap overwrites.
    if mnemonic == "mrs" {
        let register = operands.rsplit(',').next().unwrap_or("").trim().to_ascii_lowercase();
        let trap_state = ["elr", "spsr", "esr", "far"].iter().any(|r| (1..=3).any(|el| register == format!("{r}_el{el}")));
        if trap_state || register == "daif" || register == "mdscr_el1" {
            return true;
        }
    }
    false
}

/// Does objdump's mnemonic fit the simulation kind?
fn kind_fits(kind: &str, mnemonic: &str, operands: &str) -> bool {
    match kind {
        "b.cond" => mnemonic.starts_with("b."),
        "bc.cond" => mnemonic.starts_with("bc."),
        "ldr-literal" | "ldr-literal-simd" => mnemonic == "ldr" && !operands.contains('['),
        "ldrsw-literal" => mnemonic == "ldrsw" && !operands.contains('['),
        "prfm-literal" => mnemonic == "prfm" && !operands.contains('['),
        "nop" => mnemonic == "nop" || mnemonic == "bti",
        "mrs-daif" => mnemonic == "mrs" && operands.contains("daif"),
        other => mnemonic == other,
    }
}

fn sweep_words() -> Vec<u32> {
    let count: usize = std::env::var("PROBEC_DECODE_SWEEP").ok().and_then(|v| v.parse().ok()).unwrap_or(300_000);
    let seed: u64 = std::env::var("PROBEC_DECODE_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed);
    // PROBEC_DECODE_FIX=mask:value (hex) pins bits, to sweep one encoding
    // group densely while working on it.
    let (fix_mask, fix_value) = std::env::var("PROBEC_DECODE_FIX")
        .ok()
        .and_then(|v| {
            let (m, v) = v.split_once(':')?;
            Some((u32::from_str_radix(m, 16).ok()?, u32::from_str_radix(v, 16).ok()?))
        })
        .unwrap_or((0, 0));
    let mut rng = Rng(seed | 1);
    let mut words: Vec<u32> = (0..count).map(|_| (rng.next() & !fix_mask) | (fix_value & fix_mask)).collect();
    // Neighbours of real instructions: flip one or two bits of each table
    // word, which probes the allocation edges of every class in the table.
    let lines: Vec<String> = table().into_iter().map(|e| e.asm).collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    for word in assemble(&lines) {
        for bit in 0..32 {
            words.push(word ^ (1 << bit));
            words.push(word ^ (1 << bit) ^ (1 << (rng.next() % 32)));
        }
    }
    words
}

#[test]
fn decoder_agrees_with_objdump() {
    let words = sweep_words();
    let disassembly = disassemble(&words);
    let mut failures = String::new();
    let mut failure_count = 0;
    let mut gaps: BTreeMap<String, (usize, u32)> = BTreeMap::new();
    for (&word, dis) in words.iter().zip(&disassembly) {
        let decoded = decode(word);
        let problem = match (decoded, dis) {
            (Decoded::Xol | Decoded::Simulate(_), None) => Some("allowed but objdump says undefined".to_string()),
            (Decoded::Xol, Some((m, o))) if never_xol(m, o) => Some("must not run out of line".into()),
            (Decoded::Simulate(kind), Some((m, o))) if !kind_fits(kind.name(), m, o) => Some(format!("simulated as {}", kind.name())),
            (Decoded::Reject(reason), Some((m, _))) if reason.name() == "unknown" => {
                let entry = gaps.entry(m.clone()).or_insert((0, word));
                entry.0 += 1;
                None
            }
            _ => None,
        };
        if let Some(problem) = problem {
            failure_count += 1;
            if failure_count <= 200 {
                let text = dis.as_ref().map(|(m, o)| format!("{m} {o}")).unwrap_or_else(|| "<undefined>".into());
                writeln!(failures, "  {word:08x}  {:<28} {problem}: {text}", class(decoded)).unwrap();
            }
        }
    }
    if std::env::var_os("PROBEC_DECODE_GAPS").is_some() {
        let mut gaps: Vec<_> = gaps.into_iter().collect();
        gaps.sort_by_key(|g| std::cmp::Reverse(g.1 .0));
        for (mnemonic, (count, example)) in gaps {
            eprintln!("gap: {count:6} {mnemonic:<12} e.g. {example:08x}");
        }
    }
    assert!(failures.is_empty(), "{failure_count} of {} words disagree with objdump:\n{failures}", words.len());
}

#[test]
fn exclusive_sequences_found_by_scanning_back() {
    use probec_runtime::arch::aarch64::decode::inside_exclusive_sequence;
    let words = assemble(&[
        "ldaxr w1, [x0]",        // 0
        "add w1, w1, #1",        // 1
        "stlxr w2, w1, [x0]",    // 2
        "cbnz w2, .-12",         // 3
        "ldxp x4, x5, [x0]",     // 4
        "cmp x4, x6",            // 5
        "b.ne .+12",             // 6
        "stxp w7, x8, x9, [x0]", // 7
        "ret",                   // 8
        "clrex",                 // 9
        "ret",                   // 10
    ]);
    let inside = |at: usize| inside_exclusive_sequence(&words[..at]);
    assert!(!inside(0), "nothing before the first word");
    assert!(inside(1), "right after LDAXR");
    assert!(inside(2), "the STLXR itself sits in the sequence");
    assert!(!inside(3), "after the STLXR");
    assert!(inside(5) && inside(6) && inside(7), "between LDXP and STXP");
    assert!(!inside(8), "after the STXP");
    // A path that abandons the sequence with CLREX: the scan sees the CLREX.
    let abandoned = [words[4], words[5], words[9]];
    assert!(!inside_exclusive_sequence(&abandoned));
    // Only the last 16 words count.
    let mut far = vec![words[0]];
    far.extend(std::iter::repeat_n(0xd503_201f, 16));
    assert!(!inside_exclusive_sequence(&far));
    assert!(inside_exclusive_sequence(&far[..16]));
    // CASP and LDAR are not exclusives.
    let others = assemble(&["casp x0, x1, x2, x3, [x4]", "ldar x0, [x1]", "ldadd x0, x1, [x2]"]);
    assert!(!inside_exclusive_sequence(&others));
}
