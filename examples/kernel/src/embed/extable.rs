//! Exception-fixup table, as in Linux's `__ex_table`.
//!
//! Code that may fault on purpose (the fault-safe loads in probe_read.rs)
//! records (address of the load, address of its fixup) in section
//! `__ex_table`. When a data abort is not the probe runtime's, the
//! exception handler looks the faulting PC up here and, if found, resumes
//! at the fixup, which reports the failure to the caller.
//!
//! The linker concatenates entries in link order, so the table is sorted
//! once at boot (like Linux's `sort_main_extable`), while the MMU is still
//! off and the table's read-only mapping does not exist yet; lookups are
//! then binary searches.

use core::slice;

use probec_runtime::Frame;

/// One entry; must match the `.quad insn, fixup` pairs the asm emits.
#[repr(C)]
#[derive(Clone, Copy)]
struct Entry {
    insn: u64,
    fixup: u64,
}

extern "C" {
    static mut __ex_table_start: Entry;
    static mut __ex_table_end: Entry;
}

fn table_ptr() -> (*mut Entry, usize) {
    let start = &raw mut __ex_table_start;
    let end = &raw mut __ex_table_end;
    let len = (end as usize - start as usize) / core::mem::size_of::<Entry>();
    (start, len)
}

/// Sort the table by faulting address. Call once, at boot, before the MMU
/// is enabled (afterwards the table is read-only).
pub fn sort() {
    let (start, len) = table_ptr();
    // SAFETY: the linker script delimits the table with these symbols; at
    // this point nothing else runs and the memory is writable.
    let table = unsafe { slice::from_raw_parts_mut(start, len) };
    // Insertion sort: the table is tiny, and this runs with the MMU off,
    // where only simple aligned loads and stores are welcome.
    for i in 1..table.len() {
        let mut j = i;
        while j > 0 && table[j - 1].insn > table[j].insn {
            table.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// The fixup address for a fault at `pc`, if `pc` is a registered load.
pub fn search(pc: u64) -> Option<u64> {
    let (start, len) = table_ptr();
    // SAFETY: as in `sort`; after boot the table is only read.
    let table = unsafe { slice::from_raw_parts(start as *const Entry, len) };
    table.binary_search_by_key(&pc, |e| e.insn).ok().map(|i| table[i].fixup)
}

/// If the fault at `frame.pc` has a fixup, redirect the frame there.
pub fn fixup(frame: &mut Frame) -> bool {
    match search(frame.pc) {
        Some(fixup) => {
            frame.pc = fixup;
            true
        }
        None => false,
    }
}

/// The addresses of every registered load (for `fault-test`, which probes
/// them).
pub fn loads() -> impl Iterator<Item = usize> {
    let (start, len) = table_ptr();
    // SAFETY: as in `search`.
    let table = unsafe { slice::from_raw_parts(start as *const Entry, len) };
    table.iter().map(|e| e.insn as usize)
}

/// Number of entries (for the `info` command).
pub fn len() -> usize {
    table_ptr().1
}
