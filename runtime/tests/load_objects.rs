//! The runtime's loader on real objects: every examples/*.pr compiled by
//! the probec library, then validated, placed, relocated and attached by
//! `probec_runtime::script` on the fake host platform
//! (`probec_engine::testing`: text, code area and XOL area are host
//! buffers; the alias is the identity). Arm64 code does
//! not run on the host, so handlers are bound to native stand-ins; the
//! placed code is checked word by word instead. Plus the robustness
//! property: every byte of a valid object mutated, every truncation: load
//! returns Ok or Err, never panics.

use object::{self, Object, ObjectSection, ObjectSymbol};
use probec::driver::{compile, Options};
use probec_engine::testing::FakePlatform;
use probec_runtime::abi::{self, HandlerCtx};
use probec_runtime::script::spec::TargetSpec;
use probec_runtime::script::{self, helpers, LoadError, LoadOptions, OutputFormat};
use probec_runtime::{AttachError, Config, FrameContents, XolMode};
use std::sync::{Mutex, MutexGuard, OnceLock};

const TEXT_BYTES: usize = 64 * 1024;
const EXEC_BYTES: usize = 64 * 1024;
const CODE_BYTES: usize = 256 * 1024;

type Host = FakePlatform;

static HOST: OnceLock<&'static Host> = OnceLock::new();
static SERIAL: Mutex<()> = Mutex::new(());

/// Initialise the runtime once; tests run one at a time (scripts load into
/// the installed runtime, and the script registry is global).
fn setup() -> (&'static Host, MutexGuard<'static, ()>) {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let host = *HOST.get_or_init(|| {
        // Only the fake text is "mapped" for fault-safe reads.
        let host = FakePlatform::builder()
            .text(TEXT_BYTES)
            .exec(EXEC_BYTES)
            .code(CODE_BYTES)
            .cpus(2)
            .clock_ns(1_000)
            .readable_text()
            .context("tid", 7)
            .build();
        let config = Config {
            xol_mode: XolMode::BrkAfterSlot,
            exec_area: host.exec_area(),
            max_probes: 256,
            return_instances_per_cpu: 8,
            frame: FrameContents::Full,
        };
        probec_runtime::init(host, config).expect("init");
        script::set_code_area(host.code_area()).expect("code area");
        host
    });
    (host, guard)
}

/// Symbols some tests name directly, laid out first in the fake text.
const NAMES: [&str; 3] = ["refkernel::workload::fib", "sha2::sha256::compress256", "refkernel::workload::checksum"];

/// A symbol name for every target of every example (globs get a name they
/// match), so the examples can change without this test changing.
fn example_symbol_names() -> &'static Vec<&'static str> {
    static N: OnceLock<Vec<&'static str>> = OnceLock::new();
    N.get_or_init(|| {
        let mut names: Vec<&'static str> = NAMES.to_vec();
        let limits = script::object::Limits { max_strlen: 4096, max_handler_stack: 1 << 20, cpu_features: 7 };
        for (_, obj) in examples() {
            let v = script::object::validate(&obj, &limits).expect("examples validate");
            for p in &v.probes {
                let name = match &p.target {
                    TargetSpec::Symbol(s, _) => s.clone(),
                    TargetSpec::Glob(g, _) => g.replace('*', "x").replace('?', "y"),
                    _ => continue,
                };
                if !names.iter().any(|n| *n == name) {
                    names.push(Box::leak(name.into_boxed_str()));
                }
            }
        }
        assert!(names.len() * 64 <= TEXT_BYTES);
        names
    })
}

/// Every example's symbols, 64 bytes each in the fake text.
fn symbols(host: &Host) -> Vec<(&'static str, usize, usize)> {
    example_symbol_names().iter().enumerate().map(|(i, &n)| (n, host.text() + 64 * i, 64)).collect()
}

fn native_noop(_name: &str) -> Option<abi::Handler> {
    unsafe extern "C" fn noop(_ctx: *const HandlerCtx) {}
    Some(noop)
}

fn options() -> LoadOptions {
    LoadOptions { native_handlers: Some(native_noop), ..LoadOptions::default() }
}

