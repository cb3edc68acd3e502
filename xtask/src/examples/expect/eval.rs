//! Evaluating expressions against one run's output.

use super::super::output::{parse_maps, Maps};
use super::ast::{Comp, CompKind, Expr, Iter, Part};
use super::value::{hist_value, Value};
use std::collections::BTreeMap;
use std::fmt;

/// One run's text output, read once.
pub struct Output {
    maps: Maps,
    /// Every line, trailing whitespace removed.
    lines: Vec<String>,
}

impl Output {
    pub fn new(stdout: &str) -> Output {
        Output { maps: parse_maps(stdout), lines: stdout.lines().map(|l| l.trim_end().to_string()).collect() }
    }

    /// No output: what `// let:` values are computed against.
    pub fn none() -> Output {
        Output::new("")
    }
}

/// Why an expression has no value.
#[derive(Debug, PartialEq)]
pub enum Error {
    /// A map, or a key of one, that the output did not print (`or` gives
    /// a default for these and nothing else).
    Absent(String),
    Failed(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Absent(m) | Error::Failed(m) => f.write_str(m),
        }
    }
}

fn failed<T>(msg: String) -> Result<T, Error> {
    Err(Error::Failed(msg))
}

/// Most ranges are 0..=N; this guards against a typo that would hang.
const MAX_RANGE: i128 = 10_000_000;

/// An evaluation: the output, the variables, and why the last comparison
/// that failed did.
pub struct Eval<'a> {
    out: &'a Output,
    /// Innermost last. The first `globals` are `N` and the lets; the rest
    /// are comprehension variables and captures, shown in failures.
    env: Vec<(String, Value)>,
    globals: usize,
    /// The last false comparison (or `empty`), with its operands' values.
    pub why: Option<String>,
}

