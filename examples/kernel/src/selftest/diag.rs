//! Diagnostic commands that exercise the kernel itself: its memory map,
//! the fatal-exception path, fault-safe reads, host file loading and UART
//! receive.

use alloc::string::String;
use alloc::vec::Vec;
use core::arch::asm;

use probec_runtime::{FrameContents, XolMode};

use crate::cmdline::CmdLine;
use crate::embed::probe_read::{probe_read_u16, probe_read_u32, probe_read_u64, probe_read_u8};
use crate::{board::build_id, board::cpu, board::layout, board::mmu, board::semihosting, board::time, board::uart};
use crate::{embed::exec_area, embed::extable};

/// `info`: how the kernel was started, how memory is laid out, and the
/// kernel's GNU build-id (last line, `build-id: HEX`).
pub fn info(cmdline: &CmdLine, entry_el: u64) -> i32 {
    let xol = match cmdline.xol_mode {
        XolMode::SingleStep => "step",
        XolMode::BrkAfterSlot => "brk",
        XolMode::Boost => "boost",
    };
    let r = |r: core::ops::Range<usize>| (r.start, r.end);
    println!("refkernel: entered at EL{entry_el}, running at EL1, cpu {} of {}", cpu::id(), cpu::MAX_CPUS);
    println!("  MIDR_EL1   {:#010x}", cpu::midr());
    println!("  cmdline    {:?}", cmdline.raw);
    println!("  xol mode   {xol}");
    let frame = match crate::embed::vectors::frame_contents() {
        FrameContents::GeneralRegisters => "gp (x0-x30, sp, pc, pstate; FP/SIMD left in the registers)",
        FrameContents::Full => "full (x0-x30, sp, pc, pstate, fpsr, fpcr, q0-q31)",
    };
    println!("  frame      {frame}");
    let (s, e) = r(layout::text());
    println!("  text       {s:#x}..{e:#x} (RX)");
    let s = exec_area::start();
    println!("  exec area  {s:#x}..{:#x} (RX, {} KiB)", s + exec_area::len(), exec_area::len() / 1024);
    let (s, e) = r(layout::rodata());
    println!("  rodata     {s:#x}..{e:#x} (R, XN), {} extable entries", extable::len());
    let (s, e) = r(layout::data());
    println!("  data       {s:#x}..{e:#x} (RW, XN; stacks with guard pages)");
    let (s, e) = r(layout::heap());
    println!("  heap       {s:#x}..{e:#x}");
    let (s, e) = r(layout::ram());
    println!("  RAM        {s:#x}..{e:#x}, write alias at {:#x}", s + layout::ALIAS_OFFSET);
    // GNU build-id (board/build_id.rs), as `readelf -n` shows it.
    let id = build_id::build_id();
    if id.is_empty() {
        println!("build-id: none");
    } else {
        println!("build-id: {}", build_id::Hex(id));
    }
    0
}

/// `brk-test`: execute a BRK nobody handles. Expected: a register dump and
/// a panic (exit status 101).
pub fn brk_test() -> i32 {
    println!("brk-test: executing brk #0x123");
    // SAFETY: the BRK traps; unhandled, the kernel panics and never returns.
    unsafe { asm!("brk #0x123", options(nomem, nostack)) };
    println!("brk-test: BRK returned (someone handled it)");
    1
}

/// `fault-test`: fault-safe reads of unmapped addresses return `None`, of
/// mapped ones `Some`, and the kernel carries on.
pub fn fault_test() -> i32 {
    let mut ok = fault_reads("fault-test");
    // Again with a probe on every fault-safe load: each faulting load now
    // runs in an XOL slot (or, boosted, straight from it), and the runtime
    // must report the abort at the load's own address so the fixup table
    // still finds it.
    let handlers = probec_runtime::Handlers { pre: Some(count_fault_hit), ..Default::default() };
    let ids: alloc::vec::Vec<_> = crate::embed::extable::loads().filter_map(|a| probec_runtime::attach(a, handlers, 0).ok()).collect();
    let attached = ids.len() == crate::embed::extable::len();
    ok &= fault_reads("fault-test probed") && attached;
    let hits = FAULT_HITS.load(core::sync::atomic::Ordering::Relaxed);
    for id in ids {
        ok &= probec_runtime::detach(id).is_ok();
    }
    // fault_reads makes 7 reads, each through one of the probed loads.
    println!(
        "fault-test: {} of {} loads probed, {hits} probe hits (7 expected)",
        if attached { "all" } else { "not all" },
        crate::embed::extable::len()
    );
    ok &= hits == 7;
    println!("fault-test: kernel carried on: {}", if ok { "ok" } else { "FAILED" });
    if ok {
        0
    } else {
        1
    }
}

static FAULT_HITS: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

fn count_fault_hit(_: &mut probec_runtime::HitContext<'_>) {
    FAULT_HITS.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
}

/// Fault-safe reads of unmapped and mapped addresses; true if each gave
/// what it should.
fn fault_reads(what: &str) -> bool {
    let local: u64 = 0x0123_4567_89ab_cdef;
    let local_addr = &local as *const u64 as usize;
    // 0: the unmapped flash below MMIO (NULL). 0x7000_0000: beyond the
    // 256 MiB of RAM. 1 << 40: outside the 39-bit VA range.
    let unmapped = [0usize, 0x7000_0000, 1 << 40];
    let mut ok = true;
    for addr in unmapped {
        let r = probe_read_u64(addr);
        println!("{what}: probe_read_u64({addr:#x}) = {r:x?}");
        ok &= r.is_none();
    }
    let small = (probe_read_u8(0), probe_read_u16(0), probe_read_u32(0));
    println!("{what}: probe_read_u8/u16/u32(0x0) = {small:x?}");
    ok &= small == (None, None, None);
    let r = probe_read_u64(local_addr);
    println!("{what}: probe_read_u64(&local) = {r:x?}");
    ok &= r == Some(local);
    ok
}

