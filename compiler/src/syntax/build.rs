//! Parse tree (pest pairs) to AST. The grammar guarantees the shape of each
//! pair; where it does not (and to never panic), a missing child becomes an
//! "internal" diagnostic instead of an unwrap.

use super::grammar::Rule;
use super::lit;
use super::probe_types;
use crate::ast::*;
use crate::diag::Diagnostic;
use crate::span::{Span, Spanned};
use pest::iterators::{Pair, Pairs};

type Res<T> = Result<T, Vec<Diagnostic>>;

/// Deepest expression tree accepted (counts operators as well as brackets).
const MAX_EXPR_DEPTH: usize = 200;

fn span(p: &Pair<Rule>) -> Span {
    Span::new(p.as_span().start(), p.as_span().end())
}

fn internal(p: &Pair<Rule>) -> Vec<Diagnostic> {
    vec![Diagnostic::error("internal parser error: unexpected syntax tree", span(p), "here")]
}

fn next<'a>(it: &mut Pairs<'a, Rule>, parent: &Pair<'a, Rule>) -> Res<Pair<'a, Rule>> {
    it.next().ok_or_else(|| internal(parent))
}

/// Build the program from the `program` pair, collecting every error.
pub(super) fn program(pair: Pair<Rule>) -> Res<Program> {
    let mut prog = Program { config: Vec::new(), map_decls: Vec::new(), blocks: Vec::new() };
    let mut errors = Vec::new();
    for item in pair.into_inner() {
        let result = match item.as_rule() {
            Rule::config_block => config(item).map(|mut c| prog.config.append(&mut c)),
            Rule::map_decl => map_decl(item).map(|d| prog.map_decls.push(d)),
            Rule::probe_block => probe_block(item).map(|b| prog.blocks.push(b)),
            _ => Ok(()),
        };
        if let Err(mut e) = result {
            errors.append(&mut e);
        }
    }
    if errors.is_empty() {
        Ok(prog)
    } else {
        Err(errors)
    }
}

fn int_value(p: &Pair<Rule>) -> Res<u64> {
    lit::int(p.as_str()).ok_or_else(|| {
        vec![Diagnostic::error("integer literal does not fit in 64 bits", span(p), "too large")
            .with_help("the largest value is 0xffff_ffff_ffff_ffff")]
    })
}

fn config(pair: Pair<Rule>) -> Res<Vec<ConfigEntry>> {
    let mut out = Vec::new();
    for entry in pair.into_inner() {
        let mut it = entry.clone().into_inner();
        let name = next(&mut it, &entry)?;
        let value = next(&mut it, &entry)?;
        out.push(ConfigEntry {
            name: Spanned { node: name.as_str().to_string(), span: span(&name) },
            value: Spanned { node: int_value(&value)?, span: span(&value) },
        });
    }
    Ok(out)
}

fn map_decl(pair: Pair<Rule>) -> Res<MapDecl> {
    let mut it = pair.clone().into_inner();
    let name = next(&mut it, &pair)?;
    let kind = next(&mut it, &pair)?;
    let cap = next(&mut it, &pair)?;
    Ok(MapDecl {
        name: Spanned { node: name.as_str().to_string(), span: span(&name) },
        kind: Spanned { node: kind.as_str().to_string(), span: span(&kind) },
        capacity: Spanned { node: int_value(&cap)?, span: span(&cap) },
    })
}

fn probe_block(pair: Pair<Rule>) -> Res<ProbeBlock> {
    let mut it = pair.clone().into_inner();
    let list = next(&mut it, &pair)?;
    let list_span = span(&list);
    let mut probes = Vec::new();
    for p in list.into_inner() {
        probes.push(probe(p)?);
    }
    let mut predicate = None;
    let mut body = None;
    for p in it {
        match p.as_rule() {
            Rule::predicate => {
                let mut inner = p.clone().into_inner();
                predicate = Some(expr(next(&mut inner, &p)?)?);
            }
            Rule::block => body = Some(block(p)?),
            _ => return Err(internal(&p)),
        }
    }
    let body = body.ok_or_else(|| internal(&pair))?;
    Ok(ProbeBlock { probes, predicate, body, span: list_span })
}

