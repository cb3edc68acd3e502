//! The live-attach agent on the fake host platform: its side of the
//! protocol, driven through an in-memory byte channel by a host written
//! with the same wire crate. Handlers are native stand-ins (arm64 code
//! cannot run here), so these tests check the protocol, the lease, the
//! refusals and that every probed word reads back as the original after
//! each; the QEMU suite (xtask `live`) checks output and real hits.

use probec::driver::{compile, Options};
use probec_engine::testing::FakePlatform;
use probec_runtime::abi::{self, HandlerCtx};
use probec_runtime::agent::{Agent, AgentConfig, AgentTarget, ByteChannel, Poll};
use probec_runtime::script::{self, LoadOptions, SymbolSource};
use probec_runtime::{Config, FrameContents, XolMode};
use probec_wire::msg::{code, ty, Event, Request};
use probec_wire::{encode_frame, FrameReader, CHUNK_BYTES, MAX_FRAME, MAX_PAYLOAD, PROTOCOL_VERSION};
use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, OnceLock};

static HOST: OnceLock<&'static FakePlatform> = OnceLock::new();
static SERIAL: Mutex<()> = Mutex::new(());

const BUILD_ID: [u8; 20] = [0xab; 20];
const FIB: &str = "refkernel::workload::fib";
const SHA: &str = "sha2::sha256::compress256";

fn setup() -> (&'static FakePlatform, MutexGuard<'static, ()>) {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let host = *HOST.get_or_init(|| {
        let host = FakePlatform::builder().text(4096).exec(64 * 1024).code(256 * 1024).cpus(2).clock_ns(1_000).build();
        let config = Config {
            xol_mode: XolMode::BrkAfterSlot,
            exec_area: host.exec_area(),
            max_probes: 64,
            return_instances_per_cpu: 8,
            frame: FrameContents::Full,
        };
        probec_runtime::init(host, config).expect("init");
        script::set_code_area(host.code_area()).expect("code area");
        host
    });
    (host, guard)
}

fn native_noop(_name: &str) -> Option<abi::Handler> {
    unsafe extern "C" fn noop(_ctx: *const HandlerCtx) {}
    Some(noop)
}

/// The target: two functions in the fake text.
struct Target {
    symbols: Vec<(&'static str, usize, usize)>,
}

impl AgentTarget for Target {
    fn symbols(&self) -> &dyn SymbolSource {
        &self.symbols
    }
    fn build_id(&self) -> &[u8] {
        &BUILD_ID
    }
    fn counters(&self, f: &mut dyn FnMut(&str, u64, u64)) {
        f("fib 22", 10, 0);
    }
}

/// Both directions of the line, in memory.
#[derive(Default)]
struct Line {
    to_agent: VecDeque<u8>,
    from_agent: Vec<u8>,
}

impl ByteChannel for Line {
    fn read(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.to_agent.len());
        for b in buf.iter_mut().take(n) {
            *b = self.to_agent.pop_front().expect("counted");
        }
        n
    }
    fn write(&mut self, frame: &[u8]) {
        self.from_agent.extend_from_slice(frame);
    }
}

/// A host and an agent sharing a line.
struct Rig {
    host: &'static FakePlatform,
    agent: Agent,
    target: Target,
    line: Line,
    reader: Box<FrameReader<MAX_FRAME>>,
    session: u32,
}

impl Rig {
    fn new(host: &'static FakePlatform) -> Rig {
        let config = AgentConfig {
            max_object: 64 * 1024,
            min_lease_ms: 100,
            load: LoadOptions { native_handlers: Some(native_noop), ..LoadOptions::default() },
            ..AgentConfig::default()
        };
        let symbols = vec![(FIB, host.text_addr(0), 64), (SHA, host.text_addr(16), 64)];
        Rig {
            host,
            agent: Agent::new(config),
            target: Target { symbols },
            line: Line::default(),
            reader: Box::new(FrameReader::new()),
            session: 0,
        }
    }

    fn send(&mut self, session: u32, req: &Request<'_>) {
        let mut payload = [0u8; MAX_PAYLOAD];
        let n = req.encode(session, &mut payload).expect("fits");
        self.send_payload(&payload[..n]);
    }

    fn send_payload(&mut self, payload: &[u8]) {
        let mut frame = [0u8; MAX_FRAME];
        let f = encode_frame(payload, &mut frame).expect("fits");
        self.line.to_agent.extend(&frame[..f]);
    }

    /// Poll until the agent is idle; return the payloads it sent.
    fn exchange(&mut self) -> Vec<Vec<u8>> {
        for _ in 0..10_000 {
            if self.agent.poll(&mut self.line, &self.target) == Poll::Idle && self.line.to_agent.is_empty() {
                break;
            }
        }
        let bytes = std::mem::take(&mut self.line.from_agent);
        let mut out = Vec::new();
        for b in bytes {
            if let Some(f) = self.reader.push(b) {
                out.push(f.expect("the agent sends good frames").to_vec());
            }
        }
        out
    }

