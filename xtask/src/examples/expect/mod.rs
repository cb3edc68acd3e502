//! The expectations an example script carries in its comments: reading
//! the `// expect:`, `// expect-json:` and `// let:` directives (the
//! language is described in `examples/mod.rs` and `examples/README.md`)
//! and checking one run's output against them.

mod ast;
mod eval;
mod functions;
mod lex;
mod parser;
mod pattern;
mod resolve;
mod value;

#[cfg(test)]
mod tests;

use ast::{Expr, Part};
use eval::{Eval, Output};
use value::Value;

/// A script's directives, parsed and checked for names; its `// let:`
/// values computed.
pub struct Expectations {
    /// The script's path as shown in messages.
    file: String,
    /// `N` and the lets, in order.
    globals: Vec<(String, Value)>,
    items: Vec<Item>,
}

/// One `// expect:` or `// expect-json:` line.
struct Item {
    /// 1-based line number.
    line: usize,
    /// The directive as written, for failure messages.
    text: String,
    kind: Kind,
}

enum Kind {
    Expect(Expr),
    Json(Vec<Part>),
}

/// The directive a comment line is, if any.
#[derive(Clone, Copy, PartialEq)]
enum Directive {
    Expect,
    Json,
    Let,
}

/// Recognize a directive: `Some(Ok((kind, offset after the colon)))`;
/// `Some(Err(..))` for a comment that starts with `expect` but is not one
/// of them (a typo must not pass silently); `None` for anything else.
fn directive(line: &str) -> Option<Result<(Directive, usize), (usize, String)>> {
    let indent = line.len() - line.trim_start().len();
    let after = line[indent..].strip_prefix("//")?;
    let word_at = indent + 2 + (after.len() - after.trim_start().len());
    let comment = &line[word_at..];
    let word_len = comment.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'-').count();
    let word = &comment[..word_len];
    let rest = &comment[word_len..];
    let colon = rest.trim_start().starts_with(':').then(|| word_at + word_len + (rest.len() - rest.trim_start().len()) + 1);
    let kind = match word {
        "expect" => Directive::Expect,
        "expect-json" => Directive::Json,
        "let" if colon.is_some() => Directive::Let,
        w if w.to_ascii_lowercase().starts_with("expect") => {
            return Some(Err((
                word_at,
                format!("unknown directive `// {w}` (directives: `// expect: CONDITION`, `// expect-json: LINE`, `// let: NAME = VALUE`)"),
            )))
        }
        _ => return None,
    };
    Some(colon.map(|c| (kind, c)).ok_or((word_at, format!("`// {word}` needs a colon: `// {word}: ...`"))))
}

/// Read the directives of `source` (the script at `file`, run with
/// `run_args`, its `// run:` line). Errors: one per bad line, as
/// `file:line:column: what is wrong`.
pub fn read(file: &str, source: &str, run_args: &[String]) -> Result<Expectations, Vec<String>> {
    let mut globals = Vec::new();
    // N: the workload's one argument (`fib 20`).
    if let [_, n] = run_args {
        if let Ok(n) = n.parse::<i128>() {
            globals.push(("N".to_string(), Value::Int(n)));
        }
    }
    let none = Output::none();
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in source.lines().enumerate() {
        let at = |(off, msg): (usize, String)| format!("{file}:{}:{}: {msg}", i + 1, off + 1);
        let (kind, start) = match directive(line) {
            None => continue,
            Some(Err(e)) => {
                errors.push(at(e));
                continue;
            }
            Some(Ok(d)) => d,
        };
        let mut scope: Vec<String> = globals.iter().map(|(n, _)| n.clone()).collect();
        let text = line.trim().to_string();
        let parsed = match kind {
            Directive::Expect => parser::parse_expr(line, start)
                .and_then(|e| resolve::resolve(&e, &mut scope).map(|_| e))
                .map(|e| items.push(Item { line: i + 1, text, kind: Kind::Expect(e) })),
            Directive::Json => {
                // The template is the rest of the line, from its first non-blank.
                let start = start + (line[start..].len() - line[start..].trim_start().len());
                if line[start..].trim_end().is_empty() {
                    errors.push(at((start, "an empty JSON line: write the line the run must print".to_string())));
                    continue;
                }
                parser::parse_template(line.trim_end(), start)
                    .and_then(|parts| {
                        parts.iter().try_for_each(|p| match p {
                            Part::Expr(e) => resolve::resolve(e, &mut scope),
                            Part::Lit(_) => Ok(()),
                        })?;
                        Ok(parts)
                    })
                    .map(|parts| items.push(Item { line: i + 1, text, kind: Kind::Json(parts) }))
            }
            Directive::Let => read_let(line, start, &mut scope, &none, &globals).map(|v| globals.push(v)),
        };
        if let Err(e) = parsed {
            errors.push(at(e));
        }
    }
    if !items.iter().any(|i| matches!(i.kind, Kind::Expect(_))) && errors.is_empty() {
        errors.push(format!("{file}: no `// expect:` lines: every example says what its output must be (xtask/src/examples/mod.rs)"));
    }
    if errors.is_empty() {
        Ok(Expectations { file: file.to_string(), globals, items })
    } else {
        Err(errors)
    }
}

