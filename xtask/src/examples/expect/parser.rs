//! Parsing a directive's expression (recursive descent, Rust's operator
//! precedence) and JSON templates. Names are checked afterwards, in
//! `resolve.rs`: a comprehension's variables come after its body.

use super::ast::{Comp, CompKind, Expr, Iter, Part, KEYWORDS};
use super::functions;
use super::lex::{lex, skip_interpolation, Error, Tok, Token};
use super::pattern::Pattern;

/// Parse all of `directive[start..]` as one expression.
pub fn parse_expr(directive: &str, start: usize) -> Result<Expr, Error> {
    let mut p = Parser::new(directive, start, directive.len())?;
    if p.peek() == &Tok::End {
        return Err((start, "an empty expression".to_string()));
    }
    let e = p.expr()?;
    p.finish()?;
    Ok(e)
}

/// Parse `directive[start..]` as a template: text with `${EXPR}` parts,
/// no escapes (what `// expect-json:` holds).
pub fn parse_template(directive: &str, start: usize) -> Result<Vec<Part>, Error> {
    split_parts(directive, start, directive.len(), false)
}

/// Binary operators by precedence, loosest first; each level is
/// left-associative except comparisons, which do not chain.
const LEVELS: [&[&str]; 6] = [&["||"], &["&&"], &["==", "!=", "<", "<=", ">", ">="], &["&"], &["+", "-"], &["*", "/", "%"]];

/// The names `call` reads as syntax rather than as functions.
const FORMS: &str = "sum, min, max, all, counts, lines, lines_starting, lines_matching, empty, printed";

