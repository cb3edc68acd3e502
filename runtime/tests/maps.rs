//! Script maps on the host: insert, lookup, find, delete, clear, zero, the
//! full-map drop count, and concurrent inserts from threads.

use probec_runtime::script::maps::Map;
use probec_runtime::script::spec::{FieldSpec, MapKind, MapSpec};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

fn spec(capacity: u32, keys: usize) -> MapSpec {
    MapSpec {
        name: "@m".into(),
        kind: MapKind::Count,
        capacity,
        keys: vec![FieldSpec::int(false); keys],
        key_size: 8 * keys as u32,
        value_size: 8,
        value: None,
        lhist: None,
    }
}

fn key(k: u64) -> [u8; 8] {
    k.to_le_bytes()
}

/// Add one to the count of `k` (as compiled `count()` does).
fn bump(m: &Map, k: u64) -> bool {
    // SAFETY: the key buffer holds the map's 8 key bytes.
    let p = unsafe { m.lookup(key(k).as_ptr()) } as *const AtomicU64;
    if p.is_null() {
        return false;
    }
    // SAFETY: non-null: value slots are `AtomicU64` words of `m`, which outlives this use.
    unsafe { (*p).fetch_add(1, Ordering::Relaxed) };
    true
}

fn count(m: &Map, k: u64) -> Option<u64> {
    // SAFETY: the key buffer holds the map's 8 key bytes.
    let p = unsafe { m.find(key(k).as_ptr()) } as *const AtomicU64;
    // SAFETY: non-null: value slots are `AtomicU64` words of `m`, which outlives this use.
    (!p.is_null()).then(|| unsafe { (*p).load(Ordering::Relaxed) })
}

#[test]
fn insert_lookup_find_delete() {
    let m = Map::new(&spec(16, 1)).unwrap();
    assert!(m.is_empty());
    assert_eq!(count(&m, 7), None, "find never creates");
    assert!(m.is_empty());
    for _ in 0..3 {
        assert!(bump(&m, 7));
    }
    assert!(bump(&m, 9));
    assert_eq!((count(&m, 7), count(&m, 9)), (Some(3), Some(1)));
    assert_eq!(m.entries().len(), 2);
    // SAFETY: the key buffer holds the map's 8 key bytes.
    unsafe { m.delete(key(7).as_ptr()) };
    assert_eq!(count(&m, 7), None);
    assert_eq!(m.entries().len(), 1);
    assert!(bump(&m, 7), "a deleted key comes back");
    assert_eq!(count(&m, 7), Some(1), "recreated zeroed");
    // SAFETY: as above.
    unsafe { m.delete(key(12345).as_ptr()) }; // absent: no effect
    assert_eq!(m.entries().len(), 2);
}

#[test]
fn zero_keeps_keys_and_clear_removes_them() {
    let m = Map::new(&spec(8, 1)).unwrap();
    for k in 0..5 {
        bump(&m, k);
        bump(&m, k);
    }
    m.zero();
    assert_eq!(m.entries().len(), 5);
    assert!((0..5).all(|k| count(&m, k) == Some(0)));
    m.clear();
    assert!(m.is_empty());
    assert_eq!(count(&m, 3), None);
    for k in 10..18 {
        assert!(bump(&m, k), "clear gives the capacity back");
    }
}

#[test]
fn map_without_keys_has_one_slot() {
    let m = Map::new(&spec(1, 0)).unwrap();
    for _ in 0..4 {
        // SAFETY: a map without keys never reads the key pointer.
        let p = unsafe { m.lookup(std::ptr::null()) } as *const AtomicU64;
        // SAFETY: a keyless map's one slot always exists (capacity 1), and
        // value slots are `AtomicU64` words of `m`, which outlives this use.
        unsafe { (*p).fetch_add(2, Ordering::Relaxed) };
    }
    let e = m.entries();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].key, Vec::<u8>::new());
    assert_eq!(e[0].value, 8u64.to_le_bytes());
}

