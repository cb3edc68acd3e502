//! The checks of each example script's output against the models.

use super::model::*;
use super::parse::*;
use std::collections::BTreeMap;

/// Accumulates failures of one run.
pub(super) struct Check<'a> {
    maps: Maps,
    stdout: &'a str,
    failures: Vec<String>,
}

impl Check<'_> {
    fn fail(&mut self, msg: String) {
        self.failures.push(msg);
    }

    /// Every value printed for `name` equals `want` (and there is one).
    fn value(&mut self, name: &str, want: impl ToString) {
        let want = want.to_string();
        match self.maps.values.get(name).cloned() {
            None => self.fail(format!("{name} not printed (want {want})")),
            Some(got) if got.iter().any(|g| *g != want) => self.fail(format!("{name}: got {got:?}, want {want}")),
            Some(_) => {}
        }
    }

    /// The numbers in every value printed for `name` are `want`.
    fn numbers(&mut self, name: &str, want: &[i64]) {
        match self.maps.values.get(name).cloned() {
            None => self.fail(format!("{name} not printed (want {want:?})")),
            Some(got) => {
                for g in got {
                    let nums: Vec<i64> = g.split(|c: char| !(c.is_ascii_digit() || c == '-')).filter_map(|w| w.parse().ok()).collect();
                    if nums != want {
                        self.fail(format!("{name}: got {g:?}, want the numbers {want:?}"));
                    }
                }
            }
        }
    }

    /// `name` has no value other than zero (or is not printed).
    fn zero_or_absent(&mut self, name: &str) {
        if let Some(got) = self.maps.values.get(name).cloned() {
            if got.iter().any(|g| g != "0") {
                self.fail(format!("{name}: got {got:?}, want nothing or 0"));
            }
        }
        if self.maps.hists.get(name).is_some_and(|hs| hs.iter().any(|h| !h.is_empty())) {
            self.fail(format!("{name}: a histogram with entries, want none"));
        }
    }

    /// Every histogram printed for `name` equals `want`.
    fn hist(&mut self, name: &str, want: &BTreeMap<i64, u64>) {
        match self.maps.hists.get(name).cloned() {
            None => self.fail(format!("histogram {name} not printed (want {want:?})")),
            Some(got) if got.iter().any(|g| g != want) => self.fail(format!("histogram {name}: got {got:?}, want {want:?}")),
            Some(_) => {}
        }
    }

    /// The keys printed for `@name[...]`, with their (last) values.
    fn keyed(&self, name: &str) -> BTreeMap<String, String> {
        let prefix = format!("{name}[");
        self.maps
            .values
            .iter()
            .filter_map(|(k, v)| {
                let key = k.strip_prefix(&prefix)?.strip_suffix(']')?;
                Some((key.to_string(), v.last()?.clone()))
            })
            .collect()
    }

    /// `@name[k]` is exactly `want` for every key (no other keys).
    fn keyed_exact(&mut self, name: &str, want: &BTreeMap<String, String>) {
        let got = self.keyed(name);
        if &got != want {
            self.fail(format!("{name}[...]: got {got:?}, want {want:?}"));
        }
    }

    /// Lines of the output equal to `line` (after trimming the end).
    fn count_lines(&self, pred: impl Fn(&str) -> bool) -> usize {
        self.stdout.lines().filter(|l| pred(l.trim_end())).count()
    }
}

pub(super) fn fib_arg_of(args: &[String]) -> Option<u64> {
    match args {
        [w, n] if w == "fib" => n.parse().ok(),
        _ => None,
    }
}