    fn hello(&mut self, nonce: u32, lease_ms: u32) -> Vec<Vec<u8>> {
        self.send(0, &Request::Hello { version: PROTOCOL_VERSION, nonce, lease_ms });
        self.exchange()
    }

    fn open(&mut self) {
        let got = self.hello(42, 1000);
        match Event::decode(&got[0]) {
            Ok((0, Event::Welcome { session, nonce: 42, build_id, lease_ms: 1000, .. })) => {
                assert_eq!(build_id, BUILD_ID);
                self.session = session;
            }
            other => panic!("expected Welcome, got {other:?}"),
        }
    }

    /// Send an object; the events answering Attach.
    fn load(&mut self, object: &[u8]) -> Vec<Vec<u8>> {
        let s = self.session;
        self.send(s, &Request::load_raw(object));
        for (i, c) in object.chunks(CHUNK_BYTES).enumerate() {
            self.send(s, &Request::LoadChunk { offset: (i * CHUNK_BYTES) as u32, bytes: c });
        }
        let acks = self.exchange();
        assert_eq!(acks.len(), 1 + object.len().div_ceil(CHUNK_BYTES), "one Ack per transfer step");
        for a in &acks {
            assert!(matches!(Event::decode(a), Ok((_, Event::Ack { .. }))), "{:?}", Event::decode(a));
        }
        self.send(s, &Request::Attach);
        self.exchange()
    }

    fn words(&self) -> (u32, u32) {
        (self.host.word(self.host.text_addr(0)), self.host.word(self.host.text_addr(16)))
    }
}

fn object(src: &str, build_id: Option<Vec<u8>>) -> Vec<u8> {
    compile(src, "t.pr", &Options { build_id, ..Options::default() }).expect("compiles").bytes
}

fn attached(events: &[Vec<u8>]) -> u64 {
    match Event::decode(&events[0]) {
        Ok((_, Event::Attached { script, probes })) => {
            assert!(probes >= 1);
            script
        }
        other => panic!("expected Attached, got {other:?}"),
    }
}

fn error_code(events: &[Vec<u8>]) -> (u8, u16, String) {
    for e in events {
        if let Ok((_, Event::Error { request, code, message })) = Event::decode(e) {
            return (request, code, message.to_string());
        }
    }
    panic!("no Error among {:?}", events.iter().map(|e| Event::decode(e)).collect::<Vec<_>>());
}

const NOP: u32 = 0xd503_201f;

#[test]
fn attach_then_detach_sends_the_final_report_and_restores_the_text() {
    let (host, _g) = setup();
    let mut rig = Rig::new(host);
    rig.open();
    let before = rig.words();
    let got = rig.load(&object(&format!("kprobe:{FIB} {{ @calls = count(); }} kprobe:{SHA} {{ @n[arg0] = sum(arg1); }}"), None));
    let script = attached(&got);
    assert_ne!(rig.words().0, NOP, "fib is armed");
    assert_ne!(rig.words().1, NOP, "sha is armed");
    let s = rig.session;
    rig.send(s, &Request::Detach { script });
    let got = rig.exchange();
    let kinds: Vec<u8> = got.iter().map(|p| Event::decode(p).expect("decodes").1.ty()).collect();
    assert_eq!(kinds, vec![ty::MAP_BEGIN, ty::MAP_END, ty::MAP_BEGIN, ty::MAP_END, ty::DETACHED]);
    assert_eq!(rig.words(), before, "every probed word reads back as the original");
    assert!(!script::is_loaded(script::ScriptId::from_raw(script)));
    rig.send(s, &Request::Bye);
    assert!(matches!(Event::decode(&rig.exchange()[0]), Ok((_, Event::Ack { request: ty::BYE, .. }))));
    assert!(!rig.agent.has_session());
}

#[test]
fn a_second_host_is_told_the_target_is_busy_and_status_still_answers() {
    let (host, _g) = setup();
    let mut rig = Rig::new(host);
    rig.open();
    let got = rig.hello(7, 1000);
    assert!(matches!(Event::decode(&got[0]), Ok((0, Event::Busy { nonce: 7, lease_left_ms: 1..=1000 }))), "{:?}", Event::decode(&got[0]));
    // The first host's hello again (its Welcome was lost): same session.
    let s = rig.session;
    let got = rig.hello(42, 1000);
    assert!(matches!(Event::decode(&got[0]), Ok((0, Event::Welcome { session, .. })) if session == s));
    // Status with a session-less id.
    rig.send(0x8000_1234, &Request::Status);
    let got = rig.exchange();
    let evs: Vec<Event<'_>> = got
        .iter()
        .map(|p| Event::decode(p).expect("decodes"))
        .map(|(sid, e)| {
            assert_eq!(sid, 0x8000_1234);
            e
        })
        .collect();
    assert!(matches!(evs[0], Event::StatusBegin { cpus: 2, .. }));
    assert!(evs.contains(&Event::StatusCounter { label: "fib 22", iterations: 10, failures: 0 }));
    assert_eq!(evs.last(), Some(&Event::StatusEnd));
    rig.send(s, &Request::Bye);
    rig.exchange();
}

