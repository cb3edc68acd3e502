//! `symbols-test`: the kernel's own symbol table (embed/symbols.rs) read
//! back and checked against addresses the code itself sees.

use probec_runtime::script::SymbolSource as _;

use crate::embed::symbols::{own_elf_path, KernelSymbols};

/// `symbols-test`: read this kernel's symbol table and check that a few
/// names resolve to the addresses the code itself sees.
pub fn run(cmdline: &crate::cmdline::CmdLine) -> i32 {
    let Some(path) = own_elf_path(&cmdline.raw) else {
        println!("symbols-test: no argv[0] on the command line");
        return 1;
    };
    let table = match KernelSymbols::load(path) {
        Ok(t) => t,
        Err(e) => {
            println!("symbols-test: {e}");
            return 1;
        }
    };
    let fib = crate::workload::fib as fn(u64) -> u64 as usize;
    let sha = sha2::compress256 as fn(&mut [u32; 8], &[_]) as usize;
    let mut ok = true;
    for (name, addr) in [("refkernel::workload::fib", fib), ("sha2::sha256::compress256", sha)] {
        let found = table.find(name).map(|s| s.addr);
        match found {
            Some(f) => println!("symbols-test: {name} = {f:#x} (code sees {addr:#x})"),
            None => println!("symbols-test: {name} not found (code sees {addr:#x})"),
        }
        ok &= found == Some(addr);
    }
    // The same function by its raw ELF name, and a method by both the v0
    // and the legacy spelling.
    if let Some(raw) = table.find("refkernel::workload::fib").map(|s| s.raw.clone()) {
        let by_raw = table.find(&raw).map(|s| s.addr);
        println!("symbols-test: {raw} = {by_raw:x?}");
        ok &= by_raw == Some(fib);
    }
    let v0 = table.find("<miniz_oxide::deflate::core::HuffmanOxide>::optimize_table").map(|s| s.addr);
    let legacy = table.find("miniz_oxide::deflate::core::HuffmanOxide::optimize_table").map(|s| s.addr);
    println!("symbols-test: optimize_table = {v0:x?} as <T>::m, {legacy:x?} as T::m");
    ok &= v0.is_some() && v0 == legacy;
    match table.lookup(fib + 8) {
        Some((s, off)) => {
            println!("symbols-test: {:#x} is {}+{off:#x}", fib + 8, s.name);
            ok &= s.addr == fib && off == 8;
        }
        None => ok = false,
    }
    let mut count = 0;
    table.for_each(&mut |_| count += 1);
    ok &= count == table.len() && count > 100;
    println!("symbols-test: {count} function symbols: {}", if ok { "ok" } else { "FAILED" });
    if ok {
        0
    } else {
        1
    }
}
