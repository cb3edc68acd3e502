//! Loaded scripts at run time, with native handlers on the host: BEGIN and
//! exit(), full maps and lost events reported, fault-safe reads and the
//! other helpers, errors counted per probe.

mod loader_support;

use loader_support::*;
use probec_runtime::abi::{self, FieldDesc, HandlerCtx, MapDesc};
use probec_runtime::script::{self, helpers, LoadOptions, OutputFormat};
use std::sync::atomic::{AtomicU64, Ordering};

// ---- run-time behaviour ---------------------------------------------------------

fn hit(addr: usize) {
    use probec_runtime::arch::aarch64::brk::PROBE_IMM;
    use probec_runtime::arch::aarch64::pstate::ESR;
    let mut frame = probec_runtime::Frame::zeroed();
    frame.pc = addr as u64;
    frame.pstate = 0x5;
    assert!(probec_runtime::trap::on_brk(&mut frame, ESR::EC::Brk64.value | (1 << 25) | u64::from(PROBE_IMM)));
}

static HITS: AtomicU64 = AtomicU64::new(0);

fn exit_in_begin(name: &str) -> Option<abi::Handler> {
    unsafe extern "C" fn begin(ctx: *const HandlerCtx) {
        // SAFETY: the runtime calls this handler with a live context.
        unsafe { helpers::exit(ctx) };
    }
    unsafe extern "C" fn count(_: *const HandlerCtx) {
        HITS.fetch_add(1, Ordering::SeqCst);
    }
    Some(if name == "BEGIN" { begin } else { count })
}

#[test]
fn exit_in_begin_keeps_handlers_off_and_end_still_runs() {
    let (host, _g) = setup();
    HITS.store(0, Ordering::SeqCst);
    let id = script::load(&build(&base()), &syms(host), &LoadOptions { native_handlers: Some(exit_in_begin), ..opts() }).unwrap();
    assert!(script::exit_requested(id));
    hit(host.text());
    assert_eq!(HITS.load(Ordering::SeqCst), 0, "no handler after exit()");
    script::unload(id, &mut String::new(), OutputFormat::Text).unwrap();
    assert_eq!(HITS.load(Ordering::SeqCst), 1, "END ran");
}

fn keyed_inserts(name: &str) -> Option<abi::Handler> {
    unsafe extern "C" fn fill(ctx: *const HandlerCtx) {
        for k in 0u64..5 {
            // SAFETY: the runtime calls this handler with a live context; the
            // key is 8 bytes, map 0's key size.
            let p = unsafe { helpers::map_lookup(ctx, 0, k.to_le_bytes().as_ptr()) } as *const AtomicU64;
            if !p.is_null() {
                // SAFETY: a non-null slot is map 0's 8-byte, 8-aligned value,
                // which lives as long as the script and is updated atomically.
                unsafe { (*p).fetch_add(1, Ordering::Relaxed) };
            }
        }
        for i in 0..40i64 {
            // SAFETY: live context as above; `args` points to the 8 bytes.
            unsafe { helpers::printf(ctx, 0, i.to_le_bytes().as_ptr(), 8) };
        }
    }
    unsafe extern "C" fn noop(_: *const HandlerCtx) {}
    Some(if name == "kprobe:target" { fill } else { noop })
}

#[test]
fn full_maps_and_lost_events_are_reported() {
    let (host, _g) = setup();
    let mut s = base();
    s.maps[0] = MapDesc {
        name: 0,
        kind: abi::map_kind::COUNT,
        flags: 0,
        capacity: 3,
        key_size: 8,
        value_size: 8,
        key_fields: 1,
        key_count: 1,
        value_field: u32::MAX,
        params: [0; 3],
    };
    s.fields.push(FieldDesc { kind: abi::field_kind::UNSIGNED, bits: 64, size: 8 });
    let options = LoadOptions { native_handlers: Some(keyed_inserts), ring_bytes_per_cpu: 256, ..opts() };
    let id = script::load(&build(&s), &syms(host), &options).unwrap();
    hit(host.text());
    let mut out = String::new();
    script::drain(id, &mut out, OutputFormat::Text).unwrap();
    // 24-byte records: ten fit in the 256-byte ring, thirty are lost.
    assert_eq!(out, "x=0\nx=1\nx=2\nx=3\nx=4\nx=5\nx=6\nx=7\nx=8\nx=9\nLost 30 events\n");
    out.clear();
    script::unload(id, &mut out, OutputFormat::Text).unwrap();
    assert_eq!(
        out,
        "\n\n@m[0]: 1\n@m[1]: 1\n@m[2]: 1\nWARNING: map @m is full (capacity 3): 2 new keys were dropped\n\
         WARNING: 30 events lost in all (output rings full: cpu 0: 30)\n"
    );
}

