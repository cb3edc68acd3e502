//! Typed views of the bytes of keys, map values and printf arguments, and
//! how bpftrace prints them as text and as JSON.

use crate::spec::{FieldKind, FieldSpec};
use core::fmt::{self, Write};
use probec_abi::STR_TRUNCATED;

/// What bpftrace appends to a string that did not fit (its
/// `str_trunc_trailer` default).
pub const TRUNC_TRAILER: &str = "..";

/// One decoded field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// Unsigned integer.
    Unsigned(u64),
    /// Signed integer.
    Signed(i64),
    /// Boolean.
    Bool(bool),
    /// String field bytes (NUL-padded; last byte may be the marker).
    Str(&'a [u8]),
    /// Pointer.
    Ptr(u64),
}

/// Little-endian u64 from up to 8 bytes (missing bytes read as 0).
pub fn le_u64(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    let n = bytes.len().min(8);
    w[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(w)
}

impl<'a> Value<'a> {
    /// Decode `bytes` (the field's bytes) as `field`.
    pub fn decode(field: FieldSpec, bytes: &'a [u8]) -> Self {
        match field.kind {
            FieldKind::Unsigned => Value::Unsigned(le_u64(bytes)),
            FieldKind::Signed => Value::Signed(le_u64(bytes) as i64),
            FieldKind::Bool => Value::Bool(le_u64(bytes) != 0),
            FieldKind::Ptr => Value::Ptr(le_u64(bytes)),
            FieldKind::Str => Value::Str(bytes),
        }
    }

    /// The 64 bits of an integer-like value (0 for strings).
    pub fn bits(&self) -> u64 {
        match *self {
            Value::Unsigned(v) | Value::Ptr(v) => v,
            Value::Signed(v) => v as u64,
            Value::Bool(b) => b as u64,
            Value::Str(_) => 0,
        }
    }

    /// bpftrace's text form: decimal integers, `0x` pointers, raw strings
    /// with the truncation trailer, `true`/`false`.
    pub fn write_text(&self, out: &mut dyn Write) -> fmt::Result {
        match *self {
            Value::Unsigned(v) => write!(out, "{v}"),
            Value::Signed(v) => write!(out, "{v}"),
            Value::Bool(b) => out.write_str(if b { "true" } else { "false" }),
            Value::Ptr(v) => write!(out, "{v:#x}"),
            Value::Str(bytes) => write_str_field(out, bytes),
        }
    }

    /// JSON form: numbers, `true`/`false`, quoted escaped strings. Pointers
    /// are quoted `"0x..."` (bpftrace prints them unquoted, which is not
    /// valid JSON).
    pub fn write_json(&self, out: &mut dyn Write) -> fmt::Result {
        match *self {
            Value::Str(_) | Value::Ptr(_) => {
                let mut s = alloc::string::String::new();
                self.write_text(&mut s)?;
                write_json_str(out, &s)
            }
            _ => self.write_text(out),
        }
    }
}

/// The text of a string field: bytes up to the first NUL (never the marker
/// byte), invalid UTF-8 as U+FFFD, then [`TRUNC_TRAILER`] if the marker
/// says the source did not fit.
pub fn write_str_field(out: &mut dyn Write, bytes: &[u8]) -> fmt::Result {
    let truncated = bytes.last() == Some(&STR_TRUNCATED);
    let body = if truncated { &bytes[..bytes.len() - 1] } else { bytes };
    let end = body.iter().position(|&b| b == 0).unwrap_or(body.len());
    write_lossy(out, &body[..end])?;
    if truncated {
        out.write_str(TRUNC_TRAILER)?;
    }
    Ok(())
}

/// Write bytes as UTF-8, replacing invalid sequences with U+FFFD.
pub fn write_lossy(out: &mut dyn Write, bytes: &[u8]) -> fmt::Result {
    for chunk in bytes.utf8_chunks() {
        out.write_str(chunk.valid())?;
        if !chunk.invalid().is_empty() {
            out.write_char(char::REPLACEMENT_CHARACTER)?;
        }
    }
    Ok(())
}

/// `s` as a JSON string, escaped as bpftrace's `json_escape` does.
pub fn write_json_str(out: &mut dyn Write, s: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}
