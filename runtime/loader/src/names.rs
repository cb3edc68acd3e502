//! Function names as users write them, matched against symbols however
//! they were mangled.
//!
//! Rust has two symbol-mangling schemes and real kernels hold both: the
//! stable default (legacy, `_ZN…17h<hash>E`, which drops generic arguments
//! and prints inherent impls as `Type::method`) and v0 (`_R…`, which keeps
//! generic arguments and prints inherent impls as `<Type>::method`); the
//! standard library shipped by rustup is v0 even inside a legacy kernel.
//! A script written against one build of a kernel must work on another
//! build of the same source, so a name is matched in three ways, in order
//! of strictness ([`NameQuery::matches`]):
//!
//! 1. **raw**: the name is the symbol exactly as `nm` prints it
//!    (`_ZN9refkernel8workload3fib17h…E`, `_RNv…`, a C name);
//! 2. **exact**: the name equals the symbol's display name
//!    ([`display_name`]: demangled without hash and crate disambiguators),
//!    whitespace ignored; this is how a v0 name with generic arguments
//!    (`core::slice::sort::unstable::ipnsort::<u64, …>`) picks one
//!    monomorphization;
//! 3. **path**: the name and the display name have the same
//!    [`path_key`]: generic arguments dropped, `<T>::m` written `T::m`,
//!    closures and shims without their index. `kprobe:<T>::m` and
//!    `kprobe:T::m` therefore name the same function under either scheme,
//!    and a path names all its monomorphizations and hash-suffixed copies.
//!    A name that has generic arguments uses this rule only for legacy
//!    symbols (which lost their arguments, so the path is all that can be
//!    compared); against a v0 symbol it must match exactly (rule 2), so it
//!    never picks the wrong monomorphization.
//!
//! A name that matches several functions names all of them (docs/design.md,
//! "Function names"): the probe is attached to each and the attach line
//! counts them, as bpftrace does for a wildcard.
//!
//! Everything here is pure and allocation-light: the loader runs it once
//! per symbol per load, never on the hit path.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

/// One function symbol of the target, as the embedder's table holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Symbol<'a> {
    /// The name in the ELF symbol table, as `nm` prints it: a mangled Rust
    /// name (`_ZN…E`, `_R…`) or a C name.
    pub raw: &'a str,
    /// The name users write: [`display_name`] of `raw`.
    pub name: &'a str,
    /// Start address.
    pub addr: usize,
    /// Size in bytes (0 if unknown).
    pub size: usize,
}

/// Which mangling a raw symbol name uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mangling {
    /// Not a Rust name (C, assembly).
    None,
    /// Rust legacy mangling (`_ZN…17h<hash>E`): generic arguments dropped.
    Legacy,
    /// Rust v0 mangling (`_R…`): generic arguments kept.
    V0,
}

/// The mangling of a raw symbol name.
pub fn mangling(raw: &str) -> Mangling {
    match rustc_demangle::try_demangle(raw) {
        Err(_) => Mangling::None,
        // Legacy names start `_ZN` (or `ZN`/`__ZN` on some platforms); v0
        // names start `_R` (or `R`/`__R`).
        Ok(_) if raw.trim_start_matches('_').starts_with('R') => Mangling::V0,
        Ok(_) => Mangling::Legacy,
    }
}

/// Append the name users write for the raw symbol `raw` to `out`: Rust
/// names demangled without the `::h<hash>` suffix (legacy) and without
/// crate disambiguators (v0) — rustc-demangle's alternate form — and any
/// other name as it is.
pub fn display_name(raw: &str, out: &mut String) {
    match rustc_demangle::try_demangle(raw) {
        Ok(d) => {
            let _ = write!(out, "{d:#}");
        }
        Err(_) => out.push_str(raw),
    }
}

/// Whether `name` is a glob: it has a `?`, or a `*` other than the one of a
/// raw-pointer type (`<*const u8 as core::fmt::Debug>::fmt`).
pub fn is_glob(name: &str) -> bool {
    name.char_indices().any(|(i, c)| c == '?' || (c == '*' && !name[i + 1..].starts_with("const ") && !name[i + 1..].starts_with("mut ")))
}