impl<'a> Eval<'a> {
    pub fn new(out: &'a Output, globals: &[(String, Value)]) -> Eval<'a> {
        Eval { out, env: globals.to_vec(), globals: globals.len(), why: None }
    }

    /// Evaluate a condition: it must be true or false.
    pub fn truth(&mut self, e: &Expr) -> Result<bool, Error> {
        match self.eval(e)? {
            Value::Bool(b) => Ok(b),
            other => failed(format!("{other} is {}, not true or false", other.kind())),
        }
    }

    pub fn eval(&mut self, e: &Expr) -> Result<Value, Error> {
        match e {
            Expr::Int(i) => Ok(Value::Int(*i)),
            Expr::Str(parts) => self.string(parts).map(Value::Str),
            Expr::Var { name, .. } => match self.env.iter().rev().find(|(n, _)| n == name) {
                Some((_, v)) => Ok(v.clone()),
                None => failed(format!("`{name}` is not defined")),
            },
            Expr::Map(name) => self.map(name),
            Expr::Index(m, k) => {
                let key = self.eval(k)?;
                match self.eval(m)? {
                    Value::Map(m) => m.get(&key).cloned().ok_or_else(|| Error::Absent(format!("no key {key} was printed"))),
                    other => failed(format!("{other} is {}, it has no keys", other.kind())),
                }
            }
            Expr::Default(e, d) => match self.eval(e) {
                Err(Error::Absent(_)) => self.eval(d),
                other => other,
            },
            Expr::Not(e) => {
                let holds = !self.truth(e)?;
                if !holds {
                    self.why = Some(format!("what `!` negates holds{}", self.bindings()));
                }
                Ok(Value::Bool(holds))
            }
            Expr::Neg(e) => int(self.eval(e)?)?.checked_neg().map(Value::Int).ok_or(Error::Failed("overflow".into())),
            Expr::Binary { op, lhs, rhs, text } => self.binary(op, lhs, rhs, text),
            Expr::Call(f, args) => {
                let args = args.iter().map(|a| self.eval(a)).collect::<Result<Vec<_>, _>>()?;
                (f.call)(&args).map_err(|m| Error::Failed(format!("{}: {m}", f.name)))
            }
            Expr::Comp(c) => self.comprehension(c),
            Expr::Lines { starting, text } => {
                let want = match self.eval(text)? {
                    Value::Str(s) => s,
                    other => return failed(format!("lines() takes a string, got {other}")),
                };
                let n = self.out.lines.iter().filter(|l| if *starting { l.starts_with(&want) } else { **l == want }).count();
                Ok(Value::Int(n as i128))
            }
            Expr::Matching { pattern, cond } => {
                let mut n = 0;
                let out = self.out;
                for line in &out.lines {
                    let Some(caps) = pattern.matches(line) else { continue };
                    let depth = self.env.len();
                    self.env.extend(caps.into_iter().map(|(name, v)| (name, Value::Int(v))));
                    let ok = match cond {
                        Some(c) => self.truth(c),
                        None => Ok(true),
                    };
                    self.env.truncate(depth);
                    n += i128::from(ok?);
                }
                Ok(Value::Int(n))
            }
            Expr::Empty(name) => self.empty(name),
            Expr::Printed(name) => {
                let m = &self.out.maps;
                let per_key = self.keyed(name).values().map(|v| v.len()).max().unwrap_or(0);
                let n = m.values.get(&at(name)).map_or(0, Vec::len) + m.hists.get(&at(name)).map_or(0, Vec::len) + per_key;
                Ok(Value::Int(n as i128))
            }
        }
    }

    /// A string literal's or a template's parts, joined.
    pub fn string(&mut self, parts: &[Part]) -> Result<String, Error> {
        let mut s = String::new();
        for p in parts {
            match p {
                Part::Lit(l) => s.push_str(l),
                Part::Expr(e) => match self.eval(e)? {
                    Value::Int(i) => s.push_str(&i.to_string()),
                    Value::Str(t) => s.push_str(&t),
                    Value::Bool(b) => s.push_str(&b.to_string()),
                    Value::Map(m) => return failed(format!("a map ({}) cannot go into a string", Value::Map(m))),
                },
            }
        }
        Ok(s)
    }

    /// `@name` as printed: a value (`@n: 5`), a keyed map (`@n[k]: 5`
    /// lines), or a histogram. Printed more than once (`print()` and at
    /// exit), every print must agree.
    fn map(&self, name: &str) -> Result<Value, Error> {
        let full = at(name);
        let values = self.out.maps.values.get(&full);
        let hists = self.out.maps.hists.get(&full);
        let keyed = self.keyed(name);
        let kinds = usize::from(values.is_some()) + usize::from(hists.is_some()) + usize::from(!keyed.is_empty());
        if kinds == 0 {
            return Err(Error::Absent(format!("{full} was not printed")));
        }
        if kinds > 1 {
            return failed(format!("{full} was printed as more than one of a value, a histogram and a keyed map"));
        }
        if let Some(vs) = values {
            return agree(&full, vs).map(|v| Value::from_output(v));
        }
        if let Some(hs) = hists {
            return agree(&full, hs).map(hist_value);
        }
        let mut m = BTreeMap::new();
        for (k, vs) in &keyed {
            m.insert(Value::from_output(k), Value::from_output(agree(&format!("{full}[{k}]"), vs)?));
        }
        Ok(Value::Map(m))
    }

    /// The `@name[key]` lines: key → the values printed for it.
    fn keyed(&self, name: &str) -> BTreeMap<&'a str, &'a Vec<String>> {
        let prefix = format!("{}[", at(name));
        let out = self.out;
        out.maps.values.iter().filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.strip_suffix(']')?, v))).collect()
    }

    /// `empty(@name)`: no keys, no value but 0, no histogram with entries.
    fn empty(&mut self, name: &str) -> Result<Value, Error> {
        let full = at(name);
        let mut why = Vec::new();
        if let Some(vs) = self.out.maps.values.get(&full).filter(|vs| vs.iter().any(|v| v != "0")) {
            why.push(format!("{full} was printed as {vs:?}"));
        }
        if let Some(hs) = self.out.maps.hists.get(&full).filter(|hs| hs.iter().any(|h| !h.is_empty())) {
            why.push(format!("{full} was printed as the histogram(s) {hs:?}"));
        }
        let keyed = self.keyed(name);
        if !keyed.is_empty() {
            why.push(format!("{full} has the keys {:?}", keyed.keys().collect::<Vec<_>>()));
        }
        if why.is_empty() {
            return Ok(Value::Bool(true));
        }
        self.why = Some(why.join("; ") + &self.bindings());
        Ok(Value::Bool(false))
    }

    fn binary(&mut self, op: &str, lhs: &Expr, rhs: &Expr, text: &(String, String)) -> Result<Value, Error> {
        if op == "&&" || op == "||" {
            let l = self.truth(lhs)?;
            if l == (op == "||") {
                return Ok(Value::Bool(l));
            }
            return self.truth(rhs).map(Value::Bool);
        }
        let l = self.eval(lhs)?;
        let r = self.eval(rhs)?;
        let holds = match op {
            "==" => l == r,
            "!=" => l != r,
            "<" | "<=" | ">" | ">=" => {
                let (a, b) = match (&l, &r) {
                    (Value::Int(a), Value::Int(b)) => (a, b),
                    _ => return failed(format!("`{op}` compares numbers: {} is {l}, {} is {r}", text.0, text.1)),
                };
                match op {
                    "<" => a < b,
                    "<=" => a <= b,
                    ">" => a > b,
                    _ => a >= b,
                }
            }
            _ => return arith(op, int(l)?, int(r)?).map(Value::Int),
        };
        if !holds {
            self.why = Some(format!("{} is {l}, {} is {r}{}", text.0, text.1, self.bindings()));
        }
        Ok(Value::Bool(holds))
    }

    fn comprehension(&mut self, c: &Comp) -> Result<Value, Error> {
        let bindings: Vec<Vec<Value>> = match &c.iter {
            Iter::Range { lo, hi, inclusive } => {
                let (lo, hi) = (int(self.eval(lo)?)?, int(self.eval(hi)?)?);
                let hi = if *inclusive { hi } else { hi - 1 };
                if hi.checked_sub(lo).is_none_or(|len| len > MAX_RANGE) {
                    return failed(format!("the range {lo}..={hi} is longer than {MAX_RANGE}"));
                }
                (lo..=hi).map(|i| vec![Value::Int(i)]).collect()
            }
            Iter::Over(m) => match self.eval(m)? {
                Value::Map(m) => m.into_iter().map(|(k, v)| if c.vars.len() == 2 { vec![k, v] } else { vec![k] }).collect(),
                other => return failed(format!("`for ... in` runs over a range or a map, not {other}")),
            },
        };
        let mut sum: i128 = 0;
        let mut best: Option<i128> = None;
        let mut counts: BTreeMap<Value, i128> = BTreeMap::new();
        for values in bindings {
            let depth = self.env.len();
            self.env.extend(c.vars.iter().cloned().zip(values));
            let r = self.one(c, &mut sum, &mut best, &mut counts);
            self.env.truncate(depth);
            if !r? {
                return Ok(Value::Bool(false));
            }
        }
        Ok(match c.kind {
            CompKind::Sum => Value::Int(sum),
            CompKind::Min | CompKind::Max => Value::Int(best.ok_or(Error::Failed("min/max over nothing".into()))?),
            CompKind::All => Value::Bool(true),
            CompKind::Counts => Value::Map(counts.into_iter().filter(|(_, n)| *n != 0).map(|(k, n)| (k, Value::Int(n))).collect()),
        })
    }

    /// One binding of a comprehension; false ends an `all` early.
    fn one(&mut self, c: &Comp, sum: &mut i128, best: &mut Option<i128>, counts: &mut BTreeMap<Value, i128>) -> Result<bool, Error> {
        if let Some(cond) = &c.cond {
            if !self.truth(cond)? {
                return Ok(true);
            }
        }
        match c.kind {
            CompKind::All => {
                // A condition that was false for an earlier binding is no
                // reason for this one.
                self.why = None;
                let holds = self.truth(&c.body)?;
                if !holds && self.why.is_none() {
                    self.why = Some(format!("false{}", self.bindings()));
                }
                return Ok(holds);
            }
            CompKind::Sum => *sum = arith("+", *sum, int(self.eval(&c.body)?)?)?,
            CompKind::Min | CompKind::Max => {
                let v = int(self.eval(&c.body)?)?;
                let keep = |b: i128| if c.kind == CompKind::Min { b.min(v) } else { b.max(v) };
                *best = Some(best.map_or(v, keep));
            }
            CompKind::Counts => {
                let key = self.eval(c.key.as_ref().ok_or(Error::Failed("counts without a key".into()))?)?;
                let n = int(self.eval(&c.body)?)?;
                let e = counts.entry(key).or_insert(0);
                *e = arith("+", *e, n)?;
            }
        }
        Ok(true)
    }

    /// The comprehension variables and captures in scope: ` (where k = 3)`.
    fn bindings(&self) -> String {
        let local = &self.env[self.globals..];
        if local.is_empty() {
            return String::new();
        }
        let b: Vec<String> = local.iter().map(|(n, v)| format!("{n} = {v}")).collect();
        format!(" (where {})", b.join(", "))
    }
}

