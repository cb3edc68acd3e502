//! Reading the script output (bpftrace's text format).

use std::collections::BTreeMap;

/// The maps printed in text format: `@name: value` / `@name[key]: value`
/// lines, and histograms (`@name:` followed by bucket lines).
#[derive(Default, Debug)]
pub struct Maps {
    /// Every value printed for `@name` or `@name[key]`, in order.
    pub values: BTreeMap<String, Vec<String>>,
    /// Every histogram printed for `@name` or `@name[key]`: bucket lower
    /// bound (`i64::MIN` for the bucket below the range) → count.
    pub hists: BTreeMap<String, Vec<BTreeMap<i64, u64>>>,
}

/// `1K` → 1024, `-5` → -5, `2M` → 2 << 20.
pub(super) fn parse_bound(text: &str) -> Option<i64> {
    let t = text.trim();
    let (digits, shift) = match t.chars().last()? {
        'K' => (&t[..t.len() - 1], 10),
        'M' => (&t[..t.len() - 1], 20),
        'G' => (&t[..t.len() - 1], 30),
        'T' => (&t[..t.len() - 1], 40),
        _ => (t, 0),
    };
    digits.parse::<i64>().ok().map(|v| v << shift)
}

/// A bucket line `[2, 4)   6765 |@@@ |`: (lower bound, count).
pub(super) fn parse_bucket(line: &str) -> Option<(i64, u64)> {
    let line = line.trim_start();
    if !(line.starts_with('[') || line.starts_with('(')) {
        return None;
    }
    let before_bar = line.split('|').next()?.trim_end();
    let (label, count) = before_bar.rsplit_once(char::is_whitespace)?;
    let count = count.parse().ok()?;
    let label = label.trim();
    let low = if label.starts_with('(') {
        i64::MIN
    } else {
        let inner = label.trim_start_matches('[');
        let first = inner.split([',', ']']).next()?;
        parse_bound(first)?
    };
    Some((low, count))
}

/// Parse every map the output prints.
pub fn parse_maps(output: &str) -> Maps {
    let mut maps = Maps::default();
    let lines: Vec<&str> = output.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        i += 1;
        if !line.starts_with('@') {
            continue;
        }
        // The name runs to the `:` after any `[...]` key.
        let split = match line.find('[') {
            Some(open) if line[..open].find(':').is_none() => {
                // Keys may contain `::`; the key ends at the last `]:`.
                line.rfind("]:").map(|p| p + 1)
            }
            _ => line.find(':'),
        };
        let Some(split) = split else { continue };
        let name = line[..split].to_string();
        let value = line[split + 1..].trim();
        if !value.is_empty() {
            maps.values.entry(name).or_default().push(value.to_string());
            continue;
        }
        let mut hist = BTreeMap::new();
        while i < lines.len() {
            match parse_bucket(lines[i]) {
                Some((low, count)) => {
                    // Empty buckets between used ones are printed too.
                    if count > 0 {
                        *hist.entry(low).or_insert(0) += count;
                    }
                    i += 1;
                }
                None => break,
            }
        }
        maps.hists.entry(name).or_default().push(hist);
    }
    maps
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(m.values["@stats"], ["count 3, average 2, total 6"]);
        assert_eq!(m.hists["@n"][0], BTreeMap::from([(0, 4181), (2, 6765), (1024, 12)]));
        assert_eq!(m.hists["@l"][0], BTreeMap::from([(i64::MIN, 1), (0, 2), (40, 3)]));
    }
}
