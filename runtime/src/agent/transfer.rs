//! Receiving an object in chunks: `LoadBegin` sets the size and CRC,
//! `LoadChunk`s come in order, `Attach` checks the whole.

use alloc::vec::Vec;

/// An object being received.
pub(crate) struct Transfer {
    size: usize,
    crc: u32,
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
            TransferError::Checksum { expected, found } => {
                write!(f, "object checksum mismatch (announced {expected:#010x}, received {found:#010x})")
            }
        }
    }
}

impl Transfer {
    /// Start receiving `size` bytes.
    pub(crate) fn begin(size: u32, crc: u32, limit: usize) -> Result<Transfer, TransferError> {
        let size = size as usize;
        if size > limit {
            return Err(TransferError::TooLarge { size, limit });
        }
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(size).map_err(|_| TransferError::NoMemory { size })?;
        Ok(Transfer { size, crc, bytes })
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
        let found = crc32fast::hash(&self.bytes);
        if found != self.crc {
            return Err(TransferError::Checksum { expected: self.crc, found });
        }
        Ok(self.bytes)
    }
}
