//! Frames and messages round-trip, and anything at all fed to the frame
//! reader and the message decoders is either a message or an error, never
//! a panic (the property tests stand in for a fuzzer: the line carries
//! whatever a broken cable or a hostile host sends).

use probec_wire::frame::{self, FrameError, FrameReader};
use probec_wire::msg::{Event, RecordHeader, Request};
use probec_wire::{encode_frame, MAX_FRAME, MAX_PAYLOAD};
use proptest::prelude::*;

fn frames_of(bytes: &[u8]) -> Vec<Result<Vec<u8>, FrameError>> {
    let mut r = FrameReader::<MAX_FRAME>::new();
    bytes.iter().filter_map(|&b| r.push(b).map(|f| f.map(<[u8]>::to_vec))).collect()
}

fn framed(payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; MAX_FRAME];
    let n = encode_frame(payload, &mut out).expect("fits");
    out.truncate(n);
    out
}

fn request() -> impl Strategy<Value = (u32, u8, u64, u32, Vec<u8>)> {
    (any::<u32>(), 0u8..8, any::<u64>(), any::<u32>(), proptest::collection::vec(any::<u8>(), 0..3000))
}

fn build_request(kind: u8, a: u64, b: u32, bytes: &[u8]) -> Request<'_> {
    match kind {
        0 => Request::Hello { version: a as u16, nonce: b, lease_ms: (a >> 16) as u32 },
        1 => Request::Ping,
        2 => Request::LoadBegin { size: a as u32, crc: b, encoding: (a >> 40) as u8, object_size: (a >> 32) as u32 },
        3 => Request::LoadChunk { offset: b, bytes },
        4 => Request::Attach,
        5 => Request::Detach { script: a },
        6 => Request::Status,
        _ => Request::Bye,
    }
}

fn build_event<'a>(kind: u8, a: u64, b: u32, bytes: &'a [u8], s: &'a str) -> Event<'a> {
    match kind {
        0 => Event::Welcome {
            version: 1,
            nonce: b,
            session: b ^ 7,
            abi_version: 3,
            cpu_features: b,
            cpus: 4,
            lease_ms: 3000,
            runtime: s,
            build_id: &bytes[..bytes.len().min(20)],
        },
        1 => Event::Busy { nonce: b, lease_left_ms: 5 },
        2 => Event::Ack { request: 4, value: b },
        3 => Event::Error { request: 5, code: 5, message: s },
        4 => Event::Attached { script: a, probes: b },
        5 => Event::Records { script: a, data: bytes },
        6 => Event::Lost { script: a, cpu: 3, total: a },
        7 => Event::MapBegin { script: a, map: b, last: a & 1 == 1, entries: 9, dropped: a, errors: 1 },
        8 => Event::MapEntries { script: a, map: b, data: bytes },
        9 => Event::MapEnd { script: a, map: b },
        10 => Event::Exit { script: a },
        11 => Event::Missed { script: a, target: s, count: a },
        12 => Event::ProbeErrors { script: a, probe: s, count: 2 },
        13 => Event::Detached { script: a },
        14 => {
            Event::StatusBegin { uptime_ns: a, cpus: 2, bad_frames: 0, armed: b, text_crc: b ^ 1, build_id: &bytes[..bytes.len().min(20)] }
        }
        15 => Event::StatusScript { script: a, session: b, probes: 3 },
        16 => Event::StatusCounter { label: s, iterations: a, failures: 0 },
        17 => Event::Finished { status: b as i32 },
        _ => Event::StatusEnd,
    }
}