#[test]
fn full_map_drops_new_keys_and_counts_them() {
    let m = Map::new(&spec(4, 1)).unwrap();
    for k in 0..4 {
        assert!(bump(&m, k));
    }
    assert!(!bump(&m, 4), "fifth key dropped");
    assert!(!bump(&m, 5));
    assert_eq!(m.dropped(), 2);
    assert!(bump(&m, 2), "existing keys still update");
    assert_eq!(count(&m, 2), Some(2));
    // A deleted key keeps its value slot (see the module docs): the same
    // key comes back, a new one is still dropped until clear().
    // SAFETY: the key buffer holds the map's 8 key bytes.
    unsafe { m.delete(key(1).as_ptr()) };
    assert!(!bump(&m, 6));
    assert!(bump(&m, 1));
    assert_eq!(m.dropped(), 3);
    assert_eq!(m.errors(), 0);
}

#[test]
fn null_key_for_a_keyed_map_is_an_error_not_a_crash() {
    let m = Map::new(&spec(4, 1)).unwrap();
    // SAFETY: the map checks for a null key before reading it (what this
    // test shows), so nothing is dereferenced.
    assert!(unsafe { m.lookup(std::ptr::null()) }.is_null());
    // SAFETY: as above.
    assert!(unsafe { m.find(std::ptr::null()) }.is_null());
    // SAFETY: as above.
    unsafe { m.delete(std::ptr::null()) };
    assert_eq!(m.errors(), 1);
}

#[test]
fn string_keys_compare_bytewise() {
    let mut s = spec(8, 0);
    s.keys = vec![FieldSpec { kind: probec_runtime::script::spec::FieldKind::Str, size: 16 }];
    s.key_size = 16;
    let m = Map::new(&s).unwrap();
    let mut a = [0u8; 16];
    a[..3].copy_from_slice(b"abc");
    let mut b = a;
    b[15] = 1; // same text, truncation marker set: a different key
    for k in [&a, &a, &b] {
        // SAFETY: `k` holds the map's 16 key bytes.
        let p = unsafe { m.lookup(k.as_ptr()) } as *const AtomicU64;
        // SAFETY: two keys fit (capacity 8), so the slot is non-null, and
        // value slots are `AtomicU64` words of `m`, which outlives this use.
        unsafe { (*p).fetch_add(1, Ordering::Relaxed) };
    }
    let mut e = m.entries();
    e.sort_by(|x, y| x.key.cmp(&y.key));
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].value, 2u64.to_le_bytes());
    assert_eq!(e[1].value, 1u64.to_le_bytes());
}

#[test]
fn concurrent_inserts_of_the_same_keys_create_each_once() {
    const THREADS: u64 = 8;
    const KEYS: u64 = 1000;
    let m = Arc::new(Map::new(&spec(KEYS as u32, 1)).unwrap());
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let m = Arc::clone(&m);
            std::thread::spawn(move || {
                // Each thread walks the keys in a different order.
                for i in 0..KEYS {
                    assert!(bump(&m, (i * (t + 1) * 7919) % KEYS));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let e = m.entries();
    assert_eq!(e.len(), KEYS as usize, "no key twice, none lost");
    let mut keys: Vec<_> = e.iter().map(|x| x.key.clone()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), KEYS as usize);
    let total: u64 = e.iter().map(|x| u64::from_le_bytes(x.value[..8].try_into().unwrap())).sum();
    assert_eq!(total, THREADS * KEYS, "no count lost");
    assert_eq!(m.dropped(), 0);
}

#[test]
fn concurrent_inserts_past_capacity_drop_exactly_the_excess() {
    const THREADS: u64 = 8;
    const PER: u64 = 200;
    let m = Arc::new(Map::new(&spec(1000, 1)).unwrap());
    let created = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (m, created) = (Arc::clone(&m), Arc::clone(&created));
            std::thread::spawn(move || {
                for i in 0..PER {
                    if bump(&m, t * PER + i) {
                        created.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(m.entries().len(), 1000);
    assert_eq!(created.load(Ordering::Relaxed), 1000);
    assert_eq!(m.dropped(), THREADS * PER - 1000);
}