struct Parser<'a> {
    /// The whole directive: token offsets index it.
    text: &'a str,
    toks: Vec<Token>,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, start: usize, end: usize) -> Result<Parser<'a>, Error> {
        Ok(Parser { text, toks: lex(&text[start..end], start)?, pos: 0 })
    }

    fn peek(&self) -> &Tok {
        &self.toks[self.pos].tok
    }

    fn at(&self) -> usize {
        self.toks[self.pos].start
    }

    /// End of the last token taken.
    fn last_end(&self) -> usize {
        if self.pos == 0 {
            self.at()
        } else {
            self.toks[self.pos - 1].end
        }
    }

    fn next(&mut self) -> Token {
        let t = self.toks[self.pos].clone();
        if t.tok != Tok::End {
            self.pos += 1;
        }
        t
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Tok::Punct(q) if *q == p)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Tok::Ident(i) if i == w)
    }

    fn expect_punct(&mut self, p: &str, what: &str) -> Result<(), Error> {
        if self.is_punct(p) {
            self.next();
            Ok(())
        } else {
            Err(self.unexpected(&format!("`{p}` {what}")))
        }
    }

    fn expect_word(&mut self, w: &str, what: &str) -> Result<(), Error> {
        if self.is_word(w) {
            self.next();
            Ok(())
        } else {
            Err(self.unexpected(&format!("`{w}` {what}")))
        }
    }

    fn unexpected(&self, want: &str) -> Error {
        let t = &self.toks[self.pos];
        let got = match &t.tok {
            Tok::End => "the end".to_string(),
            _ => format!("`{}`", &self.text[t.start..t.end]),
        };
        (t.start, format!("expected {want}, found {got}"))
    }

    fn finish(&self) -> Result<(), Error> {
        match self.peek() {
            Tok::End => Ok(()),
            _ => Err(self.unexpected("an operator or the end")),
        }
    }

    fn expr(&mut self) -> Result<Expr, Error> {
        self.level(0)
    }

    fn level(&mut self, n: usize) -> Result<Expr, Error> {
        if n == LEVELS.len() {
            return self.unary();
        }
        let start = self.at();
        let mut lhs = self.level(n + 1)?;
        loop {
            let op = match self.peek() {
                Tok::Punct(p) if LEVELS[n].contains(p) => *p,
                _ => return Ok(lhs),
            };
            let lhs_text = self.text[start..self.last_end()].trim().to_string();
            self.next();
            let rhs_start = self.at();
            let rhs = self.level(n + 1)?;
            let rhs_text = self.text[rhs_start..self.last_end()].trim().to_string();
            lhs = Expr::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs), text: (lhs_text, rhs_text) };
            if n == 2 && matches!(self.peek(), Tok::Punct(p) if LEVELS[2].contains(p)) {
                return Err((self.at(), "comparisons do not chain: write `a <= b && b <= c`".to_string()));
            }
        }
    }

    fn unary(&mut self) -> Result<Expr, Error> {
        if self.is_punct("!") {
            self.next();
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.is_punct("-") {
            self.next();
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        let e = self.postfix()?;
        if self.is_word("or") {
            self.next();
            return Ok(Expr::Default(Box::new(e), Box::new(self.postfix()?)));
        }
        Ok(e)
    }

    /// A primary with any `[key]` after it.
    fn postfix(&mut self) -> Result<Expr, Error> {
        let mut e = self.primary()?;
        while self.is_punct("[") {
            self.next();
            // `@by_cpu[f, 0]`: a tuple key is printed (and compared) as text.
            let mut keys = vec![self.expr()?];
            while self.is_punct(",") {
                self.next();
                keys.push(self.expr()?);
            }
            let key = match keys.len() {
                1 => keys.remove(0),
                _ => tuple_key(keys),
            };
            self.expect_punct("]", "to close the key")?;
            e = Expr::Index(Box::new(e), Box::new(key));
        }
        Ok(e)
    }

    fn primary(&mut self) -> Result<Expr, Error> {
        let t = self.next();
        match t.tok {
            Tok::Int(i) => Ok(Expr::Int(i)),
            Tok::Str(_) => Ok(Expr::Str(split_parts(self.text, t.start + 1, t.end - 1, true)?)),
            Tok::Map(name) => Ok(Expr::Map(name)),
            Tok::Punct("(") => {
                let e = self.expr()?;
                self.expect_punct(")", "to close `(`")?;
                Ok(e)
            }
            Tok::Ident(name) if self.is_punct("(") => {
                self.next();
                self.call(&name, t.start)
            }
            Tok::Ident(name) if KEYWORDS.contains(&name.as_str()) => Err((t.start, format!("`{name}` is a keyword, not a value"))),
            Tok::Ident(name) => Ok(Expr::Var { name, at: t.start }),
            _ => {
                self.pos -= usize::from(t.tok != Tok::End);
                Err(self.unexpected("a value"))
            }
        }
    }

    /// `name(` has been read.
    fn call(&mut self, name: &str, at: usize) -> Result<Expr, Error> {
        let e = if let Some(kind) = CompKind::from_name(name) {
            Expr::Comp(Box::new(self.comprehension(kind, at)?))
        } else {
            match name {
                "lines" | "lines_starting" => Expr::Lines { starting: name == "lines_starting", text: Box::new(self.expr()?) },
                "lines_matching" => {
                    let t = self.next();
                    let Tok::Str(raw) = t.tok else {
                        return Err((t.start, "lines_matching takes a pattern string first".to_string()));
                    };
                    if raw.contains("${") {
                        return Err((t.start, "a pattern has captures `{name}`, not `${...}`".to_string()));
                    }
                    let pattern = Pattern::parse(&unescape(&raw, t.start + 1)?).map_err(|m| (t.start, m))?;
                    let cond = if self.is_punct(",") {
                        self.next();
                        Some(Box::new(self.expr()?))
                    } else {
                        None
                    };
                    Expr::Matching { pattern, cond }
                }
                "empty" | "printed" => {
                    let t = self.next();
                    let Tok::Map(map) = t.tok else {
                        return Err((t.start, format!("{name} takes a map: `{name}(@name)`")));
                    };
                    if name == "empty" {
                        Expr::Empty(map)
                    } else {
                        Expr::Printed(map)
                    }
                }
                _ => {
                    let f = functions::lookup(name)
                        .ok_or_else(|| (at, format!("unknown function `{name}` (functions: {}; forms: {FORMS})", functions::names())))?;
                    let mut args = Vec::new();
                    while !self.is_punct(")") {
                        if !args.is_empty() {
                            self.expect_punct(",", &format!("or `)` after an argument of `{name}(`"))?;
                        }
                        args.push(self.expr()?);
                    }
                    if args.len() != f.params.len() {
                        return Err((
                            at,
                            format!("{name} takes {} argument(s) ({}), got {}", f.params.len(), f.params.join(", "), args.len()),
                        ));
                    }
                    Expr::Call(f, args)
                }
            }
        };
        self.expect_punct(")", &format!("to close `{name}(`"))?;
        Ok(e)
    }

    /// `KIND(` has been read: `BODY for VARS in ITER [if COND]`.
    fn comprehension(&mut self, kind: CompKind, at: usize) -> Result<Comp, Error> {
        let mut key = None;
        let mut body = self.expr()?;
        if kind == CompKind::Counts {
            self.expect_punct(":", "after the key: `counts(KEY: COUNT for ...)`")?;
            key = Some(std::mem::replace(&mut body, self.expr()?));
        }
        self.expect_word("for", "(a comprehension: `sum(EXPR for k in 0..=N if COND)`)")?;
        let mut vars = vec![self.var()?];
        while self.is_punct(",") {
            self.next();
            vars.push(self.var()?);
        }
        self.expect_word("in", "after the variables")?;
        let lo = self.level(3)?;
        let iter = if self.is_punct("..") || self.is_punct("..=") {
            let inclusive = self.is_punct("..=");
            self.next();
            Iter::Range { lo, hi: self.level(3)?, inclusive }
        } else {
            Iter::Over(lo)
        };
        let cond = if self.is_word("if") {
            self.next();
            Some(self.expr()?)
        } else {
            None
        };
        Ok(Comp { kind, key, body, vars, iter, cond, at })
    }

    fn var(&mut self) -> Result<String, Error> {
        match self.peek().clone() {
            Tok::Ident(name) if !KEYWORDS.contains(&name.as_str()) => {
                self.next();
                Ok(name)
            }
            _ => Err(self.unexpected("a variable name")),
        }
    }
}

/// `[a, b]`: the key text `"{a}, {b}"`, as maps with tuple keys print it.
fn tuple_key(keys: Vec<Expr>) -> Expr {
    let mut parts = Vec::new();
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 {
            parts.push(Part::Lit(", ".to_string()));
        }
        parts.push(Part::Expr(k));
    }
    Expr::Str(parts)
}

