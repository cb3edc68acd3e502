//! Typing expressions.

use super::Checker;
use crate::ast::{self, BinOp, ExprKind as A, ProbeKind, UnOp};
use crate::diag::Diagnostic;
use crate::tir::{normalise, CtxField, Expr, ExprKind as T};
use crate::types::Type;
use runtime_abi::{CTX_STR_COMM, CTX_STR_FUNC, CTX_STR_PROBE};

use probec_abi as runtime_abi;

/// Builtin identifiers, for "did you mean" help.
pub(crate) const BUILTINS: &[&str] = &[
    "arg0", "arg1", "arg2", "arg3", "arg4", "arg5", "arg6", "arg7", "retval", "func", "probe", "pc", "sp", "cpu", "nsecs", "elapsed",
    "tid", "pid", "uid", "gid",
];

/// Context values supplied by the embedder through `probec_ctx_value`.
const REQUIREMENTS: &[&str] = &["tid", "pid", "uid", "gid"];

/// Convert a type written in the script to a [`Type`].
pub(crate) fn type_of(t: &ast::TypeNameKind) -> Type {
    match t {
        ast::TypeNameKind::Int { bits, signed } => Type::Int { bits: *bits, signed: *signed },
        ast::TypeNameKind::Bool => Type::Bool,
        ast::TypeNameKind::String => Type::Str,
        ast::TypeNameKind::Ptr(inner) => Type::Ptr(Box::new(type_of(inner))),
    }
}

/// Conversion of a checked expression to `to` (no-op when already there).
pub(crate) fn convert(e: Expr, to: &Type) -> Expr {
    if &e.ty == to {
        return e;
    }
    if let T::Const(v) = e.kind {
        return Expr::constant(normalise(v, to), to.clone());
    }
    Expr { kind: T::Cast(Box::new(e)), ty: to.clone() }
}

impl Checker {
    /// A condition (`if`, predicate, ternary): any scalar, as a bool.
    pub(crate) fn condition(&mut self, e: &ast::Expr, what: &str) -> Option<Expr> {
        let c = self.expr(e)?;
        if !c.ty.is_scalar() {
            self.error(
                Diagnostic::error(format!("{what} must be an integer or bool, not a string"), e.span, "string")
                    .with_help("compare it: `$s == \"text\"` or `$s != \"\"`"),
            );
            return None;
        }
        Some(convert(c, &Type::Bool))
    }

    /// An integer operand (ints, bools, pointers).
    fn scalar(&mut self, e: &ast::Expr, what: &str) -> Option<Expr> {
        let x = self.expr(e)?;
        if !x.ty.is_scalar() {
            self.error(
                Diagnostic::error(format!("{what} needs an integer, found a string"), e.span, "string")
                    .with_help("strings can only be compared with `==` and `!=`, printed and used as map keys"),
            );
            return None;
        }
        Some(x)
    }