/// `// let: NAME = VALUE` from byte `start` of `line`: the name and its
/// value, computed now (a let may not read the output).
fn read_let(
    line: &str,
    start: usize,
    scope: &mut Vec<String>,
    none: &Output,
    globals: &[(String, Value)],
) -> Result<(String, Value), (usize, String)> {
    let rest = &line[start..];
    let name_at = start + (rest.len() - rest.trim_start().len());
    let name: String = line[name_at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    let eq = name_at + name.len() + (line[name_at + name.len()..].len() - line[name_at + name.len()..].trim_start().len());
    let is_ident = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') && !ast::KEYWORDS.contains(&name.as_str());
    if !is_ident || !line[eq..].starts_with('=') || line[eq..].starts_with("==") {
        return Err((name_at, "a let is `// let: NAME = VALUE`".to_string()));
    }
    if scope.contains(&name) {
        return Err((name_at, format!("`{name}` is already defined")));
    }
    let e = parser::parse_expr(line, eq + 1)?;
    resolve::resolve(&e, scope)?;
    if resolve::reads_output(&e) {
        return Err((eq + 1, "a let is computed from N, other lets and functions, never from the output".to_string()));
    }
    let value = Eval::new(none, globals).eval(&e).map_err(|err| (eq + 1, err.to_string()))?;
    Ok((name, value))
}

impl Expectations {
    /// Whether the script is also run with `--format json`.
    pub fn has_json(&self) -> bool {
        self.items.iter().any(|i| matches!(i.kind, Kind::Json(_)))
    }

    /// Every `// expect:` on a text run's output: one message per failure.
    pub fn check_text(&self, stdout: &str) -> Vec<String> {
        let out = Output::new(stdout);
        let mut failures = Vec::new();
        for item in &self.items {
            let Kind::Expect(e) = &item.kind else { continue };
            let mut ev = Eval::new(&out, &self.globals);
            let why = match ev.truth(e) {
                Ok(true) => continue,
                Ok(false) => ev.why.take().unwrap_or_else(|| "false".to_string()),
                Err(err) => err.to_string(),
            };
            failures.push(format!("{}:{}: {}\n      {why}", self.file, item.line, item.text));
        }
        failures
    }

    /// The `// expect-json:` lines on a `--format json` run: the JSON
    /// lines of the output are exactly these, in order, and the only other
    /// line is the workload's result line.
    pub fn check_json(&self, stdout: &str) -> Vec<String> {
        let out = Output::new(stdout);
        let mut failures = Vec::new();
        let mut want = Vec::new();
        for item in &self.items {
            let Kind::Json(parts) = &item.kind else { continue };
            match Eval::new(&out, &self.globals).string(parts) {
                Ok(s) => want.push((item.line, s)),
                Err(err) => failures.push(format!("{}:{}: {}\n      {err}", self.file, item.line, item.text)),
            }
        }
        // Every line is JSON; the target's console lines are records of
        // their own, apart from the script's output.
        let mut got = Vec::new();
        let mut console = Vec::new();
        for l in stdout.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<serde_json::Value>(l) {
                Ok(v) if v["type"] == "console" => console.push(l),
                Ok(_) => got.push(l),
                Err(e) => failures.push(format!("not a JSON line ({e}): {l:?}")),
            }
        }
        for i in 0..got.len().max(want.len()) {
            match (got.get(i), want.get(i)) {
                (Some(g), Some((line, w))) if g != w => {
                    failures.push(format!("{}:{line}: JSON line {}\n      got  {g}\n      want {w}", self.file, i + 1))
                }
                (Some(g), None) => failures.push(format!("JSON line {} is one more than the directives want: {g}", i + 1)),
                (None, Some((line, w))) => failures.push(format!("{}:{line}: JSON line {} missing, want {w}", self.file, i + 1)),
                _ => {}
            }
        }
        if console.len() != 1 {
            failures.push(format!("besides the script's JSON only the workload's result line as a console record, got {console:?}"));
        }
        failures
    }
}
