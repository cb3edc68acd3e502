//! Names in expressions: every variable defined where it is used (`N`,
//! an earlier `// let:`, a comprehension's variables in its body and
//! condition, a pattern's captures in its condition), none shadowed.

use super::ast::{Expr, Iter, Part};
use super::lex::Error;

/// Check the names of `e`; `scope` holds the names defined around it.
pub fn resolve(e: &Expr, scope: &mut Vec<String>) -> Result<(), Error> {
    match e {
        Expr::Int(_) | Expr::Map(_) | Expr::Empty(_) | Expr::Printed(_) => Ok(()),
        Expr::Str(parts) => parts.iter().try_for_each(|p| match p {
            Part::Lit(_) => Ok(()),
            Part::Expr(e) => resolve(e, scope),
        }),
        Expr::Var { name, at } if !scope.contains(name) => Err((*at, undefined(name, scope))),
        Expr::Var { .. } => Ok(()),
        Expr::Index(a, b) | Expr::Default(a, b) | Expr::Binary { lhs: a, rhs: b, .. } => {
            resolve(a, scope)?;
            resolve(b, scope)
        }
        Expr::Not(a) | Expr::Neg(a) | Expr::Lines { text: a, .. } => resolve(a, scope),
        Expr::Call(_, args) => args.iter().try_for_each(|a| resolve(a, scope)),
        Expr::Matching { pattern, cond } => {
            let names: Vec<String> = pattern.names().map(str::to_string).collect();
            match cond {
                Some(c) => with(scope, &names, 0, |scope| resolve(c, scope)),
                None => Ok(()),
            }
        }
        Expr::Comp(c) => {
            // The range or map is evaluated outside the variables' scope.
            match &c.iter {
                Iter::Range { lo, hi, .. } => {
                    if c.vars.len() != 1 {
                        return Err((c.at, "a range binds one variable: `for k in 0..=N`".to_string()));
                    }
                    resolve(lo, scope)?;
                    resolve(hi, scope)?;
                }
                Iter::Over(map) => {
                    if c.vars.len() > 2 {
                        return Err((c.at, "a map binds its keys (`for k in @m`) or keys and values (`for k, v in @m`)".to_string()));
                    }
                    resolve(map, scope)?;
                }
            }
            with(scope, &c.vars, c.at, |scope| {
                [c.key.as_ref(), Some(&c.body), c.cond.as_ref()].into_iter().flatten().try_for_each(|e| resolve(e, scope))
            })
        }
    }
}

/// Whether `e` reads the script's output (a `// let:` must not: it is
/// computed once, before any run).
pub fn reads_output(e: &Expr) -> bool {
    match e {
        Expr::Map(_) | Expr::Lines { .. } | Expr::Matching { .. } | Expr::Empty(_) | Expr::Printed(_) => true,
        Expr::Int(_) | Expr::Var { .. } => false,
        Expr::Str(parts) => parts.iter().any(|p| matches!(p, Part::Expr(e) if reads_output(e))),
        Expr::Index(a, b) | Expr::Default(a, b) | Expr::Binary { lhs: a, rhs: b, .. } => reads_output(a) || reads_output(b),
        Expr::Not(a) | Expr::Neg(a) => reads_output(a),
        Expr::Call(_, args) => args.iter().any(reads_output),
        Expr::Comp(c) => {
            let iter = match &c.iter {
                Iter::Range { lo, hi, .. } => reads_output(lo) || reads_output(hi),
                Iter::Over(m) => reads_output(m),
            };
            iter || [c.key.as_ref(), Some(&c.body), c.cond.as_ref()].into_iter().flatten().any(reads_output)
        }
    }
}

/// Run `f` with `names` added to the scope (none may be defined already).
fn with(scope: &mut Vec<String>, names: &[String], at: usize, f: impl FnOnce(&mut Vec<String>) -> Result<(), Error>) -> Result<(), Error> {
    for (i, n) in names.iter().enumerate() {
        if scope.contains(n) || names[..i].contains(n) {
            return Err((at, format!("`{n}` is already defined: pick another name")));
        }
    }
    let depth = scope.len();
    scope.extend(names.iter().cloned());
    let r = f(scope);
    scope.truncate(depth);
    r
}

fn undefined(name: &str, scope: &[String]) -> String {
    if name == "N" {
        return "`N` is not defined: the `// run:` line has no single numeric workload argument (`// run: fib 20`)".to_string();
    }
    format!("`{name}` is not defined (defined here: {})", if scope.is_empty() { "nothing".to_string() } else { scope.join(", ") })
}
