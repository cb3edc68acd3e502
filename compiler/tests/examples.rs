//! Every script under examples/ compiles, and its object is what the loader
//! expects: checked by reading the descriptor sections with the runtime's
//! own `abi` definitions (via an ELF section reader), and by binutils'
//! `readelf` and `objdump` for AArch64 (which must be installed: these
//! tests fail, not skip, without them).

use cranelift_object::object::read::elf::ElfFile64;
use cranelift_object::object::{Endianness, Object, ObjectSection, ObjectSymbol, SymbolKind};
use probec::driver::{compile, Options};
use probec::lower::Features;
use probec_abi::{self as abi, FieldDesc, FormatDesc, MapDesc, ObjectHeader, Pod, ProbeDesc, RequireDesc};
use std::path::{Path, PathBuf};
use std::process::Command;

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pr"))
        .collect();
    v.sort();
    assert!(v.len() >= 8, "expected at least 8 example scripts, found {}", v.len());
    v
}

fn build(path: &Path, features: Features) -> Vec<u8> {
    let src = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    match compile(&src, &name, &Options { features, ..Options::default() }) {
        Ok(out) => out.bytes,
        Err(d) => panic!("{name} does not compile:\n{}", probec::diag::render(&d, &name, &src)),
    }
}

fn table<T: Pod>(bytes: &[u8], count: u32) -> Vec<T> {
    let size = std::mem::size_of::<T>();
    assert_eq!(bytes.len(), size * count as usize, "section size does not match the header's count");
    bytes.chunks(size).map(|c| T::read_from(c).unwrap()).collect()
}

/// Parse and cross-check an object the way a loader must.
fn check_object(elf: &[u8], what: &str) {
    let file = ElfFile64::<Endianness>::parse(elf).unwrap_or_else(|e| panic!("{what}: not ELF64: {e}"));
    assert_eq!(file.architecture(), cranelift_object::object::Architecture::Aarch64, "{what}");
    let section =
        |name: &str| -> Vec<u8> { file.section_by_name(name).unwrap_or_else(|| panic!("{what}: no {name}")).data().unwrap().to_vec() };
    let header = ObjectHeader::read_from(&section(abi::SECTION_HEADER)).expect("header");
    header.validate().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(header.magic, abi::MAGIC, "{what}");
    assert_eq!(header.abi_version, abi::ABI_VERSION, "{what}");
    assert_eq!(header.header_size as usize, std::mem::size_of::<ObjectHeader>());
    let strtab = section(abi::SECTION_STRTAB);
    let s = |off: u32| abi::strtab_get(&strtab, off).unwrap_or_else(|| panic!("{what}: bad strtab offset {off}")).to_string();
    let probes: Vec<ProbeDesc> = table(&section(abi::SECTION_PROBES), header.probe_count);
    let maps: Vec<MapDesc> = table(&section(abi::SECTION_MAPS), header.map_count);
    let formats: Vec<FormatDesc> = table(&section(abi::SECTION_FORMATS), header.format_count);
    let fields: Vec<FieldDesc> = table(&section(abi::SECTION_FIELDS), header.field_count);
    let requires: Vec<RequireDesc> = table(&section(abi::SECTION_REQUIRES), header.require_count);
    assert!(!probes.is_empty(), "{what}: no probes");
    let functions: Vec<String> = file
        .symbols()
        .filter(|sym| sym.kind() == SymbolKind::Text && sym.is_definition())
        .map(|sym| sym.name().unwrap().to_string())
        .collect();
    for p in &probes {
        let handler = s(p.handler);
        assert!(functions.contains(&handler), "{what}: handler {handler} not defined");
        assert!(!s(p.name).is_empty());
        assert!(p.kind <= abi::probe_kind::END);
        if p.target_kind == abi::target_kind::SYMBOL || p.target_kind == abi::target_kind::GLOB {
            assert!(!s(p.target).is_empty());
        }
    }
    for m in &maps {
        assert!(s(m.name).starts_with('@'));
        assert!(m.capacity >= 1 && m.value_size >= 8 && m.value_size % 8 == 0 && m.key_size % 8 == 0);
        assert!(m.key_fields + m.key_count <= header.field_count);
        let key_bytes: u32 = fields[m.key_fields as usize..(m.key_fields + m.key_count) as usize].iter().map(|f| f.size).sum();
        assert_eq!(key_bytes, m.key_size, "{what}: key size of {}", s(m.name));
    }
    for f in &formats {
        let args = &fields[f.arg_fields as usize..(f.arg_fields + f.arg_count) as usize];
        assert_eq!(args.iter().map(|a| a.size).sum::<u32>(), f.record_size);
        assert!(!s(f.format).is_empty());
    }
    for r in &requires {
        assert!(!s(r.name).is_empty());
    }
    // Only helpers from the ABI may be imported.
    for sym in file.symbols().filter(|sym| sym.is_undefined() && !sym.name().unwrap_or("").is_empty()) {
        let name = sym.name().unwrap();
        assert!(abi::HELPERS.contains(&name), "{what}: unknown import {name}");
    }
    // Only ABS64 relocations (R_AARCH64_ABS64 = 257) in code.
    let text = file.section_by_name(".text").unwrap();
    for (_, r) in text.relocations() {
        let ty = format!("{:?}", r.flags());
        assert!(ty.contains(&abi::R_AARCH64_ABS64.to_string()), "{what}: unexpected relocation {ty}");
    }
}

