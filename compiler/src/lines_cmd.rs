//! `probec lines --kernel KERNEL FUNCTION`: where can `+OFFSET` probes go?
//!
//! Reads the kernel's ELF on the host, finds FUNCTION in `.symtab` by its C
//! name or its Rust path without the hash (`refkernel::workload::fib`, the
//! way scripts name it), and lists every instruction with its offset, the
//! word, what the runtime's decoder (the code that decides at attach time)
//! would do with a probe there, and the disassembly:
//!
//! ```text
//! refkernel::workload::fib at 0x400943ec, 76 bytes, 19 instructions
//! +0    d10083ff  xol       -             sub sp, sp, #0x20
//! +4    a9017bfd  xol       -             stp x29, x30, [sp, #0x10]
//! +24   97fffff9  simulate  bl            bl $-0x1c
//! +72   d65f03c0  simulate  ret           ret
//! ```
//!
//! `xol`: the instruction runs out of line in a slot; `simulate`: the
//! runtime emulates it on the saved registers (the column after names how);
//! `reject`: no probe can go there, with the reason's short name and, at the
//! end of the line, the reason as a sentence. A probe inside an LDXR..STXR
//! sequence is rejected as attach rejects it (the 16 words before the point
//! are examined). Words the compiler marked as data (`$d` mapping symbols)
//! are shown as `data`. The offset column is what goes after `+` in a
//! script: `kprobe:refkernel::workload::fib+24`.

use crate::disasm::disassemble;
use object::{Object, ObjectSection, ObjectSymbol, SectionIndex, SymbolKind};
use probec_arch::aarch64::decode::{decode, inside_exclusive_sequence, Decoded, EXCLUSIVE_SCAN_LIMIT};
use probec_loader::names::{self, NameQuery, Symbol};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Arguments of `probec lines`.
#[derive(clap::Args, Debug)]
#[command(after_help = "EXAMPLE:\n\
probec lines --kernel refkernel refkernel::workload::fib\n    \
then probe an instruction with kprobe:refkernel::workload::fib+OFFSET")]
pub struct LinesArgs {
    /// Kernel ELF (with its symbol table)
    #[arg(long, value_name = "KERNEL")]
    pub kernel: PathBuf,

    /// The function: a C name or a Rust path without the hash
    #[arg(value_name = "FUNCTION")]
    pub function: String,
}

/// `probec lines`; returns the exit status.
pub fn main(args: &LinesArgs) -> i32 {
    match run(&args.kernel, &args.function) {
        Ok(text) => {
            print!("{text}");
            crate::exit::EXIT_OK
        }
        Err(e) => {
            eprintln!("probec lines: {e}");
            match e {
                LinesError::Usage(_) => crate::exit::EXIT_USAGE,
                LinesError::Target(_) => crate::exit::EXIT_SCRIPT,
            }
        }
    }
}

/// Why `lines` failed, with the exit status it maps to.
#[derive(Debug)]
pub enum LinesError {
    /// The kernel file cannot be read (exit 2, usage).
    Usage(String),
    /// Not an ELF with symbols, or no such function (exit 1).
    Target(String),
}

impl std::fmt::Display for LinesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinesError::Usage(m) | LinesError::Target(m) => f.write_str(m),
        }
    }
}

/// A function symbol of the kernel.
#[derive(Clone, Debug)]
pub struct Function {
    /// The name as scripts write it (demangled, without hash).
    pub name: String,
    /// Start address.
    pub addr: u64,
    /// Size in bytes.
    pub size: u64,
    section: Option<SectionIndex>,
}

/// The symbol name as users write it: Rust names demangled without the
/// `::h<hash>` suffix (legacy) or crate disambiguators (v0); C names as is.
pub fn user_name(raw: &str) -> String {
    let mut name = String::new();
    names::display_name(raw, &mut name);
    name
}

/// Every function (`STT_FUNC`) symbol of an ELF file, demangled.
pub fn functions<'d>(file: &object::File<'d>) -> Vec<(Function, String)> {
    let mut out = Vec::new();
    for sym in file.symbols() {
        if sym.kind() != SymbolKind::Text || sym.is_undefined() {
            continue;
        }
        let Ok(raw) = sym.name() else { continue };
        if raw.is_empty() || raw.starts_with('$') {
            continue;
        }
        let f = Function { name: user_name(raw), addr: sym.address(), size: sym.size(), section: sym.section_index() };
        out.push((f, raw.to_string()));
    }
    out.sort_by_key(|(f, _)| f.addr);
    out
}