#[test]
fn a_silent_host_loses_its_lease_and_everything_it_attached() {
    let (host, _g) = setup();
    let mut rig = Rig::new(host);
    rig.open();
    let before = rig.words();
    let script = attached(&rig.load(&object(&format!("kprobe:{FIB} {{ @calls = count(); }}"), None)));
    assert_ne!(rig.words(), before);
    host.advance_clock(500_000_000);
    rig.exchange();
    assert!(script::is_loaded(script::ScriptId::from_raw(script)), "half the lease: still attached");
    host.advance_clock(600_000_000);
    rig.exchange();
    assert!(!script::is_loaded(script::ScriptId::from_raw(script)), "the lease lapsed: detached");
    assert_eq!(rig.words(), before);
    assert!(!rig.agent.has_session());
    assert_eq!(rig.agent.stats().leases_expired, 1);
    // The old host's next request is refused; a new host is welcome.
    let old = rig.session;
    rig.send(old, &Request::Ping);
    assert_eq!(error_code(&rig.exchange()).1, code::NO_SESSION);
    rig.open();
    assert_ne!(rig.session, old);
    let s = rig.session;
    rig.send(s, &Request::Bye);
    rig.exchange();
}

#[test]
fn garbage_on_the_line_gets_no_answer_and_breaks_nothing() {
    let (host, _g) = setup();
    let mut rig = Rig::new(host);
    // Deterministic junk: an LCG over every byte value, zeros included.
    let mut x: u32 = 12345;
    let junk: Vec<u8> = (0..20_000)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect();
    rig.line.to_agent.extend(&junk);
    assert!(rig.exchange().is_empty(), "no reply to garbage");
    assert!(rig.agent.stats().bad_frames > 0);
    // Valid frames that are not messages.
    rig.send_payload(&[0xee, 0, 0, 0, 0]);
    rig.send_payload(&[ty::HELLO, 0, 0]);
    assert!(rig.exchange().is_empty());
    rig.line.to_agent.push_back(0);
    rig.open();
    let s = rig.session;
    rig.send(s, &Request::Bye);
    rig.exchange();
}

#[test]
fn transfer_mistakes_are_refused_with_a_reason() {
    let (host, _g) = setup();
    let mut rig = Rig::new(host);
    rig.open();
    let s = rig.session;
    rig.send(s, &Request::LoadBegin { size: 1 << 20, crc: 0, encoding: 0, object_size: 8 });
    let (req, c, msg) = error_code(&rig.exchange());
    assert_eq!((req, c), (ty::LOAD_BEGIN, code::TRANSFER));
    assert!(msg.contains("larger than the agent accepts"), "{msg}");
    rig.send(s, &Request::LoadChunk { offset: 0, bytes: b"x" });
    assert_eq!(error_code(&rig.exchange()).1, code::TRANSFER);
    rig.send(s, &Request::Attach);
    assert!(error_code(&rig.exchange()).2.contains("without an object"));
    rig.send(s, &Request::LoadBegin { size: 8, crc: 0, encoding: 0, object_size: 8 });
    rig.send(s, &Request::LoadChunk { offset: 4, bytes: b"abcd" });
    assert!(error_code(&rig.exchange()).2.contains("offset 4, expected 0"));
    rig.send(s, &Request::LoadBegin { size: 4, crc: 1, encoding: 0, object_size: 4 });
    rig.send(s, &Request::LoadChunk { offset: 0, bytes: b"abcd" });
    rig.send(s, &Request::Attach);
    assert!(error_code(&rig.exchange()).2.contains("checksum mismatch"));
    // zlib that does not inflate to what was announced, and an unknown
    // encoding.
    let obj = object(&format!("kprobe:{FIB} {{ @c = count(); }}"), None);
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(&obj, 9);
    let ls = |object_size: u32| Request::LoadBegin {
        size: packed.len() as u32,
        crc: crc32fast::hash(&obj),
        encoding: probec_wire::msg::encoding::ZLIB,
        object_size,
    };
    rig.send(s, &ls(obj.len() as u32 - 1));
    rig.send(s, &Request::LoadChunk { offset: 0, bytes: &packed });
    rig.send(s, &Request::Attach);
    assert!(error_code(&rig.exchange()).2.contains("does not inflate to the announced"));
    rig.send(s, &Request::LoadBegin { size: 4, crc: 0, encoding: 9, object_size: 4 });
    assert!(error_code(&rig.exchange()).2.contains("unknown object encoding 9"));
    // The same, announced right: attached, then detached.
    rig.send(s, &ls(obj.len() as u32));
    rig.send(s, &Request::LoadChunk { offset: 0, bytes: &packed });
    rig.send(s, &Request::Attach);
    let script = attached(&rig.exchange()[2..]);
    rig.send(s, &Request::Detach { script });
    rig.exchange();
    // Not an object at all.
    let junk = b"definitely not an ELF file";
    rig.send(s, &Request::load_raw(junk));
    rig.send(s, &Request::LoadChunk { offset: 0, bytes: junk });
    rig.send(s, &Request::Attach);
    assert_eq!(error_code(&rig.exchange()).1, code::LOAD);
    rig.send(s, &Request::Bye);
    rig.exchange();
}

