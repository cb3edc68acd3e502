//! The named functions a directive may call: the workload models of
//! `model.rs`, the bucket rules of `hist()`/`lhist()`, and a few helpers.
//! Forms that read the output or bind variables (`lines`, `sum(... for
//! ...)`, `empty(@m)`, ...) are syntax, in `parser.rs`.

use super::super::model;
use super::value::Value;
use std::collections::BTreeMap;

/// One function: its name, parameters (their count is checked when the
/// directive is parsed) and the code.
pub struct Function {
    pub name: &'static str,
    pub params: &'static [&'static str],
    pub call: fn(&[Value]) -> Result<Value, String>,
}

/// Every function, by name.
pub const FUNCTIONS: &[Function] = &[
    // fib(k), the workload's return value
    Function { name: "fib", params: &["k"], call: fib },
    // how many calls fib(n) makes of fib(k), by walking the recursion
    Function { name: "fib_calls", params: &["n", "k"], call: fib_calls },
    // all calls fib(n) makes, itself included: 2*fib(n+1)-1
    Function { name: "fib_total", params: &["n"], call: fib_total },
    // calls of the SHA-256 compression function by `sha256 n`
    Function { name: "sha256_compress_calls", params: &["n"], call: sha256_compress_calls },
    // lower bound of hist()'s bucket of v
    Function { name: "log2_bucket", params: &["v"], call: log2_bucket },
    // lower bound of lhist(v, min, max, step)'s bucket of v
    Function { name: "linear_bucket", params: &["v", "min", "max", "step"], call: linear_bucket },
    // the number of one bits in v (v >= 0)
    Function { name: "popcount", params: &["v"], call: popcount },
    // the sum of a map's values (a histogram's entries)
    Function { name: "total", params: &["map"], call: total },
    // a log2 histogram's buckets as `--format json` prints them
    Function { name: "hist_json", params: &["hist"], call: hist_json },
];

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// The function called `name`.
pub fn lookup(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// The functions with their parameters, for "unknown function" errors.
pub fn names() -> String {
    FUNCTIONS.iter().map(|f| format!("{}({})", f.name, f.params.join(", "))).collect::<Vec<_>>().join(", ")
}

fn int(v: &Value) -> Result<i128, String> {
    match v {
        Value::Int(i) => Ok(*i),
        other => Err(format!("want a number, got {other} ({})", other.kind())),
    }
}

/// An argument that must fit a u64 (and a u64 count that must fit the
/// models' loops: nothing here is meant for huge N).
fn nat(v: &Value, max: u64) -> Result<u64, String> {
    let i = int(v)?;
    u64::try_from(i).ok().filter(|&n| n <= max).ok_or_else(|| format!("want a number in 0..={max}, got {i}"))
}

fn i64_arg(v: &Value) -> Result<i64, String> {
    let i = int(v)?;
    i64::try_from(i).map_err(|_| format!("{i} does not fit an i64"))
}

/// fib(93) is the largest that fits a u64.
const FIB_MAX: u64 = 93;

fn fib(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Int(model::fib_value(nat(&a[0], FIB_MAX)?).into()))
}

fn fib_calls(a: &[Value]) -> Result<Value, String> {
    let n = nat(&a[0], FIB_MAX - 1)?;
    let k = int(&a[1])?;
    // fib(n) never calls fib(k) for k outside 0..=n.
    let calls = usize::try_from(k).ok().and_then(|k| model::fib_calls(n).get(k).copied()).unwrap_or(0);
    Ok(Value::Int(calls.into()))
}

fn fib_total(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Int(model::fib_total(nat(&a[0], FIB_MAX - 2)?)?.into()))
}

fn sha256_compress_calls(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Int(model::sha256_compress_calls(nat(&a[0], u64::MAX)?).into()))
}

fn log2_bucket(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Int(model::log2_bucket(i64_arg(&a[0])?).into()))
}

