//! The scenarios of the live suite, each a user's command or a fault
//! thrown at the agent, each leaving the target as it was (checked by the
//! suite after it).

use super::target::{compile, settled, Baseline, Target};
use probec_host::session::{HostError, Session};
use probec_wire::msg::{code, ty, Request};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn expect(cond: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(what())
    }
}

/// `@name: N` in text output.
fn map_value(out: &str, name: &str) -> Option<u64> {
    out.lines().find_map(|l| l.strip_prefix(&format!("{name}: "))?.trim().parse().ok())
}

pub(super) type Scenario = fn(&Ctx) -> Result<(), String>;

pub(super) struct Ctx<'a> {
    pub(super) probec: &'a Path,
    pub(super) elf: &'a Path,
    pub(super) t: &'a Target,
    pub(super) base: &'a Baseline,
    pub(super) tmp: PathBuf,
}

impl Ctx<'_> {
    fn attach(&self, args: &[&str]) -> Result<(Option<i32>, String, String), String> {
        self.t.attach(self.probec, self.elf, args)
    }
}

fn count_until_timeout(c: &Ctx) -> Result<(), String> {
    // The workloads' own counts around the attach: if fib was not hit,
    // was it called at all?
    let before = c.t.status()?;
    let (st, out, err) = c.attach(&["--timeout", "2", "-e", "kprobe:refkernel::workload::fib { @calls = count(); }"])?;
    let after = c.t.status()?;
    let fib = |s: &probec_host::status::Status| s.counters.iter().find(|c| c.0.starts_with("fib")).map_or(0, |c| c.1);
    let context = || format!("fib iterations {} -> {} meanwhile; stderr: {err}; output: {out:?}", fib(&before), fib(&after));
    expect(st == Some(0), || format!("exit {st:?}: {}", context()))?;
    expect(out.starts_with("Attaching 1 probe...\n"), context)?;
    let n = map_value(&out, "@calls").ok_or_else(|| format!("no @calls: {}", context()))?;
    expect(n > 100, || format!("@calls = {n}: the workloads should call fib thousands of times a second"))
}

fn printf_streams_as_it_happens(c: &Ctx) -> Result<(), String> {
    let mut child = c.t.spawn_attach(
        c.probec,
        &["--timeout", "4", "-e", "kprobe:refkernel::workload::fib /arg0 == 14/ { printf(\"fib14 cpu %d\\n\", cpu); }"],
        Stdio::null(),
    )?;
    let out = BufReader::new(child.stdout.take().expect("piped"));
    let mut attached_at = None;
    let mut first_line_at = None;
    let mut lines = 0;
    for line in out.lines().map_while(Result::ok) {
        if line.starts_with("Attaching") {
            attached_at = Some(Instant::now());
        } else if line.starts_with("fib14 cpu ") {
            first_line_at.get_or_insert_with(Instant::now);
            lines += 1;
        }
    }
    let st = child.wait().map_err(|e| e.to_string())?;
    expect(st.success(), || format!("exit {st}"))?;
    expect(lines > 0, || "no printf line".into())?;
    let (a, f) = (attached_at.ok_or("no Attaching line")?, first_line_at.expect("lines > 0"));
    // The script runs 4 s; a line that arrives within 2 s of the attach
    // was streamed, not held until the detach.
    expect(f.duration_since(a) < Duration::from_secs(2), || format!("first line {:?} after attach: not streamed", f.duration_since(a)))
}

fn exit_in_a_handler_detaches(c: &Ctx) -> Result<(), String> {
    let (st, out, err) = c.attach(&["-e", "kprobe:refkernel::workload::fib { @n = count(); exit(); }"])?;
    expect(st == Some(0), || format!("exit {st:?}: {err}"))?;
    expect(map_value(&out, "@n").is_some_and(|n| n >= 1), || format!("output: {out}"))
}