/// Whether `name` contains a generic argument list (`Vec<u8>`, `f::<T>`),
/// as opposed to only qualified-path brackets (`<T>::m`, `<T as Tr>::m`).
pub fn has_generic_args(name: &str) -> bool {
    let b = name.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'<' {
            if !at_path_start(b, i) && !name[i + 1..].starts_with("impl ") {
                return true;
            }
            // A qualified path: its inside may have arguments of its own.
            let Some(end) = matching_close(b, i) else { return false };
            if has_generic_args(&name[i + 1..end]) {
                return true;
            }
            i = end + 1;
        } else {
            i += 1;
        }
    }
    false
}

/// Append the path key of `name` to `out`: the name with every generic
/// argument list removed, `<T>::rest` (an inherent impl, v0's spelling)
/// written `T::rest` (legacy's), closures and shims without their index
/// (`{closure#0}` and legacy's `{{closure}}` both become `{closure}`), and
/// no whitespace except around `as`. Two display names with the same key
/// name the same source-level function.
pub fn path_key(name: &str, out: &mut String) {
    let b = name.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'<' if at_path_start(b, i) || name[i + 1..].starts_with("impl ") => {
                let Some(end) = matching_close(b, i) else {
                    out.push_str(&name[i..]);
                    return;
                };
                let inner = &name[i + 1..end];
                if let Some(impl_of) = inner.strip_prefix("impl ") {
                    // Legacy's `core::num::<impl u64>::pow` is v0's
                    // `<u64>::pow`: the module prefix is not part of it.
                    out.clear();
                    path_key(impl_of.trim(), out);
                } else if let Some(at) = top_level_as(inner) {
                    out.push('<');
                    path_key(inner[..at].trim(), out);
                    out.push_str(" as ");
                    path_key(inner[at + 4..].trim(), out);
                    out.push('>');
                } else {
                    path_key(inner.trim(), out);
                }
                i = end + 1;
            }
            b'<' => {
                // A generic argument list: dropped, with the `::` of a
                // turbofish (`f::<T>`).
                let Some(end) = matching_close(b, i) else {
                    out.push_str(&name[i..]);
                    return;
                };
                if out.ends_with("::") {
                    out.truncate(out.len() - 2);
                }
                i = end + 1;
            }
            b'{' => {
                let (end, inner) = match name[i..].find('}') {
                    Some(e) => {
                        let close = name[i + e..].bytes().take_while(|&x| x == b'}').count();
                        (i + e + close, &name[i..i + e])
                    }
                    None => (b.len(), &name[i..]),
                };
                if inner.contains("closure") {
                    out.push_str("{closure}");
                } else if inner.contains("shim") {
                    out.push_str("{shim}");
                } else {
                    out.push_str(&name[i..end]);
                }
                i = end;
            }
            b' ' | b'\t' => {
                if name[i..].starts_with(" as ") {
                    out.push_str(" as ");
                    i += 4;
                } else {
                    i += 1;
                }
            }
            _ => {
                // Copy a run of plain characters at once.
                let run = b[i..].iter().position(|&x| matches!(x, b'<' | b'{' | b' ' | b'\t')).map_or(b.len(), |p| i + p);
                out.push_str(&name[i..run]);
                i = run;
            }
        }
    }
}

/// Whether the `<` at `i` opens a qualified path (`<T>::m`, `<T as Tr>`)
/// rather than a generic argument list: it starts the name or follows a
/// character that cannot end a path segment.
fn at_path_start(b: &[u8], i: usize) -> bool {
    match i.checked_sub(1).map(|p| b[p]) {
        None => true,
        Some(p) => matches!(p, b'&' | b'(' | b'[' | b',' | b' ' | b'<' | b'*'),
    }
}