/// The checks of one example script on one run's output.
pub(super) fn check_example(name: &str, args: &[String], stdout: &str) -> Vec<String> {
    let mut c = Check { maps: parse_maps(stdout), stdout, failures: Vec::new() };
    let n = fib_arg_of(args);
    // Calls per argument and return values for fib workloads.
    let calls = n.map(fib_calls).unwrap_or_default();
    let total: u64 = calls.iter().sum();
    let by_arg = || calls.iter().enumerate().map(|(k, &c)| (k as i64, c));
    let by_ret = || calls.iter().enumerate().map(|(k, &c)| (fib_value(k as u64) as i64, c));
    let need_fib = |c: &mut Check, what: &str| {
        if n.is_none() {
            c.fail(format!("the checks of {what} expect a `// run: fib N` line, got {args:?}"));
            false
        } else {
            true
        }
    };
    match name {
        "count_calls" => {
            if need_fib(&mut c, name) {
                // 2*fib(N+1) - 1 calls, the closed form of the walk.
                let n = n.unwrap_or(0);
                assert_eq!(total, 2 * fib_value(n + 1) - 1);
                c.value("@calls", total);
                let begin = c.count_lines(|l| l == "counting calls of fib...");
                if begin != 1 {
                    c.fail(format!("BEGIN's printf appeared {begin} times, want once"));
                }
            }
        }
        "arg_histogram" => {
            if need_fib(&mut c, name) {
                c.hist("@n", &histogram(by_arg(), log2_bucket));
            }
        }
        "aggregations" => {
            if need_fib(&mut c, name) {
                let sum: u64 = by_ret().map(|(v, c)| v as u64 * c).sum();
                let min = by_ret().filter(|&(_, c)| c > 0).map(|(v, _)| v).min().unwrap_or(0);
                let max = by_ret().filter(|&(_, c)| c > 0).map(|(v, _)| v).max().unwrap_or(0);
                let avg = (sum / total) as i64;
                c.value("@count", total);
                c.value("@sum", sum);
                c.value("@min", min);
                c.value("@max", max);
                c.value("@avg", avg);
                c.numbers("@stats", &[total as i64, avg, sum as i64]);
                c.hist("@hist", &histogram(by_ret(), log2_bucket));
                c.hist("@lhist", &histogram(by_ret(), |v| linear_bucket(v, 0, 1000, 50)));
            }
        }
        "fault_safe_read" => {
            if need_fib(&mut c, name) {
                // The fib probe fires for arg0 == 1 only; reading NULL
                // gives 0 and an empty string, and the kernel carries on.
                let ones = calls.get(1).copied().unwrap_or(0) as usize;
                let got = c.count_lines(|l| l == "string read from NULL: ''");
                if got != ones {
                    c.fail(format!("{got} printf lines from the NULL read, want {ones} (calls of fib(1))"));
                }
                c.value("@null_read", 0);
                // Two failed reads per hit (the u32 and the string), each
                // counted and reported once at the end.
                let want = format!("WARNING: kprobe:refkernel::workload::fib: {} errors (", 2 * ones);
                if c.count_lines(|l| l.starts_with(&want)) != 1 {
                    c.fail(format!("no line starting `{want}`: the failed reads are not reported"));
                }
            }
        }
        "inflate_match_lengths" => {
            // deflate N: transfer copies LZ77 matches, 3..=258 bytes each
            // (RFC 1951), or the part of one that still fits the output
            // buffer; together never more than the N bytes inflated.
            let n: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(0);
            let hists = c.maps.hists.get("@match_len").cloned().unwrap_or_default();
            let count: u64 = hists.last().map(|h| h.values().sum()).unwrap_or(0);
            if hists.len() != 1 || count == 0 {
                c.fail(format!("@match_len: want one histogram with entries, got {hists:?}"));
            }
            if hists.iter().any(|h| h.keys().any(|&low| !(1..=256).contains(&low))) {
                c.fail(format!("@match_len has buckets outside [1, 512): {hists:?}"));
            }
            match c.maps.values.get("@bytes").and_then(|v| v.last()).and_then(|v| v.parse::<u64>().ok()) {
                Some(b) if b >= count && b <= n => {}
                other => c.fail(format!("@bytes: got {other:?}, want between {count} (one per match) and {n}")),
            }
            if c.count_lines(|l| l == "Tracing miniz_oxide::inflate::core::transfer...") != 1 {
                c.fail("BEGIN's line is missing".to_string());
            }
        }
        "keyed_maps" => {
            // deflate N calls compress_to_vec (and its _inner) exactly once
            // (workload/deflate.rs); every hit is on CPU 0.
            let calls = c.keyed("@calls");
            for f in ["miniz_oxide::deflate::compress_to_vec", "miniz_oxide::deflate::compress_to_vec_inner"] {
                match calls.get(f) {
                    Some(v) if v == "1" => {}
                    other => c.fail(format!("@calls[{f}]: got {other:?}, want 1")),
                }
            }
            let by_cpu: BTreeMap<String, String> = c.keyed("@by_cpu");
            let want: BTreeMap<String, String> = calls.iter().map(|(f, v)| (format!("{f}, 0"), v.clone())).collect();
            if by_cpu != want {
                c.fail(format!("@by_cpu: got {by_cpu:?}, want @calls per function on cpu 0: {want:?}"));
            }
            if !c.keyed("@fib_args").is_empty() {
                c.fail("@fib_args has keys, but fib never ran".to_string());
            }
        }
        "latency" => {
            // sha256 N (N >= 64): one compress256 call for the full blocks
            // of the single update, one for the padded final block(s).
            let hists = c.maps.hists.get("@latency_ns").cloned().unwrap_or_default();
            let count: Vec<u64> = hists.iter().map(|h| h.values().sum()).collect();
            if count.is_empty() || count.iter().any(|&n| n != 2) {
                c.fail(format!("@latency_ns counts {count:?}, want 2 (two compress256 calls)"));
            }
            if !hists.iter().all(|h| h.keys().all(|&k| k > 0)) {
                c.fail(format!("@latency_ns has a bucket <= 0: {hists:?}"));
            }
            match c.maps.values.get("@total_ns").and_then(|v| v.last()).and_then(|v| v.parse::<u64>().ok()) {
                Some(t) if t > 0 => {}
                other => c.fail(format!("@total_ns: got {other:?}, want a positive sum")),
            }
            if !c.keyed("@start").is_empty() {
                c.fail("@start still has keys: every entry is deleted at return".to_string());
            }
        }
        "lhist" => {
            if need_fib(&mut c, name) {
                c.hist("@fib_n", &histogram(by_arg(), |v| linear_bucket(v, 0, 40, 5)));
                c.zero_or_absent("@len");
            }
        }
        "loops_and_strings" => {
            if need_fib(&mut c, name) {
                let popcount: BTreeMap<String, String> =
                    histogram(by_arg(), |k| k.count_ones() as i64).into_iter().map(|(b, n)| (b.to_string(), n.to_string())).collect();
                c.keyed_exact("@popcount", &popcount);
                let even: u64 = by_arg().filter(|(k, _)| k % 2 == 0).map(|(_, c)| c).sum();
                let big_odd: u64 = by_arg().filter(|(k, _)| k % 2 == 1 && *k > 30).map(|(_, c)| c).sum();
                let small_odd: u64 = by_arg().filter(|(k, _)| k % 2 == 1 && *k <= 30).map(|(_, c)| c).sum();
                c.value("@even", even);
                if big_odd == 0 {
                    c.zero_or_absent("@big_odd");
                } else {
                    c.value("@big_odd", big_odd);
                }
                c.value("@small_odd", small_odd);
                c.value("@twice", 2 * total);
            }
        }
        "offset_probe" => {
            if need_fib(&mut c, name) {
                // fib+8 runs on every call, before x0 (the argument) changes.
                c.value("@hits", total);
                let want: BTreeMap<String, String> =
                    by_arg().filter(|&(_, n)| n > 0).map(|(k, n)| (k.to_string(), n.to_string())).collect();
                c.keyed_exact("@x0_at_offset", &want);
                match c.maps.values.get("@sp_low").and_then(|v| v.last()).map(|v| parse_int(v)) {
                    Some(Some(sp)) if sp > 0x4000_0000 && sp % 16 == 0 => {}
                    other => c.fail(format!("@sp_low: got {other:?}, want a 16-byte aligned stack address in RAM")),
                }
                c.zero_or_absent("@raw_address_hits");
            }
        }
        "predicates" => {
            if need_fib(&mut c, name) {
                let big_even: u64 = by_arg().filter(|(k, _)| *k >= 20 && k % 2 == 0).map(|(_, c)| c).sum();
                let small: u64 = by_arg().filter(|(k, _)| *k < 3 || (k & 0xff) == 0x10).map(|(_, c)| c).sum();
                if big_even == 0 {
                    c.zero_or_absent("@big_even_calls");
                } else {
                    c.value("@big_even_calls", big_even);
                }
                c.value("@small_or_sixteen", small);
            }
        }
        "printf_trace" => {
            if need_fib(&mut c, name) {
                let entries: u64 = by_arg().filter(|(k, _)| *k > 25).map(|(_, c)| c).sum();
                let returns: Vec<(i64, u64)> = by_ret().filter(|&(v, n)| v > 100_000 && n > 0).collect();
                let got = c.count_lines(|l| {
                    l.strip_prefix("fib(").and_then(|r| r.split_once(") on cpu 0 at +")).is_some_and(|(arg, rest)| {
                        arg.parse::<u64>().is_ok_and(|a| a > 25)
                            && rest.split_once(" ns, called from 0x").is_some_and(|(ns, lr)| {
                                ns.parse::<u64>().is_ok() && u64::from_str_radix(lr, 16).is_ok_and(|a| a >= 0x4008_0000)
                            })
                    })
                });
                if got as u64 != entries {
                    c.fail(format!("{got} entry lines, want {entries} (calls with arg0 > 25)"));
                }
                for (v, n) in returns {
                    let line = format!("kretprobe:refkernel::workload::fib returned {v}");
                    let got = c.count_lines(|l| l == line);
                    if got as u64 != n {
                        c.fail(format!("{got} lines `{line}`, want {n}"));
                    }
                }
            }
        }
        "rust_paths_and_globs" => {
            if need_fib(&mut c, name) {
                let key = "kprobe:refkernel::workload::fib".to_string();
                match c.keyed("@").get(&key) {
                    Some(v) if *v == total.to_string() => {}
                    other => c.fail(format!("@[{key}]: got {other:?}, want {total}")),
                }
            }
        }
        _ => c.fail(format!("no checks written for example {name}: add them to xtask/src/examples.rs")),
    }
    c.failures
}

