//! The `.probec.strtab` builder: NUL-terminated strings, deduplicated,
//! offset 0 being the empty string.

use std::collections::HashMap;

/// A string table under construction.
pub struct Strtab {
    bytes: Vec<u8>,
    index: HashMap<String, u32>,
}

impl Default for Strtab {
    fn default() -> Self {
        let mut index = HashMap::new();
        index.insert(String::new(), 0);
        Strtab { bytes: vec![0], index }
    }
}

impl Strtab {
    /// Offset of `s`, adding it if new. Interior NULs are replaced by
    /// spaces (a NUL would end the string early).
    pub fn add(&mut self, s: &str) -> u32 {
        if let Some(&off) = self.index.get(s) {
            return off;
        }
        let off = self.bytes.len() as u32;
        self.bytes.extend(s.bytes().map(|b| if b == 0 { b' ' } else { b }));
        self.bytes.push(0);
        self.index.insert(s.to_string(), off);
        off
    }

    /// The finished bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}