fn probe(pair: Pair<Rule>) -> Res<ProbeSpec> {
    let sp = span(&pair);
    let inner = next(&mut pair.clone().into_inner(), &pair)?;
    if inner.as_rule() == Rule::special_probe {
        let kind = if inner.as_str().eq_ignore_ascii_case("begin") { ProbeKind::Begin } else { ProbeKind::End };
        let text = if kind == ProbeKind::Begin { "BEGIN" } else { "END" };
        return Ok(ProbeSpec { kind, target: Target::None, text: text.into(), span: sp });
    }
    if inner.as_rule() == Rule::foreign_probe {
        return Err(vec![foreign_probe(&inner)?]);
    }
    let mut it = inner.clone().into_inner();
    let kind_pair = next(&mut it, &inner)?;
    let target_pair = next(&mut it, &inner)?;
    let Some((kind, canonical)) = probe_types::lookup(kind_pair.as_str()) else {
        return Err(vec![unknown_probe_type(&kind_pair)]);
    };
    let mut tit = target_pair.clone().into_inner();
    let first = next(&mut tit, &target_pair)?;
    let target = match first.as_rule() {
        Rule::probe_addr => Target::Address(int_value(&first)?),
        _ => {
            let name = first.as_str().to_string();
            let offset = match tit.next() {
                Some(off) => {
                    let mut oi = off.clone().into_inner();
                    int_value(&next(&mut oi, &off)?)?
                }
                None => 0,
            };
            if kind == ProbeKind::Kretprobe && offset != 0 {
                return Err(vec![Diagnostic::error("a kretprobe cannot have an offset", span(&target_pair), "offset on a return probe")
                    .with_help(format!("use `kretprobe:{name}` or `kprobe:{}`", target_pair.as_str()))]);
            }
            if probec_loader::names::is_glob(&name) {
                Target::Glob { pattern: name, offset }
            } else {
                Target::Symbol { name, offset }
            }
        }
    };
    Ok(ProbeSpec { kind, target, text: format!("{canonical}:{}", target_pair.as_str()), span: sp })
}

/// "unknown probe type `interval`", with the supported types and, for one
/// of bpftrace's, why probec lacks it.
fn unknown_probe_type(kind: &Pair<Rule>) -> Diagnostic {
    let word = kind.as_str();
    let supported = format!("supported probe types are {}", probe_types::supported());
    let help = match probe_types::missing_because(word) {
        Some(why) => format!("{why}\n{supported}"),
        None => supported,
    };
    Diagnostic::error(format!("unknown probe type `{word}`"), span(kind), "not a probe type").with_help(help)
}

/// A probe written with more parts than `TYPE:TARGET` (see the grammar's
/// `foreign_probe`): an unknown type, or a known one given bpftrace's
/// `kprobe:MODULE:FUNCTION` form.
fn foreign_probe(pair: &Pair<Rule>) -> Res<Diagnostic> {
    let mut it = pair.clone().into_inner();
    let kind = next(&mut it, pair)?;
    if probe_types::lookup(kind.as_str()).is_none() {
        return Ok(unknown_probe_type(&kind));
    }
    let parts: Vec<&str> = it.map(|p| p.as_str()).collect();
    let function = parts.last().copied().unwrap_or("FUNCTION");
    Ok(Diagnostic::error(
        format!("`{}` takes one target: a function, a glob or an address", kind.as_str()),
        span(pair),
        "more than one `:`",
    )
    .with_help(format!(
        "the target has no loadable modules: write `{}:{function}` (Rust paths use `::`, as in `kprobe:my_crate::module::{function}`)",
        kind.as_str()
    )))
}

fn block(pair: Pair<Rule>) -> Res<Block> {
    let sp = span(&pair);
    let mut stmts = Vec::new();
    for p in pair.into_inner() {
        stmts.push(stmt(p)?);
    }
    Ok(Block { stmts, span: sp })
}

fn var_name(p: &Pair<Rule>) -> Spanned<String> {
    Spanned { node: p.as_str().to_string(), span: span(p) }
}

