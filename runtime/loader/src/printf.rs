//! `printf` formats: parsed and checked against their argument fields when
//! the object is loaded, rendered (C semantics, as bpftrace's snprintf)
//! when the output ring is drained. Rendering works on validated pieces
//! only, so a record can never make the formatter misbehave.

pub use crate::error::FormatError;
pub use crate::spec::{Conv, Flags, Piece};
use crate::spec::{FieldKind, FieldSpec};
use crate::value::{write_str_field, Value};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

/// Widest field width accepted in a format (a hostile width would only
/// make output huge, but there is no reason to allow it).
pub const MAX_WIDTH: u32 = 1024;

/// Parse `fmt` and bind its conversions to `args` in order. The error
/// names the offending conversion.
pub fn parse(fmt: &str, args: &[FieldSpec]) -> Result<Vec<Piece>, FormatError> {
    let b = fmt.as_bytes();
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut next_arg = 0usize;
    let mut offset = 0u32;
    let mut i = 0;
    while i < b.len() {
        // Copy up to the next '%' as one literal (never splits UTF-8: '%' is ASCII).
        let start = i;
        while i < b.len() && b[i] != b'%' {
            i += 1;
        }
        lit.push_str(&fmt[start..i]);
        if i >= b.len() {
            break;
        }
        let conv_start = i;
        i += 1;
        if b.get(i) == Some(&b'%') {
            lit.push('%');
            i += 1;
            continue;
        }
        let mut flags = Flags::default();
        while let Some(&c) = b.get(i) {
            match c {
                b'-' => flags.left = true,
                b'0' => flags.zero = true,
                b'+' => flags.plus = true,
                b' ' => flags.space = true,
                b'#' => flags.alt = true,
                _ => break,
            }
            i += 1;
        }
        let mut width = 0u32;
        while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
            width = width * 10 + u32::from(d - b'0');
            if width > MAX_WIDTH {
                return Err(FormatError::Width { conv: fmt[conv_start..=i].into(), max: MAX_WIDTH });
            }
            i += 1;
        }
        while b.get(i).is_some_and(|c| b"lhz".contains(c)) {
            i += 1;
        }
        let Some(&conv) = b.get(i).filter(|c| b"diuxXocsp".contains(c)) else {
            let end = (i + 1).min(b.len());
            let shown = fmt.get(conv_start..end).unwrap_or("%");
            return Err(FormatError::Unsupported { conv: shown.into() });
        };
        i += 1;
        let field = *args.get(next_arg).ok_or_else(|| FormatError::NoArgument { conv: fmt[conv_start..i].into(), args: args.len() })?;
        let is_str = field.kind == FieldKind::Str;
        if is_str != (conv == b's') {
            return Err(FormatError::Mismatch { conv: fmt[conv_start..i].into(), arg: next_arg, kind: field.kind });
        }
        if !lit.is_empty() {
            pieces.push(Piece::Lit(core::mem::take(&mut lit)));
        }
        pieces.push(Piece::Conv(Conv { flags, width, conv, offset, field }));
        offset += field.size;
        next_arg += 1;
    }
    if !lit.is_empty() {
        pieces.push(Piece::Lit(lit));
    }
    if next_arg != args.len() {
        return Err(FormatError::Count { conversions: next_arg, args: args.len() });
    }
    Ok(pieces)
}

/// Render `pieces` with the argument `record` (checked by the caller to be
/// the format's record size; shorter records render missing bytes as 0).
pub fn render(pieces: &[Piece], record: &[u8], out: &mut dyn Write) -> fmt::Result {
    for p in pieces {
        match p {
            Piece::Lit(s) => out.write_str(s)?,
            Piece::Conv(c) => {
                let bytes = record.get(c.offset as usize..).unwrap_or(&[]);
                let bytes = bytes.get(..c.field.size as usize).unwrap_or(bytes);
                conversion(c, Value::decode(c.field, bytes), out)?;
            }
        }
    }
    Ok(())
}

/// Render one conversion.
fn conversion(c: &Conv, v: Value<'_>, out: &mut dyn Write) -> fmt::Result {
    let mut sign = "";
    let mut prefix = "";
    let mut body = String::new();
    let raw = v.bits();
    match c.conv {
        b'd' | b'i' => {
            let s = raw as i64;
            sign = if s < 0 {
                "-"
            } else if c.flags.plus {
                "+"
            } else if c.flags.space {
                " "
            } else {
                ""
            };
            write!(body, "{}", s.unsigned_abs())?;
        }
        b'u' => write!(body, "{raw}")?,
        b'x' | b'X' => {
            if c.conv == b'x' {
                write!(body, "{raw:x}")?;
            } else {
                write!(body, "{raw:X}")?;
            }
            if c.flags.alt && raw != 0 {
                prefix = if c.conv == b'x' { "0x" } else { "0X" };
            }
        }
        b'o' => {
            write!(body, "{raw:o}")?;
            if c.flags.alt && !body.starts_with('0') {
                prefix = "0";
            }
        }
        b'c' => body.push(char::from(raw as u8)),
        b'p' => {
            if raw == 0 {
                body.push_str("(nil)");
            } else {
                write!(body, "{raw:#x}")?;
            }
        }
        _ => {
            // %s: the only conversion left (parse checked the set).
            if let Value::Str(bytes) = v {
                write_str_field(&mut body, bytes)?;
            }
        }
    }
    let numeric = !matches!(c.conv, b'c' | b's' | b'p');
    let len = sign.len() + prefix.len() + body.chars().count();
    let pad = (c.width as usize).saturating_sub(len);
    if c.flags.left {
        out.write_str(sign)?;
        out.write_str(prefix)?;
        out.write_str(&body)?;
        pad_with(out, ' ', pad)
    } else if c.flags.zero && numeric {
        out.write_str(sign)?;
        out.write_str(prefix)?;
        pad_with(out, '0', pad)?;
        out.write_str(&body)
    } else {
        pad_with(out, ' ', pad)?;
        out.write_str(sign)?;
        out.write_str(prefix)?;
        out.write_str(&body)
    }
}

fn pad_with(out: &mut dyn Write, c: char, n: usize) -> fmt::Result {
    for _ in 0..n {
        out.write_char(c)?;
    }
    Ok(())
}
