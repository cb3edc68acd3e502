//! Line patterns of `lines_matching`: literal text with captures, `{name}`
//! for a decimal number and `{name:x}` for hexadecimal digits (write the
//! `0x` before it as text); `{{` and `}}` are literal braces. A pattern
//! matches a whole line (its trailing whitespace removed).

/// A parsed pattern.
#[derive(Debug, PartialEq)]
pub struct Pattern {
    parts: Vec<Piece>,
}

#[derive(Debug, PartialEq)]
enum Piece {
    Lit(String),
    Capture { name: String, hex: bool },
}

impl Pattern {
    /// Parse `text`; an error says what is wrong.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if let Some(r) = rest.strip_prefix("{{").or_else(|| rest.strip_prefix("}}")) {
                lit.push(c);
                rest = r;
            } else if c == '{' {
                let close = rest.find('}').ok_or_else(|| format!("`{rest}`: a `{{` without its `}}` (write `{{{{` for a brace)"))?;
                let spec = &rest[1..close];
                let (name, hex) = match spec.split_once(':') {
                    None => (spec, false),
                    Some((name, "x")) => (name, true),
                    Some((_, f)) => return Err(format!("`{{{spec}}}`: unknown format `{f}` (`{{name}}` is decimal, `{{name:x}}` hex)")),
                };
                let ident = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !ident {
                    return Err(format!("`{{{spec}}}`: a capture is `{{name}}` or `{{name:x}}`"));
                }
                if parts.iter().any(|p| matches!(p, Piece::Capture { name: n, .. } if n == name)) {
                    return Err(format!("`{{{name}}}` is captured twice"));
                }
                if !lit.is_empty() {
                    parts.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                parts.push(Piece::Capture { name: name.to_string(), hex });
                rest = &rest[close + 1..];
            } else if c == '}' {
                return Err("a `}` without its `{` (write `}}` for a brace)".to_string());
            } else {
                lit.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        if !lit.is_empty() {
            parts.push(Piece::Lit(lit));
        }
        Ok(Pattern { parts })
    }

    /// The capture names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Piece::Capture { name, .. } => Some(name.as_str()),
            Piece::Lit(_) => None,
        })
    }

    /// The captures if the pattern matches all of `line`.
    pub fn matches(&self, line: &str) -> Option<Vec<(String, i128)>> {
        let mut caps = Vec::new();
        matches_at(&self.parts, line.trim_end(), &mut caps).then_some(caps)
    }
}

/// Backtracking: a capture takes the longest run of its digits that lets
/// the rest match.
fn matches_at(parts: &[Piece], s: &str, caps: &mut Vec<(String, i128)>) -> bool {
    let Some((first, rest)) = parts.split_first() else { return s.is_empty() };
    match first {
        Piece::Lit(l) => s.strip_prefix(l.as_str()).is_some_and(|s| matches_at(rest, s, caps)),
        Piece::Capture { name, hex } => {
            let run = s.bytes().take_while(|b| if *hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() }).count();
            for len in (1..=run).rev() {
                let value = if *hex { i128::from_str_radix(&s[..len], 16) } else { s[..len].parse() };
                let Ok(value) = value else { continue };
                caps.push((name.clone(), value));
                if matches_at(rest, &s[len..], caps) {
                    return true;
                }
                caps.pop();
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_numbers() {
        let p = Pattern::parse("fib({arg}) on cpu 0 at +{ns} ns, called from 0x{lr:x}").unwrap();
        assert_eq!(p.names().collect::<Vec<_>>(), ["arg", "ns", "lr"]);
        assert_eq!(
            p.matches("fib(26) on cpu 0 at +120 ns, called from 0x40081a2c  "),
            Some(vec![("arg".into(), 26), ("ns".into(), 120), ("lr".into(), 0x4008_1a2c)])
        );
        assert_eq!(p.matches("fib(26) on cpu 0 at +120 ns, called from 0x4008g"), None, "not hex");
        assert_eq!(p.matches("fib(-1) on cpu 0 at +120 ns, called from 0x1"), None, "decimal is unsigned");
        assert_eq!(p.matches("fib(26) = 121393"), None);
        assert_eq!(p.matches("xfib(26) on cpu 0 at +1 ns, called from 0x1"), None, "the whole line");
        // Backtracking: the first capture must leave a digit to the literal.
        let p = Pattern::parse("{a}5{b}").unwrap();
        assert_eq!(p.matches("1255"), Some(vec![("a".into(), 12), ("b".into(), 5)]));
        assert_eq!(Pattern::parse("{{x}}").unwrap().matches("{x}"), Some(vec![]));
    }

    #[test]
    fn bad_patterns() {
        assert!(Pattern::parse("{a").unwrap_err().contains("without its"));
        assert!(Pattern::parse("a}").unwrap_err().contains("without its"));
        assert!(Pattern::parse("{a:d}").unwrap_err().contains("unknown format"));
        assert!(Pattern::parse("{1a}").unwrap_err().contains("a capture is"));
        assert!(Pattern::parse("{a} {a}").unwrap_err().contains("twice"));
    }
}