fn tool(name: &str, args: &[&str]) -> String {
    let out =
        Command::new(name).args(args).output().unwrap_or_else(|e| panic!("cannot run {name} (install binutils-aarch64-linux-gnu): {e}"));
    assert!(out.status.success(), "{name} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_example_compiles_to_a_valid_object() {
    for path in examples() {
        for features in [Features::default(), Features { lse: true, bti: true, pac: true }] {
            let elf = build(&path, features);
            check_object(&elf, &format!("{} {features:?}", path.display()));
        }
    }
}

#[test]
fn readelf_and_objdump_understand_the_objects() {
    let dir = std::env::temp_dir().join(format!("probec-examples-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for path in examples() {
        let obj = dir.join(path.file_stem().unwrap()).with_extension("o");
        std::fs::write(&obj, build(&path, Features::default())).unwrap();
        let o = obj.to_str().unwrap();
        let header = tool("aarch64-linux-gnu-readelf", &["-h", "-S", "-s", "-r", "-W", o]);
        assert!(header.contains("AArch64"), "{header}");
        assert!(header.contains("REL (Relocatable file)"));
        for s in [abi::SECTION_HEADER, abi::SECTION_PROBES, abi::SECTION_MAPS, abi::SECTION_STRTAB] {
            assert!(header.contains(s), "{}: readelf does not list {s}", path.display());
        }
        let dis = tool("aarch64-linux-gnu-objdump", &["-d", o]);
        assert!(dis.contains("<kprobe:") || dis.contains("<BEGIN>") || dis.contains("<kretprobe:"), "{dis}");
        assert!(dis.contains("ret"), "{dis}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn lse_feature_changes_atomics() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/count_calls.pr");
    let asm = |f: Features| {
        let src = std::fs::read_to_string(&path).unwrap();
        let opts = Options { features: f, emit: probec::driver::Emit::Asm, ..Options::default() };
        String::from_utf8(compile(&src, "c.pr", &opts).unwrap().bytes).unwrap()
    };
    let base = asm(Features::default());
    assert!(base.contains("ldaxr") && base.contains("stlxr"), "ARMv8.0 uses LL/SC:\n{base}");
    let lse = asm(Features { lse: true, ..Features::default() });
    assert!(lse.contains("ldadd"), "LSE uses ldadd*:\n{lse}");
    let bti = asm(Features { bti: true, ..Features::default() });
    assert!(bti.contains("bti") || bti.contains("hint #0x22"), "BTI landing pad:\n{bti}");
    // PACIASP is itself a valid BTI landing pad, so with both only it appears.
    let hardened = asm(Features { bti: true, pac: true, ..Features::default() });
    assert!(hardened.contains("paciasp") && hardened.contains("autiasp"), "PAC signing:\n{hardened}");
}

/// A probe whose handler never reads `nsecs` or `elapsed` says so
/// (`probe_flags::NO_CLOCK`), so the runtime can skip the clock on its hits;
/// one that reads either, in its body or its predicate, does not.
#[test]
fn probes_that_never_read_the_clock_say_so() {
    let src = "kprobe:a { @t = nsecs; }\nkprobe:b / elapsed > 5 / { @c = count(); }\nkprobe:c, kprobe:d { @d = count(); }\n";
    let out = compile(src, "clock.pr", &Options::default()).unwrap_or_else(|d| panic!("{}", probec::diag::render(&d, "clock.pr", src)));
    let file = ElfFile64::<Endianness>::parse(&*out.bytes).unwrap();
    let section = |name: &str| file.section_by_name(name).unwrap().data().unwrap().to_vec();
    let header = ObjectHeader::read_from(&section(abi::SECTION_HEADER)).unwrap();
    let strtab = section(abi::SECTION_STRTAB);
    let probes: Vec<ProbeDesc> = table(&section(abi::SECTION_PROBES), header.probe_count);
    let flags: Vec<(String, u16)> = probes.iter().map(|p| (abi::strtab_get(&strtab, p.name).unwrap().to_string(), p.flags)).collect();
    let no_clock = abi::probe_flags::NO_CLOCK;
    assert_eq!(
        flags,
        [("kprobe:a".to_string(), 0), ("kprobe:b".to_string(), 0), ("kprobe:c".to_string(), no_clock), ("kprobe:d".to_string(), no_clock)]
    );
}
