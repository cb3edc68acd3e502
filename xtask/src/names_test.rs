//! Function names under both Rust mangling schemes, end to end: the
//! reference kernel as the tests build it (v0 mangling) and a second copy
//! built with the stable default (legacy mangling, as most users' kernels
//! are), each probed by `probec run` and listed by `probec lines` with
//! every spelling a user may write: the path as legacy prints it
//! (`T::m`), as v0 prints it (`<T>::m`), and the raw symbol as `nm`
//! prints it. The expected values come from the ELF through
//! `aarch64-linux-gnu-nm` and rustc-demangle, not from the matcher under
//! test (runtime/loader/src/names.rs).

use crate::examples::build_probec;
use crate::kernel::{self, Mangling};
use crate::qemu;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// One function symbol of a kernel: raw and display name, address.
struct Sym {
    raw: String,
    display: String,
    addr: u64,
}

/// The text symbols of `elf`, from binutils' nm.
fn symbols(elf: &Path) -> Result<Vec<Sym>, String> {
    let out = Command::new("aarch64-linux-gnu-nm").arg(elf).output().map_err(|e| format!("aarch64-linux-gnu-nm: {e}"))?;
    if !out.status.success() {
        return Err(format!("aarch64-linux-gnu-nm {} failed", elf.display()));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (addr, kind, raw) = (f.next()?, f.next()?, f.next()?);
            if !matches!(kind, "t" | "T") {
                return None;
            }
            let display = match rustc_demangle::try_demangle(raw) {
                Ok(d) => format!("{d:#}"),
                Err(_) => raw.to_string(),
            };
            Some(Sym { raw: raw.into(), display, addr: u64::from_str_radix(addr, 16).ok()? })
        })
        .collect())
}

/// Record one check: prints it, returns (passed, failed).
fn check(label: &str, ok: bool, detail: impl FnOnce() -> String) -> (u64, u64) {
    println!("names {label}: {}", if ok { "ok" } else { "FAILED" });
    if !ok {
        eprintln!("---- names {label} ----\n{}", detail());
    }
    if ok {
        (1, 0)
    } else {
        (0, 1)
    }
}

