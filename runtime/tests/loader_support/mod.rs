//! Shared by the loader tests: the runtime on the fake host platform
//! (`probec_engine::testing`: text, XOL area and code area are host
//! buffers; the alias is the identity) and a builder of probec objects at
//! the descriptor level.
#![allow(dead_code)]

use object::write::{Object as WObject, Relocation, StandardSection, Symbol, SymbolSection};
use object::{Architecture, BinaryFormat, Endianness, RelocationFlags, SymbolFlags, SymbolKind, SymbolScope};
use probec_engine::testing::FakePlatform;
use probec_runtime::abi::{self, FieldDesc, FormatDesc, HandlerCtx, MapDesc, ObjectHeader, Pod, ProbeDesc, RequireDesc};
use probec_runtime::script::{self, LoadOptions, OutputFormat};
use probec_runtime::{Config, FrameContents, XolMode};
use std::sync::{Mutex, MutexGuard, OnceLock};

// ---- the runtime on the fake platform ----------------------------------------

pub const TEXT: usize = 4096;
pub const EXEC: usize = 4096;
pub const CODE: usize = 64 * 1024;
pub static READABLE: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz\0tail";

/// The platform of every loader test.
pub type Host = FakePlatform;

pub static HOST: OnceLock<&'static Host> = OnceLock::new();
pub static SERIAL: Mutex<()> = Mutex::new(());

/// Set up the runtime (once per process) with the frame contents an
/// earlier [`setup_with`] chose, else [`FrameContents::Full`].
pub fn setup() -> (&'static Host, MutexGuard<'static, ()>) {
    setup_with(FRAME.get().copied().unwrap_or(FrameContents::Full))
}

/// The frame contents the runtime of this test process was set up with.
static FRAME: OnceLock<FrameContents> = OnceLock::new();

/// [`setup`] with the embedder's frame contents (one per test process:
/// scripts load into the installed runtime, which is set up once).
pub fn setup_with(frame: FrameContents) -> (&'static Host, MutexGuard<'static, ()>) {
    assert_eq!(*FRAME.get_or_init(|| frame), frame, "one FrameContents per test process");
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let host = *HOST.get_or_init(|| {
        let host = FakePlatform::builder().text(TEXT).exec(EXEC).code(CODE).clock_ns(500).readable(READABLE).context("pid", 42).build();
        let config =
            Config { xol_mode: XolMode::BrkAfterSlot, exec_area: host.exec_area(), max_probes: 64, return_instances_per_cpu: 4, frame };
        probec_runtime::init(host, config).unwrap();
        script::set_code_area(host.code_area()).unwrap();
        host
    });
    (host, guard)
}

pub fn syms(host: &Host) -> Vec<(&'static str, usize, usize)> {
    vec![("target", host.text(), 64), ("other", host.text() + 64, 64)]
}

// ---- building objects -----------------------------------------------------

#[derive(Default)]
pub struct Strtab(pub Vec<u8>);

