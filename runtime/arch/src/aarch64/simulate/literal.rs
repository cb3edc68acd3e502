//! Literal loads: `LDR (literal)` to general and SIMD&FP registers.

use super::{LiteralMemory, SimError};
use crate::aarch64::decode::LiteralKind;
use probec_abi::frame::Frame;

/// Read the literal at `addr` and write it to the destination register.
/// Memory is read before anything is written, so a failed read leaves the
/// frame unchanged. Data is little-endian, as the runtime supports only
/// little-endian targets.
pub(super) fn load(frame: &mut Frame, mem: &dyn LiteralMemory, rt: u8, kind: LiteralKind, addr: u64) -> Result<(), SimError> {
    let size = kind.size();
    let mut bytes = [0u8; 16];
    if !mem.read(addr, size, &mut bytes[..size]) {
        return Err(SimError::LiteralUnreadable { addr });
    }
    // Bytes past `size` are still zero: S and D loads zero the upper lanes.
    let value = u128::from_le_bytes(bytes);
    let low32 = value as u32;
    match kind {
        LiteralKind::W => frame.set_xzr(rt as u32, low32 as u64),
        LiteralKind::X => frame.set_xzr(rt as u32, value as u64),
        LiteralKind::Sw => frame.set_xzr(rt as u32, low32 as i32 as i64 as u64),
        LiteralKind::S | LiteralKind::D | LiteralKind::Q => frame.v[(rt & 31) as usize] = value,
    }
    Ok(())
}
