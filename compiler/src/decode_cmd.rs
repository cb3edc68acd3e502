//! `probec decode HEX...`: can I probe here?
//!
//! Runs the runtime's own decoder (the same code that decides at attach
//! time) on instruction words copied from `objdump -d`, and prints one line
//! per word:
//!
//! ```text
//! d503201f  simulate  nop             nop
//! 91000420  xol       -               add x0, x1, #0x1
//! c85ffc20  reject    exclusive       ldaxr x0, [x1]  exclusive load/store: a trap inside ...
//! ```
//!
//! Columns: the word, the class (`xol`, `simulate`, `reject`), the
//! simulation kind or the reject reason's short name, the disassembly, and
//! for rejected words the reason as a sentence. The sentence comes last so
//! that the short columns stay aligned however long it is.

use crate::disasm::disassemble;
use probec_arch::aarch64::decode::{decode, Decoded};
use std::fmt::Write as _;

/// Parse one word as `objdump -d` prints it (`d503201f`), optionally with a
/// `0x` prefix.
fn parse_word(text: &str) -> Result<u32, String> {
    let digits = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")).unwrap_or(text);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "`{text}` is not an instruction word in hex (write it as objdump -d prints it, \
             e.g. d503201f or 0xd503201f)"
        ));
    }
    if digits.len() > 8 {
        return Err(format!("`{text}` has more than 8 hex digits: an A64 instruction is 32 bits"));
    }
    u32::from_str_radix(digits, 16).map_err(|e| format!("`{text}`: {e}"))
}

/// One output line before alignment.
struct Row {
    word: u32,
    class: &'static str,
    detail: &'static str,
    disassembly: String,
    message: Option<&'static str>,
}

fn row(word: u32) -> Row {
    let disassembly = disassemble(word).unwrap_or_else(|| "<unknown>".to_string());
    let (class, detail, message) = match decode(word) {
        Decoded::Xol => ("xol", "-", None),
        Decoded::Simulate(kind) => ("simulate", kind.name(), None),
        Decoded::Reject(reason) => ("reject", reason.name(), Some(reason.message())),
    };
    Row { word, class, detail, disassembly, message }
}

/// Classify every word; any malformed word makes the whole command fail
/// (before printing anything) with a message naming it.
pub fn run(words: &[String]) -> Result<String, String> {
    let parsed = words.iter().map(|w| parse_word(w.trim())).collect::<Result<Vec<_>, _>>()?;
    let rows: Vec<Row> = parsed.into_iter().map(row).collect();
    let detail_width = rows.iter().map(|r| r.detail.len()).max().unwrap_or(0);
    let disassembly_width = rows
        .iter()
        .filter(|r| r.message.is_some())
        .map(|_| rows.iter().map(|r| r.disassembly.len()).max().unwrap_or(0))
        .next()
        .unwrap_or(0);
    let mut out = String::new();
    for r in &rows {
        let mut line = format!("{:08x}  {:<8}  {:<detail_width$}  ", r.word, r.class, r.detail);
        match r.message {
            Some(message) => {
                let _ = write!(line, "{:<disassembly_width$}  {message}", r.disassembly);
            }
            None => line.push_str(&r.disassembly),
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_objdump_words() {
        assert_eq!(parse_word("d503201f"), Ok(0xd503201f));
        assert_eq!(parse_word("0xD503201F"), Ok(0xd503201f));
        assert_eq!(parse_word("1f"), Ok(0x1f));
        assert!(parse_word("").is_err());
        assert!(parse_word("0x").is_err());
        assert!(parse_word("d503201g").unwrap_err().contains("not an instruction word"));
        assert!(parse_word("1d503201f").unwrap_err().contains("more than 8"));
        assert!(parse_word("-1").is_err());
    }

    #[test]
    fn one_aligned_line_per_word() {
        let words: Vec<String> = ["d503201f", "c85ffc20", "91000420"].iter().map(|s| s.to_string()).collect();
        let text = run(&words).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("d503201f  simulate  nop"));
        assert!(lines[1].starts_with("c85ffc20  reject    exclusive"));
        assert!(lines[1].contains("exclusive monitor"));
        assert!(lines[2].starts_with("91000420  xol       -"));
        // The disassembly column starts at the same offset on every line.
        let column = lines[0].rfind("nop").unwrap();
        assert_eq!(lines[2].find("add"), Some(column));
        assert_eq!(lines[1].find("ldaxr"), Some(column));
    }
}