/// List the instructions of `function` in the ELF file `kernel`.
pub fn run(kernel: &Path, function: &str) -> Result<String, LinesError> {
    let data = std::fs::read(kernel).map_err(|e| LinesError::Usage(format!("cannot read {}: {e}", kernel.display())))?;
    let file = object::File::parse(&*data).map_err(|e| LinesError::Target(format!("{}: not an ELF file: {e}", kernel.display())))?;
    let all = functions(&file);
    if all.is_empty() {
        return Err(LinesError::Target(format!("{}: no function symbols (was it stripped?)", kernel.display())));
    }
    // The same matching as the target's loader: raw name, exact display
    // name, or the path under either mangling scheme; globs too.
    let mut query = NameQuery::new(function);
    let matches: Vec<&Function> = all
        .iter()
        .filter(|(f, raw)| query.matches(&Symbol { raw, name: &f.name, addr: f.addr as usize, size: f.size as usize }).is_some())
        .map(|(f, _)| f)
        .collect();
    if matches.is_empty() {
        let names: Vec<&str> = all.iter().map(|(f, _)| f.name.as_str()).collect();
        let close = close_matches(function, &names);
        let mut msg = format!("no function `{function}` in {}", kernel.display());
        if !close.is_empty() {
            msg.push_str("; close matches:");
            for c in close {
                msg.push_str("\n    ");
                msg.push_str(c);
            }
        }
        return Err(LinesError::Target(msg));
    }
    let mut out = String::new();
    for (i, f) in matches.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&listing(&file, f)?);
    }
    Ok(out)
}

/// One output row.
struct Row {
    offset: u64,
    word: u32,
    class: &'static str,
    detail: &'static str,
    disassembly: String,
    message: Option<&'static str>,
}

