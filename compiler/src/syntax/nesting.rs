//! A pre-pass that bounds bracket nesting, skipping strings and comments,
//! so deeply nested input is a diagnostic instead of a stack overflow.

use crate::diag::Diagnostic;
use crate::span::Span;

/// Fail if `( [ {` nest deeper than `limit` anywhere outside strings and
/// comments.
pub(super) fn check(source: &str, limit: usize) -> Result<(), Diagnostic> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' => {
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Err(Diagnostic::error(format!("nesting deeper than {limit} levels"), Span::new(i, i + 1), "too deep")
                        .with_help("split the expression using `let $tmp = ...;`"));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}
