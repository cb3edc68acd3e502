//! Builtin functions: `str`, `reg`, aggregations, and the statement-only
//! calls (`printf`, `print`, `clear`, `zero`, `delete`, `exit`).

use super::expr::{convert, suggest};
use super::printf::{conversions, Conv};
use super::Checker;
use crate::ast::{self, ExprKind as A};
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::tir::{Agg, Expr, ExprKind as T, Format, MapKind, Stmt};
use crate::types::Type;

const AGGREGATIONS: &[&str] = &["count", "sum", "min", "max", "avg", "stats", "hist", "lhist"];
const STATEMENTS: &[&str] = &["printf", "print", "clear", "zero", "delete", "exit"];
const FUNCTIONS: &[&str] =
    &["str", "reg", "count", "sum", "min", "max", "avg", "stats", "hist", "lhist", "printf", "print", "clear", "zero", "delete", "exit"];

/// A checked aggregation call: what to do and what map kind it implies.
pub(crate) struct AggCall {
    pub(crate) agg: Agg,
    pub(crate) kind: MapKind,
    pub(crate) value: Option<Expr>,
    pub(crate) lhist: Option<(i64, i64, i64)>,
}

/// Registers `reg("...")` accepts, and their `tir::ExprKind::Reg` numbers.
fn register(name: &str) -> Option<u8> {
    match name {
        "sp" => Some(31),
        "pc" => Some(32),
        "lr" => Some(30),
        "fp" => Some(29),
        _ => name.strip_prefix('x').and_then(|n| n.parse::<u8>().ok()).filter(|n| *n <= 30),
    }
}

impl Checker {
    fn arity(&mut self, name: &str, args: &[ast::Expr], span: Span, min: usize, max: usize, usage: &str) -> bool {
        if args.len() < min || args.len() > max {
            self.error(
                Diagnostic::error(
                    format!("`{name}` takes {}, but {} given", plural(min, max), args.len()),
                    span,
                    "wrong number of arguments",
                )
                .with_help(format!("write `{usage}`")),
            );
            return false;
        }
        true
    }

    /// A call in expression position.
    pub(crate) fn call_expr(&mut self, name: &str, name_span: Span, args: &[ast::Expr], e: &ast::Expr) -> Option<Expr> {
        match name {
            "str" => {
                if !self.arity(name, args, e.span, 1, 2, "str(pointer[, max_length])") {
                    return None;
                }
                let p = self.expr(&args[0])?;
                if !p.ty.is_scalar() {
                    self.error(Diagnostic::error("`str` needs a pointer or address", args[0].span, "a string already"));
                    return None;
                }
                let limit = match args.get(1) {
                    Some(a) => {
                        let n = self.expr(a)?;
                        if !n.ty.is_scalar() {
                            self.error(Diagnostic::error("the length of `str` must be an integer", a.span, "not an integer"));
                            return None;
                        }
                        Some(Box::new(convert(n, &Type::U64)))
                    }
                    None => None,
                };
                Some(Expr { kind: T::ReadStr(Box::new(convert(p, &Type::U64)), limit), ty: Type::Str })
            }
            "reg" => {
                if !self.arity(name, args, e.span, 1, 1, "reg(\"x19\")") {
                    return None;
                }
                let A::Str(r) = &args[0].kind else {
                    self.error(
                        Diagnostic::error("`reg` needs a register name in quotes", args[0].span, "not a string literal")
                            .with_help("write `reg(\"x19\")`"),
                    );
                    return None;
                };
                let Some(n) = register(r) else {
                    self.error(
                        Diagnostic::error(format!("unknown register `{r}`"), args[0].span, "not a register")
                            .with_help("registers are x0..x30, fp, lr, sp and pc"),
                    );
                    return None;
                };
                if !self.all_probes(&[ast::ProbeKind::Kprobe, ast::ProbeKind::Kretprobe]) {
                    self.error(Diagnostic::error("`reg` is only available in kprobes and kretprobes", e.span, "no registers here"));
                    return None;
                }
                Some(Expr { kind: T::Reg(n), ty: Type::U64 })
            }
            n if AGGREGATIONS.contains(&n) => {
                self.error(
                    Diagnostic::error(format!("`{n}()` can only be assigned to a map"), e.span, "aggregation in an expression")
                        .with_help(format!("write `@name = {n}(...);` or `@name[key] = {n}(...);`")),
                );
                None
            }
            n if STATEMENTS.contains(&n) => {
                self.error(
                    Diagnostic::error(format!("`{n}` does not return a value"), e.span, "used as a value")
                        .with_help(format!("call `{n}(...)` as a statement on its own")),
                );
                None
            }
            _ => {
                self.unknown_function(name, name_span);
                None
            }
        }
    }

