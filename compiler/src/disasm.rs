//! Disassembly of AArch64 instruction words for people to read (via
//! `yaxpeax-arm`). Used by `probec decode` and `--emit asm`.
//!
//! yaxpeax-arm prints most system registers by number (`s3_3_c4_c2_1`) and
//! misnames some newer hints; `probec decode` shows disassembly next to the
//! decoder's verdict on exactly those instructions, so the hint space, the
//! PSTATE writes and the registers the decoder treats specially are named
//! here first.

use yaxpeax_arch::{Decoder, U8Reader};
use yaxpeax_arm::armv8::a64::InstDecoder;

/// Disassemble one little-endian instruction word, or `None` if the
/// disassembler does not know it (unallocated or too new).
pub fn disassemble(word: u32) -> Option<String> {
    if word & 0xffff_f01f == 0xd503_201f {
        let imm = (word >> 5) & 0x7f;
        return Some(hint(imm).map_or_else(|| format!("hint #{imm:#x}"), str::to_string));
    }
    if let Some(text) = pstate(word) {
        return Some(text);
    }
    let bytes = word.to_le_bytes();
    let mut reader = U8Reader::new(&bytes);
    let text = InstDecoder::default().decode(&mut reader).ok().map(|inst| inst.to_string())?;
    Some(name_system_register(word, text))
}

/// The hint space (HINT #imm = d503201f | imm << 5), named per the ARM ARM.
fn hint(imm: u32) -> Option<&'static str> {
    Some(match imm {
        0 => "nop",
        1 => "yield",
        2 => "wfe",
        3 => "wfi",
        4 => "sev",
        5 => "sevl",
        6 => "dgh",
        7 => "xpaclri",
        8 => "pacia1716",
        10 => "pacib1716",
        12 => "autia1716",
        14 => "autib1716",
        16 => "esb",
        17 => "psb csync",
        18 => "tsb csync",
        19 => "gcsb dsync",
        20 => "csdb",
        22 => "clrbhb",
        24 => "paciaz",
        25 => "paciasp",
        26 => "pacibz",
        27 => "pacibsp",
        28 => "autiaz",
        29 => "autiasp",
        30 => "autibz",
        31 => "autibsp",
        32 => "bti",
        34 => "bti c",
        36 => "bti j",
        38 => "bti jc",
        40 => "chkfeat x16",
        _ => return None,
    })
}

/// MSR (immediate) to PSTATE fields, and the flag instructions sharing the
/// encoding: 1101010100 0 00 op1 0100 CRm op2 11111.
fn pstate(word: u32) -> Option<String> {
    if word & 0xfff8_f01f != 0xd500_401f {
        return None;
    }
    let op1 = (word >> 16) & 7;
    let crm = (word >> 8) & 0xf;
    let op2 = (word >> 5) & 7;
    let field = match (op1, op2) {
        (0, 0) if crm == 0 => return Some("cfinv".into()),
        (0, 1) if crm == 0 => return Some("xaflag".into()),
        (0, 2) if crm == 0 => return Some("axflag".into()),
        (3, 3) => {
            let on = if crm & 1 == 1 { "smstart" } else { "smstop" };
            return match crm >> 1 {
                0b001 => Some(format!("{on} sm")),
                0b010 => Some(format!("{on} za")),
                0b011 => Some(on.into()),
                _ => None,
            };
        }
        (0, 3) => "uao",
        (0, 4) => "pan",
        (0, 5) => "spsel",
        (3, 1) => "ssbs",
        (3, 2) => "dit",
        (3, 4) => "tco",
        (3, 6) => "daifset",
        (3, 7) => "daifclr",
        _ => return None,
    };
    Some(format!("msr {field}, #{crm:#x}"))
}

/// Registers named in `mrs`/`msr`, as `s<op0>_<op1>_c<CRn>_c<CRm>_<op2>`.
const SYSTEM_REGISTERS: &[(&str, &str)] = &[
    ("s3_3_c4_c2_1", "daif"),
    ("s3_3_c4_c2_0", "nzcv"),
    ("s3_3_c4_c4_0", "fpcr"),
    ("s3_3_c4_c4_1", "fpsr"),
    ("s3_0_c4_c2_2", "currentel"),
    ("s3_0_c4_c2_0", "spsel"),
    ("s3_0_c4_c2_3", "pan"),
    ("s3_0_c4_c1_0", "sp_el0"),
    ("s3_0_c4_c0_0", "spsr_el1"),
    ("s3_0_c4_c0_1", "elr_el1"),
    ("s3_0_c5_c2_0", "esr_el1"),
    ("s3_0_c6_c0_0", "far_el1"),
    ("s3_4_c4_c0_0", "spsr_el2"),
    ("s3_4_c4_c0_1", "elr_el2"),
    ("s3_4_c5_c2_0", "esr_el2"),
    ("s3_4_c6_c0_0", "far_el2"),
    ("s3_6_c4_c0_0", "spsr_el3"),
    ("s3_6_c4_c0_1", "elr_el3"),
    ("s3_6_c5_c2_0", "esr_el3"),
    ("s3_6_c6_c0_0", "far_el3"),
    ("s2_0_c0_c2_2", "mdscr_el1"),
    ("s3_0_c0_c0_0", "midr_el1"),
    ("s3_0_c0_c0_5", "mpidr_el1"),
    ("s3_0_c1_c0_0", "sctlr_el1"),
    ("s3_0_c2_c0_0", "ttbr0_el1"),
    ("s3_0_c2_c0_1", "ttbr1_el1"),
    ("s3_0_c12_c0_0", "vbar_el1"),
    ("s3_3_c13_c0_2", "tpidr_el0"),
    ("s3_0_c13_c0_4", "tpidr_el1"),
    ("s3_4_c13_c0_2", "tpidr_el2"),
    ("s3_3_c14_c0_0", "cntfrq_el0"),
    ("s3_3_c14_c0_1", "cntpct_el0"),
    ("s3_3_c14_c0_2", "cntvct_el0"),
];

fn name_system_register(word: u32, text: String) -> String {
    // MRS/MSR (register): 1101010100 L 1 ...
    if word & 0xffd0_0000 != 0xd510_0000 {
        return text;
    }
    for (number, name) in SYSTEM_REGISTERS {
        // Match the whole operand: s3_0_c4_c0_0 must not hit s3_0_c4_c0_01.
        for (at, _) in text.match_indices(number) {
            let end = at + number.len();
            if text[end..].chars().next().is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_') {
                return format!("{}{}{}", &text[..at], name, &text[end..]);
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::disassemble;

    #[test]
    fn names_hints_pstate_and_registers() {
        assert_eq!(disassemble(0xd503201f).as_deref(), Some("nop"));
        assert_eq!(disassemble(0xd503245f).as_deref(), Some("bti c"));
        assert_eq!(disassemble(0xd50322bf).as_deref(), Some("hint #0x15"));
        assert_eq!(disassemble(0xd500401f).as_deref(), Some("cfinv"));
        assert_eq!(disassemble(0xd50347ff).as_deref(), Some("msr daifclr, #0x7"));
        assert_eq!(disassemble(0xd53b4220).as_deref(), Some("mrs x0, daif"));
        assert_eq!(disassemble(0xd5184020).as_deref(), Some("msr elr_el1, x0"));
        assert_eq!(disassemble(0x91000420).as_deref(), Some("add x0, x1, #0x1"));
    }
}