    /// Type an expression; `None` after reporting an error.
    pub(crate) fn expr(&mut self, e: &ast::Expr) -> Option<Expr> {
        match &e.kind {
            A::Int(v) => {
                let ty = if *v > i64::MAX as u64 { Type::U64 } else { Type::I64 };
                Some(Expr::constant(*v, ty))
            }
            A::Str(s) => {
                if s.len() as u32 >= self.limits.max_strlen {
                    self.error(
                        Diagnostic::error(
                            format!("string literal is {} bytes, strings hold at most {}", s.len(), self.limits.max_strlen - 1),
                            e.span,
                            "too long",
                        )
                        .with_help(format!("raise the limit: `config = {{ max_strlen = {} }}`", s.len() + 1)),
                    );
                    return None;
                }
                Some(Expr { kind: T::Str(s.as_bytes().to_vec()), ty: Type::Str })
            }
            A::Var(name) => match self.scope.lookup(name) {
                Some(b) => {
                    let local = b.local;
                    Some(Expr { kind: T::Local(local), ty: self.scope.types[local].clone() })
                }
                None => {
                    self.error(
                        Diagnostic::error(format!("variable `{name}` is not defined"), e.span, "undefined")
                            .with_help(format!("declare it first: `let {name} = ...;`")),
                    );
                    None
                }
            },
            A::Map { name, keys } => {
                let keys = self.keys(keys)?;
                let types: Vec<Type> = keys.iter().map(|k| k.ty.clone()).collect();
                let map = self.map_existing(name, e.span, Some(&types))?;
                let m = &self.maps[map];
                use crate::tir::MapKind::*;
                let ty = match (m.kind, &m.value) {
                    (Value, Some(t)) => t.clone(),
                    (Count, _) => Type::U64,
                    (Sum, Some(t)) => Type::Int { bits: 64, signed: t.is_signed() },
                    (Min | Max | Avg, _) => Type::I64,
                    (k, _) => {
                        let msg = format!("map `{name}` holds {} and cannot be read in an expression", k.name());
                        self.error(Diagnostic::error(msg, e.span, "aggregation").with_help(format!("print it with `print({name});`")));
                        return None;
                    }
                };
                Some(Expr { kind: T::MapGet { map, keys }, ty })
            }
            A::Ident(name) => self.builtin(name, e),
            A::Call { name, args } => self.call_expr(&name.node, name.span, args, e),
            A::Unary { op, operand } => self.unary(*op, operand, e),
            A::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e),
            A::Ternary { cond, then, otherwise } => {
                let c = self.condition(cond, "a `?:` condition");
                let a = self.expr(then);
                let b = self.expr(otherwise);
                let (c, a, b) = (c?, a?, b?);
                let ty = match (&a.ty, &b.ty) {
                    (Type::Str, Type::Str) => Type::Str,
                    (x, y) if x.is_scalar() && y.is_scalar() => Type::common(x, y),
                    _ => {
                        self.error(
                            Diagnostic::error("the branches of `?:` have different types", e.span, "mismatched branches")
                                .with_note(then.span, format!("this is {}", a.ty))
                                .with_note(otherwise.span, format!("this is {}", b.ty)),
                        );
                        return None;
                    }
                };
                let (a, b) = (convert(a, &ty), convert(b, &ty));
                Some(Expr { kind: T::Ternary(Box::new(c), Box::new(a), Box::new(b)), ty })
            }
            A::Cast { ty, operand } => {
                let to = type_of(&ty.kind);
                let x = self.expr(operand)?;
                if to == Type::Str || x.ty == Type::Str {
                    self.error(
                        Diagnostic::error(format!("cannot cast {} to {to}", x.ty), e.span, "invalid cast")
                            .with_help("read a string from memory with `str(pointer)`"),
                    );
                    return None;
                }
                Some(convert(x, &to))
            }
        }
    }

    /// Type map keys.
    pub(crate) fn keys(&mut self, keys: &[ast::Expr]) -> Option<Vec<Expr>> {
        let typed: Vec<Option<Expr>> = keys.iter().map(|k| self.expr(k)).collect();
        typed.into_iter().collect()
    }

    fn builtin(&mut self, name: &str, e: &ast::Expr) -> Option<Expr> {
        let kprobes = [ProbeKind::Kprobe];
        let attached = [ProbeKind::Kprobe, ProbeKind::Kretprobe];
        let need = |cx: &mut Checker, kinds: &[ProbeKind], what: &str, help: &str| -> bool {
            if cx.all_probes(kinds) {
                return true;
            }
            cx.error(
                Diagnostic::error(format!("`{name}` is only available in {what}"), e.span, "not available here")
                    .with_help(help.to_string()),
            );
            false
        };
        let reg = |n: u8| Some(Expr { kind: T::Reg(n), ty: Type::U64 });
        if let Some(n) = name.strip_prefix("arg").and_then(|d| d.parse::<u8>().ok()) {
            if n > 7 {
                self.error(
                    Diagnostic::error(format!("`{name}` does not exist"), e.span, "only arg0..arg7").with_help(
                        "AAPCS64 passes the first eight arguments in x0..x7; read others from the stack: `*(u64 *)(sp + 8 * N)`",
                    ),
                );
                return None;
            }
            if !need(
                self,
                &kprobes,
                "kprobes",
                "at a return the argument registers are gone: save them in a map keyed by `tid` in a kprobe",
            ) {
                return None;
            }
            return reg(n);
        }
        match name {
            "retval" => {
                if !need(self, &[ProbeKind::Kretprobe], "kretprobes", "use `kretprobe:FUNCTION` to see return values") {
                    return None;
                }
                Some(Expr { kind: T::Ctx(CtxField::Retval), ty: Type::U64 })
            }
            "pc" | "sp" => {
                if !need(self, &attached, "kprobes and kretprobes", "BEGIN and END do not interrupt any code") {
                    return None;
                }
                reg(if name == "sp" { 31 } else { 32 })
            }
            "func" | "probe" => {
                if name == "func" && !need(self, &attached, "kprobes and kretprobes", "use `probe` for the probe's name") {
                    return None;
                }
                let which = if name == "func" { CTX_STR_FUNC } else { CTX_STR_PROBE };
                Some(Expr { kind: T::CtxStr(which), ty: Type::Str })
            }
            "comm" => {
                // The thread's name comes from the embedder: the object
                // says so, and a runtime without thread names refuses it.
                if !self.requires.iter().any(|r| r == "comm") {
                    self.requires.push("comm".to_string());
                }
                Some(Expr { kind: T::CtxStr(CTX_STR_COMM), ty: Type::Str })
            }
            "cpu" => Some(Expr { kind: T::Ctx(CtxField::Cpu), ty: Type::U32 }),
            "nsecs" => {
                self.uses_clock = true;
                Some(Expr { kind: T::Ctx(CtxField::Nsecs), ty: Type::U64 })
            }
            "elapsed" => {
                self.uses_clock = true;
                Some(Expr { kind: T::Ctx(CtxField::Elapsed), ty: Type::U64 })
            }
            n if REQUIREMENTS.contains(&n) => {
                let index = match self.requires.iter().position(|r| r == n) {
                    Some(i) => i,
                    None => {
                        self.requires.push(n.to_string());
                        self.requires.len() - 1
                    }
                };
                Some(Expr { kind: T::Require(index as u32), ty: Type::U64 })
            }
            _ => {
                let mut d = Diagnostic::error(format!("unknown identifier `{name}`"), e.span, "not a builtin");
                d = match suggest(name, BUILTINS) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help("variables start with `$` and maps with `@`; builtins are arg0..arg7, retval, func, probe, pc, sp, cpu, nsecs, elapsed, tid, pid, uid, gid"),
                };
                self.error(d);
                None
            }
        }
    }

    fn unary(&mut self, op: UnOp, operand: &ast::Expr, e: &ast::Expr) -> Option<Expr> {
        if op == UnOp::Deref {
            let p = self.scalar(operand, "`*`")?;
            let Type::Ptr(pointee) = p.ty.clone() else {
                self.error(
                    Diagnostic::error(format!("cannot dereference a value of type {}", p.ty), e.span, "not a pointer")
                        .with_help("cast it to a typed pointer first, e.g. `*(u64 *)(arg0 + 8)`"),
                );
                return None;
            };
            return Some(Expr { kind: T::Read(Box::new(p)), ty: *pointee });
        }
        let x = self.scalar(
            operand,
            &format!(
                "`{}`",
                match op {
                    UnOp::Not => "!",
                    UnOp::Neg => "-",
                    _ => "~",
                }
            ),
        )?;
        let ty = if op == UnOp::Not { Type::Bool } else { x.ty.promoted() };
        let x = convert(x, &if op == UnOp::Not { Type::Bool } else { ty.clone() });
        Some(Expr { kind: T::Unary(op, Box::new(x)), ty })
    }

    fn binary(&mut self, op: BinOp, lhs: &ast::Expr, rhs: &ast::Expr, e: &ast::Expr) -> Option<Expr> {
        let a = self.expr(lhs);
        let b = self.expr(rhs);
        let (a, b) = (a?, b?);
        match op {
            BinOp::And | BinOp::Or => {
                let a = self.truthy(a, lhs)?;
                let b = self.truthy(b, rhs)?;
                return Some(Expr { kind: T::Logic(op == BinOp::And, Box::new(a), Box::new(b)), ty: Type::Bool });
            }
            _ => {}
        }
        let is_cmp = matches!(op, BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge);
        match (&a.ty, &b.ty) {
            (Type::Str, Type::Str) if matches!(op, BinOp::Eq | BinOp::Ne) => {
                return Some(Expr { kind: T::StrEq(op == BinOp::Eq, Box::new(a), Box::new(b)), ty: Type::Bool });
            }
            (Type::Str, _) | (_, Type::Str) => {
                let help = if is_cmp {
                    "strings compare only with strings, using `==` or `!=`"
                } else {
                    "there is no string arithmetic; strings can be compared, printed and used as map keys"
                };
                let (sa, sb) = (a.ty.to_string(), b.ty.to_string());
                self.error(
                    Diagnostic::error(format!("operator `{}` cannot be applied to {sa} and {sb}", op.symbol()), e.span, "invalid operands")
                        .with_note(lhs.span, format!("this is {sa}"))
                        .with_note(rhs.span, format!("this is {sb}"))
                        .with_help(help),
                );
                return None;
            }
            _ => {}
        }
        // Pointer arithmetic scales by the pointee size, as in C.
        if let (Type::Ptr(pointee), true) = (&a.ty, matches!(op, BinOp::Add | BinOp::Sub)) {
            if !matches!(b.ty, Type::Ptr(_)) {
                let size = pointee.mem_size().max(1) as u64;
                let mut off = convert(b, &Type::I64);
                if size != 1 {
                    off = Expr {
                        kind: T::Binary {
                            op: BinOp::Mul,
                            signed: true,
                            lhs: Box::new(off),
                            rhs: Box::new(Expr::constant(size, Type::I64)),
                        },
                        ty: Type::I64,
                    };
                }
                if op == BinOp::Sub {
                    off = Expr { kind: T::Unary(UnOp::Neg, Box::new(off)), ty: Type::I64 };
                }
                let ty = a.ty.clone();
                return Some(Expr { kind: T::PtrOffset { ptr: Box::new(a), offset: Box::new(off) }, ty });
            }
        }
        let common = Type::common(&a.ty, &b.ty);
        let signed = common.is_signed();
        let (a, b, ty) = match op {
            // Shifts take the promoted type of the left operand.
            BinOp::Shl | BinOp::Shr => {
                let t = a.ty.promoted();
                (convert(a, &t), convert(b, &Type::U64), t)
            }
            _ if is_cmp => (convert(a, &common), convert(b, &common), Type::Bool),
            _ => (convert(a, &common), convert(b, &common), common.clone()),
        };
        let signed = if matches!(op, BinOp::Shl | BinOp::Shr) { ty.is_signed() } else { signed };
        Some(Expr { kind: T::Binary { op, signed, lhs: Box::new(a), rhs: Box::new(b) }, ty })
    }

    fn truthy(&mut self, x: Expr, at: &ast::Expr) -> Option<Expr> {
        if !x.ty.is_scalar() {
            self.error(
                Diagnostic::error("`&&` and `||` need integer or bool operands, found a string", at.span, "string")
                    .with_help("compare it: `$s != \"\"`"),
            );
            return None;
        }
        Some(convert(x, &Type::Bool))
    }
}

/// The closest of `candidates` to `name`, if close enough to be a typo.
pub(crate) fn suggest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (distance(name, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, c)| (*d, c.len().abs_diff(name.len())))
        .map(|(_, c)| c)
}

/// Edit distance with adjacent transpositions (optimal string alignment),
/// so `prinft` is one edit from `printf`.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}
