//! The script loader on hand-built objects: every relocation type applied
//! and checked through the patched instructions, precise refusals (field,
//! index, reason) for malformed ELF, contract violations and unmet
//! requirements, and the run-time behaviour of loaded scripts (BEGIN and
//! exit(), full maps, lost events, fault-safe reads) with native handlers.

use object::write::{Object as WObject, Relocation, StandardSection, Symbol, SymbolSection};
use object::{elf, Architecture, BinaryFormat, Endianness, RelocationFlags, SymbolFlags, SymbolKind, SymbolScope};
use probec_runtime::abi::{self, FieldDesc, FormatDesc, HandlerCtx, MapDesc, ObjectHeader, Pod, ProbeDesc, RequireDesc};
use probec_runtime::script::{self, helpers, LoadOptions, OutputFormat};
use probec_runtime::{Config, ExecArea, Platform, XolMode};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

// ---- a fake host platform -------------------------------------------------

const TEXT: usize = 4096;
const EXEC: usize = 4096;
const CODE: usize = 64 * 1024;
static READABLE: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz\0tail";

struct Host {
    text: usize,
    exec: usize,
    code: usize,
}

impl Platform for Host {
    fn text_alias(&self, a: usize) -> Option<usize> {
        let inside = |s: usize, l: usize| a >= s && a < s + l;
        (inside(self.text, TEXT) || inside(self.exec, EXEC) || inside(self.code, CODE)).then_some(a)
    }
    fn cpu_id(&self) -> usize {
        0
    }
    fn max_cpus(&self) -> usize {
        1
    }
    fn now_ns(&self) -> u64 {
        500
    }
    fn console_write(&self, text: &str) {
        eprint!("{text}");
    }
    fn read_nofault(&self, addr: u64, dst: &mut [u8]) -> bool {
        let base = READABLE.as_ptr() as u64;
        if addr < base || addr + dst.len() as u64 > base + READABLE.len() as u64 {
            return false;
        }
        let at = (addr - base) as usize;
        dst.copy_from_slice(&READABLE[at..at + dst.len()]);
        true
    }
    fn context_value(&self, name: &str) -> Option<u64> {
        (name == "pid").then_some(42)
    }
}

static HOST: OnceLock<&'static Host> = OnceLock::new();
static SERIAL: Mutex<()> = Mutex::new(());

fn setup() -> (&'static Host, MutexGuard<'static, ()>) {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let host = *HOST.get_or_init(|| {
        let buf = |n: usize, fill: u32| Box::leak(vec![fill; n / 4].into_boxed_slice()).as_ptr() as usize;
        let host: &'static Host = Box::leak(Box::new(Host { text: buf(TEXT, 0xd503_201f), exec: buf(EXEC, 0), code: buf(CODE, 0) }));
        let config = Config { xol_mode: XolMode::BrkAfterSlot, exec_area: ExecArea { start: host.exec, len: EXEC }, max_probes: 64, return_instances_per_cpu: 4 };
        probec_runtime::init(host, config).unwrap();
        script::set_code_area(ExecArea { start: host.code, len: CODE }).unwrap();
        host
    });
    (host, guard)
}

fn syms(host: &Host) -> Vec<(&'static str, usize, usize)> {
    vec![("target", host.text, 64), ("other", host.text + 64, 64)]
}

// ---- building objects -----------------------------------------------------

#[derive(Default)]
struct Strtab(Vec<u8>);

impl Strtab {
    fn add(&mut self, s: &str) -> u32 {
        if self.0.is_empty() {
            self.0.push(0);
        }
        if s.is_empty() {
            return 0;
        }
        let at = self.0.len() as u32;
        self.0.extend_from_slice(s.as_bytes());
        self.0.push(0);
        at
    }
}