fn json_lines_all_parse(c: &Ctx) -> Result<(), String> {
    let (st, out, err) = c.attach(&[
        "--timeout",
        "2",
        "--format",
        "json",
        "-e",
        "kprobe:refkernel::workload::fib /arg0 == 14/ { printf(\"fib14\\n\"); @[cpu] = count(); }",
    ])?;
    expect(st == Some(0), || format!("exit {st:?}: {err}"))?;
    for line in out.lines() {
        serde_json::from_str::<serde_json::Value>(line).map_err(|e| format!("not JSON ({e}): {line:?}"))?;
    }
    expect(out.contains("\"type\": \"attached_probes\"") && out.contains("\"type\": \"map\""), || format!("output: {out}"))
}

fn ctrl_c_prints_maps_and_detaches(c: &Ctx) -> Result<(), String> {
    let mut child = c.t.spawn_attach(c.probec, &["-e", "kprobe:refkernel::workload::fib { @calls = count(); }"], Stdio::piped())?;
    let mut out = BufReader::new(child.stdout.take().expect("piped"));
    let mut first = String::new();
    out.read_line(&mut first).map_err(|e| e.to_string())?;
    expect(first.starts_with("Attaching"), || format!("first line: {first:?}"))?;
    std::thread::sleep(Duration::from_millis(500));
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().map_err(|e| e.to_string())?;
    let mut rest = String::new();
    out.read_to_string(&mut rest).map_err(|e| e.to_string())?;
    let st = child.wait().map_err(|e| e.to_string())?;
    expect(st.success(), || format!("exit {st}"))?;
    expect(map_value(&rest, "@calls").is_some_and(|n| n > 0), || format!("after Ctrl-C: {rest}"))
}

fn nothing_lost_silently(c: &Ctx) -> Result<(), String> {
    // A printf on every fib call outruns the line: records that do not
    // fit the ring are counted; received + lost must equal the hits.
    let (st, out, err) =
        c.attach(&["--timeout", "3", "-e", "kprobe:refkernel::workload::fib { @hits = count(); printf(\"f %d\\n\", arg0); }"])?;
    expect(st == Some(0), || format!("exit {st:?}: {err}"))?;
    let received = out.lines().filter(|l| l.starts_with("f ")).count() as u64;
    let lost: u64 = out.lines().filter_map(|l| l.strip_prefix("Lost ")?.strip_suffix(" events")?.parse::<u64>().ok()).sum();
    let hits = map_value(&out, "@hits").ok_or_else(|| "no @hits".to_string())?;
    expect(received + lost == hits, || format!("{received} received + {lost} lost != {hits} hits"))?;
    let summary = out.lines().find_map(|l| l.strip_prefix("WARNING: ")?.split_once(" events lost in all")?.0.parse::<u64>().ok());
    expect(lost == 0 || summary == Some(lost), || format!("the final report's lost total {summary:?}, the lines said {lost}"))?;
    println!("    ({hits} hits: {received} records received, {lost} lost and counted)");
    Ok(())
}

/// Deterministic junk with every byte value, zeros included.
fn junk(n: usize, mut x: u32) -> Vec<u8> {
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect()
}

