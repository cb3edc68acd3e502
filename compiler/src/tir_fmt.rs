//! A compact text form of the typed IR (`--emit ast`, `-d`, golden tests):
//! every expression is shown with its type.

use crate::tir::{CtxField, Expr, ExprKind as T, Program, Stmt};
use std::fmt::Write;

/// Render a checked program.
pub fn program(p: &Program) -> String {
    let mut s = String::new();
    let l = &p.limits;
    let _ =
        writeln!(s, "config max_strlen={} max_map_keys={} max_stack={} max_loop={}", l.max_strlen, l.max_map_keys, l.max_stack, l.max_loop);
    for (i, m) in p.maps.iter().enumerate() {
        let keys: Vec<String> = m.keys.iter().map(|k| k.to_string()).collect();
        let value = m.value.as_ref().map(|v| v.to_string()).unwrap_or_else(|| "-".into());
        let _ = write!(s, "map #{i} {} kind={} keys=[{}] value={value} capacity={}", m.name, m.kind.name(), keys.join(", "), m.capacity);
        if let Some((a, b, c)) = m.lhist {
            let _ = write!(s, " lhist=({a}, {b}, {c})");
        }
        s.push('\n');
    }
    for (i, f) in p.formats.iter().enumerate() {
        let args: Vec<String> = f.args.iter().map(|k| k.to_string()).collect();
        let _ = writeln!(s, "format #{i} {:?} ({})", f.text, args.join(", "));
    }
    for (i, r) in p.requires.iter().enumerate() {
        let _ = writeln!(s, "require #{i} {r}");
    }
    for h in &p.handlers {
        let probes: Vec<&str> = h.probes.iter().map(|p| p.text.as_str()).collect();
        let locals: Vec<String> = h.locals.iter().enumerate().map(|(i, t)| format!("${i}:{t}")).collect();
        let _ = writeln!(s, "handler {:?} probes=[{}] locals=[{}] stack={}", h.symbol, probes.join(", "), locals.join(", "), h.stack_bytes);
        if let Some(p) = &h.predicate {
            let _ = writeln!(s, "  predicate {}", expr(p));
        }
        stmts(&mut s, &h.body, 1);
    }
    s
}

fn stmts(s: &mut String, body: &[Stmt], depth: usize) {
    for st in body {
        stmt(s, st, depth);
    }
}

fn keys(k: &[Expr]) -> String {
    if k.is_empty() {
        String::new()
    } else {
        format!("[{}]", k.iter().map(expr).collect::<Vec<_>>().join(", "))
    }
}

fn stmt(s: &mut String, st: &Stmt, depth: usize) {
    let pad = "  ".repeat(depth);
    let line = match st {
        Stmt::SetLocal { local, value } => format!("${local} = {}", expr(value)),
        Stmt::MapSet { map, keys: k, value } => format!("map#{map}{} = {}", keys(k), expr(value)),
        Stmt::MapAdd { map, keys: k, value } => format!("map#{map}{} += {} (atomic)", keys(k), expr(value)),
        Stmt::Aggregate { map, keys: k, agg, value } => {
            format!("map#{map}{} <- {agg:?}({})", keys(k), value.as_ref().map(expr).unwrap_or_default())
        }
        Stmt::If { cond, then, otherwise } => {
            let _ = writeln!(s, "{pad}if {}", expr(cond));
            stmts(s, then, depth + 1);
            if !otherwise.is_empty() {
                let _ = writeln!(s, "{pad}else");
                stmts(s, otherwise, depth + 1);
            }
            return;
        }
        Stmt::For { local, start, end, body } => {
            let _ = writeln!(s, "{pad}for ${local} in {start}..{end}");
            stmts(s, body, depth + 1);
            return;
        }
        Stmt::Unroll { count, body } => {
            let _ = writeln!(s, "{pad}unroll {count}");
            stmts(s, body, depth + 1);
            return;
        }
        Stmt::Return => "return".into(),
        Stmt::Exit => "exit()".into(),
        Stmt::Printf { format, args } => {
            format!("printf format#{format}({})", args.iter().map(expr).collect::<Vec<_>>().join(", "))
        }
        Stmt::Print(m) => format!("print map#{m}"),
        Stmt::Clear(m) => format!("clear map#{m}"),
        Stmt::Zero(m) => format!("zero map#{m}"),
        Stmt::Delete { map, keys: k } => format!("delete map#{map}{}", keys(k)),
    };
    let _ = writeln!(s, "{pad}{line}");
}

/// Render an expression with its type.
pub fn expr(e: &Expr) -> String {
    let inner = match &e.kind {
        T::Const(v) => {
            if e.ty.is_signed() {
                (*v as i64).to_string()
            } else {
                v.to_string()
            }
        }
        T::Str(b) => format!("{:?}", String::from_utf8_lossy(b)),
        T::Local(i) => format!("${i}"),
        T::MapGet { map, keys: k } => format!("map#{map}{}", keys(k)),
        T::Ctx(f) => match f {
            CtxField::Cpu => "cpu",
            CtxField::Nsecs => "nsecs",
            CtxField::Elapsed => "elapsed",
            CtxField::Retval => "retval",
        }
        .to_string(),
        T::Reg(31) => "sp".into(),
        T::Reg(32) => "pc".into(),
        T::Reg(n) => format!("x{n}"),
        T::Require(i) => format!("require#{i}"),
        T::CtxStr(0) => "func".into(),
        T::CtxStr(2) => "comm".into(),
        T::CtxStr(_) => "probe".into(),
        T::Unary(op, x) => format!("({op:?} {})", expr(x)),
        T::Binary { op, signed, lhs, rhs } => {
            format!("({}{} {} {})", op.symbol(), if *signed { "s" } else { "u" }, expr(lhs), expr(rhs))
        }
        T::PtrOffset { ptr, offset } => format!("(ptr+ {} {})", expr(ptr), expr(offset)),
        T::Logic(and, a, b) => format!("({} {} {})", if *and { "&&" } else { "||" }, expr(a), expr(b)),
        T::StrEq(eq, a, b) => format!("({} {} {})", if *eq { "str==" } else { "str!=" }, expr(a), expr(b)),
        T::Ternary(c, a, b) => format!("(? {} {} {})", expr(c), expr(a), expr(b)),
        T::Cast(x) => format!("(cast {})", expr(x)),
        T::Read(p) => format!("(read {})", expr(p)),
        T::ReadStr(p, n) => format!("(str {}{})", expr(p), n.as_ref().map(|n| format!(" {}", expr(n))).unwrap_or_default()),
    };
    format!("{inner}:{}", e.ty)
}