fn stmt(pair: Pair<Rule>) -> Res<Stmt> {
    let sp = span(&pair);
    let mut it = pair.clone().into_inner();
    let kind = match pair.as_rule() {
        Rule::let_stmt => {
            let name = var_name(&next(&mut it, &pair)?);
            let mut ty = None;
            let mut init = None;
            for p in it {
                match p.as_rule() {
                    Rule::type_name => ty = Some(type_name(p)?),
                    _ => init = Some(expr(p)?),
                }
            }
            StmtKind::Let { name, ty, init }
        }
        Rule::return_stmt => StmtKind::Return,
        Rule::pre_incdec => {
            let op = next(&mut it, &pair)?;
            let target = expr(next(&mut it, &pair)?)?;
            StmtKind::IncDec { target, increment: op.as_str() == "++" }
        }
        Rule::expr_stmt => {
            let first = expr(next(&mut it, &pair)?)?;
            match it.next() {
                None => StmtKind::Expr(first),
                Some(op) if op.as_rule() == Rule::incdec_op => StmtKind::IncDec { target: first, increment: op.as_str() == "++" },
                Some(op) => {
                    let value = expr(next(&mut it, &pair)?)?;
                    let sym = op.as_str().trim_end_matches('=');
                    let bin = if sym.is_empty() { None } else { BinOp::from_symbol(sym) };
                    StmtKind::Assign { target: first, op: bin, value }
                }
            }
        }
        Rule::if_stmt => {
            let _kw = next(&mut it, &pair)?;
            let cond = expr(next(&mut it, &pair)?)?;
            let then = block(next(&mut it, &pair)?)?;
            let mut otherwise = None;
            if it.next().is_some() {
                let e = next(&mut it, &pair)?;
                otherwise = Some(if e.as_rule() == Rule::if_stmt {
                    let esp = span(&e);
                    Block { stmts: vec![stmt(e)?], span: esp }
                } else {
                    block(e)?
                });
            }
            StmtKind::If { cond, then, otherwise }
        }
        Rule::for_stmt => {
            let _kw = next(&mut it, &pair)?;
            let var = var_name(&next(&mut it, &pair)?);
            let start = expr(next(&mut it, &pair)?)?;
            let end = expr(next(&mut it, &pair)?)?;
            let body = block(next(&mut it, &pair)?)?;
            StmtKind::For { var, start, end, body }
        }
        Rule::unroll_stmt => {
            let _kw = next(&mut it, &pair)?;
            let count = expr(next(&mut it, &pair)?)?;
            let body = block(next(&mut it, &pair)?)?;
            StmtKind::Unroll { count, body }
        }
        Rule::while_stmt => {
            let kw = next(&mut it, &pair)?;
            return Err(vec![Diagnostic::error("`while` loops are not supported yet", span(&kw), "loop without a constant bound")
                .with_help("a handler must finish in bounded time: loop a constant number of times with `for $i : 0..N { ... }` or `unroll(N) { ... }`, and guard the body with `if`")]);
        }
        Rule::loop_jump => {
            let kw = next(&mut it, &pair)?;
            return Err(vec![Diagnostic::error(format!("`{}` is not supported yet", kw.as_str()), span(&kw), "not a statement in probec")
                .with_help("put the rest of the loop body under an `if` instead")]);
        }
        Rule::block => StmtKind::Block(block(pair)?),
        _ => return Err(internal(&pair)),
    };
    Ok(Stmt { kind, span: sp })
}

fn type_name(pair: Pair<Rule>) -> Res<TypeName> {
    let sp = span(&pair);
    let mut it = pair.clone().into_inner();
    let base = next(&mut it, &pair)?;
    let mut kind = match base.as_rule() {
        Rule::int_type => {
            let s = base.as_str();
            let (signed, digits) = match s {
                _ if s.starts_with("uint") => (false, &s[4..]),
                _ if s.starts_with("int") => (true, &s[3..]),
                _ => (s.starts_with('i'), &s[1..]),
            };
            let bits = digits.parse::<u8>().map_err(|_| internal(&base))?;
            TypeNameKind::Int { bits, signed }
        }
        Rule::c_int_type => c_int_type(&base)?,
        Rule::kw_bool => TypeNameKind::Bool,
        _ => TypeNameKind::String,
    };
    for _star in it {
        kind = TypeNameKind::Ptr(Box::new(kind));
    }
    Ok(TypeName { kind, span: sp })
}

