//! `--emit asm`: disassembly of the handlers in an emitted object, by
//! probe name, with relocations shown where helpers are referenced.

use cranelift_object::object::read::elf::ElfFile64;
use cranelift_object::object::{Endianness, Object, ObjectSection, ObjectSymbol, RelocationTarget, SymbolKind};

/// Disassemble every function symbol of `.text` in `elf`.
pub fn disassemble_object(elf: &[u8]) -> Result<String, String> {
    let file = ElfFile64::<Endianness>::parse(elf).map_err(|e| format!("not an ELF64 object: {e}"))?;
    let text = file.section_by_name(".text").ok_or("no .text section")?;
    let code = text.data().map_err(|e| e.to_string())?;
    let mut relocs: Vec<(u64, String)> = Vec::new();
    for (off, r) in text.relocations() {
        let name = match r.target() {
            RelocationTarget::Symbol(i) => file.symbol_by_index(i).ok().and_then(|s| s.name().ok().map(str::to_string)),
            _ => None,
        };
        relocs.push((off, format!("{:?} {}", r.flags(), name.unwrap_or_else(|| "?".into()))));
    }
    let mut syms: Vec<(u64, u64, String)> = file
        .symbols()
        .filter(|s| s.kind() == SymbolKind::Text && s.section_index() == Some(text.index()))
        .filter_map(|s| Some((s.address(), s.size(), s.name().ok()?.to_string())))
        .collect();
    syms.sort();
    let mut out = String::new();
    for (addr, size, name) in syms {
        out.push_str(&format!("{addr:016x} <{name}>:\n"));
        let start = addr as usize;
        let end = (start + size as usize).min(code.len());
        let mut pc = start;
        while pc + 4 <= end {
            let word = u32::from_le_bytes([code[pc], code[pc + 1], code[pc + 2], code[pc + 3]]);
            let reloc = relocs.iter().find(|(o, _)| *o as usize == pc);
            match reloc {
                Some((_, r)) => {
                    // A relocated literal: an 8-byte address, not code.
                    out.push_str(&format!("{:>6x}:\t{word:08x}\t.quad\t; {}\n", pc - start, compact(r)));
                    pc += 8;
                    continue;
                }
                None => {
                    let text = crate::disasm::disassemble(word).unwrap_or_else(|| format!(".word 0x{word:08x}"));
                    out.push_str(&format!("{:>6x}:\t{word:08x}\t{text}\n", pc - start));
                }
            }
            pc += 4;
        }
        out.push('\n');
    }
    Ok(out)
}

/// `Elf { r_type: 257 }` → `R_AARCH64_ABS64`.
fn compact(r: &str) -> String {
    r.replace("Elf { r_type: 257 } ", "R_AARCH64_ABS64 ")
}