/// `file-test PATH`: read a host file through semihosting and print its
/// size and FNV-1a hash (the path probe objects will be loaded by).
pub fn file_test(args: &[String]) -> i32 {
    let [path] = args else {
        println!("usage: file-test PATH");
        return crate::cmdline::USAGE_EXIT_STATUS;
    };
    match semihosting::read_file(path) {
        Ok(data) => {
            let hash = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
            println!("file-test: {path}: {} bytes, fnv1a64 {hash:#018x}", data.len());
            0
        }
        Err(e) => {
            println!("file-test: {path}: {e}");
            1
        }
    }
}

/// The longest line `uart-test` takes.
const UART_TEST_MAX: usize = 4096;

/// How long `uart-test` waits for its line.
const UART_TEST_WAIT_NS: u64 = 20_000_000_000;

/// `uart-test`: receive a line on the console UART by polling
/// [`uart::read_byte`] (what the live-attach agent reads its frames with),
/// then send it back with [`uart::write_bytes`]:
///
/// ```text
/// uart-test: send a line
/// uart-test: echo: LINE
/// uart-test: received N bytes, fnv1a64 0x..., E with errors
/// ```
///
/// The line ends at `\n` or `\r` (not counted). The host must send it after
/// the first line: the UART's receive FIFO is reset when the kernel
/// programs the UART at boot. Exit status 1 if no line came within 20 s
/// or it was longer than 4096 bytes.
pub fn uart_test() -> i32 {
    println!("uart-test: send a line");
    let start = time::now_ns();
    let mut line = Vec::new();
    loop {
        match uart::read_byte() {
            Some(b'\n' | b'\r') => break,
            Some(b) if line.len() < UART_TEST_MAX => line.push(b),
            Some(_) => {
                println!("uart-test: line longer than {UART_TEST_MAX} bytes");
                return 1;
            }
            None if time::now_ns().wrapping_sub(start) > UART_TEST_WAIT_NS => {
                println!("uart-test: no line within {} s ({} bytes so far)", UART_TEST_WAIT_NS / 1_000_000_000, line.len());
                return 1;
            }
            None => core::hint::spin_loop(),
        }
    }
    crate::console::with_console(|| {
        uart::write_bytes(b"uart-test: echo: ");
        uart::write_bytes(&line);
        uart::write_bytes(b"\n");
    });
    let hash = line.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    println!("uart-test: received {} bytes, fnv1a64 {hash:#018x}, {} with errors", line.len(), uart::rx_errors());
    0
}

/// `uart-flood BYTES`: write BYTES bytes of text to the console UART as
/// fast as the driver goes (lines of 63 `x` and a newline, the agent's
/// way: whole chunks under the console lock), then print how long it took.
/// The live-attach benchmark's raw byte rate of the line (xtask
/// bench_live.rs).
pub fn uart_flood(args: &[String]) -> i32 {
    let Some(n) = args.first().and_then(|a| a.parse::<usize>().ok()) else {
        println!("usage: uart-flood BYTES");
        return crate::cmdline::USAGE_EXIT_STATUS;
    };
    let mut line = [b'x'; 64];
    line[63] = b'\n';
    let start = time::now_ns();
    let mut left = n;
    while left > 0 {
        let k = left.min(64);
        crate::console::with_console(|| uart::write_bytes(&line[64 - k..]));
        left -= k;
    }
    let ns = time::now_ns().wrapping_sub(start);
    println!("uart-flood: {n} bytes in {} us", ns / 1000);
    0
}

/// `wx-test`: kernel text is patched the way the runtime patches it: store
/// through the write alias, clean the data cache by the alias address,
/// invalidate the instruction cache by the executable address, then run the
/// new code. Uses the last 8 bytes of the exec area and restores them.
pub fn wx_test() -> i32 {
    let fib = crate::workload::fib as fn(u64) -> u64 as usize;
    let same = probe_read_u32(fib).is_some() && probe_read_u32(fib) == mmu::text_alias(fib).and_then(probe_read_u32);
    println!("wx-test: fib's first instruction reads the same through the alias: {}", ok(same));

    let exec = exec_area::start() + exec_area::len() - 8;
    let alias = mmu::text_alias(exec).expect("exec area has a write alias");
    let code: [u32; 2] = [0xd280_0540, 0xd65f_03c0]; // mov x0, #42; ret
    let old = [probe_read_u32(exec), probe_read_u32(exec + 4)];
    patch(exec, alias, &code);
    // SAFETY: the two instructions just written are a complete function.
    let f: extern "C" fn() -> u64 = unsafe { core::mem::transmute(exec) };
    let ran = f() == 42;
    println!("wx-test: code written through the alias runs: {}", ok(ran));
    if let [Some(a), Some(b)] = old {
        patch(exec, alias, &[a, b]);
    }
    if same && ran {
        0
    } else {
        1
    }
}

/// Write `code` at executable address `exec` through its writable `alias`,
/// with the cache maintenance arm64 requires before executing it (the
/// runtime's own patching primitive, so this test exercises what probes use).
fn patch(exec: usize, alias: usize, code: &[u32]) {
    for (i, insn) in code.iter().enumerate() {
        // SAFETY: `alias` is the RW mapping of exec-area memory nobody runs.
        unsafe { probec_runtime::arch::aarch64::cache::patch_word(exec + 4 * i, alias + 4 * i, *insn) };
    }
}

fn ok(b: bool) -> &'static str {
    if b {
        "ok"
    } else {
        "FAILED"
    }
}
