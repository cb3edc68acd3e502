//! Emitting the object: the handlers' code (already in the module) plus the
//! descriptor sections of the contract in `probec_abi`.

mod strtab;
pub mod tables;

use crate::diag::Diagnostic;
use crate::lower::Lowered;
use crate::tir;
use cranelift_object::object::write::Object;
use cranelift_object::object::SectionKind;
use probec_abi as abi;

fn add(obj: &mut Object<'static>, name: &str, data: &[u8]) {
    let id = obj.add_section(Vec::new(), name.as_bytes().to_vec(), SectionKind::ReadOnlyData);
    obj.append_section_data(id, data, 8);
}

/// Add the descriptor sections and serialise the ELF file.
/// With `build_id`, the object records the GNU build-id of the kernel it
/// was compiled against (`abi::SECTION_BUILD_ID`).
pub fn emit(
    prog: &tir::Program,
    lowered: Lowered,
    features: u32,
    source_name: &str,
    build_id: Option<&[u8]>,
) -> Result<Vec<u8>, Vec<Diagnostic>> {
    let t = tables::build(prog, features, source_name);
    let mut product = lowered.product;
    let obj = &mut product.object;
    add(obj, abi::SECTION_HEADER, &t.header);
    add(obj, abi::SECTION_PROBES, &t.probes);
    add(obj, abi::SECTION_MAPS, &t.maps);
    add(obj, abi::SECTION_FORMATS, &t.formats);
    add(obj, abi::SECTION_FIELDS, &t.fields);
    add(obj, abi::SECTION_REQUIRES, &t.requires);
    add(obj, abi::SECTION_STRTAB, &t.strtab);
    if let Some(id) = build_id {
        add(obj, abi::SECTION_BUILD_ID, id);
    }
    let bytes = product
        .emit()
        .map_err(|e| vec![Diagnostic::internal(format_args!("cannot write the object: {e}"), crate::span::Span::default(), "")])?;
    check_general_registers_only(&bytes)?;
    Ok(bytes)
}

/// Handlers run inside the target's exception path, and a target whose
/// exception entry saves only x0-x30 (`FrameContents::GeneralRegisters`)
/// refuses handler code that touches FP/SIMD state. Cranelift has no
/// setting that keeps its aarch64 backend off FP/SIMD registers (it lowers
/// scalar `popcnt` through NEON `CNT`, and anything float or vector goes
/// there too), so lowering must use only operations that stay on
/// general-purpose registers. This checks that it did, with the loader's
/// own scan (`probec_loader::code`): a violation is an internal
/// error here, not an object some targets refuse.
pub fn check_general_registers_only(obj: &[u8]) -> Result<(), Vec<Diagnostic>> {
    use probec_arch::aarch64::fpsimd::uses_fp_simd;
    use probec_loader::{code, elf::Elf};
    let ice = |m: String| vec![Diagnostic::internal(m, crate::span::Span::default(), "")];
    let elf = Elf::parse(obj).map_err(|e| ice(format!("the emitted object does not parse: {e}")))?;
    match code::find(&elf, &[], uses_fp_simd) {
        Ok(None) => Ok(()),
        Ok(Some(w)) => Err(ice(format!(
            "handler `{}` uses FP/SIMD instruction {:#010x} at {}+{:#x}; handlers must use general-purpose registers only",
            w.symbol.name, w.word, w.section.name, w.offset
        ))),
        Err(e) => Err(ice(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::check_general_registers_only;
    use crate::driver::{compile, Options};
    use probec_loader::elf::Elf;

    #[test]
    fn an_fp_simd_instruction_in_emitted_code_is_an_internal_error() {
        let mut obj = compile("kprobe:f { @n[arg0] = count(); }", "t.pr", &Options::default()).unwrap().bytes;
        assert!(check_general_registers_only(&obj).is_ok());
        let text = {
            let elf = Elf::parse(&obj).unwrap();
            let s = elf.section(".text").unwrap().unwrap();
            s.data.as_ptr() as usize - obj.as_ptr() as usize
        };
        obj[text + 4..text + 8].copy_from_slice(&0x1e60_2820u32.to_le_bytes()); // fadd d0, d1, d0
        let d = check_general_registers_only(&obj).unwrap_err();
        assert!(d[0].message.contains("handler `kprobe:f` uses FP/SIMD instruction 0x1e602820 at .text+0x4"), "{}", d[0].message);
    }
}
