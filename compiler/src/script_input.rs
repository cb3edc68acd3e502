//! Reading a script: from a file, standard input (`-`) or `-e PROGRAM`, for
//! every command that takes one (`probec`, `probec run`).
//!
//! Scripts are UTF-8. Bytes that are not (a Latin-1 file, a truncated copy,
//! a binary passed by mistake) are a script error with a location, like any
//! other: `file:line:col` of the first bad byte, its byte offset, exit status
//! 1 — not the standard library's "stream did not contain valid UTF-8".

use crate::diag::{self, Diagnostic};
use crate::span::Span;
use std::ffi::OsStr;
use std::io::Read;
use std::path::Path;

/// Name the diagnostics give a `-e PROGRAM` script.
pub const COMMAND_LINE: &str = "<command line>";
/// Name the diagnostics give a script read from standard input.
pub const STDIN: &str = "<stdin>";

/// A script's text and the name its diagnostics use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// File name, [`COMMAND_LINE`] or [`STDIN`].
    pub name: String,
    /// The text.
    pub source: String,
}

/// Why there is no script to compile.
#[derive(Debug)]
pub enum ScriptInputError {
    /// Bad usage: no script given, a file that cannot be read. Exit status 2.
    Usage(String),
    /// The script is not UTF-8. Exit status 1, like every script error.
    NotUtf8 {
        /// The script's name.
        name: String,
        /// The text with the bad bytes replaced (U+FFFD), for rendering.
        lossy: String,
        /// The error, located at the first bad byte.
        diagnostic: Box<Diagnostic>,
    },
}

impl ScriptInputError {
    /// The rendered error, as the command prints it on standard error.
    pub fn render(&self, command: &str) -> String {
        match self {
            ScriptInputError::Usage(message) => format!("{command}: {message}\n"),
            ScriptInputError::NotUtf8 { name, lossy, diagnostic } => {
                format!("{}{command}: 1 error in {name}\n", diag::render(std::slice::from_ref(diagnostic.as_ref()), name, lossy))
            }
        }
    }

    /// The exit status for this error.
    pub fn exit_status(&self) -> i32 {
        match self {
            ScriptInputError::Usage(_) => crate::exit::EXIT_USAGE,
            ScriptInputError::NotUtf8 { .. } => crate::exit::EXIT_SCRIPT,
        }
    }
}

/// Read the script the command line names: `-e PROGRAM` if given, else
/// FILENAME (`-` for standard input).
pub fn read(program: Option<&OsStr>, file: Option<&OsStr>) -> Result<Script, ScriptInputError> {
    match (program, file) {
        (Some(p), _) => decode(COMMAND_LINE, p.as_encoded_bytes().to_vec()),
        (None, Some(f)) if f == "-" => {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes).map_err(|e| ScriptInputError::Usage(format!("cannot read standard input: {e}")))?;
            decode(STDIN, bytes)
        }
        (None, Some(f)) => {
            let path = Path::new(f);
            let bytes = std::fs::read(path).map_err(|e| ScriptInputError::Usage(format!("cannot read {}: {e}", path.display())))?;
            decode(&path.display().to_string(), bytes)
        }
        (None, None) => Err(ScriptInputError::Usage("no program given: pass a FILENAME or -e 'PROGRAM'".into())),
    }
}

/// The script named `name` from its bytes: UTF-8 text, or an error at the
/// first byte that is not.
pub fn decode(name: &str, bytes: Vec<u8>) -> Result<Script, ScriptInputError> {
    match String::from_utf8(bytes) {
        Ok(source) => Ok(Script { name: name.to_string(), source }),
        Err(e) => {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let bad_len = e.utf8_error().error_len().unwrap_or(bytes.len() - at);
            let shown: Vec<String> = bytes[at..at + bad_len].iter().map(|b| format!("0x{b:02x}")).collect();
            // The text before the first bad byte is valid, so it is the same
            // in the lossy copy, and the replacement character (3 bytes)
            // starts exactly at `at`: the span is right in both.
            let lossy = String::from_utf8_lossy(bytes).into_owned();
            let what = if e.utf8_error().error_len().is_none() { "ends inside a UTF-8 sequence" } else { "is not UTF-8" };
            let diagnostic = Diagnostic::error(
                format!("the script is not valid UTF-8: byte offset {at}"),
                Span::new(at, at + '\u{fffd}'.len_utf8()),
                format!("{} {what}", shown.join(" ")),
            )
            .with_help("scripts are UTF-8 text; convert it (`iconv -f latin1 -t utf-8`) or remove the byte");
            Err(ScriptInputError::NotUtf8 { name: name.to_string(), lossy, diagnostic: Box::new(diagnostic) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_text_passes_unchanged() {
        let s = decode("t.pr", "kprobe:f { printf(\"café\\n\"); }".as_bytes().to_vec()).unwrap();
        assert_eq!(s.source, "kprobe:f { printf(\"café\\n\"); }");
        assert_eq!(s.name, "t.pr");
    }

    #[test]
    fn a_latin1_byte_is_located_by_line_column_and_offset() {
        let e = decode("t.pr", b"kprobe:f {\n  // caf\xe9\n}\n".to_vec()).unwrap_err();
        assert_eq!(e.exit_status(), 1);
        let text = e.render("probec");
        assert!(text.contains("t.pr:2:9"), "{text}");
        assert!(text.contains("byte offset 19"), "{text}");
        assert!(text.contains("0xe9 is not UTF-8"), "{text}");
        assert!(text.ends_with("probec: 1 error in t.pr\n"), "{text}");
    }

    #[test]
    fn a_truncated_sequence_at_the_end_is_located() {
        // "é" is c3 a9; the file ends after c3.
        let e = decode("t.pr", b"BEGIN { }\n\xc3".to_vec()).unwrap_err();
        let text = e.render("probec");
        assert!(text.contains("t.pr:2:1"), "{text}");
        assert!(text.contains("0xc3 ends inside a UTF-8 sequence"), "{text}");
    }

    #[test]
    fn a_missing_file_is_usage() {
        let e = read(None, Some(OsStr::new("/nonexistent/x.pr"))).unwrap_err();
        assert_eq!(e.exit_status(), 2);
        assert!(e.render("probec").starts_with("probec: cannot read /nonexistent/x.pr: "));
    }
}