fn garbage_and_broken_frames(c: &Ctx) -> Result<(), String> {
    let before = c.t.status()?.bad_frames;
    let mut conn = c.t.connect()?;
    // (The line from host to target carries some 30 KB/s under QEMU: a few
    // KiB of each kind, not megabytes, or the next requests wait in line.)
    conn.send_bytes(&junk(6 * 1024, 99)).map_err(|e| e.to_string())?;
    // A Hello frame cut short, then one with a byte flipped.
    let mut payload = [0u8; 64];
    let n = Request::Hello { version: 1, nonce: 5, lease_ms: 1000 }.encode(0, &mut payload).expect("fits");
    let mut frame = [0u8; 128];
    let f = probec_wire::encode_frame(&payload[..n], &mut frame).expect("fits");
    conn.send_bytes(&frame[..f / 2]).map_err(|e| e.to_string())?;
    conn.send_bytes(&[0]).map_err(|e| e.to_string())?;
    let mut bad = frame[..f].to_vec();
    bad[f / 2] ^= 0x40;
    if bad[f / 2] == 0 {
        bad[f / 2] = 0x11;
    }
    conn.send_bytes(&bad).map_err(|e| e.to_string())?;
    // A run longer than any frame the agent accepts.
    conn.send_bytes(&vec![0x55; probec_wire::MAX_FRAME + 512]).map_err(|e| e.to_string())?;
    conn.send_bytes(&[0]).map_err(|e| e.to_string())?;
    drop(conn);
    // The proxy forwards it in the background: wait for the count.
    let start = Instant::now();
    let mut after = before;
    while after == before && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(200));
        after = c.t.status()?.bad_frames;
    }
    expect(after > before, || format!("bad frames {before} -> {after}: the junk was not counted"))?;
    settled(c.t, c.base)?;
    count_until_timeout(c)
}

fn oversized_object_is_refused(c: &Ctx) -> Result<(), String> {
    let mut s = Session::open(c.t.connect()?, 2000).map_err(|e| e.to_string())?;
    s.send(&Request::LoadBegin { size: 64 << 20, crc: 0, encoding: probec_wire::msg::encoding::RAW, object_size: 64 << 20 })
        .map_err(|e| e.to_string())?;
    match s.answer(ty::LOAD_BEGIN, &mut |_| {}) {
        Err(HostError::Refused { code: code::TRANSFER, message, .. }) if message.contains("larger than the agent accepts") => {}
        other => return Err(format!("64 MiB object: {other:?}")),
    }
    s.bye(&mut |_| {}).map_err(|e| e.to_string())
}

fn other_build_is_refused(c: &Ctx) -> Result<(), String> {
    // Another build of the kernel: the same ELF with its build-id changed.
    let mut elf = std::fs::read(c.elf).map_err(|e| e.to_string())?;
    let id = &c.base.build_id;
    let at = elf.windows(id.len()).position(|w| w == id.as_slice()).ok_or("build-id not found in the ELF")?;
    elf[at] ^= 0xff;
    let other = c.tmp.join("other-build.elf");
    std::fs::write(&other, &elf).map_err(|e| e.to_string())?;
    // probec attach refuses before sending anything.
    let (st, _, err) = c.t.attach(c.probec, &other, &["-e", "kprobe:refkernel::workload::fib { @ = count(); }"])?;
    expect(st == Some(1) && err.contains("but") && err.contains("build-id"), || format!("exit {st:?}: {err}"))?;
    // The agent refuses an object that records another build-id.
    let obj = c.tmp.join("other-build.o");
    let object = compile(c.probec, Some(&other), "kprobe:refkernel::workload::fib { @ = count(); }", &obj)?;
    let mut s = Session::open(c.t.connect()?, 2000).map_err(|e| e.to_string())?;
    match s.attach(&object, &mut |_| {}) {
        Err(HostError::Refused { code: code::BUILD_ID, .. }) => {}
        other => return Err(format!("object for another build: {other:?}")),
    }
    s.bye(&mut |_| {}).map_err(|e| e.to_string())?;
    settled(c.t, c.base)
}