    fn unknown_function(&mut self, name: &str, span: Span) {
        let mut d = Diagnostic::error(format!("unknown function `{name}`"), span, "not a function");
        if let Some(s) = suggest(name, FUNCTIONS) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.error(d);
    }

    /// If `e` is an aggregation call, check it. `None`: not an aggregation;
    /// `Some(None)`: an aggregation with errors (reported).
    pub(crate) fn aggregation(&mut self, e: &ast::Expr) -> Option<Option<AggCall>> {
        let A::Call { name, args } = &e.kind else { return None };
        let n = name.node.as_str();
        if !AGGREGATIONS.contains(&n) {
            return None;
        }
        let (agg, kind, usage, count) = match n {
            "count" => (Agg::Count, MapKind::Count, "count()", 0),
            "sum" => (Agg::Sum, MapKind::Sum, "sum(value)", 1),
            "min" => (Agg::Min, MapKind::Min, "min(value)", 1),
            "max" => (Agg::Max, MapKind::Max, "max(value)", 1),
            "avg" => (Agg::AvgStats, MapKind::Avg, "avg(value)", 1),
            "stats" => (Agg::AvgStats, MapKind::Stats, "stats(value)", 1),
            "hist" => (Agg::Hist, MapKind::Hist, "hist(value)", 1),
            _ => (Agg::Lhist, MapKind::Lhist, "lhist(value, min, max, step)", 4),
        };
        if !self.arity(n, args, e.span, count, count, usage) {
            return Some(None);
        }
        let value = match args.first() {
            Some(a) => {
                let Some(v) = self.expr(a) else { return Some(None) };
                if !v.ty.is_scalar() {
                    self.error(Diagnostic::error(format!("`{n}` needs an integer, found a string"), a.span, "string"));
                    return Some(None);
                }
                let to = Type::Int { bits: 64, signed: v.ty.is_signed() || kind != MapKind::Sum && kind != MapKind::Count };
                let to = if kind == MapKind::Sum { Type::Int { bits: 64, signed: v.ty.is_signed() } } else { to };
                Some(convert(v, &to))
            }
            None => None,
        };
        let mut lhist = None;
        if agg == Agg::Lhist {
            let mut p = [0i64; 3];
            for (i, a) in args[1..].iter().enumerate() {
                match super::consts::eval(a) {
                    Some(v) => p[i] = v,
                    None => {
                        self.error(
                            Diagnostic::error("`lhist` bounds must be constants", a.span, "not a constant")
                                .with_help("write numbers, e.g. `lhist($x, 0, 1000, 100)`"),
                        );
                        return Some(None);
                    }
                }
            }
            let [min, max, step] = p;
            if step <= 0 || max <= min {
                self.error(Diagnostic::error("`lhist` needs min < max and step > 0", e.span, "invalid bounds"));
                return Some(None);
            }
            let buckets = ((max as i128 - min as i128) + step as i128 - 1) / step as i128;
            if buckets > 1000 {
                self.error(
                    Diagnostic::error(
                        format!("`lhist` would have {buckets} buckets, at most 1000 are allowed"),
                        e.span,
                        "too many buckets",
                    )
                    .with_help("use a larger step, or hist() for a log2 histogram"),
                );
                return Some(None);
            }
            lhist = Some((min, max, step));
        }
        Some(Some(AggCall { agg, kind, value, lhist }))
    }

