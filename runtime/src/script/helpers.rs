//! The runtime helpers compiled handlers call (`abi::HELPER_*`), bound by
//! the loader to the object's undefined symbols. They run on the hit path:
//! no allocation, no lock, no formatting, and every argument coming from
//! the handler is checked (a bad map index or length is counted, not
//! trusted).

use super::state::{attachment, Attachment};
use crate::abi::{self, HandlerCtx, RecordKind, STR_TRUNCATED};
use core::sync::atomic::Ordering;

/// The address of helper `name`, or `None` if it is not a helper.
pub fn address(name: &str) -> Option<u64> {
    let f: usize = match name {
        abi::HELPER_MAP_LOOKUP => map_lookup as *const () as usize,
        abi::HELPER_MAP_FIND => map_find as *const () as usize,
        abi::HELPER_MAP_DELETE => map_delete as *const () as usize,
        abi::HELPER_MAP_PRINT => map_print as *const () as usize,
        abi::HELPER_MAP_CLEAR => map_clear as *const () as usize,
        abi::HELPER_MAP_ZERO => map_zero as *const () as usize,
        abi::HELPER_PRINTF => printf as *const () as usize,
        abi::HELPER_READ => read as *const () as usize,
        abi::HELPER_READ_STR => read_str as *const () as usize,
        abi::HELPER_CTX_STR => ctx_str as *const () as usize,
        abi::HELPER_CTX_VALUE => ctx_value as *const () as usize,
        abi::HELPER_EXIT => exit as *const () as usize,
        _ => return None,
    };
    Some(f as u64)
}

fn map_of(a: &Attachment, map: u32) -> Option<&super::maps::Map> {
    let m = a.state().maps.get(map as usize);
    if m.is_none() {
        a.count_error();
    }
    m
}

/// `probec_map_lookup`: the value slot for `key`, created zeroed if absent.
///
/// # Safety
/// `ctx` comes from the runtime; `key` points to the map's key bytes.
pub unsafe extern "C" fn map_lookup(ctx: *const HandlerCtx, map: u32, key: *const u8) -> *mut u8 {
    // SAFETY: `ctx` comes from the runtime (caller's contract), so it is a
    // context built by `Attachment::call`.
    match unsafe { attachment(ctx) }.and_then(|a| map_of(a, map)) {
        // SAFETY: `key` points to the map's key bytes (caller's contract).
        Some(m) => unsafe { m.lookup(key) },
        None => core::ptr::null_mut(),
    }
}

/// `probec_map_find`: the value slot for `key`, or null.
///
/// # Safety
/// As for [`map_lookup`].
pub unsafe extern "C" fn map_find(ctx: *const HandlerCtx, map: u32, key: *const u8) -> *const u8 {
    // SAFETY: `ctx` comes from the runtime (caller's contract), so it is a
    // context built by `Attachment::call`.
    match unsafe { attachment(ctx) }.and_then(|a| map_of(a, map)) {
        // SAFETY: `key` points to the map's key bytes (caller's contract).
        Some(m) => unsafe { m.find(key) },
        None => core::ptr::null(),
    }
}

/// `probec_map_delete`.
///
/// # Safety
/// As for [`map_lookup`].
pub unsafe extern "C" fn map_delete(ctx: *const HandlerCtx, map: u32, key: *const u8) {
    // SAFETY: `ctx` comes from the runtime (caller's contract), so it is a
    // context built by `Attachment::call`.
    if let Some(m) = unsafe { attachment(ctx) }.and_then(|a| map_of(a, map)) {
        // SAFETY: `key` points to the map's key bytes (caller's contract).
        unsafe { m.delete(key) };
    }
}

/// `probec_map_print`: queue a print request (the map is read when the
/// ring is drained).
///
/// # Safety
/// `ctx` comes from the runtime.
pub unsafe extern "C" fn map_print(ctx: *const HandlerCtx, map: u32) {
    // SAFETY: `ctx` comes from the runtime (caller's contract), so it is a
    // context built by `Attachment::call`.
    if let Some(a) = unsafe { attachment(ctx) } {
        if map_of(a, map).is_some() {
            // SAFETY: `ctx` is the live context `a` came from.
            unsafe { write_record(a, ctx, RecordKind::PrintMap, map, &[]) };
        }
    }
}

/// `probec_map_clear`.
///
/// # Safety
/// `ctx` comes from the runtime.
pub unsafe extern "C" fn map_clear(ctx: *const HandlerCtx, map: u32) {
    // SAFETY: `ctx` comes from the runtime (caller's contract), so it is a
    // context built by `Attachment::call`.
    if let Some(m) = unsafe { attachment(ctx) }.and_then(|a| map_of(a, map)) {
        m.clear();
    }
}