/// A C integer type name (`unsigned long`, `long long int`, `short`),
/// sized as on arm64 Linux (LP64: `long` is 64 bits; plain `char` is
/// unsigned there, as AAPCS64 says).
fn c_int_type(pair: &Pair<Rule>) -> Res<TypeNameKind> {
    let mut sign = None;
    let mut words = Vec::new();
    for p in pair.clone().into_inner() {
        match p.as_rule() {
            Rule::c_sign => sign = Some(p.as_str() == "signed"),
            _ => words.push(p.as_str()),
        }
    }
    let count = |w: &str| words.iter().filter(|x| **x == w).count();
    let (chars, shorts, ints, longs) = (count("char"), count("short"), count("int"), count("long"));
    let bits = match (chars, shorts, ints, longs) {
        (0, 0, 0 | 1, 0) => 32,
        (1, 0, 0, 0) => 8,
        (0, 1, 0 | 1, 0) => 16,
        (0, 0, 0 | 1, 1 | 2) => 64,
        _ => {
            return Err(vec![Diagnostic::error(
                format!("`{}` is not a C integer type", pair.as_str()),
                span(pair),
                "not a C integer type",
            )
            .with_help("write `char`, `short`, `int`, `long` or `long long`, optionally after `signed` or `unsigned` (or `uint64`, `int32`, `u8`, ...)")])
        }
    };
    let signed = sign.unwrap_or(chars == 0);
    Ok(TypeNameKind::Int { bits, signed })
}

/// An expression and the depth of its tree.
struct Built {
    expr: Expr,
    depth: usize,
}

fn expr(pair: Pair<Rule>) -> Res<Expr> {
    Ok(expr_d(pair)?.expr)
}

fn too_deep(sp: Span) -> Vec<Diagnostic> {
    vec![Diagnostic::error("expression is too complex", sp, format!("more than {MAX_EXPR_DEPTH} nested operations"))
        .with_help("split it into steps with `let $tmp = ...;`")]
}

fn mk(kind: ExprKind, span: Span, depth: usize) -> Res<Built> {
    if depth > MAX_EXPR_DEPTH {
        return Err(too_deep(span));
    }
    Ok(Built { expr: Expr { kind, span }, depth })
}

fn expr_d(pair: Pair<Rule>) -> Res<Built> {
    let sp = span(&pair);
    match pair.as_rule() {
        Rule::expr => {
            let mut it = pair.clone().into_inner();
            let cond = expr_d(next(&mut it, &pair)?)?;
            match it.next() {
                None => Ok(cond),
                Some(t) => {
                    let then = expr_d(t)?;
                    let other = expr_d(next(&mut it, &pair)?)?;
                    let depth = 1 + cond.depth.max(then.depth).max(other.depth);
                    mk(
                        ExprKind::Ternary { cond: Box::new(cond.expr), then: Box::new(then.expr), otherwise: Box::new(other.expr) },
                        sp,
                        depth,
                    )
                }
            }
        }
        Rule::binary => binary(pair),
        Rule::unary => unary(pair),
        _ => primary(pair),
    }
}

/// Precedence climbing over the flat `unary (op unary)*` list.
fn binary(pair: Pair<Rule>) -> Res<Built> {
    let mut operands = Vec::new();
    let mut ops = Vec::new();
    for p in pair.clone().into_inner() {
        if p.as_rule() == Rule::bin_op {
            ops.push(BinOp::from_symbol(p.as_str()).ok_or_else(|| internal(&p))?);
        } else {
            operands.push(expr_d(p)?);
        }
    }
    if operands.len() != ops.len() + 1 {
        return Err(internal(&pair));
    }
    let mut operands = operands.into_iter();
    let first = operands.next().ok_or_else(|| internal(&pair))?;
    let rest: Vec<(BinOp, Built)> = ops.into_iter().zip(operands).collect();
    let mut rest = rest.into_iter().peekable();
    climb(first, &mut rest, 0)
}

