//! Tokens of a directive's expression.

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Int(i128),
    /// A string literal's text between the quotes, escapes and `${...}`
    /// still in it (the parser splits it into parts).
    Str(String),
    Ident(String),
    /// `@name`, or `@` alone (bpftrace's map without a name).
    Map(String),
    Punct(&'static str),
    End,
}

/// A token and where it is: byte offsets in the directive's text.
#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// An error at a byte offset of the directive's text.
pub type Error = (usize, String);

/// Longest first, so `..=` is not read as `..` and `=`.
const PUNCT: [&str; 23] =
    ["..=", "..", "==", "!=", "<=", ">=", "&&", "||", "(", ")", "[", "]", ",", ":", "+", "-", "*", "/", "%", "&", "<", ">", "!"];

/// The tokens of `text`, which starts at byte `base` of the directive.
pub fn lex(text: &str, base: usize) -> Result<Vec<Token>, Error> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let tok = if c.is_ascii_digit() {
            let word_end = i + b[i..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
            let word = text[i..word_end].replace('_', "");
            i = word_end;
            let value = match word.strip_prefix("0x") {
                Some(hex) => i128::from_str_radix(hex, 16),
                None => word.parse::<i128>(),
            };
            Tok::Int(value.map_err(|_| (base + start, format!("`{}` is not a number", &text[start..i])))?)
        } else if c.is_ascii_alphabetic() || c == b'_' {
            i += b[i..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
            Tok::Ident(text[start..i].to_string())
        } else if c == b'@' {
            i += 1 + b[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
            Tok::Map(text[start + 1..i].to_string())
        } else if c == b'"' {
            i = skip_string(b, i).map_err(|at| (base + at, "unterminated string".to_string()))?;
            Tok::Str(text[start + 1..i - 1].to_string())
        } else if let Some(p) = PUNCT.iter().find(|p| b[i..].starts_with(p.as_bytes())) {
            i += p.len();
            Tok::Punct(p)
        } else {
            let ch = text[i..].chars().next().unwrap_or('?');
            return Err((base + i, format!("unexpected `{ch}`")));
        };
        out.push(Token { tok, start: base + start, end: base + i });
    }
    out.push(Token { tok: Tok::End, start: base + b.len(), end: base + b.len() });
    Ok(out)
}

/// `b[i]` is a `"`: the index after the closing one. Backslash escapes
/// the next byte; `${...}` may hold strings of its own. Err: where the
/// unterminated string starts.
fn skip_string(b: &[u8], open: usize) -> Result<usize, usize> {
    let mut i = open + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Ok(i + 1),
            b'$' if b.get(i + 1) == Some(&b'{') => i = skip_interpolation(b, i + 2).ok_or(open)?,
            _ => i += 1,
        }
    }
    Err(open)
}

/// `i` is just after a `${`: the index after its closing `}`, if any.
pub fn skip_interpolation(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'"' => i = skip_string(b, i).ok()?,
            b'}' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Tok> {
        lex(text, 0).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn tokens() {
        assert_eq!(
            toks(r#"@calls == 0x1_0 + fib_total(N) ..= "a\"${f("}")}""#),
            [
                Tok::Map("calls".into()),
                Tok::Punct("=="),
                Tok::Int(16),
                Tok::Punct("+"),
                Tok::Ident("fib_total".into()),
                Tok::Punct("("),
                Tok::Ident("N".into()),
                Tok::Punct(")"),
                Tok::Punct("..="),
                Tok::Str(r#"a\"${f("}")}"#.into()),
                Tok::End,
            ]
        );
        assert_eq!(toks("@[k]"), [Tok::Map("".into()), Tok::Punct("["), Tok::Ident("k".into()), Tok::Punct("]"), Tok::End]);
    }

    #[test]
    fn errors_say_where() {
        assert_eq!(lex("1 + 12x", 10).unwrap_err(), (14, "`12x` is not a number".into()));
        assert_eq!(lex("a # b", 0).unwrap_err(), (2, "unexpected `#`".into()));
        assert_eq!(lex(r#"x == "abc"#, 3).unwrap_err(), (8, "unterminated string".into()));
        assert_eq!(lex(r#""${1""#, 0).unwrap_err().1, "unterminated string");
    }
}