/// Scripts also run with `--format json` (on the first configuration),
/// with their JSON lines checked exactly.
pub(super) const JSON_EXAMPLES: [&str; 2] = ["count_calls", "arg_histogram"];

/// The checks of a `--format json` run: bpftrace's `-f json` lines.
pub(super) fn check_json(name: &str, args: &[String], stdout: &str) -> Vec<String> {
    let mut failures = Vec::new();
    let Some(n) = fib_arg_of(args) else {
        return vec![format!("the JSON checks of {name} expect `// run: fib N`")];
    };
    let calls = fib_calls(n);
    let total: u64 = calls.iter().sum();
    // bpftrace's count: probe points, BEGIN and END.
    let probes = if name == "count_calls" { 3 } else { 1 };
    let mut want = vec![format!(r#"{{"type": "attached_probes", "data": {{"probes": {probes}}}}}"#)];
    match name {
        "count_calls" => {
            want.push(r#"{"type": "printf", "data": "counting calls of fib... \n"}"#.to_string());
            // print(@calls) in END, then the maps at exit.
            want.push(format!(r#"{{"type": "map", "data": {{"@calls": {total}}}}}"#));
            want.push(format!(r#"{{"type": "map", "data": {{"@calls": {total}}}}}"#));
        }
        "arg_histogram" => {
            let h = histogram(calls.iter().enumerate().map(|(k, &c)| (k as i64, c)), log2_bucket);
            let buckets: Vec<String> = h
                .iter()
                .map(|(&low, count)| {
                    let high = if low == 0 { 0 } else { 2 * low - 1 };
                    format!(r#"{{"min": {low}, "max": {high}, "count": {count}}}"#)
                })
                .collect();
            want.push(format!(r#"{{"type": "hist", "data": {{"@n": [{}]}}}}"#, buckets.join(", ")));
        }
        _ => return vec![format!("no JSON checks written for example {name}")],
    }
    let got: Vec<&str> = stdout.lines().filter(|l| l.starts_with('{')).collect();
    if got != want {
        failures.push(format!("JSON lines:\n      got  {got:?}\n      want {want:?}"));
    }
    let other: Vec<&str> = stdout.lines().filter(|l| !l.starts_with('{') && !l.trim().is_empty()).collect();
    if other.len() != 1 {
        failures.push(format!("besides JSON only the workload's result line, got {other:?}"));
    }
    failures
}

pub(super) fn parse_int(text: &str) -> Option<u64> {
    let t = text.trim();
    match t.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => t.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{result_line, run_hint};
    use super::*;

    #[test]
    fn fib_call_counts_match_the_closed_form() {
        for n in 0..30u64 {
            let calls = fib_calls(n);
            let total: u64 = calls.iter().sum();
            assert_eq!(total, 2 * fib_value(n + 1) - 1, "n = {n}");
            // Calls of fib(k) for 1 <= k <= n are fib(n - k + 1).
            for k in 1..=n {
                assert_eq!(calls[k as usize], fib_value(n - k + 1), "n = {n}, k = {k}");
            }
        }
        assert_eq!(fib_value(20), 6765);
        // The demo's histogram of fib(20)'s argument, as printed by hand.
        let h = histogram(fib_calls(20).iter().enumerate().map(|(k, &c)| (k as i64, c)), log2_bucket);
        assert_eq!(h.into_iter().collect::<Vec<_>>(), [(0, 4181), (1, 6765), (2, 6765), (4, 3571), (8, 597), (16, 12)]);
    }

    #[test]
    fn buckets() {
        assert_eq!(log2_bucket(0), 0);
        assert_eq!(log2_bucket(1), 1);
        assert_eq!(log2_bucket(3), 2);
        assert_eq!(log2_bucket(1024), 1024);
        assert_eq!(log2_bucket(-3), i64::MIN);
        assert_eq!(linear_bucket(-1, 0, 40, 5), i64::MIN);
        assert_eq!(linear_bucket(0, 0, 40, 5), 0);
        assert_eq!(linear_bucket(39, 0, 40, 5), 35);
        assert_eq!(linear_bucket(40, 0, 40, 5), 40);
    }

    #[test]
    fn parses_text_maps() {
        let out = "fib(20) = 6765\n\
@calls: 21891\n\
@fib_args[3]: 2584\n\
@[kprobe:refkernel::workload::fib]: 1973\n\
@by_cpu[miniz_oxide::deflate::compress_to_vec, 0]: 1\n\
@stats: count 3, average 2, total 6\n\
\n\
@n:\n\
[0]                 4181 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                    |\n\
[2, 4)              6765 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\
[1K, 2K)              12 |                                                    |\n\
[2K, 4K)               0 |                                                    |\n\
\n\
@l:\n\
(..., 0)               1 |@|\n\
[0, 5)                 2 |@@|\n\
[40, ...)              3 |@@@|\n";
        let m = parse_maps(out);
        assert_eq!(m.values["@calls"], ["21891"]);
        assert_eq!(m.values["@fib_args[3]"], ["2584"]);
        assert_eq!(m.values["@[kprobe:refkernel::workload::fib]"], ["1973"]);
        assert_eq!(m.values["@by_cpu[miniz_oxide::deflate::compress_to_vec, 0]"], ["1"]);
        assert_eq!(m.hists["@n"][0], BTreeMap::from([(0, 4181), (2, 6765), (1024, 12)]));
        assert_eq!(m.hists["@l"][0], BTreeMap::from([(i64::MIN, 1), (0, 2), (40, 3)]));
        let c = Check { maps: m, stdout: out, failures: vec![] };
        assert_eq!(c.keyed("@fib_args"), BTreeMap::from([("3".to_string(), "2584".to_string())]));
        assert_eq!(c.keyed("@")["kprobe:refkernel::workload::fib"], "1973");
        assert_eq!(result_line(out, "fib"), Some("fib(20) = 6765"));
    }

    #[test]
    fn wrong_output_fails() {
        let args = ["fib".to_string(), "20".to_string()];
        assert!(check_example("count_calls", &args, "counting calls of fib... \n@calls: 21891\n").is_empty());
        assert_eq!(check_example("count_calls", &args, "counting calls of fib... \n@calls: 21890\n").len(), 1);
        assert_eq!(check_example("count_calls", &args, "@calls: 21891\n").len(), 1, "BEGIN missing");
        assert_eq!(check_example("arg_histogram", &args, "@n: \n[0]   4181 |@|\n").len(), 1);
        assert_eq!(check_example("no_such_example", &args, "").len(), 1);
    }

    #[test]
    fn reads_run_hints() {
        assert_eq!(run_hint("// x\n// run: fib 20\nkprobe:f {}"), Some(vec!["fib".to_string(), "20".to_string()]));
        assert_eq!(run_hint("kprobe:f {}"), None);
    }
}
