//! Function names against real symbols of both Rust mangling schemes:
//! the reference kernel built once with v0 mangling and once with the
//! stable default (legacy), symbols from tests/data/refkernel-symbols.txt.
//! A name must select the same functions in both builds, whichever way it
//! is spelled.

use probec_runtime::script::names::{display_name, mangling, Mangling, NameMatch, NameQuery, Symbol};

struct Table {
    /// (raw, display name)
    symbols: Vec<(String, String)>,
}

impl Table {
    fn load(build: &str) -> Table {
        let text = include_str!("data/refkernel-symbols.txt");
        let symbols: Vec<(String, String)> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.strip_prefix(build)?.strip_prefix(' '))
            .map(|raw| {
                let mut name = String::new();
                display_name(raw, &mut name);
                (raw.to_string(), name)
            })
            .collect();
        assert!(symbols.len() > 40, "{build}: fixture has {} symbols", symbols.len());
        Table { symbols }
    }

    /// Raw names of the symbols `name` selects.
    fn select(&self, name: &str) -> Vec<&str> {
        let mut q = NameQuery::new(name);
        self.symbols
            .iter()
            .filter(|(raw, display)| q.matches(&Symbol { raw, name: display, addr: 0x1000, size: 4 }).is_some())
            .map(|(raw, _)| raw.as_str())
            .collect()
    }

    /// Raw names whose display name contains all of `parts`: an oracle
    /// that does not use the matcher.
    fn containing(&self, parts: &[&str]) -> Vec<&str> {
        self.symbols.iter().filter(|(_, d)| parts.iter().all(|p| d.contains(p))).map(|(r, _)| r.as_str()).collect()
    }
}

fn both() -> [(&'static str, Table); 2] {
    [("v0-build", Table::load("v0-build")), ("legacy-build", Table::load("legacy-build"))]
}

#[test]
fn the_fixture_really_has_both_schemes() {
    let [(_, v0), (_, legacy)] = both();
    assert!(v0.symbols.iter().all(|(r, _)| mangling(r) == Mangling::V0));
    let legacy_count = legacy.symbols.iter().filter(|(r, _)| mangling(r) == Mangling::Legacy).count();
    assert!(legacy_count > 20, "{legacy_count} legacy symbols");
    assert_eq!(mangling("uart_putc"), Mangling::None);
}

#[test]
fn plain_function_names_select_one_function_in_both_builds() {
    for (build, t) in both() {
        for name in ["refkernel::workload::fib", "sha2::sha256::compress256", "miniz_oxide::inflate::core::transfer"] {
            let got = t.select(name);
            assert_eq!(got.len(), 1, "{build}: {name} -> {got:?}");
            assert_eq!(got, t.containing(&[name]).into_iter().filter(|r| !r.contains("closure")).collect::<Vec<_>>());
        }
    }
}

#[test]
fn inherent_methods_match_with_and_without_the_v0_brackets() {
    for (build, t) in both() {
        let bracketed = t.select("<miniz_oxide::deflate::core::HuffmanOxide>::optimize_table");
        let plain = t.select("miniz_oxide::deflate::core::HuffmanOxide::optimize_table");
        assert_eq!(bracketed.len(), 1, "{build}");
        assert_eq!(bracketed, plain, "{build}");
    }
}

#[test]
fn a_path_selects_every_monomorphization() {
    for (build, t) in both() {
        let all = t.select("core::slice::sort::unstable::ipnsort");
        let oracle = t.containing(&["core::slice::sort::unstable::ipnsort"]);
        assert!(all.len() > 1, "{build}: {all:?}");
        assert_eq!(all, oracle, "{build}");
        // An inherent method of a generic type, spelled as either scheme
        // prints it, selects all its copies.
        let split = t.select("alloc::collections::btree::node::Handle::split");
        assert!(split.len() > 1, "{build}: {split:?}");
        assert_eq!(split, t.containing(&["btree::node::Handle", ">::split"]), "{build}");
    }
}

#[test]
fn generic_arguments_pick_one_v0_monomorphization_and_the_path_under_legacy() {
    let [(_, v0), (_, legacy)] = both();
    let name = "core::slice::sort::unstable::ipnsort::<u64, <u64 as core::cmp::PartialOrd>::lt>";
    let one = v0.select(name);
    assert_eq!(one.len(), 1, "{one:?}");
    let mut shown = String::new();
    display_name(one[0], &mut shown);
    assert_eq!(shown, name);
    // Spacing does not matter.
    assert_eq!(v0.select(&name.replace(", ", ",")), one);
    // A monomorphization the kernel does not have selects nothing in v0 ...
    assert!(v0.select("core::slice::sort::unstable::ipnsort::<u8, <u8 as core::cmp::PartialOrd>::lt>").is_empty());
    // ... while legacy symbols lost their arguments: the path is all there is.
    assert_eq!(legacy.select(name), legacy.select("core::slice::sort::unstable::ipnsort"));
}

#[test]
fn raw_names_select_exactly_that_symbol() {
    for (build, t) in both() {
        for (raw, _) in &t.symbols {
            let mut q = NameQuery::new(raw);
            let hits: Vec<_> =
                t.symbols.iter().filter_map(|(r, d)| q.matches(&Symbol { raw: r, name: d, addr: 0, size: 0 }).map(|m| (r, m))).collect();
            assert_eq!(hits, vec![(raw, NameMatch::Raw)], "{build}: {raw}");
        }
    }
}

#[test]
fn closures_match_under_either_spelling() {
    for (build, t) in both() {
        let legacy_spelling = t.select("probec_runtime::script::resolve::resolve::{{closure}}");
        let v0_spelling = t.select("probec_runtime::script::resolve::resolve::{closure#0}");
        assert!(!legacy_spelling.is_empty(), "{build}");
        assert_eq!(legacy_spelling, v0_spelling, "{build}");
    }
}

#[test]
fn globs_see_every_spelling() {
    for (build, t) in both() {
        let g = t.select("miniz_oxide::deflate::core::HuffmanOxide::*");
        assert_eq!(g, t.select("miniz_oxide::deflate::core::HuffmanOxide::optimize_table"), "{build}");
        let g = t.select("<miniz_oxide::deflate::core::HuffmanOxide>::*");
        assert_eq!(g.len(), 1, "{build}");
        let work = t.select("refkernel::workload::*");
        assert_eq!(work, t.containing(&["refkernel::workload::"]), "{build}");
        assert!(t.select("_ZN9refkernel*").len() == usize::from(build == "legacy-build") * work.len(), "{build}");
    }
}

#[test]
fn trait_impls_keep_the_trait() {
    for (build, t) in both() {
        let got = t.select("<alloc::string::String as core::fmt::Display>::fmt");
        assert_eq!(got.len(), 1, "{build}: {got:?}");
        assert!(t.select("alloc::string::String::fmt").is_empty(), "{build}");
    }
}