/// Index of the `>` closing the `<` at `open`, skipping nested brackets
/// and the `>` of `->` in function-pointer types.
fn matching_close(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (j, &c) in b.iter().enumerate().skip(open) {
        match c {
            b'<' => depth += 1,
            b'>' if j > 0 && b[j - 1] == b'-' => {}
            b'>' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

/// Offset of ` as ` at bracket depth 0 in `s`.
fn top_level_as(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    for (j, &c) in b.iter().enumerate() {
        match c {
            b'<' => depth += 1,
            b'>' if j > 0 && b[j - 1] == b'-' => {}
            b'>' => depth = depth.saturating_sub(1),
            b' ' if depth == 0 && s[j..].starts_with(" as ") => return Some(j),
            _ => {}
        }
    }
    None
}

/// `s` without whitespace: the exact rule ignores spacing, so
/// `ipnsort::<u64,<u64 as …>::lt>` and rustc-demangle's `ipnsort::<u64, …>`
/// are the same name.
fn squeezed(s: &str, out: &mut String) {
    out.extend(s.chars().filter(|c| !c.is_whitespace()));
}

/// How a name matched a symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameMatch {
    /// The raw symbol name.
    Raw,
    /// The display name (whitespace ignored).
    Exact,
    /// The path key ([`path_key`]).
    Path,
}

/// A function name or glob as a user wrote it, prepared for matching
/// against many symbols.
#[derive(Clone, Debug)]
pub struct NameQuery {
    text: String,
    squeezed: String,
    key: String,
    generic: bool,
    glob: bool,
    /// Scratch buffers for a symbol's squeezed name and key.
    scratch: (String, String),
}

impl NameQuery {
    /// A query for the function `name` ([`is_glob`] makes it a glob).
    pub fn new(name: &str) -> NameQuery {
        Self::with_glob(name, is_glob(name))
    }

    /// A query for `name`, a glob if `glob` (as an object's probe
    /// descriptor says) whatever characters it has.
    pub fn with_glob(name: &str, glob: bool) -> NameQuery {
        let mut sq = String::new();
        squeezed(name, &mut sq);
        let mut key = String::new();
        path_key(name, &mut key);
        NameQuery { text: name.into(), squeezed: sq, key, generic: has_generic_args(name), glob, scratch: (String::new(), String::new()) }
    }

    /// The name as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the name is a glob.
    pub fn is_glob(&self) -> bool {
        self.glob
    }

    /// How `sym` matches this name, if it does. A glob matches if it
    /// matches the raw name, the display name or (pattern and name both
    /// reduced to path keys) the path key.
    pub fn matches(&mut self, sym: &Symbol<'_>) -> Option<NameMatch> {
        let (sq, key) = &mut self.scratch;
        if self.glob {
            if glob_match(&self.text, sym.raw) {
                return Some(NameMatch::Raw);
            }
            sq.clear();
            squeezed(sym.name, sq);
            if glob_match(&self.squeezed, sq) {
                return Some(NameMatch::Exact);
            }
            key.clear();
            path_key(sym.name, key);
            return glob_match(&self.key, key).then_some(NameMatch::Path);
        }
        if self.text == sym.raw {
            return Some(NameMatch::Raw);
        }
        sq.clear();
        squeezed(sym.name, sq);
        if self.squeezed == *sq {
            return Some(NameMatch::Exact);
        }
        if self.generic && mangling(sym.raw) == Mangling::V0 {
            return None;
        }
        key.clear();
        path_key(sym.name, key);
        (self.key == *key).then_some(NameMatch::Path)
    }
}

/// `*` and `?` glob match over whole names.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// The target's symbols, supplied by the embedder (the reference kernel
/// reads its own ELF `.symtab`).
pub trait SymbolSource {
    /// Call `f` for every function symbol: its raw name as in the ELF, the
    /// name users write ([`names::display_name`] of the raw name: the C
    /// name, or the Rust path demangled WITHOUT the `::h<hash>` suffix and
    /// crate disambiguators), its start address and its size in bytes (0
    /// if unknown). Names are matched as [`names`] describes.
    fn for_each(&self, f: &mut dyn FnMut(&Symbol<'_>));
}

/// A slice of `(name, start, size)` is a symbol source of C-style names
/// (raw and display name the same; pass `&&list[..]` or a `Vec`).
impl SymbolSource for &[(&str, usize, usize)] {
    fn for_each(&self, f: &mut dyn FnMut(&Symbol<'_>)) {
        for &(name, addr, size) in self.iter() {
            f(&Symbol { raw: name, name, addr, size });
        }
    }
}

/// A vector of `(name, start, size)` is a symbol source.
impl SymbolSource for Vec<(&str, usize, usize)> {
    fn for_each(&self, f: &mut dyn FnMut(&Symbol<'_>)) {
        self.as_slice().for_each(f)
    }
}

/// A slice of [`Symbol`]s is a symbol source.
impl SymbolSource for &[Symbol<'_>] {
    fn for_each(&self, f: &mut dyn FnMut(&Symbol<'_>)) {
        for s in self.iter() {
            f(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> String {
        let mut k = String::new();
        path_key(s, &mut k);
        k
    }

    #[test]
    fn inherent_impls_and_generics_reduce_to_the_path() {
        assert_eq!(
            key("<miniz_oxide::deflate::core::HuffmanOxide>::optimize_table"),
            "miniz_oxide::deflate::core::HuffmanOxide::optimize_table"
        );
        assert_eq!(
            key("core::slice::sort::unstable::ipnsort::<u64, <u64 as core::cmp::PartialOrd>::lt>"),
            "core::slice::sort::unstable::ipnsort"
        );
        assert_eq!(key("<alloc::vec::Vec<u8>>::push"), "alloc::vec::Vec::push");
        assert_eq!(key("alloc::vec::Vec<T,A>::push"), "alloc::vec::Vec::push");
        assert_eq!(key("<alloc::vec::Vec<T,A> as core::ops::drop::Drop>::drop"), "<alloc::vec::Vec as core::ops::drop::Drop>::drop");
        assert_eq!(key("<alloc::vec::Vec<u8> as core::ops::drop::Drop>::drop"), "<alloc::vec::Vec as core::ops::drop::Drop>::drop");
        assert_eq!(key("core::ptr::drop_in_place<alloc::string::String>"), "core::ptr::drop_in_place");
        assert_eq!(key("core::ptr::drop_in_place::<alloc::string::String>"), "core::ptr::drop_in_place");
        assert_eq!(key("core::num::<impl u64>::pow"), "u64::pow");
        assert_eq!(key("<u64>::pow"), "u64::pow");
        assert_eq!(key("a::f::{{closure}}"), "a::f::{closure}");
        assert_eq!(key("a::f::{closure#1}"), "a::f::{closure}");
        assert_eq!(key("<fn(u8) -> u8 as a::T>::m"), "<fn(u8)->u8 as a::T>::m");
        assert_eq!(key("uart_putc"), "uart_putc");
    }

    #[test]
    fn generic_arguments_are_told_from_qualified_paths() {
        assert!(!has_generic_args("<miniz_oxide::deflate::core::HuffmanOxide>::optimize_table"));
        assert!(!has_generic_args("<u64 as core::cmp::PartialOrd>::lt"));
        assert!(!has_generic_args("refkernel::workload::fib"));
        assert!(has_generic_args("<alloc::vec::Vec<u8>>::push"));
        assert!(has_generic_args("core::slice::sort::unstable::ipnsort::<u64, <u64 as core::cmp::PartialOrd>::lt>"));
        assert!(has_generic_args("alloc::vec::Vec<T,A>::push"));
    }

    #[test]
    fn unbalanced_brackets_do_not_panic() {
        for s in ["<", ">", "a<", "<a", "a::<b", "<a as", "{", "}", "{{closure", "a<b>>", "<<>>::x", ""] {
            let _ = key(s);
            let _ = has_generic_args(s);
            let mut q = NameQuery::new(s);
            let _ = q.matches(&Symbol { raw: s, name: s, addr: 0, size: 0 });
        }
    }
}