impl Strtab {
    pub fn add(&mut self, s: &str) -> u32 {
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
pub struct Spec {
    /// Handler functions in .text: (symbol, code); an empty name appends
    /// the code without a symbol.
    pub funcs: Vec<(&'static str, Vec<u8>)>,
    /// Local STT_NOTYPE symbols in .text: (name, offset). Mapping symbols
    /// (`$x`, `$d`) and handler labels.
    pub labels: Vec<(&'static str, u64)>,
    /// Relocations in .text: (offset, symbol, type, addend).
    pub relocs: Vec<(u64, &'static str, u32, i64)>,
    pub rodata: Vec<u8>,
    pub probes: Vec<(u8, u8, &'static str, &'static str, &'static str, u64)>,
    pub maps: Vec<MapDesc>,
    pub map_names: Vec<&'static str>,
    pub formats: Vec<(&'static str, u32, u32, u32)>,
    pub fields: Vec<FieldDesc>,
    pub requires: Vec<&'static str>,
    pub features: u32,
    pub max_stack: u32,
    pub abi_version: u32,
    pub writable_data: bool,
    /// `ProbeDesc::flags` of every probe.
    pub probe_flags: u16,
}

pub const NOP4: [u8; 4] = [0x1f, 0x20, 0x03, 0xd5];

pub fn base() -> Spec {
    Spec {
        funcs: vec![("BEGIN", NOP4.repeat(2)), ("kprobe:target", NOP4.repeat(2)), ("END", NOP4.repeat(2))],
        labels: vec![],
        relocs: vec![],
        rodata: vec![],
        probes: vec![
            (abi::probe_kind::BEGIN, abi::target_kind::NONE, "BEGIN", "", "BEGIN", 0),
            (abi::probe_kind::KPROBE, abi::target_kind::SYMBOL, "kprobe:target", "target", "kprobe:target", 0),
            (abi::probe_kind::END, abi::target_kind::NONE, "END", "", "END", 0),
        ],
        maps: vec![MapDesc {
            name: 0,
            kind: abi::map_kind::COUNT,
            flags: 0,
            capacity: 1,
            key_size: 0,
            value_size: 8,
            key_fields: 0,
            key_count: 0,
            value_field: u32::MAX,
            params: [0; 3],
        }],
        map_names: vec!["@m"],
        formats: vec![("x=%d\n", 0, 1, 8)],
        fields: vec![FieldDesc { kind: abi::field_kind::SIGNED, bits: 64, size: 8 }],
        requires: vec![],
        features: 0,
        max_stack: 64,
        abi_version: abi::ABI_VERSION,
        writable_data: false,
        probe_flags: 0,
    }
}

pub fn build(spec: &Spec) -> Vec<u8> {
    let mut o = WObject::new(BinaryFormat::Elf, Architecture::Aarch64, Endianness::Little);
    let text = o.section_id(StandardSection::Text);
    let mut offsets = Vec::new();
    for (name, code) in &spec.funcs {
        let off = o.append_section_data(text, code, 4);
        offsets.push(off);
        if name.is_empty() {
            continue;
        }
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
    for &(name, value) in &spec.labels {
        o.add_symbol(Symbol {
            name: name.as_bytes().to_vec(),
            value,
            size: 0,
            kind: SymbolKind::Label,
            scope: SymbolScope::Compilation,
            weak: false,
            section: SymbolSection::Section(text),
            flags: SymbolFlags::None,
        });
    }
    if !spec.rodata.is_empty() {
        let ro = o.section_id(StandardSection::ReadOnlyData);
        let off = o.append_section_data(ro, &spec.rodata, 8);
        o.add_symbol(Symbol {
            name: b"data".to_vec(),
            value: off,
            size: spec.rodata.len() as u64,
            kind: SymbolKind::Data,
            scope: SymbolScope::Compilation,
            weak: false,
            section: SymbolSection::Section(ro),
            flags: SymbolFlags::None,
        });
    }
    if spec.writable_data {
        let d = o.section_id(StandardSection::Data);
        o.append_section_data(d, &[1, 2, 3, 4], 8);
    }
    for &(offset, sym, r_type, addend) in &spec.relocs {
        let symbol = o.symbol_id(sym.as_bytes()).unwrap_or_else(|| {
            o.add_symbol(Symbol {
                name: sym.as_bytes().to_vec(),
                value: 0,
                size: 0,
                kind: SymbolKind::Unknown,
                scope: SymbolScope::Unknown,
                weak: false,
                section: SymbolSection::Undefined,
                flags: SymbolFlags::None,
            })
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
        let d = ProbeDesc {
            kind,
            target_kind,
            flags: spec.probe_flags,
            name: st.add(name),
            target: st.add(target),
            handler: st.add(handler),
            offset,
            block: 0,
            reserved: 0,
        };
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
pub fn shdr(obj: &[u8], name: &str) -> usize {
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
pub fn contents(obj: &[u8], name: &str) -> usize {
    let h = shdr(obj, name);
    u64::from_le_bytes(obj[h + 24..h + 32].try_into().unwrap()) as usize
}

pub fn noop_handlers(_: &str) -> Option<abi::Handler> {
    unsafe extern "C" fn noop(_: *const HandlerCtx) {}
    Some(noop)
}

pub fn opts() -> LoadOptions {
    LoadOptions { native_handlers: Some(noop_handlers), ..LoadOptions::default() }
}

pub fn refused(obj: &[u8], options: &LoadOptions) -> String {
    let (host, _g) = setup();
    let free = script::code_area::free_bytes();
    let e =
        script::load(obj, &syms(host), options).map(|id| script::unload(id, &mut String::new(), OutputFormat::Text)).expect_err("refused");
    assert_eq!(script::code_area::free_bytes(), free);
    // SAFETY: the first word of the leaked fake text; tests are serialised.
    assert_eq!(unsafe { *(host.text() as *const u32) }, 0xd503_201f, "nothing armed");
    e.to_string()
}

pub fn assert_refused(obj: &[u8], expected: &str) {
    let msg = refused(obj, &opts());
    assert!(msg.contains(expected), "expected {expected:?} in {msg:?}");
}

// ---- FP/SIMD in handler code ------------------------------------------------

pub const RET4: [u8; 4] = [0xc0, 0x03, 0x5f, 0xd6];
/// `fadd d0, d1, d0`.
pub const FADD: u32 = 0x1e60_2820;

/// Little-endian bytes of instruction words.
pub fn words(w: &[u32]) -> Vec<u8> {
    w.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// `base()` with `fadd d0, d1, d0` in the kprobe handler: BEGIN is 8
/// bytes at .text+0, `kprobe:target` is `nop; fadd; ret` at .text+8, so
/// the FADD is at .text+0xc, `kprobe:target`+0x4.
pub fn fp_handler() -> Spec {
    let mut s = base();
    s.funcs[1].1 = words(&[0xd503_201f, FADD, 0xd65f_03c0]);
    s
}
