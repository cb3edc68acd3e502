//! The kernel's GNU build-id: the note `ld --build-id=sha1` writes
//! (build.rs asks for it), kept by link.ld in the read-only data segment
//! between `__build_id_start` and `__build_id_end`. The live-attach agent
//! reports it in its handshake, so a host refuses an object compiled
//! against another build of the kernel; `info` prints it
//! (`aarch64-linux-gnu-readelf -n refkernel` shows the same).

use core::fmt;

/// ELF note type of a GNU build-id.
const NT_GNU_BUILD_ID: u32 = 3;

extern "C" {
    static __build_id_start: u8;
    static __build_id_end: u8;
}

/// The build-id (20 bytes with sha1); empty if the image has no
/// well-formed GNU build-id note.
pub fn build_id() -> &'static [u8] {
    let start = &raw const __build_id_start;
    let len = (&raw const __build_id_end as usize).saturating_sub(start as usize);
    // SAFETY: the linker script puts the notes between the two symbols, in
    // the loaded read-only data segment, which nothing ever writes.
    let notes = unsafe { core::slice::from_raw_parts(start, len) };
    parse(notes).unwrap_or(&[])
}

/// The descriptor of the first `NT_GNU_BUILD_ID` note named `GNU` in
/// `notes` (a sequence of ELF notes: namesz, descsz, type as 32-bit
/// little-endian words, then the name and the descriptor, each padded to
/// 4 bytes); None if there is none or a note runs past the end.
fn parse(mut notes: &[u8]) -> Option<&[u8]> {
    let word = |b: &[u8], i: usize| b.get(4 * i..4 * i + 4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]) as usize);
    let pad = |n: usize| n.checked_add(3).map(|n| n & !3);
    while !notes.is_empty() {
        let (namesz, descsz, kind) = (word(notes, 0)?, word(notes, 1)?, word(notes, 2)?);
        let name_end = 12usize.checked_add(pad(namesz)?)?;
        let desc_end = name_end.checked_add(descsz)?;
        let name = notes.get(12..12 + namesz)?;
        let desc = notes.get(name_end..desc_end)?;
        if kind == NT_GNU_BUILD_ID as usize && name == b"GNU\0" {
            return Some(desc);
        }
        notes = notes.get(name_end.checked_add(pad(descsz)?)?..)?;
    }
    None
}

/// Bytes as lowercase hex without separators (`Hex(build_id())`).
pub struct Hex<'a>(pub &'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}