/// Split `text[start..end]` into literal text and `${EXPR}` parts;
/// `escapes`: a string literal's `\\ \" \$ \n \t` are read.
fn split_parts(text: &str, start: usize, end: usize, escapes: bool) -> Result<Vec<Part>, Error> {
    let b = text.as_bytes();
    let mut parts = Vec::new();
    let mut lit_start = start;
    let mut i = start;
    let flush = |parts: &mut Vec<Part>, from: usize, to: usize| -> Result<(), Error> {
        if from < to {
            let raw = &text[from..to];
            parts.push(Part::Lit(if escapes { unescape(raw, from)? } else { raw.to_string() }));
        }
        Ok(())
    };
    while i < end {
        if escapes && b[i] == b'\\' {
            i += 2;
        } else if b[i] == b'$' && b.get(i + 1) == Some(&b'{') {
            flush(&mut parts, lit_start, i)?;
            let close = skip_interpolation(&b[..end], i + 2).ok_or((i, "`${` without its `}`".to_string()))?;
            let mut p = Parser::new(text, i + 2, close - 1)?;
            if p.peek() == &Tok::End {
                return Err((i, "an empty `${}`".to_string()));
            }
            parts.push(Part::Expr(p.expr()?));
            p.finish()?;
            i = close;
            lit_start = i;
        } else {
            i += 1;
        }
    }
    flush(&mut parts, lit_start, end)?;
    Ok(parts)
}

/// A string literal's text with its escapes read; `at` is where it starts.
fn unescape(raw: &str, at: usize) -> Result<String, Error> {
    let mut out = String::new();
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next().map(|(_, c)| c) {
            Some('\\') => '\\',
            Some('"') => '"',
            Some('$') => '$',
            Some('n') => '\n',
            Some('t') => '\t',
            other => return Err((at + i, format!("unknown escape `\\{}` (known: \\\\ \\\" \\$ \\n \\t)", other.unwrap_or(' ')))),
        });
    }
    Ok(out)
}