/// `@` and the map's name, as printed.
fn at(name: &str) -> String {
    format!("@{name}")
}

/// The one value every print of `what` agrees on.
fn agree<'v, T: PartialEq + fmt::Debug>(what: &str, prints: &'v [T]) -> Result<&'v T, Error> {
    match prints {
        [first, rest @ ..] if rest.iter().all(|p| p == first) => Ok(first),
        [] => Err(Error::Absent(format!("{what} was not printed"))),
        _ => failed(format!("{what} was printed {} times with different values: {prints:?}", prints.len())),
    }
}

fn int(v: Value) -> Result<i128, Error> {
    match v {
        Value::Int(i) => Ok(i),
        other => failed(format!("{other} is {}, not a number", other.kind())),
    }
}

fn arith(op: &str, a: i128, b: i128) -> Result<i128, Error> {
    let r = match op {
        "+" => a.checked_add(b),
        "-" => a.checked_sub(b),
        "*" => a.checked_mul(b),
        "/" if b == 0 => return failed(format!("{a} / 0")),
        "%" if b == 0 => return failed(format!("{a} % 0")),
        "/" => a.checked_div(b),
        "%" => a.checked_rem(b),
        "&" => Some(a & b),
        _ => return failed(format!("unknown operator `{op}`")),
    };
    r.ok_or_else(|| Error::Failed(format!("{a} {op} {b} overflows")))
}
