//! Emitting the object: the handlers' code (already in the module) plus the
//! descriptor sections of the contract in `probec_runtime::abi`.

mod strtab;
pub mod tables;

use crate::diag::Diagnostic;
use crate::lower::Lowered;
use crate::tir;
use cranelift_object::object::write::Object;
use cranelift_object::object::SectionKind;
use probec_runtime::abi;

fn add(obj: &mut Object<'static>, name: &str, data: &[u8]) {
    let id = obj.add_section(Vec::new(), name.as_bytes().to_vec(), SectionKind::ReadOnlyData);
    obj.append_section_data(id, data, 8);
}

/// Add the descriptor sections and serialise the ELF file.
pub fn emit(prog: &tir::Program, lowered: Lowered, features: u32, source_name: &str) -> Result<Vec<u8>, Vec<Diagnostic>> {
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
    product.emit().map_err(|e| {
        vec![Diagnostic::error(format!("internal compiler error: cannot write the object: {e}"), crate::span::Span::default(), "")]
    })
}
