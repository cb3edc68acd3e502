//! The loader on a target whose exceptions save only the general-purpose
//! registers (`FrameContents::GeneralRegisters`): handler code that uses
//! FP/SIMD, SVE or SME instructions is refused before anything is placed
//! or armed, with the symbol, offset and word; general-purpose code loads;
//! literals and data marked by mapping symbols are not mistaken for code.
//! (The same objects load under `FrameContents::Full`: loader.rs.)

mod loader_support;

use loader_support::*;
use object::elf;
use probec_runtime::abi;
use probec_runtime::script::{self, helpers, OutputFormat};
use probec_runtime::FrameContents;

const NOP: u32 = 0xd503_201f;
const RET: u32 = 0xd65f_03c0;

fn refused(obj: &[u8]) -> String {
    let _ = setup_with(FrameContents::GeneralRegisters);
    loader_support::refused(obj, &opts())
}

fn loads(obj: &[u8]) {
    let (host, _g) = setup_with(FrameContents::GeneralRegisters);
    let id = script::load(obj, &syms(host), &opts()).unwrap_or_else(|e| panic!("{e}"));
    script::unload(id, &mut String::new(), OutputFormat::Text).unwrap();
}

#[test]
fn fp_instruction_in_a_handler_is_refused_with_symbol_offset_and_word() {
    assert_eq!(
        refused(&build(&fp_handler())),
        "handler `kprobe:target` uses FP/SIMD register instruction 0x1e602820 at .text+0xc (`kprobe:target`+0x4); \
         this target's exceptions do not preserve FP/SIMD state (FrameContents::GeneralRegisters), \
         so handler code may use general-purpose registers only"
    );
}

#[test]
fn every_kind_of_fp_simd_instruction_is_refused() {
    for (word, what) in [
        (0x9c00_0000u32, "ldr q0, (literal)"),
        (0x6dbf_27e8, "stp d8, d9, [sp, #-16]!"),
        (0x6f00_e400, "movi v0.2d, #0"),
        (0x4c40_7000, "ld1 {v0.16b}, [x0]"),
        (0x9e66_0000, "fmov x0, d0"),
        (0xd53b_4400, "mrs x0, fpcr"),
        (0xd51b_4420, "msr fpsr, x0"),
        (0x04bf_5020, "rdvl x0, #1"),
        (0xd503_477f, "smstart"),
        (0xc008_00ff, "zero {za}"),
    ] {
        let mut s = base();
        s.funcs[2].1 = words(&[NOP, NOP, word, RET]); // END, at .text+16
        let msg = refused(&build(&s));
        let expected = format!("handler `END` uses FP/SIMD register instruction {word:#010x} at .text+0x18 (`END`+0x8)");
        assert!(msg.starts_with(&expected), "{what}: {msg}");
    }
}

#[test]
fn functions_that_are_not_handlers_are_scanned_too() {
    let mut s = base();
    s.funcs.push(("helper", words(&[NOP, FADD, RET])));
    assert!(refused(&build(&s)).starts_with("function `helper` uses FP/SIMD register instruction 0x1e602820 at .text+0x1c (`helper`+0x4)"));
}

#[test]
fn general_purpose_code_loads() {
    let mut s = base();
    // add x0, x1, x2; ldr x0, [x1]; stp x29, x30, [sp, #-16]!; mrs x0, daif;
    // cpyp (bit 26 set, not SIMD&FP); ldadd; ret.
    s.funcs[1].1 = words(&[0x8b02_0020, 0xf940_0020, 0xa9bf_7bfd, 0xd53b_4220, 0x1d01_0440, 0xf820_0041, RET]);
    loads(&build(&s));
}

#[test]
fn abs64_literals_are_data_not_code() {
    let (host, _g) = setup_with(FrameContents::GeneralRegisters);
    let mut s = base();
    // ldr x16, .+8; b .+12; <literal, bytes that would decode as FP>; blr x16; ret
    s.funcs[1].1 = words(&[0x5800_0050, 0x1400_0003, FADD, 0x4e20_8400, 0xd63f_0200, RET]);
    s.relocs = vec![(8 + 8, abi::HELPER_EXIT, elf::R_AARCH64_ABS64, 0)];
    let id = script::load(&build(&s), &syms(host), &opts()).unwrap_or_else(|e| panic!("{e}"));
    let (start, _) = script::code_range(id).unwrap();
    // SAFETY: bytes 16..24 of the placed code are the literal's (the
    // relocation's offset), in the leaked code area; the script is loaded.
    let lit = unsafe { ((start + 16) as *const u64).read_unaligned() };
    assert_eq!(lit, helpers::address(abi::HELPER_EXIT).unwrap(), "the literal was relocated");
    script::unload(id, &mut String::new(), OutputFormat::Text).unwrap();
    // Without the relocation the same words are code.
    s.relocs.clear();
    drop(_g);
    assert!(refused(&build(&s)).contains("0x1e602820 at .text+0x10"));
}

#[test]
fn mapping_symbols_mark_data_inside_functions() {
    let mut s = base();
    // kprobe:target at .text+8: ret; then a $d pool of FP-looking words.
    s.funcs[1].1 = words(&[RET, FADD, 0x6f00_e400]);
    s.labels = vec![("$x", 8), ("$d", 12)];
    loads(&build(&s));
    // Code again after `$x`.
    s.funcs[1].1 = words(&[RET, FADD, 0x6f00_e400]);
    s.labels = vec![("$x", 8), ("$d.1", 12), ("$x.2", 16)];
    assert!(refused(&build(&s)).contains("0x6f00e400 at .text+0x10 (`kprobe:target`+0x8)"));
}

#[test]
fn code_outside_every_code_symbol_is_not_scanned() {
    let mut s = base();
    // Padding-like words between BEGIN and the kprobe handler, in no symbol.
    s.funcs.insert(1, ("", words(&[FADD, FADD])));
    loads(&build(&s));
}

#[test]
fn a_handler_label_without_size_extends_to_the_next_code_symbol() {
    let mut s = base();
    // kprobe:target is an STT_NOTYPE label (size 0) at .text+8 over
    // unsymbolised code; END (STT_FUNC) starts at .text+0x14.
    s.funcs[1] = ("", words(&[NOP, NOP, FADD]));
    s.labels = vec![("kprobe:target", 8)];
    assert!(refused(&build(&s))
        .starts_with("handler `kprobe:target` uses FP/SIMD register instruction 0x1e602820 at .text+0x10 (`kprobe:target`+0x8)"));
    // ... and no further: an FP word after END's start belongs to END.
    s.funcs[1] = ("", words(&[NOP, NOP, RET]));
    s.funcs[2].1 = words(&[FADD, RET]);
    assert!(refused(&build(&s)).starts_with("handler `END` uses FP/SIMD register instruction 0x1e602820 at .text+0x14 (`END`+0x0)"));
}
