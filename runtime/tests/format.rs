//! Output formats against hand-written expected text: bpftrace's (v0.21)
//! text layouts for scalar and keyed maps, sort order, hist, lhist, avg,
//! stats, strings with the truncation trailer; JSON lines; printf.

use probec_runtime::script::maps::Entry;
use probec_runtime::script::spec::{FieldKind, FieldSpec, Lhist, MapKind, MapSpec};
use probec_runtime::script::{json, printf, text};

const U: FieldSpec = FieldSpec::int(false);
const I: FieldSpec = FieldSpec::int(true);
const S16: FieldSpec = FieldSpec { kind: FieldKind::Str, size: 16 };

fn map(name: &str, kind: MapKind, keys: &[FieldSpec], value: Option<FieldSpec>, value_size: u32) -> MapSpec {
    MapSpec {
        name: name.into(),
        kind,
        capacity: 64,
        keys: keys.to_vec(),
        key_size: keys.iter().map(|k| k.size).sum(),
        value_size,
        value,
        lhist: None,
    }
}

fn words(ws: &[u64]) -> Vec<u8> {
    ws.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn s16(text: &str, truncated: bool) -> Vec<u8> {
    let mut b = vec![0u8; 16];
    b[..text.len()].copy_from_slice(text.as_bytes());
    if truncated {
        b[15] = 1;
    }
    b
}

fn entry(key: Vec<u8>, value: Vec<u8>) -> Entry {
    Entry { key, value }
}

fn as_text(spec: &MapSpec, mut e: Vec<Entry>) -> String {
    let mut out = String::new();
    text::map(spec, &mut e, &mut out).unwrap();
    out
}

fn as_json(spec: &MapSpec, mut e: Vec<Entry>) -> String {
    let mut out = String::new();
    json::map(spec, &mut e, &mut out).unwrap();
    out
}

#[test]
fn scalar_maps() {
    let m = map("@calls", MapKind::Count, &[], None, 8);
    assert_eq!(as_text(&m, vec![entry(vec![], words(&[12]))]), "@calls: 12\n");
    assert_eq!(as_json(&m, vec![entry(vec![], words(&[12]))]), "{\"type\": \"map\", \"data\": {\"@calls\": 12}}\n");
    let m = map("@sum", MapKind::Sum, &[], Some(I), 8);
    assert_eq!(as_text(&m, vec![entry(vec![], words(&[-40i64 as u64]))]), "@sum: -40\n");
    let m = map("@", MapKind::Value, &[], Some(S16), 16);
    assert_eq!(as_text(&m, vec![entry(vec![], s16("hello", false))]), "@: hello\n");
    assert_eq!(as_json(&m, vec![entry(vec![], s16("a\"b\n", false))]), "{\"type\": \"map\", \"data\": {\"@\": \"a\\\"b\\n\"}}\n");
    let m = map("@p", MapKind::Value, &[], Some(FieldSpec { kind: FieldKind::Ptr, size: 8 }), 8);
    assert_eq!(as_text(&m, vec![entry(vec![], words(&[0xffff_0000_4008_0000]))]), "@p: 0xffff000040080000\n");
    assert_eq!(as_json(&m, vec![entry(vec![], words(&[0x10]))]), "{\"type\": \"map\", \"data\": {\"@p\": \"0x10\"}}\n");
    let m = map("@b", MapKind::Value, &[], Some(FieldSpec { kind: FieldKind::Bool, size: 8 }), 8);
    assert_eq!(as_text(&m, vec![entry(vec![], words(&[1]))]), "@b: true\n");
}

#[test]
fn min_and_max_decode_their_encodings() {
    let min = map("@min", MapKind::Min, &[], Some(I), 8);
    let enc_min = |x: i64| !((x as u64) ^ (1 << 63));
    assert_eq!(as_text(&min, vec![entry(vec![], words(&[enc_min(-5)]))]), "@min: -5\n");
    let max = map("@max", MapKind::Max, &[], Some(U), 8);
    assert_eq!(as_text(&max, vec![entry(vec![], words(&[1234 ^ (1 << 63)]))]), "@max: 1234\n");
}

#[test]
fn keyed_maps_sort_by_value_then_key() {
    let m = map("@x", MapKind::Count, &[S16], None, 8);
    let e = vec![
        entry(s16("a", false), words(&[5])),
        entry(s16("c", false), words(&[3])),
        entry(s16("b", false), words(&[1])),
        entry(s16("d", false), words(&[3])),
    ];
    assert_eq!(as_text(&m, e.clone()), "@x[b]: 1\n@x[c]: 3\n@x[d]: 3\n@x[a]: 5\n");
    assert_eq!(as_json(&m, e), "{\"type\": \"map\", \"data\": {\"@x\": {\"b\": 1, \"c\": 3, \"d\": 3, \"a\": 5}}}\n");
    // Signed sums sort as signed.
    let m = map("@s", MapKind::Sum, &[U], Some(I), 8);
    let e = vec![entry(words(&[1]), words(&[7])), entry(words(&[2]), words(&[-7i64 as u64]))];
    assert_eq!(as_text(&m, e), "@s[2]: -7\n@s[1]: 7\n");
}

#[test]
fn tuple_keys_and_string_values_sort_by_key() {
    let m = map("@by", MapKind::Count, &[S16, U], None, 8);
    let key = |s: &str, n: u64| [s16(s, false), words(&[n])].concat();
    let e = vec![entry(key("kprobe:fib", 3), words(&[7])), entry(key("kprobe:fib", 1), words(&[9]))];
    assert_eq!(as_text(&m, e.clone()), "@by[kprobe:fib, 3]: 7\n@by[kprobe:fib, 1]: 9\n");
    assert_eq!(as_json(&m, e), "{\"type\": \"map\", \"data\": {\"@by\": {\"kprobe:fib,3\": 7, \"kprobe:fib,1\": 9}}}\n");
    let m = map("@name", MapKind::Value, &[I], Some(S16), 16);
    let e = vec![
        entry(words(&[2]), s16("two", false)),
        entry(words(&[-1i64 as u64]), s16("minus one", false)),
        entry(words(&[10]), s16("0123456789abcde", true)),
    ];
    assert_eq!(as_text(&m, e), "@name[-1]: minus one\n@name[2]: two\n@name[10]: 0123456789abcde..\n");
}

#[test]
fn avg_and_stats_end_with_an_empty_line() {
    let avg = map("@avg", MapKind::Avg, &[], Some(I), 16);
    assert_eq!(as_text(&avg, vec![entry(vec![], words(&[3, 16]))]), "@avg: 5\n\n");
    assert_eq!(as_json(&avg, vec![entry(vec![], words(&[3, 16]))]), "{\"type\": \"stats\", \"data\": {\"@avg\": 5}}\n");
    assert_eq!(as_text(&avg, vec![entry(vec![], words(&[2, -9i64 as u64]))]), "@avg: -4\n\n");
    let stats = map("@stats", MapKind::Stats, &[U], Some(U), 16);
    let e = vec![entry(words(&[1]), words(&[3, 15])), entry(words(&[2]), words(&[1, 2]))];
    assert_eq!(as_text(&stats, e.clone()), "@stats[2]: count 1, average 2, total 2\n@stats[1]: count 3, average 5, total 15\n\n");
    assert_eq!(
        as_json(&stats, e),
        "{\"type\": \"stats\", \"data\": {\"@stats\": {\"2\": {\"count\": 1, \"average\": 2, \"total\": 2}, \"1\": {\"count\": 3, \"average\": 5, \"total\": 15}}}}\n"
    );
}

fn hist_value(counts: &[(usize, u64)]) -> Vec<u8> {
    let mut b = [0u64; 66];
    for &(i, c) in counts {
        b[i] = c;
    }
    words(&b)
}

#[test]
fn hist_layout() {
    let m = map("@h", MapKind::Hist, &[], Some(U), 528);
    // 0 once, 1 twice, 5 four times: buckets 1, 2 and 4 ([4, 8)).
    let e = vec![entry(vec![], hist_value(&[(1, 1), (2, 2), (4, 4)]))];
    let expected = concat!(
        "@h: \n",
        "[0]                    1 |@@@@@@@@@@@@@                                       |\n",
        "[1]                    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n",
        "[2, 4)                 0 |                                                    |\n",
        "[4, 8)                 4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n",
        "\n",
    );
    assert_eq!(as_text(&m, e.clone()), expected);
    assert_eq!(
        as_json(&m, e),
        "{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 0, \"max\": 0, \"count\": 1}, {\"min\": 1, \"max\": 1, \"count\": 2}, {\"min\": 2, \"max\": 3, \"count\": 0}, {\"min\": 4, \"max\": 7, \"count\": 4}]}}\n"
    );
}

#[test]
fn hist_labels_negative_and_powers_of_1024() {
    let m = map("@h", MapKind::Hist, &[], Some(I), 528);
    // Negative values, [1K, 2K) (bucket 12) and [8E, 16E) (bucket 65).
    let e = vec![entry(vec![], hist_value(&[(0, 3), (12, 1)]))];
    let text = as_text(&m, e);
    assert!(text.starts_with("@h: \n(..., 0)               3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"), "{text}");
    assert!(text.contains("\n[256, 512)             0 |"), "{text}");
    assert!(text.ends_with("[1K, 2K)               1 |@@@@@@@@@@@@@@@@@                                   |\n\n"), "{text}");
    let top = as_text(&m, vec![entry(vec![], hist_value(&[(65, 1)]))]);
    assert_eq!(top, "@h: \n[8E, 16E)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n");
}

#[test]
fn keyed_hists_sort_by_total_and_are_separated_by_a_blank_line() {
    let m = map("@h", MapKind::Hist, &[U], Some(U), 528);
    let e = vec![entry(words(&[1]), hist_value(&[(3, 5)])), entry(words(&[2]), hist_value(&[(3, 1)]))];
    let row = |n: u64, bar: usize| format!("[2, 4)          {n:>8} |{:<52}|\n", "@".repeat(bar));
    assert_eq!(as_text(&m, e), format!("@h[2]: \n{}\n@h[1]: \n{}\n", row(1, 52), row(5, 52)));
}

#[test]
fn lhist_layout() {
    let mut m = map("@l", MapKind::Lhist, &[], Some(I), 8 * 12);
    m.lhist = Some(Lhist { min: 0, max: 100, step: 10, buckets: 10 });
    let mut b = [0u64; 12];
    b[0] = 1; // < 0
    b[2] = 2; // [10, 20)
    b[11] = 4; // >= 100
    let e = vec![entry(vec![], words(&b))];
    let expected = concat!(
        "@l: \n",
        "(..., 0)               1 |@@@@@@@@@@@@@                                       |\n",
        "[0, 10)                0 |                                                    |\n",
        "[10, 20)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n",
        "[20, 30)               0 |                                                    |\n",
        "[30, 40)               0 |                                                    |\n",
        "[40, 50)               0 |                                                    |\n",
        "[50, 60)               0 |                                                    |\n",
        "[60, 70)               0 |                                                    |\n",
        "[70, 80)               0 |                                                    |\n",
        "[80, 90)               0 |                                                    |\n",
        "[90, 100)              0 |                                                    |\n",
        "[100, ...)             4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n",
        "\n",
    );
    assert_eq!(as_text(&m, e.clone()), expected);
    let json = as_json(&m, e);
    assert!(json.starts_with("{\"type\": \"hist\", \"data\": {\"@l\": [{\"max\": -1, \"count\": 1}, {\"min\": 0, \"max\": 9, \"count\": 0}, {\"min\": 10, \"max\": 19, \"count\": 2}, "), "{json}");
    assert!(json.ends_with("{\"min\": 90, \"max\": 99, \"count\": 0}, {\"min\": 100, \"count\": 4}]}}\n"), "{json}");
}

#[test]
fn lhist_labels_use_k_and_m_only_for_steps_of_1024() {
    let mut m = map("@l", MapKind::Lhist, &[], Some(U), 8 * 6);
    m.lhist = Some(Lhist { min: 0, max: 4096, step: 1024, buckets: 4 });
    let e = vec![entry(vec![], words(&[0, 1, 0, 0, 1, 0]))];
    let text = as_text(&m, e);
    assert!(text.contains("\n[0, 1K)                1 |"), "{text}");
    assert!(text.contains("\n[3K, 4K)               1 |"), "{text}");
}

#[test]
fn empty_maps_print_nothing_in_json() {
    let m = map("@x", MapKind::Count, &[U], None, 8);
    assert_eq!(as_json(&m, vec![]), "");
}

fn render(fmt: &str, args: &[FieldSpec], record: &[u8]) -> String {
    let pieces = printf::parse(fmt, args).unwrap();
    let mut out = String::new();
    printf::render(&pieces, record, &mut out).unwrap();
    out
}

#[test]
fn printf_conversions_follow_c() {
    let r = words(&[-42i64 as u64]);
    assert_eq!(
        render("%d|%5d|%-5d|%05d|%+d|% d", &[I; 6], &[r.clone(), r.clone(), r.clone(), r.clone(), r.clone(), r.clone()].concat()),
        "-42|  -42|-42  |-0042|-42|-42"
    );
    let r = words(&[42]);
    assert_eq!(render("%+d % d %u %x %X %#x %o %#o %08x", &[U; 9], &r.repeat(9)), "+42  42 42 2a 2A 0x2a 52 052 0000002a");
    assert_eq!(render("%#x %#o", &[U; 2], &words(&[0, 0])), "0 0");
    assert_eq!(render("%c%c", &[U; 2], &words(&[b'o' as u64, b'k' as u64])), "ok");
    assert_eq!(render("%p %p", &[U; 2], &words(&[0, 0x4000_1234])), "(nil) 0x40001234");
    assert_eq!(render("%lld %llu %hhd %zu", &[I, U, I, U], &words(&[1, 2, 3, 4])), "1 2 3 4");
    assert_eq!(render("100%% %s!", &[S16], &s16("done", false)), "100% done!");
    assert_eq!(render("[%-8s][%8s]", &[S16; 2], &[s16("ab", false), s16("cd", false)].concat()), "[ab      ][      cd]");
    assert_eq!(render("%s", &[S16], &s16("0123456789abcde", true)), "0123456789abcde..");
    assert_eq!(render("%u", &[U], &words(&[u64::MAX])), "18446744073709551615");
    assert_eq!(render("%d", &[U], &words(&[u64::MAX])), "-1", "C reinterprets the 64-bit value");
}

#[test]
fn printf_formats_are_checked_against_their_arguments() {
    assert!(printf::parse("%d", &[]).unwrap_err().to_string().contains("no argument"));
    assert!(printf::parse("%s", &[U]).unwrap_err().to_string().contains("does not match"));
    assert!(printf::parse("%d", &[S16]).unwrap_err().to_string().contains("does not match"));
    assert!(printf::parse("%f", &[U]).unwrap_err().to_string().contains("unsupported conversion `%f`"));
    assert!(printf::parse("%.3d", &[U]).unwrap_err().to_string().contains("unsupported"));
    assert!(printf::parse("50%", &[]).unwrap_err().to_string().contains("unsupported"));
    assert!(printf::parse("x", &[U]).unwrap_err().to_string().contains("0 conversion(s) for 1"));
    assert!(printf::parse("%99999d", &[U]).unwrap_err().to_string().contains("width"));
    // A short record renders missing bytes as zero rather than failing.
    let pieces = printf::parse("%d %d", &[U, U]).unwrap();
    let mut out = String::new();
    printf::render(&pieces, &words(&[5]), &mut out).unwrap();
    assert_eq!(out, "5 0");
}

#[test]
fn json_printf_and_lost_events_lines() {
    let mut out = String::new();
    json::printf("tab\there \u{1}\n", &mut out).unwrap();
    json::lost_events(3, &mut out).unwrap();
    assert_eq!(
        out,
        "{\"type\": \"printf\", \"data\": \"tab\\there \\u0001\\n\"}\n{\"type\": \"lost_events\", \"data\": {\"events\": 3}}\n"
    );
}