fn probec(probec: &Path, args: &[&str]) -> Result<Output, String> {
    Command::new(probec)
        .args(args)
        .current_dir(crate::repo_root())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{}: {e}", probec.display()))
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `probec run --kernel ELF -e PROGRAM -- ARGS`.
fn run_program(probec_bin: &Path, elf: &Path, program: &str, args: &str) -> Result<Output, String> {
    let mut all = vec!["run", "--kernel", elf.to_str().ok_or("kernel path is not UTF-8")?, "--timeout", "120", "-e", program, "--"];
    all.extend(args.split_whitespace());
    probec(probec_bin, &all)
}

/// The value printed for the keyless map `@`: `@: N`.
fn anonymous_count(o: &Output) -> Option<u64> {
    String::from_utf8_lossy(&o.stdout).lines().find_map(|l| l.strip_prefix("@: ")?.trim().parse().ok())
}

/// `Attaching N probes...`.
fn attaching(o: &Output) -> Option<u64> {
    String::from_utf8_lossy(&o.stdout).lines().find_map(|l| l.strip_prefix("Attaching ")?.split(' ').next()?.parse().ok())
}

/// Run every check on both kernels; returns (passed, failed).
pub fn run(v0_elf: &Path) -> Result<(u64, u64), String> {
    let legacy_elf = kernel::build_with(Mangling::Legacy)?;
    let probec_bin = build_probec()?;
    let mut total = (0, 0);
    let mut add = |r: (u64, u64)| {
        total.0 += r.0;
        total.1 += r.1;
    };
    for (label, elf, prefix) in [("v0", v0_elf, "_R"), ("legacy", legacy_elf.as_path(), "_ZN")] {
        let syms = symbols(elf)?;
        let find = |display: &str| syms.iter().filter(|s| s.display == display).collect::<Vec<_>>();

        // The build really uses the scheme it is named after.
        let fib = find("refkernel::workload::fib");
        add(check(
            &format!("{label}: the kernel's own symbols are {prefix}… mangled"),
            fib.len() == 1 && fib[0].raw.starts_with(prefix),
            || fib.iter().map(|s| format!("{} {}\n", s.raw, s.display)).collect(),
        ));
        let Some(fib) = fib.first() else { continue };

        // The kernel's own symbol table, read in the target.
        let st = qemu::run(elf, "cortex-a57", "symbols-test", Duration::from_secs(60), &qemu::Options::default())?;
        add(check(&format!("{label}: symbols-test"), st.status == Some(0) && st.output.contains("function symbols: ok"), || {
            st.output.clone()
        }));

        // fib(12) makes 2·fib(13) − 1 = 465 calls, by any spelling.
        for spelling in ["refkernel::workload::fib", fib.raw.as_str()] {
            let o = run_program(&probec_bin, elf, &format!("kprobe:{spelling} {{ @ = count(); }}"), "fib 12")?;
            add(check(&format!("{label}: kprobe:{spelling} counts 465 calls of fib(12)"), anonymous_count(&o) == Some(465), || text(&o)));
        }

        // An inherent method: legacy's `T::m` and v0's `<T>::m` are one
        // function; both spellings count the same calls.
        let method = "miniz_oxide::deflate::core::HuffmanOxide::optimize_table";
        let mut counts = Vec::new();
        for spelling in [method.to_string(), "<miniz_oxide::deflate::core::HuffmanOxide>::optimize_table".to_string()] {
            let o = run_program(&probec_bin, elf, &format!("kprobe:{spelling} {{ @ = count(); }}"), "deflate 20000")?;
            let n = anonymous_count(&o);
            add(check(
                &format!("{label}: kprobe:{spelling} attaches once and counts"),
                attaching(&o) == Some(1) && n.is_some_and(|n| n > 0),
                || text(&o),
            ));
            counts.push(n);
        }
        add(check(&format!("{label}: both spellings of optimize_table count the same"), counts[0] == counts[1], || format!("{counts:?}")));

        // A path with several monomorphizations names all of them.
        let path = "core::slice::sort::unstable::ipnsort";
        let copies = syms.iter().filter(|s| s.display == path || s.display.starts_with(&format!("{path}::<"))).count() as u64;
        let o = run_program(&probec_bin, elf, &format!("kprobe:{path} {{ @ = count(); }}"), "sort 2000")?;
        add(check(
            &format!("{label}: kprobe:{path} attaches to all {copies} copies"),
            copies > 1 && attaching(&o) == Some(copies) && anonymous_count(&o).is_some_and(|n| n > 0),
            || text(&o),
        ));

        // probec lines: each spelling lists the same function.
        let elf_arg = elf.to_str().ok_or("kernel path is not UTF-8")?;
        let header = format!("at {:#x},", fib.addr);
        for spelling in ["refkernel::workload::fib", fib.raw.as_str()] {
            let o = probec(&probec_bin, &["lines", "--kernel", elf_arg, spelling])?;
            let first = String::from_utf8_lossy(&o.stdout).lines().next().unwrap_or("").to_string();
            add(check(&format!("{label}: probec lines {spelling}"), o.status.success() && first.contains(&header), || text(&o)));
        }
        let opt = find("<miniz_oxide::deflate::core::HuffmanOxide>::optimize_table");
        let opt = if opt.is_empty() { find(method) } else { opt };
        if let Some(opt) = opt.first() {
            let header = format!("at {:#x},", opt.addr);
            for spelling in [method, "<miniz_oxide::deflate::core::HuffmanOxide>::optimize_table"] {
                let o = probec(&probec_bin, &["lines", "--kernel", elf_arg, spelling])?;
                let first = String::from_utf8_lossy(&o.stdout).lines().next().unwrap_or("").to_string();
                add(check(&format!("{label}: probec lines {spelling}"), o.status.success() && first.contains(&header), || text(&o)));
            }
        } else {
            add(check(&format!("{label}: optimize_table in the symbol table"), false, String::new));
        }
    }
    println!("names: {} passed, {} failed", total.0, total.1);
    Ok(total)
}
