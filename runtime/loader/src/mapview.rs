//! Reading maps for output: decoding value slots by map kind, key fields,
//! and the order bpftrace prints entries in (v0.21 `print_map`): integer
//! values ascending by value, min/max by value, avg/stats by average,
//! histograms by total count, everything else by key. Ties (which bpftrace
//! leaves in hash order) are broken by key, so output is deterministic.

use crate::maps::Entry;
use crate::spec::{FieldKind, FieldSpec, MapKind, MapSpec};
use crate::value::{le_u64, Value};
use alloc::vec::Vec;
use core::cmp::Ordering;

const SIGN: u64 = 1 << 63;

/// An entry's value as printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown<'a> {
    /// One value (value, count, sum, min, max, avg).
    Scalar(Value<'a>),
    /// `stats()`: count, average, total.
    Stats(u64, Value<'a>, Value<'a>),
    /// Histogram buckets (hist or lhist).
    Buckets(&'a [u8]),
}

fn word(bytes: &[u8], i: usize) -> u64 {
    le_u64(bytes.get(8 * i..).unwrap_or(&[]))
}

fn int(signed: bool, bits: u64) -> Value<'static> {
    if signed {
        Value::Signed(bits as i64)
    } else {
        Value::Unsigned(bits)
    }
}

/// Count and average of an avg/stats slot.
fn average(signed: bool, value: &[u8]) -> (u64, Value<'static>, Value<'static>) {
    let (count, sum) = (word(value, 0), word(value, 1));
    let avg = if count == 0 {
        int(signed, 0)
    } else if signed {
        Value::Signed((i128::from(sum as i64) / i128::from(count)) as i64)
    } else {
        Value::Unsigned(sum / count)
    };
    (count, avg, int(signed, sum))
}

/// Decode a value slot of `spec`.
pub fn shown<'a>(spec: &MapSpec, value: &'a [u8]) -> Shown<'a> {
    let signed = spec.signed();
    match spec.kind {
        MapKind::Value => Shown::Scalar(Value::decode(spec.value.unwrap_or(FieldSpec::int(false)), value)),
        MapKind::Count => Shown::Scalar(Value::Unsigned(word(value, 0))),
        MapKind::Sum => Shown::Scalar(int(signed, word(value, 0))),
        MapKind::Min => Shown::Scalar(int(signed, !word(value, 0) ^ SIGN)),
        MapKind::Max => Shown::Scalar(int(signed, word(value, 0) ^ SIGN)),
        MapKind::Avg => Shown::Scalar(average(signed, value).1),
        MapKind::Stats => {
            let (count, avg, total) = average(signed, value);
            Shown::Stats(count, avg, total)
        }
        MapKind::Hist | MapKind::Lhist => Shown::Buckets(value),
    }
}

/// The key fields of `key`, decoded.
pub fn key_fields<'a>(spec: &MapSpec, key: &'a [u8]) -> Vec<Value<'a>> {
    let mut off = 0usize;
    spec.keys
        .iter()
        .map(|f| {
            let bytes = key.get(off..(off + f.size as usize).min(key.len())).unwrap_or(&[]);
            off += f.size as usize;
            Value::decode(*f, bytes)
        })
        .collect()
}

/// Bucket `i` of a histogram value.
pub fn bucket(value: &[u8], i: usize) -> u64 {
    word(value, i)
}

/// Number of buckets in a histogram value.
pub fn buckets(value: &[u8]) -> usize {
    value.len() / 8
}

fn cmp_values(a: &Value<'_>, b: &Value<'_>) -> Ordering {
    match (a, b) {
        (Value::Signed(x), Value::Signed(y)) => x.cmp(y),
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        _ => a.bits().cmp(&b.bits()),
    }
}

fn cmp_keys(spec: &MapSpec, a: &[u8], b: &[u8]) -> Ordering {
    let (ka, kb) = (key_fields(spec, a), key_fields(spec, b));
    ka.iter().zip(kb.iter()).map(|(x, y)| cmp_values(x, y)).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
}

/// The number a value-sorted map sorts by, if it sorts by value.
fn sort_number(spec: &MapSpec, value: &[u8]) -> Option<i128> {
    let as_num = |v: Value<'_>| match v {
        Value::Signed(x) => Some(i128::from(x)),
        Value::Unsigned(x) => Some(i128::from(x)),
        _ => None,
    };
    match (spec.kind, shown(spec, value)) {
        (MapKind::Value, Shown::Scalar(v)) if matches!(spec.value.map(|f| f.kind), Some(FieldKind::Signed | FieldKind::Unsigned)) => {
            as_num(v)
        }
        (MapKind::Value, _) => None,
        (_, Shown::Scalar(v)) => as_num(v),
        (_, Shown::Stats(_, avg, _)) => as_num(avg),
        (_, Shown::Buckets(b)) => Some((0..buckets(b)).map(|i| i128::from(bucket(b, i))).sum()),
    }
}

/// Sort entries in bpftrace's print order.
pub fn sort(spec: &MapSpec, entries: &mut [Entry]) {
    entries.sort_by(|a, b| {
        let by_value = match (sort_number(spec, &a.value), sort_number(spec, &b.value)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => Ordering::Equal,
        };
        by_value.then_with(|| cmp_keys(spec, &a.key, &b.key))
    });
}
