//! Arm semihosting: host services through QEMU (`-semihosting-config
//! enable=on,target=native`). On AArch64 a call is `HLT #0xF000` with the
//! operation in w0 and a pointer to its parameter block in x1; the result
//! comes back in x0. QEMU reads the parameter block through the current
//! translation, so blocks may live anywhere the kernel can read.
//!
//! Used for the command line, for reading host files (probe objects) and
//! for exiting QEMU with a status.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::arch::asm;

const SYS_OPEN: u64 = 0x01;
const SYS_CLOSE: u64 = 0x02;
const SYS_READ: u64 = 0x06;
const SYS_FLEN: u64 = 0x0c;
const SYS_GET_CMDLINE: u64 = 0x15;
const SYS_EXIT: u64 = 0x18;

/// SYS_EXIT reason "application exited"; the subcode is the exit status.
const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x20026;
/// SYS_OPEN mode "rb".
const OPEN_MODE_RB: u64 = 1;

/// The encoding of `HLT #0xF000`, so the exception code can recognise a
/// semihosting call that trapped because semihosting is disabled.
pub const HLT_SEMIHOSTING: u32 = 0xd45e_0000;

/// Issue semihosting operation `op` with parameter block `block`.
///
/// # Safety
/// `block` must point to a valid parameter block for `op`, including any
/// buffers it names, which the host may write.
unsafe fn call(op: u64, block: *const u64) -> u64 {
    let ret: u64;
    // No `nomem`: the host reads and writes memory named by the block.
    // SAFETY: `block` is a valid parameter block for `op` (the caller's
    // contract), so the host touches only memory the caller handed over.
    unsafe { asm!("hlt #0xf000", inout("x0") op => ret, in("x1") block, options(nostack, preserves_flags)) };
    ret
}

/// The command line QEMU hands over: the words of `-append` (or the `arg=`
/// values of `-semihosting-config`) joined by spaces, after argv[0].
/// Empty if the host returns nothing.
pub fn get_cmdline() -> String {
    let mut buf = vec![0u8; 4096];
    let block = [buf.as_mut_ptr() as u64, buf.len() as u64];
    // SAFETY: the block names `buf` and its length; the host writes at
    // most that many bytes and stores the length used in block[1].
    let ret = unsafe { call(SYS_GET_CMDLINE, block.as_ptr()) };
    if ret != 0 {
        return String::new();
    }
    // QEMU writes back the length; the string is NUL-terminated as well.
    let len = (block[1] as usize).min(buf.len());
    let len = buf[..len].iter().position(|&b| b == 0).unwrap_or(len);
    buf.truncate(len);
    String::from_utf8_lossy(&buf).into_owned()
}

/// Read a whole host file into a heap buffer.
pub fn read_file(path: &str) -> Result<Vec<u8>, &'static str> {
    let mut name = Vec::with_capacity(path.len() + 1);
    name.extend_from_slice(path.as_bytes());
    name.push(0);
    let open = [name.as_ptr() as u64, OPEN_MODE_RB, path.len() as u64];
    // SAFETY: NUL-terminated name and its length, as SYS_OPEN wants.
    let handle = unsafe { call(SYS_OPEN, open.as_ptr()) };
    if handle as i64 == -1 {
        return Err("cannot open file");
    }
    let result = read_open_file(handle);
    // SAFETY: the block holds a handle SYS_OPEN returned.
    unsafe { call(SYS_CLOSE, [handle].as_ptr()) };
    result
}

fn read_open_file(handle: u64) -> Result<Vec<u8>, &'static str> {
    // SAFETY: the block holds an open handle.
    let len = unsafe { call(SYS_FLEN, [handle].as_ptr()) };
    if len as i64 == -1 {
        return Err("cannot get file length");
    }
    let mut data = vec![0u8; len as usize];
    let mut done = 0;
    while done < data.len() {
        let rest = &mut data[done..];
        let block = [handle, rest.as_mut_ptr() as u64, rest.len() as u64];
        // SAFETY: the block names `rest`, which the host may fill.
        // SYS_READ returns the number of bytes NOT read.
        let not_read = unsafe { call(SYS_READ, block.as_ptr()) } as usize;
        if not_read >= rest.len() {
            return Err("short read");
        }
        done += rest.len() - not_read;
    }
    Ok(data)
}

/// Stop QEMU with exit status `status`.
pub fn exit(status: i32) -> ! {
    let block = [ADP_STOPPED_APPLICATION_EXIT, status as u64];
    // SAFETY: a valid SYS_EXIT block; the call does not return under QEMU.
    unsafe { call(SYS_EXIT, block.as_ptr()) };
    crate::board::cpu::halt()
}

/// Whether the instruction at `pc` is a semihosting call (`HLT #0xF000`).
/// Without `-semihosting-config enable=on` it traps as undefined.
pub fn is_trapped_call(pc: u64) -> bool {
    crate::embed::probe_read::probe_read_u32(pc as usize) == Some(HLT_SEMIHOSTING)
}