/// `probec_map_zero`.
///
/// # Safety
/// `ctx` comes from the runtime.
pub unsafe extern "C" fn map_zero(ctx: *const HandlerCtx, map: u32) {
    // SAFETY: `ctx` comes from the runtime (caller's contract), so it is a
    // context built by `Attachment::call`.
    if let Some(m) = unsafe { attachment(ctx) }.and_then(|a| map_of(a, map)) {
        m.zero();
    }
}

/// Write a record to the ring of the CPU running the handler.
///
/// # Safety
/// `ctx` points to a live context built by [`Attachment::call`] for `a`.
unsafe fn write_record(a: &Attachment, ctx: *const HandlerCtx, kind: RecordKind, id: u32, payload: &[u8]) {
    // SAFETY: `ctx` points to a live context (this function's contract).
    let cpu = unsafe { (*ctx).cpu };
    let rings = &a.state().rings;
    // A CPU number beyond the rings (a misbehaving platform) cannot pick
    // another CPU's ring without breaking its single-writer rule: count it.
    match rings.get(cpu as usize) {
        Some(r) => {
            r.write(kind.raw(), cpu as u16, id, payload);
        }
        None => a.count_error(),
    }
}

/// `probec_printf`: write a printf record (format index + argument bytes).
///
/// # Safety
/// `ctx` comes from the runtime; `args` points to `len` readable bytes.
pub unsafe extern "C" fn printf(ctx: *const HandlerCtx, format: u32, args: *const u8, len: u32) {
    // SAFETY: `ctx` comes from the runtime (caller's contract), so it is a
    // context built by `Attachment::call`.
    let Some(a) = (unsafe { attachment(ctx) }) else { return };
    match a.state().record_sizes.get(format as usize) {
        Some(&size) if size == len && (len == 0 || !args.is_null()) => {
            let payload = if len == 0 {
                &[][..]
            } else {
                // SAFETY: `args` is non-null here and points to `len`
                // readable bytes (caller's contract).
                unsafe { core::slice::from_raw_parts(args, len as usize) }
            };
            // SAFETY: `ctx` is the live context `a` came from.
            unsafe { write_record(a, ctx, RecordKind::Printf, format, payload) };
        }
        _ => a.count_error(),
    }
}

fn platform() -> Option<&'static dyn crate::Platform> {
    crate::installed().map(|rt| rt.platform)
}

/// `probec_read`: fault-safe read of 1, 2, 4 or 8 bytes. 0 on success; on
/// failure `dst` is zeroed, the probe's error count bumped, 1 returned.
///
/// # Safety
/// `ctx` comes from the runtime; `dst` points to `len` writable bytes.
pub unsafe extern "C" fn read(ctx: *const HandlerCtx, dst: *mut u8, src: u64, len: u64) -> u64 {
    // SAFETY: `ctx` comes from the runtime (caller's contract), so it is a
    // context built by `Attachment::call`.
    let Some(a) = (unsafe { attachment(ctx) }) else { return 1 };
    if dst.is_null() || !matches!(len, 1 | 2 | 4 | 8) {
        a.count_error();
        return 1;
    }
    let mut buf = [0u8; 8];
    let n = len as usize;
    let ok = platform().is_some_and(|p| p.read_nofault(src, &mut buf[..n]));
    if !ok {
        buf = [0; 8];
        a.count_error();
    }
    // SAFETY: `dst` is non-null and points to `len` (= `n`, at most 8)
    // writable bytes (caller's contract); `buf` is a distinct local.
    unsafe { core::ptr::copy_nonoverlapping(buf.as_ptr(), dst, n) };
    u64::from(!ok)
}

/// Bytes read per `read_nofault` call when copying a string: small, and
/// never across a 4 KiB page, so a string ending just before an unmapped
/// page still reads.
const STR_CHUNK: u64 = 32;

/// Read `chunk` one byte at a time until a NUL; `false` if a byte before
/// the NUL is unreadable.
fn read_bytes_to_nul(p: &dyn crate::Platform, addr: u64, chunk: &mut [u8]) -> bool {
    for (i, byte) in chunk.iter_mut().enumerate() {
        let mut b = [0u8; 1];
        if !p.read_nofault(addr.wrapping_add(i as u64), &mut b) {
            return false;
        }
        *byte = b[0];
        if b[0] == 0 {
            return true;
        }
    }
    true
}

