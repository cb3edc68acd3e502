//! Diagnostics as values: every error carries spans and is rendered by
//! `codespan-reporting` with file, line, column, the source line and a caret.

use crate::span::Span;
use codespan_reporting::diagnostic as cr;
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The script cannot be compiled.
    Error,
    /// The script compiles but probably does not do what was meant.
    Warning,
}

/// A secondary location with a message ("first used here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// Where.
    pub span: Span,
    /// What about it.
    pub message: String,
}

/// One compiler message about the script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one line.
    pub message: String,
    /// The main location.
    pub span: Span,
    /// Text under the caret at the main location.
    pub label: String,
    /// Other relevant locations.
    pub notes: Vec<Note>,
    /// What to write instead, if we can tell.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span` whose caret reads `label`.
    pub fn error(message: impl Into<String>, span: Span, label: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, message: message.into(), span, label: label.into(), notes: Vec::new(), help: None }
    }

    /// An internal compiler error: a bug in probec, not in the script
    /// (every pass reports its own this way, so all read alike).
    pub fn internal(message: impl std::fmt::Display, span: Span, label: impl Into<String>) -> Self {
        Diagnostic::error(format!("internal compiler error: {message}"), span, label)
            .with_help("this is a bug in probec; please report it with the script")
    }

    /// A warning at `span`.
    pub fn warning(message: impl Into<String>, span: Span, label: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(message, span, label) }
    }

    /// Add a secondary location.
    pub fn with_note(mut self, span: Span, message: impl Into<String>) -> Self {
        self.notes.push(Note { span, message: message.into() });
        self
    }

    /// Add a suggestion.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this stops compilation.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Render diagnostics as rustc-style text (no colour) for `file_name`.
pub fn render(diags: &[Diagnostic], file_name: &str, source: &str) -> String {
    let file = SimpleFile::new(file_name, source);
    let config = term::Config::default();
    let mut out = String::new();
    for d in diags {
        // Spans come from byte offsets; widen them to character boundaries
        // so that no slice of the source can fall inside a UTF-8 sequence.
        let clamp = |s: Span| {
            let len = source.len();
            let mut start = (s.start as usize).min(len);
            while !source.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (s.end as usize).clamp(start, len);
            while !source.is_char_boundary(end) {
                end += 1;
            }
            start..end
        };
        let mut labels = vec![cr::Label::primary((), clamp(d.span)).with_message(&d.label)];
        for n in &d.notes {
            labels.push(cr::Label::secondary((), clamp(n.span)).with_message(&n.message));
        }
        let base = match d.severity {
            Severity::Error => cr::Diagnostic::error(),
            Severity::Warning => cr::Diagnostic::warning(),
        };
        let mut diag = base.with_message(&d.message).with_labels(labels);
        if let Some(help) = &d.help {
            diag = diag.with_notes(vec![format!("help: {help}")]);
        }
        match term::emit_into_string(&config, &file, &diag) {
            Ok(text) => out.push_str(&text),
            Err(_) => out.push_str(&format!("error: {}\n", d.message)),
        }
    }
    out
}