    /// A call used as a statement.
    pub(crate) fn call_stmt(&mut self, name: &str, name_span: Span, args: &[ast::Expr], e: &ast::Expr) -> Option<Stmt> {
        match name {
            "printf" => self.printf(args, e),
            "exit" => self.arity(name, args, e.span, 0, 0, "exit()").then_some(Stmt::Exit),
            "print" | "clear" | "zero" => {
                if !self.arity(name, args, e.span, 1, 1, &format!("{name}(@map)")) {
                    return None;
                }
                let A::Map { name: map, keys } = &args[0].kind else {
                    self.error(
                        Diagnostic::error(format!("`{name}` needs a map"), args[0].span, "not a map")
                            .with_help(format!("write `{name}(@map)`")),
                    );
                    return None;
                };
                if !keys.is_empty() {
                    self.error(
                        Diagnostic::error(format!("`{name}` works on a whole map"), args[0].span, "has a key")
                            .with_help(format!("write `{name}({map})`")),
                    );
                    return None;
                }
                let m = self.map_existing(map, args[0].span, None)?;
                Some(match name {
                    "print" => Stmt::Print(m),
                    "clear" => Stmt::Clear(m),
                    _ => Stmt::Zero(m),
                })
            }
            "delete" => {
                if !self.arity(name, args, e.span, 1, 1, "delete(@map[key])") {
                    return None;
                }
                let A::Map { name: map, keys } = &args[0].kind else {
                    self.error(
                        Diagnostic::error("`delete` needs a map element", args[0].span, "not a map").with_help("write `delete(@map[key])`"),
                    );
                    return None;
                };
                let keys = self.keys(keys)?;
                let types: Vec<Type> = keys.iter().map(|k| k.ty.clone()).collect();
                let m = self.map_existing(map, args[0].span, Some(&types))?;
                Some(Stmt::Delete { map: m, keys })
            }
            n if AGGREGATIONS.contains(&n) => {
                self.error(
                    Diagnostic::error(format!("the result of `{n}()` must be assigned to a map"), e.span, "result unused")
                        .with_help(format!("write `@name = {n}(...);`")),
                );
                None
            }
            "str" | "reg" => {
                self.error(
                    Diagnostic::error(format!("the value of `{name}(...)` is unused"), e.span, "unused value")
                        .with_help("assign it, e.g. `$s = str(arg0);`, or print it with printf"),
                );
                None
            }
            _ => {
                self.unknown_function(name, name_span);
                None
            }
        }
    }

    fn printf(&mut self, args: &[ast::Expr], e: &ast::Expr) -> Option<Stmt> {
        let Some(first) = args.first() else {
            self.error(
                Diagnostic::error("`printf` needs a format string", e.span, "no arguments").with_help("write `printf(\"%d\\n\", value)`"),
            );
            return None;
        };
        let A::Str(fmt) = &first.kind else {
            self.error(
                Diagnostic::error("the format of `printf` must be a string literal", first.span, "not a literal")
                    .with_help("write `printf(\"%d\\n\", value)`"),
            );
            return None;
        };
        let specs = match conversions(fmt) {
            Ok(s) => s,
            Err(bad) => {
                self.error(
                    Diagnostic::error(format!("unsupported conversion `{bad}` in format"), first.span, "in this format")
                        .with_help("conversions are %d %i %u %x %X %o %c %s %p and %% (no floating point)"),
                );
                return None;
            }
        };
        let values = &args[1..];
        if specs.len() != values.len() {
            let at = if values.len() > specs.len() { values[specs.len()].span } else { e.span };
            self.error(
                Diagnostic::error(
                    format!("the format has {} conversion(s) but {} argument(s) follow", specs.len(), values.len()),
                    at,
                    "argument count mismatch",
                )
                .with_note(first.span, format!("{} conversion(s) here", specs.len())),
            );
            return None;
        }
        let mut typed = Vec::new();
        let mut ok = true;
        for (i, (spec, arg)) in specs.iter().zip(values).enumerate() {
            let Some(v) = self.expr(arg) else {
                ok = false;
                continue;
            };
            let fits = match spec.conv {
                Conv::Str => v.ty == Type::Str,
                Conv::Int | Conv::Ptr => v.ty.is_scalar(),
            };
            if !fits {
                let help = if spec.conv == Conv::Str {
                    "use %d, %u or %x for integers, or `str(pointer)` to read a string from memory"
                } else {
                    "use %s for strings"
                };
                self.error(
                    Diagnostic::error(
                        format!(
                            "format `{}` expects {}, but argument {} is {}",
                            spec.text,
                            if spec.conv == Conv::Str { "a string" } else { "an integer" },
                            i + 1,
                            v.ty
                        ),
                        arg.span,
                        format!("this is {}", v.ty),
                    )
                    .with_note(first.span, format!("`{}` is in this format", spec.text))
                    .with_help(help),
                );
                ok = false;
                continue;
            }
            typed.push(v);
        }
        if !ok {
            return None;
        }
        let format = self.formats.len();
        self.formats.push(Format { text: fmt.clone(), args: typed.iter().map(|a| super::maps::stored(&a.ty)).collect() });
        Some(Stmt::Printf { format, args: typed })
    }
}

fn plural(min: usize, max: usize) -> String {
    let n = |k: usize| if k == 1 { "1 argument".to_string() } else { format!("{k} arguments") };
    if min == max {
        n(min)
    } else {
        format!("{min} or {max} arguments")
    }
}
