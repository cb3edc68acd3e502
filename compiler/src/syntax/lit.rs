//! Decoding literal tokens: integers with `0x`/`0b` prefixes and `_`
//! separators, and C escapes in strings and characters.

/// Parse an integer literal; `None` if it does not fit in 64 bits.
pub(super) fn int(text: &str) -> Option<u64> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    let lower = clean.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("0x") {
        u64::from_str_radix(hex, 16).ok()
    } else if let Some(bin) = lower.strip_prefix("0b") {
        u64::from_str_radix(bin, 2).ok()
    } else {
        lower.parse().ok()
    }
}

/// Resolve escapes (`\n \t \r \0 \\ \" \' \xHH`). Returns the bytes or the
/// byte offset of a bad escape within `body`.
pub(super) fn unescape(body: &str) -> Result<Vec<u8>, usize> {
    let bytes = body.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let esc = *bytes.get(i + 1).ok_or(i)?;
        i += 2;
        out.push(match esc {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'0' => 0,
            b'\\' => b'\\',
            b'"' => b'"',
            b'\'' => b'\'',
            b'x' => {
                let hex = body.get(i..i + 2).ok_or(i - 2)?;
                let v = u8::from_str_radix(hex, 16).map_err(|_| i - 2)?;
                i += 2;
                v
            }
            _ => return Err(i - 2),
        });
    }
    Ok(out)
}
