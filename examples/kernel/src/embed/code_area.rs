//! Executable memory for the handler code of loaded scripts
//! (`probec_runtime::script::set_code_area`).
//!
//! Like the runtime's exec area (src/embed/exec_area.rs) it lives in kernel text:
//! the section is named `.text.script_code`, so link.ld's `*(.text.*)`
//! places it inside the read-only + executable text mapping, and the loader
//! writes handler code only through the RAM write alias
//! (`Platform::text_alias`), followed by the cache maintenance. It is
//! filled with `UDF #0xc0de`, so a jump into an unused part stops with an
//! undefined-instruction exception.

use crate::embed::text_region::text_region;

use probec_runtime::ExecArea;

/// Size of the area: room for the handlers of one or more scripts.
pub const SIZE: usize = 256 * 1024;

/// The filler instruction: `UDF #0xc0de`.
const UDF_CODE: u32 = 0x0000_c0de;

text_region!(section: ".text.script_code", start: __script_code_start, end: __script_code_end, size: SIZE, filler: UDF_CODE);

/// Hand the area to the script loader. Call once, after
/// `probec_runtime::init`.
pub fn init() {
    let area = ExecArea { start: region_start(), len: SIZE };
    if let Err(e) = probec_runtime::script::set_code_area(area) {
        panic!("probec_runtime::script::set_code_area failed: {e}");
    }
}

/// Where the area is (the agent leaves it out of its text checksum: the
/// loader writes handler code here).
pub fn range() -> core::ops::Range<usize> {
    region_start()..region_start() + SIZE
}
