//! Receiving an object in chunks: `LoadBegin` sets the size, the CRC and
//! the encoding (raw or zlib),
//! `LoadChunk`s come in order, `Attach` checks the whole.

use alloc::vec::Vec;

/// An object being received.
pub(crate) struct Transfer {
    size: usize,
    crc: u32,
    zlib: bool,
    object_size: usize,
    bytes: Vec<u8>,
}

/// Why a transfer step was refused (the message goes to the host).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransferError {
    TooLarge { size: usize, limit: usize },
    NoMemory { size: usize },
    NotStarted,
    OutOfOrder { offset: u32, expected: usize },
    Overrun { end: usize, size: usize },
    Incomplete { received: usize, size: usize },
    Checksum { expected: u32, found: u32 },
    Encoding { encoding: u8 },
    Inflate { object_size: usize },
}

impl core::fmt::Display for TransferError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TransferError::TooLarge { size, limit } => {
                write!(f, "object of {size} bytes is larger than the agent accepts ({limit} bytes)")
            }
            TransferError::NoMemory { size } => write!(f, "no memory for an object of {size} bytes"),
            TransferError::NotStarted => f.write_str("object bytes without LoadBegin"),
            TransferError::OutOfOrder { offset, expected } => {
                write!(f, "object chunk at offset {offset}, expected {expected}")
            }
            TransferError::Overrun { end, size } => write!(f, "object chunk ends at {end}, past the announced size {size}"),
            TransferError::Incomplete { received, size } => {
                write!(f, "attach with {received} of {size} object bytes received")
            }
            TransferError::Encoding { encoding } => write!(f, "unknown object encoding {encoding}"),
            TransferError::Inflate { object_size } => {
                write!(f, "the compressed object does not inflate to the announced {object_size} bytes")
            }
            TransferError::Checksum { expected, found } => {
                write!(f, "object checksum mismatch (announced {expected:#010x}, received {found:#010x})")
            }
        }
    }
}

impl Transfer {
    /// Start receiving `size` bytes.
    pub(crate) fn begin(size: u32, crc: u32, encoding: u8, object_size: u32, limit: usize) -> Result<Transfer, TransferError> {
        let (size, object_size) = (size as usize, object_size as usize);
        let zlib = match encoding {
            probec_wire::msg::encoding::RAW => false,
            probec_wire::msg::encoding::ZLIB => true,
            _ => return Err(TransferError::Encoding { encoding }),
        };
        for s in [size, object_size] {
            if s > limit {
                return Err(TransferError::TooLarge { size: s, limit });
            }
        }
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(size).map_err(|_| TransferError::NoMemory { size })?;
        Ok(Transfer { size, crc, zlib, object_size, bytes })
    }

    /// Append a chunk; returns the bytes received so far.
    pub(crate) fn chunk(&mut self, offset: u32, data: &[u8]) -> Result<usize, TransferError> {
        if offset as usize != self.bytes.len() {
            return Err(TransferError::OutOfOrder { offset, expected: self.bytes.len() });
        }
        let end = self.bytes.len() + data.len();
        if end > self.size {
            return Err(TransferError::Overrun { end, size: self.size });
        }
        self.bytes.extend_from_slice(data);
        Ok(end)
    }

    /// The whole object, checked.
    pub(crate) fn finish(self) -> Result<Vec<u8>, TransferError> {
        if self.bytes.len() != self.size {
            return Err(TransferError::Incomplete { received: self.bytes.len(), size: self.size });
        }
        let object = if self.zlib {
            // Never more than announced: a bomb stops at the limit.
            let object_size = self.object_size;
            match miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&self.bytes, object_size) {
                Ok(o) if o.len() == object_size => o,
                _ => return Err(TransferError::Inflate { object_size }),
            }
        } else {
            self.bytes
        };
        let found = crc32fast::hash(&object);
        if found != self.crc {
            return Err(TransferError::Checksum { expected: self.crc, found });
        }
        Ok(object)
    }
}