/// `probec_read_str`: fault-safe read of a NUL-terminated string of at most
/// `min(limit, cap - 1)` bytes into `dst` (NUL-padded to `cap`), with the
/// truncation marker when the string was longer. On a fault: empty string,
/// error counted, 1 returned.
///
/// # Safety
/// `ctx` comes from the runtime; `dst` points to `cap` writable bytes.
pub unsafe extern "C" fn read_str(ctx: *const HandlerCtx, dst: *mut u8, cap: u64, src: u64, limit: u64) -> u64 {
    // SAFETY: `ctx` comes from the runtime (caller's contract), so it is a
    // context built by `Attachment::call`.
    let Some(a) = (unsafe { attachment(ctx) }) else { return 1 };
    if dst.is_null() || cap == 0 {
        a.count_error();
        return 1;
    }
    // SAFETY: `dst` is non-null and points to `cap` writable bytes
    // (caller's contract), used only through `out` in this call.
    let out = unsafe { core::slice::from_raw_parts_mut(dst, cap as usize) };
    out.fill(0);
    let Some(p) = platform() else { return 1 };
    let max = limit.min(cap - 1);
    let mut done = 0u64;
    while done < max {
        let addr = src.wrapping_add(done);
        let n = STR_CHUNK.min(max - done).min(4096 - (addr & 4095));
        let chunk = &mut out[done as usize..(done + n) as usize];
        // A chunk can fail although the string ends before the unreadable
        // byte (a platform that checks finer than pages): retry it byte
        // by byte, up to the NUL.
        if !p.read_nofault(addr, chunk) && !read_bytes_to_nul(p, addr, chunk) {
            out.fill(0);
            a.count_error();
            return 1;
        }
        if let Some(z) = chunk.iter().position(|&b| b == 0) {
            out[(done as usize + z)..].fill(0);
            return 0;
        }
        done += n;
    }
    // No NUL within `max` bytes: longer if the next byte is readable and
    // not NUL (a fault there just means we cannot tell; not an error).
    let mut next = [0u8; 1];
    if p.read_nofault(src.wrapping_add(max), &mut next) && next[0] != 0 {
        out[cap as usize - 1] = STR_TRUNCATED;
    }
    0
}

/// `probec_ctx_str`: copy `func` or `probe` into `dst` (NUL-padded, with
/// the truncation marker if it does not fit).
///
/// # Safety
/// `ctx` comes from the runtime; `dst` points to `cap` writable bytes.
pub unsafe extern "C" fn ctx_str(ctx: *const HandlerCtx, which: u32, dst: *mut u8, cap: u64) {
    // SAFETY: `ctx` comes from the runtime (caller's contract), so it is a
    // context built by `Attachment::call`.
    let Some(a) = (unsafe { attachment(ctx) }) else { return };
    if dst.is_null() || cap == 0 {
        a.count_error();
        return;
    }
    // SAFETY: `dst` is non-null and points to `cap` writable bytes
    // (caller's contract), used only through `out` in this call.
    let out = unsafe { core::slice::from_raw_parts_mut(dst, cap as usize) };
    out.fill(0);
    let text = match which {
        abi::CTX_STR_FUNC => &*a.func,
        abi::CTX_STR_PROBE => &*a.probe,
        abi::CTX_STR_COMM => {
            // The embedder writes the name straight into the buffer; one
            // byte more than fits tells whether it was truncated.
            let mut name = [0u8; 65];
            let limit = (cap as usize).min(name.len());
            match platform().and_then(|p| p.thread_name(&mut name[..limit])) {
                Some(n) => {
                    let n = n.min(limit);
                    let keep = n.min(cap as usize - 1);
                    out[..keep].copy_from_slice(&name[..keep]);
                    if n > keep {
                        out[cap as usize - 1] = STR_TRUNCATED;
                    }
                }
                None => a.count_error(),
            }
            return;
        }
        _ => {
            a.count_error();
            ""
        }
    };
    let n = text.len().min(cap as usize - 1);
    out[..n].copy_from_slice(&text.as_bytes()[..n]);
    if text.len() > n {
        out[cap as usize - 1] = STR_TRUNCATED;
    }
}

/// `probec_ctx_value`: the embedder's value for requirement `require`.
///
/// # Safety
/// `ctx` comes from the runtime.
pub unsafe extern "C" fn ctx_value(ctx: *const HandlerCtx, require: u32) -> u64 {
    // SAFETY: `ctx` comes from the runtime (caller's contract), so it is a
    // context built by `Attachment::call`.
    let Some(a) = (unsafe { attachment(ctx) }) else { return 0 };
    let value = a.state().requires.get(require as usize).and_then(|name| platform()?.context_value(name));
    value.unwrap_or_else(|| {
        a.count_error();
        0
    })
}

/// `probec_exit`: stop running this script's handlers; the embedder sees
/// [`super::exit_requested`] and unloads it (END still runs then).
///
/// # Safety
/// `ctx` comes from the runtime.
pub unsafe extern "C" fn exit(ctx: *const HandlerCtx) {
    // SAFETY: `ctx` comes from the runtime (caller's contract), so it is a
    // context built by `Attachment::call`.
    if let Some(a) = unsafe { attachment(ctx) } {
        let s = a.state();
        s.exit.store(true, Ordering::Release);
        s.active.store(false, Ordering::Release);
    }
}