/// A probec object described at the descriptor level.
struct Spec {
    /// Handler functions in .text: (symbol, code).
    funcs: Vec<(&'static str, Vec<u8>)>,
    /// Relocations in .text: (offset, symbol, type, addend).
    relocs: Vec<(u64, &'static str, u32, i64)>,
    rodata: Vec<u8>,
    probes: Vec<(u8, u8, &'static str, &'static str, &'static str, u64)>,
    maps: Vec<MapDesc>,
    map_names: Vec<&'static str>,
    formats: Vec<(&'static str, u32, u32, u32)>,
    fields: Vec<FieldDesc>,
    requires: Vec<&'static str>,
    features: u32,
    max_stack: u32,
    abi_version: u32,
    writable_data: bool,
}

const NOP4: [u8; 4] = [0x1f, 0x20, 0x03, 0xd5];

fn base() -> Spec {
    Spec {
        funcs: vec![("BEGIN", NOP4.repeat(2)), ("kprobe:target", NOP4.repeat(2)), ("END", NOP4.repeat(2))],
        relocs: vec![],
        rodata: vec![],
        probes: vec![
            (abi::probe_kind::BEGIN, abi::target_kind::NONE, "BEGIN", "", "BEGIN", 0),
            (abi::probe_kind::KPROBE, abi::target_kind::SYMBOL, "kprobe:target", "target", "kprobe:target", 0),
            (abi::probe_kind::END, abi::target_kind::NONE, "END", "", "END", 0),
        ],
        maps: vec![MapDesc { name: 0, kind: abi::map_kind::COUNT, flags: 0, capacity: 1, key_size: 0, value_size: 8, key_fields: 0, key_count: 0, value_field: u32::MAX, params: [0; 3] }],
        map_names: vec!["@m"],
        formats: vec![("x=%d\n", 0, 1, 8)],
        fields: vec![FieldDesc { kind: abi::field_kind::SIGNED, bits: 64, size: 8 }],
        requires: vec![],
        features: 0,
        max_stack: 64,
        abi_version: abi::ABI_VERSION,
        writable_data: false,
    }
}

fn build(spec: &Spec) -> Vec<u8> {
    let mut o = WObject::new(BinaryFormat::Elf, Architecture::Aarch64, Endianness::Little);
    let text = o.section_id(StandardSection::Text);
    let mut offsets = Vec::new();
    for (name, code) in &spec.funcs {
        let off = o.append_section_data(text, code, 4);
        offsets.push(off);
        o.add_symbol(Symbol {
            name: name.as_bytes().to_vec(),
            value: off,
            size: code.len() as u64,
            kind: SymbolKind::Text,
            scope: SymbolScope::Linkage,
            weak: false,
            section: SymbolSection::Section(text),
            flags: SymbolFlags::None,
        });
    }
    if !spec.rodata.is_empty() {
        let ro = o.section_id(StandardSection::ReadOnlyData);
        let off = o.append_section_data(ro, &spec.rodata, 8);
        o.add_symbol(Symbol { name: b"data".to_vec(), value: off, size: spec.rodata.len() as u64, kind: SymbolKind::Data, scope: SymbolScope::Compilation, weak: false, section: SymbolSection::Section(ro), flags: SymbolFlags::None });
    }
    if spec.writable_data {
        let d = o.section_id(StandardSection::Data);
        o.append_section_data(d, &[1, 2, 3, 4], 8);
    }
    for &(offset, sym, r_type, addend) in &spec.relocs {
        let symbol = o.symbol_id(sym.as_bytes()).unwrap_or_else(|| {
            o.add_symbol(Symbol { name: sym.as_bytes().to_vec(), value: 0, size: 0, kind: SymbolKind::Unknown, scope: SymbolScope::Unknown, weak: false, section: SymbolSection::Undefined, flags: SymbolFlags::None })
        });
        o.add_relocation(text, Relocation { offset, symbol, addend, flags: RelocationFlags::Elf { r_type } }).unwrap();
    }
    let mut st = Strtab::default();
    st.add("");
    let push = |o: &mut WObject, name: &str, data: &[u8]| {
        let id = o.add_section(Vec::new(), name.as_bytes().to_vec(), object::SectionKind::ReadOnlyData);
        o.append_section_data(id, data, 8);
    };
    let mut probes = Vec::new();
    for &(kind, target_kind, name, target, handler, offset) in &spec.probes {
        let d = ProbeDesc { kind, target_kind, flags: 0, name: st.add(name), target: st.add(target), handler: st.add(handler), offset, block: 0, reserved: 0 };
        probes.extend_from_slice(d.as_bytes());
    }
    let mut maps = Vec::new();
    for (m, name) in spec.maps.iter().zip(&spec.map_names) {
        let mut m = *m;
        m.name = st.add(name);
        maps.extend_from_slice(m.as_bytes());
    }
    let mut formats = Vec::new();
    for &(text, first, count, size) in &spec.formats {
        formats.extend_from_slice(FormatDesc { format: st.add(text), arg_fields: first, arg_count: count, record_size: size }.as_bytes());
    }
    let fields: Vec<u8> = spec.fields.iter().flat_map(|f| f.as_bytes().to_vec()).collect();
    let mut requires = Vec::new();
    for r in &spec.requires {
        requires.extend_from_slice(RequireDesc { name: st.add(r), kind: 0 }.as_bytes());
    }
    let header = ObjectHeader {
        magic: abi::MAGIC,
        abi_version: spec.abi_version,
        header_size: 56,
        probe_count: spec.probes.len() as u32,
        map_count: spec.maps.len() as u32,
        format_count: spec.formats.len() as u32,
        field_count: spec.fields.len() as u32,
        require_count: spec.requires.len() as u32,
        features: spec.features,
        max_strlen: 64,
        max_stack: spec.max_stack,
        source_name: st.add("test.pr"),
        compiler: st.add("hand-built"),
    };
    push(&mut o, abi::SECTION_HEADER, header.as_bytes());
    push(&mut o, abi::SECTION_PROBES, &probes);
    push(&mut o, abi::SECTION_MAPS, &maps);
    push(&mut o, abi::SECTION_FORMATS, &formats);
    push(&mut o, abi::SECTION_FIELDS, &fields);
    push(&mut o, abi::SECTION_REQUIRES, &requires);
    push(&mut o, abi::SECTION_STRTAB, &st.0);
    o.write().unwrap()
}

/// Offset of the section header of section `name` in `obj`.
fn shdr(obj: &[u8], name: &str) -> usize {
    let u16_at = |o: usize| u16::from_le_bytes([obj[o], obj[o + 1]]) as usize;
    let shoff = u64::from_le_bytes(obj[40..48].try_into().unwrap()) as usize;
    let (shnum, shstrndx) = (u16_at(60), u16_at(62));
    let strtab_off = u64::from_le_bytes(obj[shoff + shstrndx * 64 + 24..][..8].try_into().unwrap()) as usize;
    (0..shnum)
        .map(|i| shoff + i * 64)
        .find(|&h| {
            let n = u32::from_le_bytes(obj[h..h + 4].try_into().unwrap()) as usize;
            obj[strtab_off + n..].starts_with(name.as_bytes()) && obj[strtab_off + n + name.len()] == 0
        })
        .unwrap_or_else(|| panic!("no section {name}"))
}

/// Byte offset of `name`'s contents.
fn contents(obj: &[u8], name: &str) -> usize {
    let h = shdr(obj, name);
    u64::from_le_bytes(obj[h + 24..h + 32].try_into().unwrap()) as usize
}

fn noop_handlers(_: &str) -> Option<abi::Handler> {
    unsafe extern "C" fn noop(_: *const HandlerCtx) {}
    Some(noop)
}

fn opts() -> LoadOptions {
    LoadOptions { native_handlers: Some(noop_handlers), ..LoadOptions::default() }
}

fn refused(obj: &[u8], options: &LoadOptions) -> String {
    let (host, _g) = setup();
    let free = script::code_area::free_bytes();
    let e = script::load(obj, &syms(host), options).map(|id| script::unload(id, &mut String::new(), OutputFormat::Text)).expect_err("refused");
    assert_eq!(script::code_area::free_bytes(), free);
    assert_eq!(unsafe { *(host.text as *const u32) }, 0xd503_201f, "nothing armed");
    e.to_string()
}

fn assert_refused(obj: &[u8], expected: &str) {
    let msg = refused(obj, &opts());
    assert!(msg.contains(expected), "expected {expected:?} in {msg:?}");
}

#[test]
fn the_code_area_is_set_once_and_never_over_the_xol_area() {
    let (host, _g) = setup();
    let again = script::set_code_area(ExecArea { start: host.code, len: CODE });
    assert_eq!(again, Err(script::CodeAreaError::AlreadySet));
    let xol = script::set_code_area(ExecArea { start: host.exec, len: 256 });
    assert_eq!(xol, Err(script::CodeAreaError::OverlapsXolArea));
    let odd = script::set_code_area(ExecArea { start: host.code + 4, len: 256 });
    assert_eq!(odd, Err(script::CodeAreaError::Misaligned));
}

// ---- relocations ------------------------------------------------------------

#[test]
fn every_relocation_type_is_applied() {
    let (host, _g) = setup();
    let mut s = base();
    // BEGIN: literal (ABS64 -> helper), BL local, ADRP+ADD -> .rodata.
    let mut code = Vec::new();
    code.extend_from_slice(&[0; 8]); // 0: literal
    code.extend_from_slice(&0x9400_0000u32.to_le_bytes()); // 8: bl
    code.extend_from_slice(&0x9000_0000u32.to_le_bytes()); // 12: adrp x0
    code.extend_from_slice(&0x9100_0000u32.to_le_bytes()); // 16: add x0, x0, #0
    code.extend_from_slice(&NOP4);
    s.funcs[0].1 = code;
    s.rodata = b"hello from rodata".to_vec();
    s.relocs = vec![
        (0, abi::HELPER_EXIT, elf::R_AARCH64_ABS64, 0),
        (8, "END", elf::R_AARCH64_CALL26, 0),
        (12, "data", elf::R_AARCH64_ADR_PREL_PG_HI21, 6),
        (16, "data", elf::R_AARCH64_ADD_ABS_LO12_NC, 6),
    ];
    let obj = build(&s);
    let id = script::load(&obj, &syms(host), &opts()).unwrap_or_else(|e| panic!("{e}"));
    let (start, _) = script::code_range(id).unwrap();
    let word = |o: usize| unsafe { *((start + o) as *const u32) };
    let lit = u64::from(word(0)) | (u64::from(word(4)) << 32);
    assert_eq!(lit, helpers::address(abi::HELPER_EXIT).unwrap());
    // BL: imm26 * 4 from the BL itself to END (the third function).
    let end_off: i32 = 24 + 8; // BEGIN is 24 bytes, kprobe:target 8
    let bl = word(8);
    assert_eq!(bl >> 26, 0b100101);
    assert_eq!(((bl & 0x03ff_ffff) << 6) as i32 >> 4, end_off - 8);
    // ADRP + ADD compute the address of "llo from rodata".
    let (adrp, add) = (word(12), word(16));
    let imm = (((adrp >> 5) & 0x7_ffff) << 2 | (adrp >> 29) & 3) as i64;
    let page = ((start as i64 + 12) & !0xfff) + ((imm << 43) >> 31);
    let addr = page as usize + ((add >> 10) & 0xfff) as usize;
    let text = unsafe { std::slice::from_raw_parts(addr as *const u8, 11) };
    assert_eq!(text, b"from rodata");
    script::unload(id, &mut String::new(), OutputFormat::Text).unwrap();
}

#[test]
fn relocation_refusals_say_which_and_why() {
    let mut s = base();
    s.relocs = vec![(0, "memcpy", elf::R_AARCH64_ABS64, 0)];
    assert_refused(&build(&s), "relocation 0 in [2] .rela.text (offset 0x0, type 257): undefined symbol `memcpy` is not a runtime helper");
    s.relocs = vec![(0, abi::HELPER_EXIT, elf::R_AARCH64_PREL32, 0)];
    assert_refused(&build(&s), "relocation 0 in [2] .rela.text: type 261 is not supported");
    s.relocs = vec![(0, abi::HELPER_EXIT, elf::R_AARCH64_CALL26, 0)];
    assert_refused(&build(&s), "the patched word is not a B or BL instruction (0xd503201f)");
    s.relocs = vec![(4, abi::HELPER_EXIT, elf::R_AARCH64_ABS64, 0), (8, abi::HELPER_EXIT, elf::R_AARCH64_ABS64, 0)];
    assert_refused(&build(&s), "relocations 0 and 1 in [2] .rela.text patch overlapping bytes of .text (offsets 0x4 and 0x8)");
    s.relocs = vec![(20, abi::HELPER_EXIT, elf::R_AARCH64_ABS64, 0)];
    assert_refused(&build(&s), "patches bytes outside .text (24 bytes)");
    s.relocs = vec![(2, abi::HELPER_EXIT, elf::R_AARCH64_ABS64, 0)];
    assert_refused(&build(&s), "offset in code is not 4-byte aligned");
}

#[test]
fn rel_sections_and_relocated_descriptors_are_refused() {
    let mut s = base();
    s.relocs = vec![(0, abi::HELPER_EXIT, elf::R_AARCH64_ABS64, 0)];
    let mut obj = build(&s);
    let h = shdr(&obj, ".rela.text");
    obj[h + 4..h + 8].copy_from_slice(&elf::SHT_REL.to_le_bytes());
    assert_refused(&obj, "SHT_REL relocations (without addends) are not part of the contract");
    let mut obj = build(&s);
    let target = (0..20).find(|&i| shdr(&obj, ".probec.maps") == u64::from_le_bytes(obj[40..48].try_into().unwrap()) as usize + 64 * i).unwrap();
    let h = shdr(&obj, ".rela.text");
    obj[h + 44..h + 48].copy_from_slice(&(target as u32).to_le_bytes());
    assert_refused(&obj, "applies to .probec.maps, but descriptor sections contain no relocations");
}

// ---- ELF container ----------------------------------------------------------

#[test]
fn elf_refusals_name_the_part() {
    let obj = build(&base());
    let mut m = obj.clone();
    m[18] = 62;
    assert_refused(&m, "e_machine 62 (expected 183, AArch64)");
    assert_refused(&obj[..40], "shorter than an ELF64 header");
    assert_refused(&obj[..obj.len() - 1], "section header table");
    let mut m = obj.clone();
    let h = shdr(&m, ".text");
    m[h + 24..h + 32].copy_from_slice(&0u64.to_le_bytes());
    assert_refused(&m, "the ELF header (bytes 0x0..0x40) overlaps section [1] .text (bytes 0x0..0x18)");
    let mut m = obj.clone();
    let h = shdr(&m, ".text");
    m[h + 32..h + 40].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_refused(&m, "extend past the end of the");
    let mut m = obj.clone();
    let h = shdr(&m, ".text");
    m[h + 48..h + 56].copy_from_slice(&3u64.to_le_bytes());
    assert_refused(&m, "sh_addralign 3 is not a power of two");
    let mut m = obj.clone();
    let sym = contents(&m, ".symtab") + 24; // symbol 1
    m[sym..sym + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_refused(&m, "symbol 1: st_name 4294967295 is outside the string table");
    let mut s = base();
    s.writable_data = true;
    assert_refused(&build(&s), ".data: writable sections are not part of the contract");
}

// ---- the contract -------------------------------------------------------------

#[test]
fn header_refusals() {
    let mut s = base();
    s.abi_version = 2;
    assert_refused(&build(&s), "ABI version 2 (this runtime loads version 1)");
    let mut s = base();
    s.features = abi::FEATURE_LSE;
    let no_lse = LoadOptions { cpu_features: Some(0), ..opts() };
    assert!(refused(&build(&s), &no_lse).contains("no FEAT_LSE"));
    s.features = 1 << 5;
    assert_refused(&build(&s), "unknown bits 0x20");
    let mut s = base();
    s.max_stack = 1 << 20;
    assert_refused(&build(&s), "handlers need up to 1048752 bytes of stack");
    let obj = build(&base());
    let mut m = obj.clone();
    let h = contents(&m, abi::SECTION_HEADER);
    m[h + 16..h + 20].copy_from_slice(&7u32.to_le_bytes()); // probe_count
    assert_refused(&m, ".probec.probes is 96 bytes, but the header counts 7 entries of 32 bytes");
    let mut m = obj;
    let h = contents(&m, abi::SECTION_HEADER);
    m[h + 40..h + 44].copy_from_slice(&12u32.to_le_bytes()); // max_strlen
    assert_refused(&m, "`max_strlen` is 12");
}

#[test]
fn descriptor_refusals_name_index_and_field() {
    let mut s = base();
    s.maps[0].value_size = 16;
    assert_refused(&build(&s), "map 0 (@m): `value_size` is 16 (a Count map needs 8)");
    let mut s = base();
    s.maps[0].capacity = 5;
    assert_refused(&build(&s), "map 0 (@m): `capacity` is 5 (1 for a map without keys");
    let mut s = base();
    s.map_names[0] = "m";
    assert_refused(&build(&s), "map 0 (m): name does not start with `@`");
    let mut s = base();
    s.maps[0].kind = 42;
    assert_refused(&build(&s), "map 0 (@m): unknown `kind` 42");
    let mut s = base();
    s.formats[0].3 = 16;
    assert_refused(&build(&s), "format 0: `record_size` is 16 but its arguments take 8 bytes");
    let mut s = base();
    s.formats[0].0 = "x=%s\n";
    assert_refused(&build(&s), "format 0 \"x=%s\\n\": conversion `%s` does not match argument 0");
    let mut s = base();
    s.fields[0].size = 4;
    assert_refused(&build(&s), "field 0: `size` is 4");
    let mut s = base();
    s.probes[1].4 = "nope";
    assert_refused(&build(&s), "probe 1 (kprobe:target): handler symbol `nope` is not defined in the object");
    let mut s = base();
    s.probes[1].1 = abi::target_kind::NONE;
    assert_refused(&build(&s), "probe 1 (kprobe:target): `target_kind` 0 with target \"target\"");
    let mut s = base();
    s.probes[1] = (abi::probe_kind::KRETPROBE, abi::target_kind::SYMBOL, "kretprobe:target+8", "target", "kprobe:target", 8);
    assert_refused(&build(&s), "a return probe cannot have an offset (0x8)");
}

#[test]
fn requirements_must_be_met() {
    let mut s = base();
    s.requires = vec!["tid"];
    assert_refused(&build(&s), "the script uses `tid`, which this embedder does not provide");
    s.requires = vec!["pid"];
    let (host, _g) = setup();
    let id = script::load(&build(&s), &syms(host), &opts()).unwrap();
    script::unload(id, &mut String::new(), OutputFormat::Text).unwrap();
}

#[test]
fn attach_is_all_or_nothing() {
    let mut s = base();
    // A probe point that is not probeable text is refused before anything
    // is armed.
    s.probes.push((abi::probe_kind::KPROBE, abi::target_kind::ADDRESS, "kprobe:0x4", "", "kprobe:target", 4));
    let e = refused(&build(&s), &opts());
    assert_eq!(e, "kprobe:0x4: cannot probe 0x4 (0x4): address is not in probeable text");
    // A glob over more functions than the engine's probe table (64) passes
    // every check but fails while attaching: everything attached so far
    // is detached again.
    let (host, _g) = setup();
    let names: Vec<&'static str> = (0..80).map(|i| &*Box::leak(format!("t{i}").into_boxed_str())).collect();
    let many: Vec<(&str, usize, usize)> = names.iter().enumerate().map(|(i, n)| (*n, host.text + 16 * i, 16)).collect();
    let mut s = base();
    s.probes[1] = (abi::probe_kind::KPROBE, abi::target_kind::GLOB, "kprobe:t*", "t*", "kprobe:target", 0);
    let free = script::code_area::free_bytes();
    let e = script::load(&build(&s), &many, &opts()).expect_err("too many");
    assert!(e.to_string().starts_with("kprobe:t*: cannot probe t64 ("), "{e}");
    assert!(e.to_string().ends_with("): the probe table is full"), "{e}");
    assert_eq!(script::code_area::free_bytes(), free);
    for a in (host.text..host.text + 16 * 80).step_by(4) {
        assert_eq!(unsafe { *(a as *const u32) }, 0xd503_201f, "rolled back at {a:#x}");
    }
    // Script code itself is never probed.
    let mut s2 = base();
    let at: &'static str = Box::leak(format!("kprobe:{:#x}", host.code + 256).into_boxed_str());
    s2.probes.push((abi::probe_kind::KPROBE, abi::target_kind::ADDRESS, at, "", "kprobe:target", (host.code + 256) as u64));
    let e = script::load(&build(&s2), &syms(host), &opts()).expect_err("code area");
    assert!(e.to_string().ends_with("is inside the code of loaded scripts, which cannot be probed"), "{e}");
    // Below the limit the same glob attaches one probe per function.
    let id = script::load(&build(&s), &many[..40].to_vec(), &opts()).unwrap();
    assert_eq!(script::probe_points(id), Some(40));
    script::unload(id, &mut String::new(), OutputFormat::Text).unwrap();
}

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
        helpers::exit(ctx);
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
    hit(host.text);
    assert_eq!(HITS.load(Ordering::SeqCst), 0, "no handler after exit()");
    script::unload(id, &mut String::new(), OutputFormat::Text).unwrap();
    assert_eq!(HITS.load(Ordering::SeqCst), 1, "END ran");
}

fn keyed_inserts(name: &str) -> Option<abi::Handler> {
    unsafe extern "C" fn fill(ctx: *const HandlerCtx) {
        for k in 0u64..5 {
            let p = helpers::map_lookup(ctx, 0, k.to_le_bytes().as_ptr()) as *const AtomicU64;
            if !p.is_null() {
                (*p).fetch_add(1, Ordering::Relaxed);
            }
        }
        for i in 0..40i64 {
            helpers::printf(ctx, 0, i.to_le_bytes().as_ptr(), 8);
        }
    }
    unsafe extern "C" fn noop(_: *const HandlerCtx) {}
    Some(if name == "kprobe:target" { fill } else { noop })
}

#[test]
fn full_maps_and_lost_events_are_reported() {
    let (host, _g) = setup();
    let mut s = base();
    s.maps[0] = MapDesc { name: 0, kind: abi::map_kind::COUNT, flags: 0, capacity: 3, key_size: 8, value_size: 8, key_fields: 1, key_count: 1, value_field: u32::MAX, params: [0; 3] };
    s.fields.push(FieldDesc { kind: abi::field_kind::UNSIGNED, bits: 64, size: 8 });
    let options = LoadOptions { native_handlers: Some(keyed_inserts), ring_bytes_per_cpu: 256, ..opts() };
    let id = script::load(&build(&s), &syms(host), &options).unwrap();
    hit(host.text);
    let mut out = String::new();
    script::drain(id, &mut out, OutputFormat::Text).unwrap();
    // 24-byte records: ten fit in the 256-byte ring, thirty are lost.
    assert_eq!(out, "x=0\nx=1\nx=2\nx=3\nx=4\nx=5\nx=6\nx=7\nx=8\nx=9\nLost 30 events\n");
    out.clear();
    script::unload(id, &mut out, OutputFormat::Text).unwrap();
    assert_eq!(out, "\n\n@m[0]: 1\n@m[1]: 1\n@m[2]: 1\nWARNING: map @m is full (capacity 3): 2 new keys were dropped\n");
}

fn reads(name: &str) -> Option<abi::Handler> {
    unsafe extern "C" fn body(ctx: *const HandlerCtx) {
        let base = READABLE.as_ptr() as u64;
        let mut v = [0u8; 8];
        assert_eq!(helpers::read(ctx, v.as_mut_ptr(), base + 1, 4), 0);
        assert_eq!(&v[..4], b"1234");
        assert_eq!(helpers::read(ctx, v.as_mut_ptr(), 16, 8), 1, "unreadable");
        assert_eq!(v, [0; 8], "zero-filled");
        assert_eq!(helpers::read(ctx, v.as_mut_ptr(), base, 3), 1, "odd sizes are refused");
        let mut s = [0xffu8; 16];
        assert_eq!(helpers::read_str(ctx, s.as_mut_ptr(), 16, base + 30, 100), 0);
        assert_eq!(&s, b"uvwxyz\0\0\0\0\0\0\0\0\0\0", "NUL-padded");
        assert_eq!(helpers::read_str(ctx, s.as_mut_ptr(), 16, base, 100), 0);
        assert_eq!(&s, b"0123456789abcde\x01", "truncated: marker");
        assert_eq!(helpers::read_str(ctx, s.as_mut_ptr(), 16, base, 4), 0);
        assert_eq!(&s[..5], b"0123\0");
        assert_eq!(s[15], 1, "str(p, 4) of a longer string is truncated too");
        assert_eq!(helpers::read_str(ctx, s.as_mut_ptr(), 16, 0, 100), 1);
        assert_eq!(s, [0; 16], "empty on a fault");
        assert_eq!(helpers::ctx_value(ctx, 0), 42);
        let mut f = [0u8; 8];
        helpers::ctx_str(ctx, abi::CTX_STR_FUNC, f.as_mut_ptr(), 8);
        assert_eq!(&f, b"target\0\0");
        helpers::ctx_str(ctx, abi::CTX_STR_PROBE, f.as_mut_ptr(), 8);
        assert_eq!(&f, b"kprobe:\x01");
        helpers::printf(ctx, 9, std::ptr::null(), 0); // no such format: counted
        helpers::map_lookup(ctx, 7, std::ptr::null()); // no such map: counted
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
    hit(host.text);
    let mut out = String::new();
    script::unload(id, &mut out, OutputFormat::Json).unwrap();
    assert_eq!(out, "{\"type\": \"probe_errors\", \"data\": {\"probe\": \"kprobe:target\", \"errors\": 5}}\n");
}
