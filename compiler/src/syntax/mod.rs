//! Parsing: script text to [`crate::ast::Program`]. pest does the
//! recognising; `build` turns the parse tree into the AST; errors become
//! [`Diagnostic`]s.

mod build;
mod grammar;
mod lit;
mod nesting;
mod probe_types;

use crate::ast::Program;
use crate::diag::Diagnostic;
use crate::span::Span;
use grammar::{ProbeParser, Rule};
use pest::Parser as _;

/// Deepest bracket nesting accepted; deeper input is refused before pest
/// sees it so that no recursive pass can overflow the stack.
pub const MAX_NESTING: usize = 64;

/// Parse a script. Never panics; every failure is a diagnostic.
pub fn parse(source: &str) -> Result<Program, Vec<Diagnostic>> {
    nesting::check(source, MAX_NESTING).map_err(|d| vec![d])?;
    // A generous bound on parser work: linear grammars stay far below it,
    // and it turns any pathological backtracking into an error, not a hang.
    pest::set_call_limit(std::num::NonZeroUsize::new(20_000_000));
    let mut pairs = ProbeParser::parse(Rule::program, source).map_err(|e| vec![pest_error(e)])?;
    let program = pairs.next().ok_or_else(|| vec![Diagnostic::error("empty parse", Span::default(), "here")])?;
    build::program(program)
}

/// Turn a pest error into a diagnostic that names what was expected in
/// words rather than rule names.
fn pest_error(e: pest::error::Error<Rule>) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let span = match e.location {
        InputLocation::Pos(p) => Span::new(p, p + 1),
        InputLocation::Span((s, t)) => Span::new(s, t),
    };
    match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().filter_map(|r| rule_name(*r)).collect();
            // Nothing at the start parsed (the item rules are atomic inside,
            // so pest names only `program`): say what a script starts with.
            if positives.as_slice() == [Rule::program] {
                names = vec!["`config`", "a map declaration", "a probe"];
            }
            names.sort_unstable();
            names.dedup();
            // pest reports rules, not literals: after a complete expression
            // the likely missing token is the statement separator.
            let after_expr = names.contains(&"an operator");
            if after_expr {
                names.push("`;`");
            }
            let expected = match names.len() {
                0 => "something else".to_string(),
                1 => names[0].to_string(),
                _ => {
                    let (last, rest) = names.split_last().unwrap_or((&"", &[]));
                    format!("{} or {}", rest.join(", "), last)
                }
            };
            let mut d = Diagnostic::error(format!("syntax error: expected {expected}"), span, format!("expected {expected}"));
            if names.contains(&"a probe") {
                d = d.with_help("a probe block looks like `kprobe:my_function /arg0 > 0/ { @calls = count(); }`");
            } else if after_expr {
                d = d.with_help("statements are separated by `;`");
            }
            d
        }
        ErrorVariant::CustomError { message } => Diagnostic::error(message.clone(), span, "here"),
    }
}

/// Human names for the rules pest reports as expected.
fn rule_name(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of input",
        Rule::probe | Rule::probe_list | Rule::probe_block | Rule::special_probe | Rule::attach_probe | Rule::foreign_probe => "a probe",
        Rule::config_block => "`config`",
        Rule::map_decl => "a map declaration",
        Rule::probe_kind => "a probe type",
        Rule::probe_target | Rule::probe_symbol | Rule::probe_addr => "a probe target (symbol, glob or address)",
        Rule::probe_offset => "`+OFFSET`",
        Rule::predicate => "a `/predicate/`",
        Rule::block => "`{`",
        Rule::expr | Rule::binary | Rule::unary | Rule::prefix_op | Rule::neg_op | Rule::cast | Rule::paren => "an expression",
        Rule::int_lit => "an integer",
        Rule::char_lit => "a character",
        Rule::str_lit => "a string",
        Rule::call => "a function call",
        Rule::map_access | Rule::map_name => "a map (`@name`)",
        Rule::var => "a variable (`$name`)",
        Rule::ident => "an identifier",
        Rule::bin_op => "an operator",
        Rule::assign_op => "`=`",
        Rule::incdec_op => "`++` or `--`",
        Rule::type_name | Rule::int_type | Rule::c_int_type | Rule::c_sign | Rule::c_word | Rule::kw_bool | Rule::kw_string => "a type",
        Rule::ptr_star => "`*`",
        Rule::let_stmt
        | Rule::return_stmt
        | Rule::expr_stmt
        | Rule::pre_incdec
        | Rule::if_stmt
        | Rule::for_stmt
        | Rule::unroll_stmt
        | Rule::while_stmt
        | Rule::loop_jump => "a statement",
        Rule::kw_else => "`else`",
        Rule::config_entry => "a setting (`name = value`)",
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