fn reads(name: &str) -> Option<abi::Handler> {
    unsafe extern "C" fn body(ctx: *const HandlerCtx) {
        let base = READABLE.as_ptr() as u64;
        let mut v = [0u8; 8];
        // SAFETY: (here and in the blocks below) the runtime calls this handler with a
        // live context, and each destination is a local array of at least
        // the length or capacity passed with it.
        unsafe {
            assert_eq!(helpers::read(ctx, v.as_mut_ptr(), base + 1, 4), 0);
            assert_eq!(&v[..4], b"1234");
            assert_eq!(helpers::read(ctx, v.as_mut_ptr(), 16, 8), 1, "unreadable");
            assert_eq!(v, [0; 8], "zero-filled");
            assert_eq!(helpers::read(ctx, v.as_mut_ptr(), base, 3), 1, "odd sizes are refused");
        }
        let mut s = [0xffu8; 16];
        // SAFETY: as above (`s` holds 16 bytes).
        unsafe {
            assert_eq!(helpers::read_str(ctx, s.as_mut_ptr(), 16, base + 30, 100), 0);
            assert_eq!(&s, b"uvwxyz\0\0\0\0\0\0\0\0\0\0", "NUL-padded");
            assert_eq!(helpers::read_str(ctx, s.as_mut_ptr(), 16, base, 100), 0);
            assert_eq!(&s, b"0123456789abcde\x01", "truncated: marker");
            assert_eq!(helpers::read_str(ctx, s.as_mut_ptr(), 16, base, 4), 0);
            assert_eq!(&s[..5], b"0123\0");
            assert_eq!(s[15], 1, "str(p, 4) of a longer string is truncated too");
            assert_eq!(helpers::read_str(ctx, s.as_mut_ptr(), 16, 0, 100), 1);
            assert_eq!(s, [0; 16], "empty on a fault");
        }
        // SAFETY: as above.
        assert_eq!(unsafe { helpers::ctx_value(ctx, 0) }, 42);
        let mut f = [0u8; 8];
        // SAFETY: as above (`f` holds 8 bytes).
        unsafe {
            helpers::ctx_str(ctx, abi::CTX_STR_FUNC, f.as_mut_ptr(), 8);
            assert_eq!(&f, b"target\0\0");
            helpers::ctx_str(ctx, abi::CTX_STR_PROBE, f.as_mut_ptr(), 8);
            assert_eq!(&f, b"kprobe:\x01");
        }
        // SAFETY: as above; a zero length needs no argument bytes, and the
        // helper rejects the bad map index before reading the key.
        unsafe {
            helpers::printf(ctx, 9, std::ptr::null(), 0); // no such format: counted
            helpers::map_lookup(ctx, 7, std::ptr::null()); // no such map: counted
        }
    }
    unsafe extern "C" fn noop(_: *const HandlerCtx) {}
    Some(if name == "kprobe:target" { body } else { noop })
}

#[test]
fn helpers_read_fault_safely_and_count_errors() {
    let (host, _g) = setup();
    let mut s = base();
    s.requires = vec!["pid"];
    let id = script::load(&build(&s), &syms(host), &LoadOptions { native_handlers: Some(reads), ..opts() }).unwrap();
    hit(host.text());
    let mut out = String::new();
    script::unload(id, &mut out, OutputFormat::Json).unwrap();
    assert_eq!(out, "{\"type\": \"probe_errors\", \"data\": {\"probe\": \"kprobe:target\", \"errors\": 5}}\n");
}

static NESTED: AtomicU64 = AtomicU64::new(0);

fn hit_again_inside(name: &str) -> Option<abi::Handler> {
    unsafe extern "C" fn again(_: *const HandlerCtx) {
        // The handler reaches its own probe again (as a handler that calls
        // probed code would): that hit must run no handler and be counted.
        if NESTED.fetch_add(1, Ordering::SeqCst) == 0 {
            hit(ADDR.load(Ordering::SeqCst) as usize);
        }
    }
    unsafe extern "C" fn nothing(_: *const HandlerCtx) {}
    Some(if name == "kprobe:target" { again } else { nothing })
}

static ADDR: AtomicU64 = AtomicU64::new(0);

#[test]
fn hits_inside_a_handler_are_missed_and_reported_at_unload() {
    let (host, _g) = setup();
    NESTED.store(0, Ordering::SeqCst);
    ADDR.store(host.text() as u64, Ordering::SeqCst);
    let id = script::load(&build(&base()), &syms(host), &LoadOptions { native_handlers: Some(hit_again_inside), ..opts() }).unwrap();
    hit(host.text());
    assert_eq!(NESTED.load(Ordering::SeqCst), 1, "the nested hit ran no handler");
    let mut out = String::new();
    script::unload(id, &mut out, OutputFormat::Text).unwrap();
    assert!(out.contains("WARNING: 1 hits at ") && out.contains(" were missed"), "{out}");
    // Nothing missed, nothing said.
    NESTED.store(1, Ordering::SeqCst);
    let id = script::load(&build(&base()), &syms(host), &LoadOptions { native_handlers: Some(hit_again_inside), ..opts() }).unwrap();
    hit(host.text());
    let mut out = String::new();
    script::unload(id, &mut out, OutputFormat::Text).unwrap();
    assert!(!out.contains("missed"), "{out}");
}