fn linear_bucket(a: &[Value]) -> Result<Value, String> {
    let [v, min, max, step] = [&a[0], &a[1], &a[2], &a[3]].map(i64_arg);
    let (v, min, max, step) = (v?, min?, max?, step?);
    if step <= 0 || max <= min {
        return Err(format!("lhist bounds min {min}, max {max}, step {step}: want min < max and step > 0"));
    }
    Ok(Value::Int(model::linear_bucket(v, min, max, step).into()))
}

fn popcount(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Int(nat(&a[0], u64::MAX)?.count_ones().into()))
}

fn map(v: &Value) -> Result<&BTreeMap<Value, Value>, String> {
    match v {
        Value::Map(m) => Ok(m),
        other => Err(format!("want a map, got {other} ({})", other.kind())),
    }
}

fn total(a: &[Value]) -> Result<Value, String> {
    let mut sum: i128 = 0;
    for v in map(&a[0])?.values() {
        sum = sum.checked_add(int(v)?).ok_or("total overflows")?;
    }
    Ok(Value::Int(sum))
}

/// bpftrace's JSON buckets of a log2 histogram: `{"min": 4, "max": 7,
/// "count": 2}` for [4, 8), `0` for the zero bucket.
fn hist_json(a: &[Value]) -> Result<Value, String> {
    let mut buckets = Vec::new();
    for (low, count) in map(&a[0])? {
        let low = int(low)?;
        if low < 0 || (low > 0 && low & (low - 1) != 0) {
            return Err(format!("{low} is not the lower bound of a log2 bucket >= 0"));
        }
        let high = if low == 0 { 0 } else { 2 * low - 1 };
        buckets.push(format!(r#"{{"min": {low}, "max": {high}, "count": {}}}"#, int(count)?));
    }
    Ok(Value::Str(format!("[{}]", buckets.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[i128]) -> Result<Value, String> {
        let f = lookup(name).expect("known");
        assert_eq!(f.params.len(), args.len());
        (f.call)(&args.iter().map(|&i| Value::Int(i)).collect::<Vec<_>>())
    }

    #[test]
    fn models() {
        assert_eq!(call("fib", &[20]), Ok(Value::Int(6765)));
        assert_eq!(call("fib_total", &[20]), Ok(Value::Int(21891)));
        assert_eq!(call("fib_calls", &[20, 1]), Ok(Value::Int(6765)));
        assert_eq!(call("fib_calls", &[20, 20]), Ok(Value::Int(1)));
        assert_eq!(call("fib_calls", &[20, 21]), Ok(Value::Int(0)));
        assert_eq!(call("fib_calls", &[20, -1]), Ok(Value::Int(0)));
        assert!(call("fib", &[94]).is_err(), "overflows a u64");
        assert!(call("fib_total", &[-1]).is_err());
        assert_eq!(call("sha256_compress_calls", &[4096]), Ok(Value::Int(2)));
        assert_eq!(call("sha256_compress_calls", &[10]), Ok(Value::Int(1)));
        assert_eq!(call("linear_bucket", &[39, 0, 40, 5]), Ok(Value::Int(35)));
        assert!(call("linear_bucket", &[39, 0, 40, 0]).is_err());
        assert_eq!(call("popcount", &[7]), Ok(Value::Int(3)));
    }

    #[test]
    fn hist_json_is_bpftraces() {
        let h = Value::Map([(0, 3), (1, 4), (4, 2)].into_iter().map(|(k, v)| (Value::Int(k), Value::Int(v))).collect());
        let Ok(Value::Str(s)) = hist_json(&[h]) else { panic!() };
        assert_eq!(s, r#"[{"min": 0, "max": 0, "count": 3}, {"min": 1, "max": 1, "count": 4}, {"min": 4, "max": 7, "count": 2}]"#);
        let bad = Value::Map([(Value::Int(3), Value::Int(1))].into_iter().collect());
        assert!(hist_json(&[bad]).is_err());
    }
}
