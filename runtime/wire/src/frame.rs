//! Frames: `0x00, COBS(payload ++ crc32(payload) as LE), 0x00`.

use crate::MAX_PAYLOAD;

/// Why a frame was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// Longer than the receiver's buffer: discarded up to the next 0x00.
    TooLong,
    /// Not valid COBS.
    BadEncoding,
    /// Shorter than a CRC.
    TooShort,
    /// The CRC did not match: the frame was corrupted on the line.
    BadChecksum,
}

impl core::fmt::Display for FrameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            FrameError::TooLong => "frame longer than the receiver accepts",
            FrameError::BadEncoding => "frame is not valid COBS",
            FrameError::TooShort => "frame shorter than its checksum",
            FrameError::BadChecksum => "frame checksum mismatch",
        })
    }
}

/// Encode `payload` as a whole frame into `out`; returns its length, or
/// `None` if `out` is too small or the payload exceeds [`MAX_PAYLOAD`].
pub fn encode_frame(payload: &[u8], out: &mut [u8]) -> Option<usize> {
    if payload.len() > MAX_PAYLOAD || out.len() < 2 {
        return None;
    }
    let end = out.len() - 1;
    out[0] = 0;
    let mut enc = cobs::CobsEncoder::new(&mut out[1..end]);
    enc.push(payload).ok()?;
    enc.push(&crc32fast::hash(payload).to_le_bytes()).ok()?;
    let n = enc.finalize();
    out[1 + n] = 0;
    Some(n + 2)
}

/// Collects bytes from a channel and yields decoded, checked payloads.
///
/// Everything between two 0x00 bytes is a frame; an empty one (two 0x00 in
/// a row: the end of one frame and the start of the next) is skipped. A
/// frame longer than the buffer is discarded up to the next 0x00, so a
/// receiver always resynchronises.
pub struct FrameReader<const N: usize> {
    buf: [u8; N],
    len: usize,
    overflow: bool,
}

impl<const N: usize> Default for FrameReader<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> FrameReader<N> {
    /// An empty reader.
    pub const fn new() -> Self {
        FrameReader { buf: [0; N], len: 0, overflow: false }
    }

    /// Forget a partial frame.
    pub fn reset(&mut self) {
        self.len = 0;
        self.overflow = false;
    }

    /// Feed one byte. `None`: no frame ended here. `Some(Ok(payload))`: a
    /// frame ended and checked out; `Some(Err(_))`: a frame ended and was
    /// dropped.
    pub fn push(&mut self, byte: u8) -> Option<Result<&[u8], FrameError>> {
        if byte != 0 {
            if self.len < N {
                self.buf[self.len] = byte;
                self.len += 1;
            } else {
                self.overflow = true;
            }
            return None;
        }
        let (len, overflow) = (self.len, self.overflow);
        self.reset();
        if overflow {
            return Some(Err(FrameError::TooLong));
        }
        if len == 0 {
            return None;
        }
        Some(decode(&mut self.buf[..len]))
    }
}

/// Decode one frame's bytes (without delimiters) in place and check its
/// CRC; returns the payload.
pub fn decode(encoded: &mut [u8]) -> Result<&[u8], FrameError> {
    let n = cobs::decode_in_place(encoded).map_err(|_| FrameError::BadEncoding)?;
    if n < 4 {
        return Err(FrameError::TooShort);
    }
    let (payload, crc) = encoded[..n].split_at(n - 4);
    let crc = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
    if crc32fast::hash(payload) != crc {
        return Err(FrameError::BadChecksum);
    }
    Ok(payload)
}