fn host_killed_mid_load(c: &Ctx) -> Result<(), String> {
    let obj = c.tmp.join("mid-load.o");
    let program = "kprobe:refkernel::workload::fib { @ = count(); } kprobe:sha2::sha256::compress256 { @s = count(); }";
    let object = compile(c.probec, None, program, &obj)?;
    let mut s = Session::open(c.t.connect()?, 500).map_err(|e| e.to_string())?;
    s.send(&Request::load_raw(&object)).map_err(|e| e.to_string())?;
    s.answer(ty::LOAD_BEGIN, &mut |_| {}).map_err(|e| e.to_string())?;
    s.send(&Request::LoadChunk { offset: 0, bytes: &object[..object.len() / 2] }).map_err(|e| e.to_string())?;
    drop(s); // the host dies
             // Another host is refused while the lease runs, then gets in.
    let (st, _, err) = c.attach(&["--timeout", "1", "-e", "kprobe:refkernel::workload::fib { @ = count(); }"])?;
    expect(st == Some(1) && err.contains("target busy"), || format!("during the dead host's lease: exit {st:?}: {err}"))?;
    std::thread::sleep(Duration::from_millis(700));
    settled(c.t, c.base)?;
    count_until_timeout(c)
}

fn host_killed_mid_stream(c: &Ctx) -> Result<(), String> {
    let mut child = c.t.spawn_attach(
        c.probec,
        &["--lease-ms", "500", "-e", "kprobe:refkernel::workload::fib { printf(\"%d\\n\", arg0); }"],
        Stdio::piped(),
    )?;
    let mut out = BufReader::new(child.stdout.take().expect("piped"));
    let mut first = String::new();
    out.read_line(&mut first).map_err(|e| e.to_string())?;
    if !first.starts_with("Attaching") {
        let mut err = String::new();
        let _ = child.stderr.take().expect("piped").read_to_string(&mut err);
        let _ = child.wait();
        return Err(format!("first line {first:?}; stderr: {err}"));
    }
    std::thread::sleep(Duration::from_millis(300));
    let _ = child.kill(); // SIGKILL: no detach, no bye
    let _ = child.wait();
    let armed = c.t.status()?.armed;
    expect(armed > 0, || "the probe was gone before the lease could lapse".into())?;
    settled(c.t, c.base)?;
    expect(c.t.console().contains("lapsed"), || "no lease-lapse line on the console".into())
}

fn two_hosts_at_once(c: &Ctx) -> Result<(), String> {
    let s = Session::open(c.t.connect()?, 5000).map_err(|e| e.to_string())?;
    let (st, _, err) = c.attach(&["--timeout", "1", "-e", "kprobe:refkernel::workload::fib { @ = count(); }"])?;
    expect(st == Some(1) && err.contains("target busy"), || format!("second host: exit {st:?}: {err}"))?;
    // Status needs no session.
    let status = c.t.status()?;
    expect(status.scripts.is_empty(), || status.to_text())?;
    s.bye(&mut |_| {}).map_err(|e| e.to_string())?;
    count_until_timeout(c)
}

fn half_failed_attach_rolls_back(c: &Ctx) -> Result<(), String> {
    let (st, _, err) =
        c.attach(&["-e", "kprobe:refkernel::workload::fib { @a = count(); } kprobe:refkernel::no_such_function { @b = count(); }"])?;
    expect(st == Some(1) && err.contains("no_such_function"), || format!("exit {st:?}: {err}"))?;
    settled(c.t, c.base)
}

pub(super) const SCENARIOS: [(&str, Scenario); 13] = [
    ("count until --timeout", count_until_timeout),
    ("printf streams as it happens", printf_streams_as_it_happens),
    ("exit() in a handler detaches", exit_in_a_handler_detaches),
    ("--format json: every line is JSON", json_lines_all_parse),
    ("Ctrl-C prints the maps and detaches", ctrl_c_prints_maps_and_detaches),
    ("records received + lost = hits", nothing_lost_silently),
    ("garbage, cut and corrupted frames", garbage_and_broken_frames),
    ("an oversized object is refused", oversized_object_is_refused),
    ("another build is refused", other_build_is_refused),
    ("host killed in the middle of a load", host_killed_mid_load),
    ("host killed in the middle of a stream", host_killed_mid_stream),
    ("two hosts at once", two_hosts_at_once),
    ("an attach that fails half way rolls back", half_failed_attach_rolls_back),
];
