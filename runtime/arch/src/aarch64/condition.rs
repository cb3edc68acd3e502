//! The A64 condition codes over PSTATE.NZCV (ARM ARM `ConditionHolds`).
//!
//! Used by the B.cond and BC.cond simulators; kept apart so the truth table
//! can be tested on its own against all 16 × 16 (cond, NZCV) pairs.

/// Mnemonic suffix of each condition code, indexed by the 4-bit `cond`.
pub const NAMES: [&str; 16] = ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", "nv"];

/// Does condition `cond` (4 bits) hold for flags `nzcv` (4 bits, N in bit 3)?
///
/// Follows the architecture's structure: `cond[3:1]` selects a base test,
/// `cond[0]` inverts it, except that `0b1111` (NV) is not inverted and so,
/// like AL, always holds.
pub const fn condition_holds(cond: u8, nzcv: u8) -> bool {
    let n = nzcv & 0b1000 != 0;
    let z = nzcv & 0b0100 != 0;
    let c = nzcv & 0b0010 != 0;
    let v = nzcv & 0b0001 != 0;
    let base = match (cond >> 1) & 0b111 {
        0b000 => z,
        0b001 => c,
        0b010 => n,
        0b011 => v,
        0b100 => c && !z,
        0b101 => n == v,
        0b110 => n == v && !z,
        _ => true,
    };
    if cond & 1 == 1 && cond & 0b1111 != 0b1111 {
        !base
    } else {
        base
    }
}
