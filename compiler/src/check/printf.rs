//! printf format strings: parsing conversions and matching arguments.

/// What a conversion accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Conv {
    /// `%d %i %u %x %X %o %c`
    Int,
    /// `%s`
    Str,
    /// `%p`
    Ptr,
}

/// One conversion found in a format: its kind and its byte range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Spec {
    pub(crate) conv: Conv,
    pub(crate) text: String,
}

/// Parse the conversions of `fmt`; `Err(text)` names a bad conversion.
pub(crate) fn conversions(fmt: &str) -> Result<Vec<Spec>, String> {
    let b = fmt.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        if b.get(i) == Some(&b'%') {
            i += 1;
            continue;
        }
        while i < b.len() && b"-+ #0".contains(&b[i]) {
            i += 1;
        }
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        while i < b.len() && b"lhz".contains(&b[i]) {
            i += 1;
        }
        let conv = match b.get(i) {
            Some(b'd' | b'i' | b'u' | b'x' | b'X' | b'o' | b'c') => Conv::Int,
            Some(b's') => Conv::Str,
            Some(b'p') => Conv::Ptr,
            _ => {
                let end = (i + 1).min(b.len());
                return Err(String::from_utf8_lossy(&b[start..end]).into_owned());
            }
        };
        i += 1;
        out.push(Spec { conv, text: String::from_utf8_lossy(&b[start..i]).into_owned() });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_flags_width_length() {
        let s = conversions("%-10s %08llx %% %p %c").unwrap();
        let kinds: Vec<_> = s.iter().map(|s| s.conv).collect();
        assert_eq!(kinds, vec![Conv::Str, Conv::Int, Conv::Ptr, Conv::Int]);
        assert_eq!(s[1].text, "%08llx");
    }

    #[test]
    fn rejects_floats() {
        assert_eq!(conversions("%f").unwrap_err(), "%f");
        assert_eq!(conversions("50%").unwrap_err(), "%");
    }
}