fn climb(mut lhs: Built, rest: &mut std::iter::Peekable<std::vec::IntoIter<(BinOp, Built)>>, min_prec: u8) -> Res<Built> {
    while let Some((op, _)) = rest.peek() {
        let op = *op;
        if op.precedence() < min_prec {
            break;
        }
        let Some((_, mut rhs)) = rest.next() else { break };
        while let Some((next_op, _)) = rest.peek() {
            if next_op.precedence() > op.precedence() {
                rhs = climb(rhs, rest, op.precedence() + 1)?;
            } else {
                break;
            }
        }
        let sp = lhs.expr.span.to(rhs.expr.span);
        let depth = 1 + lhs.depth.max(rhs.depth);
        lhs = mk(ExprKind::Binary { op, lhs: Box::new(lhs.expr), rhs: Box::new(rhs.expr) }, sp, depth)?;
    }
    Ok(lhs)
}

fn unary(pair: Pair<Rule>) -> Res<Built> {
    let mut prefixes = Vec::new();
    let mut operand = None;
    for p in pair.clone().into_inner() {
        if p.as_rule() == Rule::prefix_op {
            prefixes.push(p);
        } else {
            operand = Some(expr_d(p)?);
        }
    }
    let mut e = operand.ok_or_else(|| internal(&pair))?;
    // Prefix operators apply right to left: `-*p` is `-(*p)`.
    for p in prefixes.into_iter().rev() {
        let psp = span(&p);
        let inner = next(&mut p.clone().into_inner(), &p)?;
        let sp = psp.to(e.expr.span);
        let depth = e.depth + 1;
        let kind = if inner.as_rule() == Rule::cast {
            let ty = type_name(next(&mut inner.clone().into_inner(), &inner)?)?;
            ExprKind::Cast { ty, operand: Box::new(e.expr) }
        } else {
            let op = match inner.as_str() {
                "!" => UnOp::Not,
                "-" => UnOp::Neg,
                "~" => UnOp::BitNot,
                _ => UnOp::Deref,
            };
            ExprKind::Unary { op, operand: Box::new(e.expr) }
        };
        e = mk(kind, sp, depth)?;
    }
    Ok(e)
}

fn primary(pair: Pair<Rule>) -> Res<Built> {
    let sp = span(&pair);
    let leaf = |kind| mk(kind, sp, 1);
    match pair.as_rule() {
        Rule::int_lit => leaf(ExprKind::Int(int_value(&pair)?)),
        Rule::char_lit => {
            let body = next(&mut pair.clone().into_inner(), &pair)?;
            let bytes = lit::unescape(body.as_str()).map_err(|_| bad_escape(sp))?;
            match bytes.as_slice() {
                [b] => leaf(ExprKind::Int(*b as u64)),
                _ => Err(vec![Diagnostic::error("a character literal holds one byte", sp, "not one byte")
                    .with_help("use a string literal in double quotes")]),
            }
        }
        Rule::str_lit => {
            let body = next(&mut pair.clone().into_inner(), &pair)?;
            let bytes = lit::unescape(body.as_str()).map_err(|_| bad_escape(sp))?;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            leaf(ExprKind::Str(text))
        }
        Rule::var => leaf(ExprKind::Var(pair.as_str().to_string())),
        Rule::ident => leaf(ExprKind::Ident(pair.as_str().to_string())),
        Rule::paren => {
            let inner = next(&mut pair.clone().into_inner(), &pair)?;
            let mut b = expr_d(inner)?;
            b.expr.span = sp;
            Ok(b)
        }
        Rule::map_access => {
            let mut it = pair.clone().into_inner();
            let name = next(&mut it, &pair)?.as_str().to_string();
            let mut keys = Vec::new();
            let mut depth = 0;
            for k in it {
                let b = expr_d(k)?;
                depth = depth.max(b.depth);
                keys.push(b.expr);
            }
            mk(ExprKind::Map { name, keys }, sp, depth + 1)
        }
        Rule::call => {
            let mut it = pair.clone().into_inner();
            let name = var_name(&next(&mut it, &pair)?);
            let mut args = Vec::new();
            let mut depth = 0;
            for a in it {
                let b = expr_d(a)?;
                depth = depth.max(b.depth);
                args.push(b.expr);
            }
            mk(ExprKind::Call { name, args }, sp, depth + 1)
        }
        _ => Err(internal(&pair)),
    }
}

fn bad_escape(sp: Span) -> Vec<Diagnostic> {
    vec![Diagnostic::error("unknown escape sequence", sp, "in this literal")
        .with_help("supported escapes are \\n \\t \\r \\0 \\\\ \\\" \\' and \\xHH")]
}
