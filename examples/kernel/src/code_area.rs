//! Executable memory for the handler code of loaded scripts
//! (`probec_runtime::script::set_code_area`).
//!
//! Like the runtime's exec area (src/exec_area.rs) it lives in kernel text:
//! the section is named `.text.script_code`, so link.ld's `*(.text.*)`
//! places it inside the read-only + executable text mapping, and the loader
//! writes handler code only through the RAM write alias
//! (`Platform::text_alias`), followed by the cache maintenance. It is
//! filled with `UDF #0xc0de`, so a jump into an unused part stops with an
//! undefined-instruction exception.

use core::arch::global_asm;

use probec_runtime::ExecArea;

/// Size of the area: room for the handlers of one or more scripts.
pub const SIZE: usize = 256 * 1024;

/// The filler instruction: `UDF #0xc0de`.
const UDF_CODE: u32 = 0x0000_c0de;

global_asm!(
    r#"
.pushsection .text.script_code, "ax", %progbits
.balign 4096
.global __script_code_start
__script_code_start:
    .fill {words}, 4, {udf}
.popsection
"#,
    words = const SIZE / 4,
    udf = const UDF_CODE,
);

extern "C" {
    static __script_code_start: u8;
}

/// Hand the area to the script loader. Call once, after
/// `probec_runtime::init`.
pub fn init() {
    let area = ExecArea { start: &raw const __script_code_start as usize, len: SIZE };
    if let Err(e) = probec_runtime::script::set_code_area(area) {
        panic!("probec_runtime::script::set_code_area failed: {e}");
    }
}