proptest! {
    #[test]
    fn requests_round_trip_through_frames((session, kind, a, b, bytes) in request()) {
        let req = build_request(kind, a, b, &bytes);
        let mut payload = vec![0u8; MAX_PAYLOAD];
        let n = req.encode(session, &mut payload).expect("fits");
        let got = frames_of(&framed(&payload[..n]));
        prop_assert_eq!(got.len(), 1);
        let p = got[0].clone().expect("checks out");
        prop_assert_eq!(Request::decode(&p), Ok((session, req)));
    }

    #[test]
    fn events_round_trip_through_frames(kind in 0u8..19, a: u64, b: u32, bytes in proptest::collection::vec(any::<u8>(), 0..2000), s in ".{0,40}") {
        let ev = build_event(kind, a, b, &bytes, &s);
        let mut payload = vec![0u8; MAX_PAYLOAD];
        let n = ev.encode(b, &mut payload).expect("fits");
        let got = frames_of(&framed(&payload[..n]));
        prop_assert_eq!(got.len(), 1);
        let p = got[0].clone().expect("checks out");
        prop_assert_eq!(Event::decode(&p), Ok((b, ev)));
    }

    /// Frames interleaved with console text (no 0x00 in it): the frames
    /// come out whole, in order; the text is what remains.
    #[test]
    fn frames_survive_any_surrounding_text(payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..6),
                                           text in proptest::collection::vec(proptest::collection::vec(1u8..=255, 0..50), 6)) {
        let mut line = Vec::new();
        for (p, t) in payloads.iter().zip(&text) {
            line.extend_from_slice(t);
            line.extend_from_slice(&framed(p));
        }
        // The reader only sees frames if text is kept out of it: a host
        // demultiplexer does that; here the line starts in a frame gap, so
        // text bytes before a frame become a (rejected) frame of their own
        // only when they sit between two delimiters, which never happens
        // for text followed by a frame start.
        let mut r = FrameReader::<MAX_FRAME>::new();
        let mut got = Vec::new();
        let mut in_frame = false;
        for &b in &line {
            if !in_frame {
                if b == 0 { in_frame = true; }
                continue;
            }
            if let Some(f) = r.push(b) {
                got.push(f.map(<[u8]>::to_vec));
                in_frame = false;
            }
        }
        let want: Vec<Result<Vec<u8>, FrameError>> = payloads.iter().map(|p| Ok(p.clone())).collect();
        prop_assert_eq!(got, want);
    }

    /// Arbitrary bytes on the line: every frame is an error or a payload,
    /// and any payload decodes to a message or an error; nothing panics.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..5000)) {
        for f in frames_of(&bytes).into_iter().flatten() {
            let _ = Request::decode(&f);
            let _ = Event::decode(&f);
        }
        let _ = Request::decode(&bytes);
        let _ = Event::decode(&bytes);
    }

    /// A corrupted byte inside a frame is caught by the CRC (or breaks the
    /// COBS structure); the next frame is read correctly.
    #[test]
    fn a_corrupted_frame_is_dropped_and_the_next_one_read(p in proptest::collection::vec(any::<u8>(), 1..200), at: prop::sample::Index, flip in 1u8..=255) {
        let mut bad = framed(&p);
        let i = 1 + at.index(bad.len() - 2);
        bad[i] ^= flip;
        let mut line = bad.clone();
        line.extend_from_slice(&framed(b"next"));
        let got = frames_of(&line);
        let ok: Vec<&[u8]> = got.iter().filter_map(|f| f.as_ref().ok().map(Vec::as_slice)).collect();
        // CRC-32 detects every error burst up to 32 bits; a COBS code byte
        // hit can move more, which it still catches but for 2^-32.
        prop_assert_eq!(ok, vec![&b"next"[..]]);
    }
}

#[test]
fn an_oversized_frame_is_reported_once_and_the_reader_resynchronises() {
    let mut line = vec![0u8];
    line.extend(std::iter::repeat_n(7u8, MAX_FRAME + 10));
    line.push(0);
    line.extend_from_slice(&framed(b"after"));
    let got = frames_of(&line);
    assert_eq!(got, vec![Err(FrameError::TooLong), Ok(b"after".to_vec())]);
}

#[test]
fn encode_refuses_a_payload_over_the_limit() {
    let mut out = vec![0u8; 2 * MAX_FRAME];
    assert!(encode_frame(&vec![1u8; MAX_PAYLOAD + 1], &mut out).is_none());
    assert!(encode_frame(&vec![1u8; MAX_PAYLOAD], &mut out).is_some());
}

#[test]
fn a_frame_with_a_bad_checksum_is_named() {
    let mut f = framed(b"hello");
    // Change one payload byte without breaking COBS (no zeros involved).
    let i = f.iter().position(|&b| b == b'e').expect("plain byte");
    f[i] = b'a';
    assert_eq!(frames_of(&f), vec![Err(FrameError::BadChecksum)]);
    let mut short = vec![0u8; 8];
    let n = cobs::encode(b"ab", &mut short);
    let mut line = vec![0];
    line.extend_from_slice(&short[..n]);
    line.push(0);
    assert_eq!(frames_of(&line), vec![Err(FrameError::TooShort)]);
    let _ = frame::decode;
}

#[test]
fn record_headers_round_trip() {
    let h = RecordHeader { kind: 1, cpu: 3, id: 9, len: 4000 };
    assert_eq!(RecordHeader::from_bytes(&h.to_bytes()), h);
}