fn examples() -> Vec<(String, Vec<u8>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("examples dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "pr") {
            let src = std::fs::read_to_string(&path).expect("read");
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let obj = compile(&src, &name, &Options::default()).unwrap_or_else(|d| panic!("{name}: {d:?}"));
            out.push((name, obj.bytes));
        }
    }
    out.sort();
    assert!(out.len() >= 10, "examples found: {}", out.len());
    out
}

/// The placed code equals the object's .text with each ABS64 literal
/// replaced by the helper's address.
fn check_placed_code(obj: &[u8], code: (usize, usize)) {
    let file = object::File::parse(obj).expect("parse");
    let text = file.section_by_name(".text").expect(".text");
    let mut expected = text.data().expect("data").to_vec();
    for (offset, reloc) in text.relocations() {
        let object::RelocationTarget::Symbol(sym) = reloc.target() else { panic!("target") };
        let name = file.symbol_by_index(sym).expect("sym").name().expect("name");
        let addr = helpers::address(name).unwrap_or_else(|| panic!("{name} is not a helper"));
        expected[offset as usize..offset as usize + 8].copy_from_slice(&addr.to_le_bytes());
    }
    // SAFETY: `code` is the range the loader placed this script's code in,
    // inside the leaked code area, and the script is still loaded.
    let placed = unsafe { std::slice::from_raw_parts(code.0 as *const u8, expected.len()) };
    assert_eq!(placed, &expected[..], "placed code differs from relocated .text");
    assert!(code.1 >= expected.len());
}