fn listing(file: &object::File<'_>, f: &Function) -> Result<String, LinesError> {
    let section = f
        .section
        .and_then(|i| file.section_by_index(i).ok())
        .ok_or_else(|| LinesError::Target(format!("{}: symbol has no section", f.name)))?;
    let bytes = section.data().map_err(|e| LinesError::Target(format!("{}: {e}", f.name)))?;
    let base = section.address();
    if f.addr < base || f.addr + f.size > base + bytes.len() as u64 {
        return Err(LinesError::Target(format!("{}: symbol lies outside its section's data", f.name)));
    }
    let word_at = |addr: u64| -> u32 {
        let i = (addr - base) as usize;
        u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"))
    };
    let data_ranges = data_ranges(file, f);
    let mut rows = Vec::new();
    let mut offset = 0;
    while offset + 4 <= f.size {
        let addr = f.addr + offset;
        let word = word_at(addr);
        let disassembly = disassemble(word).unwrap_or_else(|| "<unknown>".to_string());
        let row = if data_ranges.iter().any(|r| r.contains(&addr)) {
            Row { offset, word, class: "data", detail: "-", disassembly: format!(".word {word:#010x}"), message: None }
        } else {
            // The words before the point, within the section, oldest first.
            let back = ((addr - base) / 4).min(EXCLUSIVE_SCAN_LIMIT as u64);
            let preceding: Vec<u32> = (1..=back).rev().map(|k| word_at(addr - 4 * k)).collect();
            match decode(word) {
                Decoded::Reject(reason) => {
                    Row { offset, word, class: "reject", detail: reason.name(), disassembly, message: Some(reason.message()) }
                }
                _ if inside_exclusive_sequence(&preceding) => Row {
                    offset,
                    word,
                    class: "reject",
                    detail: "in-exclusive",
                    disassembly,
                    message: Some(
                        "inside an LDXR..STXR sequence: the trap would clear the exclusive monitor and the sequence would retry forever",
                    ),
                },
                Decoded::Xol => Row { offset, word, class: "xol", detail: "-", disassembly, message: None },
                Decoded::Simulate(kind) => Row { offset, word, class: "simulate", detail: kind.name(), disassembly, message: None },
            }
        };
        rows.push(row);
        offset += 4;
    }
    let mut out = format!("{} at {:#x}, {} bytes, {} instructions\n", f.name, f.addr, f.size, rows.len());
    if f.size == 0 {
        out.push_str("(the symbol has size 0: nothing to list)\n");
    }
    let offset_width = rows.iter().map(|r| format!("+{}", r.offset).len()).max().unwrap_or(2);
    let detail_width = rows.iter().map(|r| r.detail.len()).max().unwrap_or(1);
    let disassembly_width =
        if rows.iter().any(|r| r.message.is_some()) { rows.iter().map(|r| r.disassembly.len()).max().unwrap_or(0) } else { 0 };
    for r in &rows {
        let mut line =
            format!("{:<offset_width$}  {:08x}  {:<8}  {:<detail_width$}  ", format!("+{}", r.offset), r.word, r.class, r.detail);
        match r.message {
            Some(m) => {
                let _ = write!(line, "{:<disassembly_width$}  {m}", r.disassembly);
            }
            None => line.push_str(&r.disassembly),
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    Ok(out)
}

/// Address ranges inside `f` that `$d` mapping symbols mark as data (until
/// the next `$x`, or the end of the function).
fn data_ranges(file: &object::File<'_>, f: &Function) -> Vec<std::ops::Range<u64>> {
    let end = f.addr + f.size;
    let mut marks: Vec<(u64, bool)> = file
        .symbols()
        .filter(|s| s.section_index() == f.section)
        .filter_map(|s| {
            let name = s.name().ok()?;
            let is_data = if name == "$d" || name.starts_with("$d.") {
                true
            } else if name == "$x" || name.starts_with("$x.") {
                false
            } else {
                return None;
            };
            Some((s.address(), is_data))
        })
        .collect();
    marks.sort();
    // The state at the function's start is that of the last mark at or
    // before it (code if there is none).
    let mut ranges = Vec::new();
    let mut data_since = marks.iter().rev().find(|(a, _)| *a <= f.addr).filter(|(_, d)| *d).map(|_| f.addr);
    for &(addr, is_data) in marks.iter().filter(|(a, _)| *a > f.addr && *a < end) {
        match (data_since, is_data) {
            (None, true) => data_since = Some(addr),
            (Some(start), false) => {
                ranges.push(start..addr);
                data_since = None;
            }
            _ => {}
        }
    }
    if let Some(start) = data_since {
        ranges.push(start..end);
    }
    ranges
}

/// Up to five names close to `wanted`: same last path component, names
/// containing it, or a small edit distance; closest first.
pub fn close_matches<'a>(wanted: &str, names: &[&'a str]) -> Vec<&'a str> {
    let last = |s: &str| s.rsplit("::").next().unwrap_or(s).to_string();
    let wanted_last = last(wanted);
    let mut scored: Vec<(usize, &str)> = names
        .iter()
        .filter_map(|&name| {
            let d = distance(wanted, name);
            let score = if d <= (wanted.len() / 4).max(2) {
                d
            } else if last(name) == wanted_last || distance(&last(name), &wanted_last) <= 1 && wanted_last.len() > 3 {
                10 + d.min(1000)
            } else if name.contains(wanted) || (wanted_last.len() > 3 && name.contains(&*wanted_last)) {
                2000 + name.len()
            } else {
                return None;
            };
            Some((score, name))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(5).map(|(_, n)| n).collect()
}

/// Levenshtein distance in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == cb { prev } else { 1 + prev.min(row[j]).min(cur) };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demangles_without_hash() {
        assert_eq!(user_name("_RNvNtCshQRUlrgsjse_9refkernel8workload3fib"), "refkernel::workload::fib");
        assert_eq!(user_name("_ZN9refkernel8workload3fib17h0123456789abcdefE"), "refkernel::workload::fib");
        assert_eq!(user_name("uart_putc"), "uart_putc");
    }

    #[test]
    fn suggests_close_names() {
        let names = ["refkernel::workload::fib", "refkernel::workload::run_fib", "sha2::sha256::compress256", "memcpy"];
        assert_eq!(close_matches("refkernel::workload::fibb", &names)[0], "refkernel::workload::fib");
        assert_eq!(close_matches("fib", &names)[0], "refkernel::workload::fib");
        assert_eq!(close_matches("compress256", &names), ["sha2::sha256::compress256"]);
        assert_eq!(close_matches("memcpi", &names), ["memcpy"]);
        assert!(close_matches("zzzzzzzzzz", &names).is_empty());
    }

    #[test]
    fn edit_distance() {
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("fib", "fib"), 0);
    }
}
