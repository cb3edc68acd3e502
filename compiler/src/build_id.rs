//! A kernel ELF's GNU build-id (the descriptor of its `NT_GNU_BUILD_ID`
//! note): what an object compiled against the kernel records, and what a
//! live-attach agent compares with its own.

use std::path::Path;

/// Read `kernel`'s build-id; `Ok(None)` if it has none.
pub fn read(kernel: &Path) -> Result<Option<Vec<u8>>, String> {
    let data = std::fs::read(kernel).map_err(|e| format!("cannot read kernel {}: {e}", kernel.display()))?;
    of_elf(&data).map_err(|e| format!("{}: {e}", kernel.display()))
}

/// The build-id of an ELF image in memory.
pub fn of_elf(data: &[u8]) -> Result<Option<Vec<u8>>, String> {
    use object::Object;
    let file = object::File::parse(data).map_err(|e| format!("not an ELF file ({e})"))?;
    file.build_id().map(|id| id.map(<[u8]>::to_vec)).map_err(|e| format!("malformed build-id note ({e})"))
}

/// Bytes as lowercase hex (`(none)` for none).
pub fn hex(id: &[u8]) -> String {
    if id.is_empty() {
        return "(none)".into();
    }
    id.iter().map(|b| format!("{b:02x}")).collect()
}