#[test]
fn every_example_loads_attaches_and_unloads() {
    let (host, _g) = setup();
    let syms = symbols(host);
    let free_before = script::code_area::free_bytes();
    for (name, obj) in examples() {
        let result = script::load(&obj, &syms, &options());
        if let Err(LoadError::Attach { target, reason: AttachError::NotPatchable, .. }) = &result {
            // An absolute-address probe (offset_probe.pr): that address is
            // not probeable text on the host. Nothing may stay behind.
            assert!(target.starts_with("0x"), "{name}: {}", result.unwrap_err());
            assert_eq!(script::code_area::free_bytes(), free_before, "failed load kept code memory");
            continue;
        }
        let id = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(script::probe_points(id).unwrap() >= 1, "{name}");
        check_placed_code(&obj, script::code_range(id).expect("code placed"));
        let mut out = String::new();
        script::unload(id, &mut out, OutputFormat::Text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(script::code_area::free_bytes(), free_before, "{name}: code memory not freed");
        // Every probe is gone: the fake text is NOPs again.
        for &(_, start, size) in &syms {
            for a in (start..start + size).step_by(4) {
                // SAFETY: every symbol lies in the leaked, word-aligned fake
                // text, and no other thread writes it (tests are serialised).
                assert_eq!(unsafe { *(a as *const u32) }, 0xd503_201f, "{name}: word at {a:#x} not restored");
            }
        }
    }
}

fn compile_example(file: &str) -> Vec<u8> {
    let path = format!("{}/../examples/{file}", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(path).expect("read");
    compile(&src, file, &Options::default()).expect("compile").bytes
}

/// Take a probe hit at `addr` as the exception vector would (the fake text
/// is NOPs, which the engine simulates), then return from the function
/// with `retval` if a return probe hooked it.
fn hit(addr: usize, arg0: u64, retval: u64) {
    use probec_runtime::arch::aarch64::brk::{PROBE_IMM, RETURN_IMM};
    use probec_runtime::arch::aarch64::pstate::ESR;
    let esr = |imm: u16| ESR::EC::Brk64.value | (1 << 25) | u64::from(imm);
    let mut frame = probec_runtime::Frame::zeroed();
    frame.pc = addr as u64;
    frame.pstate = 0x5;
    frame.sp = 0x8000_0000;
    frame.x[0] = arg0;
    frame.x[30] = 0x4000_1234;
    assert!(probec_runtime::trap::on_brk(&mut frame, esr(PROBE_IMM)));
    if frame.x[30] != 0x4000_1234 {
        frame.pc = frame.x[30];
        frame.x[0] = retval;
        assert!(probec_runtime::trap::on_brk(&mut frame, esr(RETURN_IMM)));
        assert_eq!(frame.pc, 0x4000_1234);
    }
}

/// count_calls.pr, its handlers written natively against the helpers
/// exactly as the compiled code calls them.
fn count_calls_native(name: &str) -> Option<abi::Handler> {
    unsafe extern "C" fn begin(ctx: *const HandlerCtx) {
        // SAFETY: the runtime calls this handler with a live context; format
        // 0 has no arguments, so no bytes are read.
        unsafe { helpers::printf(ctx, 0, std::ptr::null(), 0) };
    }
    unsafe extern "C" fn fib(ctx: *const HandlerCtx) {
        // SAFETY: the runtime calls this handler with a live context; map 0
        // has no key, so the key pointer is not read.
        let slot = unsafe { helpers::map_lookup(ctx, 0, std::ptr::null()) } as *const std::sync::atomic::AtomicU64;
        // SAFETY: a keyless map's slot always exists (created on lookup) and
        // is an 8-byte, 8-aligned value updated atomically.
        unsafe { (*slot).fetch_add(1, std::sync::atomic::Ordering::Relaxed) };
    }
    unsafe extern "C" fn end(ctx: *const HandlerCtx) {
        // SAFETY: the runtime calls this handler with a live context.
        unsafe { helpers::map_print(ctx, 0) };
    }
    Some(match name {
        "BEGIN" => begin,
        "kprobe:refkernel::workload::fib" => fib,
        "END" => end,
        _ => return None,
    })
}

#[test]
fn count_calls_runs_begin_hits_end_and_prints_maps() {
    let (host, _g) = setup();
    let obj = compile_example("count_calls.pr");
    let opts = LoadOptions { native_handlers: Some(count_calls_native), ..LoadOptions::default() };
    for format in [OutputFormat::Text, OutputFormat::Json] {
        let id = script::load(&obj, &symbols(host), &opts).expect("load");
        assert_eq!((script::probe_points(id), script::attached_probes(id)), (Some(1), Some(3)), "bpftrace counts BEGIN and END");
        for n in 0..3 {
            hit(host.text(), n, 0);
        }
        let mut out = String::new();
        script::drain(id, &mut out, format).unwrap();
        script::unload(id, &mut out, format).unwrap();
        let expected = match format {
            OutputFormat::Text => "counting calls of fib... \n@calls: 3\n\n\n@calls: 3\n",
            OutputFormat::Json => concat!(
                "{\"type\": \"printf\", \"data\": \"counting calls of fib... \\n\"}\n",
                "{\"type\": \"map\", \"data\": {\"@calls\": 3}}\n",
                "{\"type\": \"map\", \"data\": {\"@calls\": 3}}\n",
            ),
        };
        assert_eq!(out, expected);
        assert!(!script::is_loaded(id));
    }
}

/// printf_trace.pr: a kprobe and a kretprobe on the same function share
/// one probe site; `probe`, `elapsed`, `reg("lr")` and `%-10s`.
fn printf_trace_native(name: &str) -> Option<abi::Handler> {
    unsafe extern "C" fn entry(ctx: *const HandlerCtx) {
        // SAFETY: the runtime calls this handler with a live context, whose
        // `frame` points to the trapped frame for the duration of the call.
        let (c, frame) = unsafe { (&*ctx, &*(*ctx).frame) };
        if frame.x[0] > 25 {
            let rec = [frame.x[0], u64::from(c.cpu), c.now_ns - c.start_ns, frame.x[30]];
            // SAFETY: live context; `rec` is the format's 32 argument bytes.
            unsafe { helpers::printf(ctx, 0, rec.as_ptr() as *const u8, 32) };
        }
    }
    unsafe extern "C" fn ret(ctx: *const HandlerCtx) {
        // SAFETY: the runtime calls this handler with a live context.
        let c = unsafe { &*ctx };
        if c.retval > 100_000 {
            let mut rec = [0u8; 72];
            // SAFETY: live context; `rec` has room for the 64 bytes.
            unsafe { helpers::ctx_str(ctx, abi::CTX_STR_PROBE, rec.as_mut_ptr(), 64) };
            rec[64..].copy_from_slice(&c.retval.to_le_bytes());
            // SAFETY: live context; `rec` is the format's 72 argument bytes.
            unsafe { helpers::printf(ctx, 1, rec.as_ptr(), 72) };
        }
    }
    Some(match name {
        "kprobe:refkernel::workload::fib" => entry,
        "kretprobe:refkernel::workload::fib" => ret,
        _ => return None,
    })
}

#[test]
fn entry_and_return_probes_share_a_site() {
    let (host, _g) = setup();
    let obj = compile_example("printf_trace.pr");
    let opts = LoadOptions { native_handlers: Some(printf_trace_native), ..LoadOptions::default() };
    let id = script::load(&obj, &symbols(host), &opts).expect("load");
    assert_eq!(script::probe_points(id), Some(2));
    assert_eq!(script::attached_probes(id), Some(2));
    hit(host.text(), 10, 55);
    hit(host.text(), 30, 832_040);
    let mut out = String::new();
    script::unload(id, &mut out, OutputFormat::Text).unwrap();
    assert_eq!(out, "fib(30) on cpu 0 at +0 ns, called from 0x40001234\nkretprobe:refkernel::workload::fib returned 832040\n\n\n");
}

#[test]
fn two_scripts_on_one_function_detach_independently() {
    let (host, _g) = setup();
    let obj = compile_example("count_calls.pr");
    let opts = LoadOptions { native_handlers: Some(count_calls_native), ..LoadOptions::default() };
    let a = script::load(&obj, &symbols(host), &opts).expect("load a");
    hit(host.text(), 1, 0);
    let b = script::load(&obj, &symbols(host), &opts).expect("load b");
    hit(host.text(), 2, 0);
    let mut out = String::new();
    script::unload(a, &mut out, OutputFormat::Text).unwrap();
    assert!(out.ends_with("\n\n\n@calls: 2\n"), "{out:?}");
    // SAFETY: the first word of the leaked fake text; tests are serialised.
    assert_ne!(unsafe { *(host.text() as *const u32) }, 0xd503_201f, "b still probes fib");
    hit(host.text(), 3, 0);
    out.clear();
    script::unload(b, &mut out, OutputFormat::Text).unwrap();
    assert!(out.ends_with("\n\n\n@calls: 2\n"), "{out:?}");
    // SAFETY: as above.
    assert_eq!(unsafe { *(host.text() as *const u32) }, 0xd503_201f, "fib restored");
    assert_eq!(script::unload(a, &mut out, OutputFormat::Text), Err(script::UnloadError::NotLoaded));
}

#[test]
fn unknown_symbols_name_the_probe_and_close_matches() {
    let (host, _g) = setup();
    let obj = compile("kprobe:refkernel::workload::fibb { @x = count(); }", "typo.pr", &Options::default()).expect("compile").bytes;
    let e = script::load(&obj, &symbols(host), &options()).expect_err("unknown symbol");
    assert_eq!(
        e.to_string(),
        "kprobe:refkernel::workload::fibb: unknown symbol `refkernel::workload::fibb`; close matches: `refkernel::workload::fib`"
    );
    let obj = compile("kprobe:fib+6 { @x = count(); }", "off.pr", &Options::default()).expect("compile").bytes;
    let mut syms = symbols(host);
    syms.push(("fib", host.text(), 64));
    let e = script::load(&obj, &syms, &options()).expect_err("misaligned");
    assert_eq!(e.to_string(), "kprobe:fib+6: offset 0x6 into `fib` is not a multiple of 4 (instructions are 4 bytes)");
    let obj = compile("kprobe:fib+64 { @x = count(); }", "off.pr", &Options::default()).expect("compile").bytes;
    let e = script::load(&obj, &syms, &options()).expect_err("outside");
    assert_eq!(e.to_string(), "kprobe:fib+64: offset 0x40 is outside `fib` (64 bytes)");
    let obj = compile("kprobe:0x1000 { @x = count(); }", "a.pr", &Options::default()).expect("compile").bytes;
    let e = script::load(&obj, &syms, &options()).expect_err("not text");
    assert_eq!(e.to_string(), "kprobe:0x1000: cannot probe 0x1000 (0x1000): address is not in probeable text");
    let obj = compile("kprobe:nothing_like_this* { @x = count(); }", "g.pr", &Options::default()).expect("compile").bytes;
    let e = script::load(&obj, &syms, &options()).expect_err("no match");
    assert_eq!(e.to_string(), "kprobe:nothing_like_this*: no symbol matches `nothing_like_this*`");
}

/// Load a (possibly corrupt) object; if it loads, unload it and check that
/// nothing stays behind. Returns whether it loaded.
fn load_any(host: &Host, syms: &Vec<(&'static str, usize, usize)>, obj: &[u8], free_before: usize) -> bool {
    match script::load(obj, syms, &options()) {
        Ok(id) => {
            let mut out = String::new();
            script::unload(id, &mut out, OutputFormat::Text).expect("unload");
            assert_eq!(script::code_area::free_bytes(), free_before, "code memory leaked");
            for a in (host.text()..host.text() + 64 * example_symbol_names().len()).step_by(4) {
                // SAFETY: the symbols' 64-byte slots fit in the leaked,
                // word-aligned fake text (checked where they are laid out).
                assert_eq!(unsafe { *(a as *const u32) }, 0xd503_201f, "a probe stayed armed at {a:#x}");
            }
            true
        }
        Err(e) => {
            // Every refusal has a message (and formatting it must not panic).
            assert!(!e.to_string().is_empty());
            assert_eq!(script::code_area::free_bytes(), free_before, "failed load kept code memory: {e}");
            false
        }
    }
}

#[test]
fn every_byte_mutated_and_every_truncation_is_refused_or_loads() {
    let (host, _g) = setup();
    let syms = symbols(host);
    let free = script::code_area::free_bytes();
    let start = std::time::Instant::now();
    let (mut loaded, mut refused) = (0, 0);
    for (name, obj) in examples() {
        // Every truncation length.
        for len in 0..obj.len() {
            assert!(!load_any(host, &syms, &obj[..len], free) || len == obj.len(), "{name} truncated to {len} loaded");
        }
        // Every byte, three ways: all bits flipped, zeroed, lowest bit flipped.
        let mut m = obj.clone();
        for i in 0..obj.len() {
            for v in [obj[i] ^ 0xff, 0, obj[i] ^ 0x01] {
                if v == obj[i] {
                    continue;
                }
                m[i] = v;
                if load_any(host, &syms, &m, free) {
                    loaded += 1
                } else {
                    refused += 1
                }
            }
            m[i] = obj[i];
        }
    }
    eprintln!("mutations: {loaded} loaded, {refused} refused in {:?}", start.elapsed());
    assert!(refused > loaded, "most corruptions must be caught");
}

mod random {
    use super::*;
    use proptest::prelude::*;

    fn corpus() -> &'static Vec<(String, Vec<u8>)> {
        static C: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
        C.get_or_init(examples)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Several random bytes changed at once (and descriptor-sized
        /// words overwritten with extreme values).
        #[test]
        fn multi_byte_corruption_never_panics(which in 0usize..64, edits in proptest::collection::vec((any::<u16>(), any::<u8>(), 0u8..4), 1..8)) {
            let (host, _g) = setup();
            let (_, obj) = &corpus()[which % corpus().len()];
            let mut m = obj.clone();
            for (pos, byte, mode) in edits {
                let i = pos as usize % m.len();
                match mode {
                    0 => m[i] = byte,
                    1 => { for b in &mut m[i..(i + 4).min(obj.len())] { *b = 0xff; } }
                    2 => { for b in &mut m[i..(i + 8).min(obj.len())] { *b = 0; } }
                    _ => { let v = (byte as u32).wrapping_mul(0x0101_0101); for (k, b) in m[i..(i + 4).min(obj.len())].iter_mut().enumerate() { *b = v.to_le_bytes()[k]; } }
                }
            }
            load_any(host, &symbols(host), &m, script::code_area::free_bytes());
        }
    }
}
