//! The per-CPU output ring on the host: round trips, wrap-around, the full
//! ring (dropped and counted), and a producer and consumer on two threads.

use probec_runtime::script::ring::{Record, Ring, HEADER_BYTES, MIN_BYTES};
use std::sync::Arc;

fn rec(kind: u16, id: u32, payload: &[u8]) -> Record {
    Record { kind, cpu: 3, id, payload: payload.to_vec() }
}

#[test]
fn records_round_trip_in_order() {
    let r = Ring::new(1024).unwrap();
    assert_eq!(r.capacity(), 1024);
    assert!(r.read().is_none());
    assert!(r.write(0, 3, 7, b"hello"));
    assert!(r.write(1, 3, 2, b""));
    assert!(r.write(0, 3, 9, &[1u8; 17]));
    assert_eq!(r.read(), Some(rec(0, 7, b"hello")));
    assert_eq!(r.read(), Some(rec(1, 2, b"")));
    assert_eq!(r.read(), Some(rec(0, 9, &[1u8; 17])));
    assert_eq!(r.read(), None);
    assert_eq!(r.lost(), 0);
}

#[test]
fn sizes_round_down_to_a_power_of_two_with_a_minimum() {
    assert_eq!(Ring::new(1000).unwrap().capacity(), 512);
    assert_eq!(Ring::new(3).unwrap().capacity(), MIN_BYTES);
}

#[test]
fn records_wrap_around_the_end() {
    let r = Ring::new(256).unwrap();
    // Odd sizes so records straddle the end at every possible offset.
    for round in 0..200u32 {
        let len = (round as usize * 13) % 100;
        let payload: Vec<u8> = (0..len).map(|i| (i as u32 ^ round) as u8).collect();
        assert!(r.write(0, 3, round, &payload), "round {round}");
        assert_eq!(r.read(), Some(rec(0, round, &payload)));
    }
    assert_eq!(r.lost(), 0);
}

#[test]
fn a_full_ring_drops_and_counts() {
    let r = Ring::new(256).unwrap();
    let payload = [0xabu8; 48]; // 64-byte records: four fit
    for i in 0..4 {
        assert!(r.write(0, 3, i, &payload));
    }
    assert!(!r.write(0, 3, 4, &payload));
    assert!(!r.write(0, 3, 5, b"x"), "even a small record: 16 + 8 > 0 free");
    assert_eq!(r.lost(), 2);
    assert_eq!(r.read().unwrap().id, 0);
    assert!(r.write(0, 3, 6, &payload), "reading frees space");
    let ids: Vec<u32> = std::iter::from_fn(|| r.read()).map(|x| x.id).collect();
    assert_eq!(ids, vec![1, 2, 3, 6]);
    assert!(!r.write(0, 3, 7, &[0u8; 256 - HEADER_BYTES + 1]), "larger than the ring");
    assert_eq!(r.lost(), 3);
}

#[test]
fn producer_and_consumer_on_two_threads() {
    const N: u32 = 20_000;
    let r = Arc::new(Ring::new(512).unwrap());
    let producer = {
        let r = Arc::clone(&r);
        std::thread::spawn(move || {
            let mut written = 0u32;
            for i in 0..N {
                let payload = [(i & 0xff) as u8; 11];
                if r.write(0, 1, i, &payload) {
                    written += 1;
                }
            }
            written
        })
    };
    let mut seen = Vec::new();
    loop {
        match r.read() {
            Some(x) => {
                assert_eq!(x.payload, vec![(x.id & 0xff) as u8; 11], "record {} intact", x.id);
                seen.push(x.id);
            }
            None if producer.is_finished() => {
                seen.extend(std::iter::from_fn(|| r.read()).map(|x| x.id));
                break;
            }
            None => std::thread::yield_now(),
        }
    }
    let written = producer.join().unwrap();
    assert_eq!(seen.len() as u32, written);
    assert_eq!(u64::from(N - written), r.lost(), "every record is read or counted lost");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "in order");
}
