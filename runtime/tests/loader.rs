//! The script loader on hand-built objects: every relocation type applied
//! and checked through the patched instructions, precise refusals (field,
//! index, reason) for malformed ELF, contract violations and unmet
//! requirements, and all-or-nothing attach. Run-time behaviour is in
//! loader_run.rs.

mod loader_support;

use loader_support::*;
use object::elf;
use probec_runtime::abi;
use probec_runtime::script::{self, helpers, LoadOptions, OutputFormat};
use probec_runtime::ExecArea;

#[test]
fn the_code_area_is_set_once_and_never_over_the_xol_area() {
    let (host, _g) = setup();
    let again = script::set_code_area(ExecArea { start: host.code(), len: CODE });
    assert_eq!(again, Err(script::CodeAreaError::AlreadySet));
    let xol = script::set_code_area(ExecArea { start: host.exec(), len: 256 });
    assert_eq!(xol, Err(script::CodeAreaError::OverlapsXolArea));
    let odd = script::set_code_area(ExecArea { start: host.code() + 4, len: 256 });
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
    // SAFETY: offsets below the placed code's length, in the leaked code
    // area, while the script is loaded.
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
    // SAFETY: `addr` is what the relocated ADRP + ADD compute: byte 6 of
    // the placed rodata (17 bytes), so 11 bytes are in bounds.
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
    let target =
        (0..20).find(|&i| shdr(&obj, ".probec.maps") == u64::from_le_bytes(obj[40..48].try_into().unwrap()) as usize + 64 * i).unwrap();
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
    let mut s = base();
    s.probe_flags = abi::probe_flags::NO_CLOCK | 0x8000;
    assert_refused(&build(&s), "probe 0 (BEGIN): unknown `flags` bits 0x8000 or non-zero `reserved`");
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
    let many: Vec<(&str, usize, usize)> = names.iter().enumerate().map(|(i, n)| (*n, host.text() + 16 * i, 16)).collect();
    let mut s = base();
    s.probes[1] = (abi::probe_kind::KPROBE, abi::target_kind::GLOB, "kprobe:t*", "t*", "kprobe:target", 0);
    let free = script::code_area::free_bytes();
    let e = script::load(&build(&s), &many, &opts()).expect_err("too many");
    assert!(e.to_string().starts_with("kprobe:t*: cannot probe t64 ("), "{e}");
    assert!(e.to_string().ends_with("): the probe table is full"), "{e}");
    assert_eq!(script::code_area::free_bytes(), free);
    for a in (host.text()..host.text() + 16 * 80).step_by(4) {
        // SAFETY: 80 16-byte symbols fit in the leaked fake text (4 KiB);
        // tests are serialised.
        assert_eq!(unsafe { *(a as *const u32) }, 0xd503_201f, "rolled back at {a:#x}");
    }
    // Script code itself is never probed.
    let mut s2 = base();
    let at: &'static str = Box::leak(format!("kprobe:{:#x}", host.code() + 256).into_boxed_str());
    s2.probes.push((abi::probe_kind::KPROBE, abi::target_kind::ADDRESS, at, "", "kprobe:target", (host.code() + 256) as u64));
    let e = script::load(&build(&s2), &syms(host), &opts()).expect_err("code area");
    assert!(e.to_string().ends_with("is inside the code of loaded scripts, which cannot be probed"), "{e}");
    // Below the limit the same glob attaches one probe per function.
    let id = script::load(&build(&s), &many[..40].to_vec(), &opts()).unwrap();
    assert_eq!(script::probe_points(id), Some(40));
    script::unload(id, &mut String::new(), OutputFormat::Text).unwrap();
}

// ---- FP/SIMD in handler code ------------------------------------------------

/// Under `FrameContents::Full` (this process) handler code may use
/// FP/SIMD: the object that loader_frame.rs (GeneralRegisters) sees refused loads.
#[test]
fn fp_simd_handler_code_loads_when_frames_are_full() {
    let (host, _g) = setup();
    let id = script::load(&build(&fp_handler()), &syms(host), &opts()).unwrap_or_else(|e| panic!("{e}"));
    script::unload(id, &mut String::new(), OutputFormat::Text).unwrap();
}