#[test]
fn an_object_for_another_build_or_a_missing_function_arms_nothing() {
    let (host, _g) = setup();
    let mut rig = Rig::new(host);
    rig.open();
    let before = rig.words();
    let got = rig.load(&object(&format!("kprobe:{FIB} {{ @calls = count(); }}"), Some(vec![0x12; 20])));
    let (req, c, msg) = error_code(&got);
    assert_eq!((req, c), (ty::ATTACH, code::BUILD_ID));
    assert!(msg.contains(&"12".repeat(20)) && msg.contains(&"ab".repeat(20)), "names both build-ids: {msg}");
    assert_eq!(rig.words(), before);
    // All or nothing: fib exists, the second target does not.
    let got = rig.load(&object(&format!("kprobe:{FIB} {{ @a = count(); }} kprobe:refkernel::nowhere {{ @b = count(); }}"), None));
    let (_, c, msg) = error_code(&got);
    assert_eq!(c, code::LOAD);
    assert!(msg.contains("refkernel::nowhere"), "{msg}");
    assert_eq!(rig.words(), before, "nothing stays armed after a failed attach");
    // The matching build-id loads.
    let script = attached(&rig.load(&object(&format!("kprobe:{FIB} {{ @calls = count(); }}"), Some(BUILD_ID.to_vec()))));
    let s = rig.session;
    rig.send(s, &Request::Detach { script });
    rig.exchange();
    assert_eq!(rig.words(), before);
    rig.send(s, &Request::Bye);
    rig.exchange();
}

/// A request with arbitrary fields (sessions, offsets, ids, bytes).
fn any_request() -> impl proptest::strategy::Strategy<Value = (u8, u32, u32, u64, Vec<u8>)> {
    use proptest::prelude::*;
    (0u8..9, any::<u32>(), any::<u32>(), any::<u64>(), proptest::collection::vec(any::<u8>(), 0..600))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever arrives — raw bytes, or well-formed requests with any
    /// fields in any order, from the session's host or a stranger — the
    /// agent never panics, and once the session ends nothing it did stays
    /// armed.
    #[test]
    fn any_input_leaves_nothing_armed(
        junk in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2000),
        requests in proptest::collection::vec(any_request(), 0..40),
    ) {
        let (host, _g) = setup();
        let mut rig = Rig::new(host);
        let before = rig.words();
        rig.line.to_agent.extend(&junk);
        rig.line.to_agent.push_back(0);
        rig.exchange();
        rig.open();
        let valid = object(&format!("kprobe:{FIB} {{ @c = count(); }}"), None);
        for (kind, session, a, b, bytes) in requests {
            let session = if session % 4 == 0 { session } else { rig.session };
            let req = match kind {
                0 => Request::Hello { version: PROTOCOL_VERSION, nonce: a, lease_ms: a % 5000 },
                1 => Request::Ping,
                2 => Request::LoadBegin { size: if a % 2 == 0 { valid.len() as u32 } else { a % 100_000 }, crc: crc32fast::hash(&valid), encoding: (b % 3) as u8, object_size: a % 70_000 },
                3 => Request::LoadChunk { offset: a % 4096, bytes: &bytes },
                4 => Request::LoadChunk { offset: 0, bytes: &valid[..valid.len().min(CHUNK_BYTES)] },
                5 => Request::Attach,
                6 => Request::Detach { script: b },
                7 => Request::Status,
                _ => Request::Bye,
            };
            rig.send(session, &req);
            rig.exchange();
        }
        // The host leaves: whatever is attached goes with the session.
        let s = rig.session;
        rig.send(s, &Request::Bye);
        rig.exchange();
        host.advance_clock(700_000_000_000);
        rig.exchange();
        proptest::prop_assert!(!rig.agent.has_session());
        proptest::prop_assert_eq!(script::armed_points(), 0);
        proptest::prop_assert_eq!(rig.words(), before);
    }
}
