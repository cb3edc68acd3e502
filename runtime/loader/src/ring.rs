//! The output ring: one per CPU per script, single producer (handlers on
//! that CPU, which never nest) and single consumer (`drain`, under the
//! script registry lock). Records are [`RecordHeader`] + payload, padded to
//! 8 bytes; a record that does not fit is dropped and counted, never
//! waited for.
//!
//! Memory ordering: the producer writes the record words (Relaxed) and
//! then publishes them with a Release store of `head`; the consumer
//! Acquires `head`, reads, and gives the space back with a Release store
//! of `tail`, which the producer Acquires before reusing it.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use probec_abi::RecordHeader;

/// Size of a record header in bytes.
pub const HEADER_BYTES: usize = core::mem::size_of::<RecordHeader>();
/// Smallest ring.
pub const MIN_BYTES: usize = 256;

/// One ring buffer.
pub struct Ring {
    words: Box<[AtomicU64]>,
    head: AtomicU64,
    tail: AtomicU64,
    lost: AtomicU64,
}

/// A record read back from the ring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// An `abi::record_kind` value (`abi::RecordKind::raw`).
    pub kind: u16,
    /// Writer's CPU.
    pub cpu: u16,
    /// Format or map index.
    pub id: u32,
    /// Payload (exactly `len` bytes).
    pub payload: Vec<u8>,
}

impl Ring {
    /// A ring of `bytes` rounded down to a power of two (at least
    /// [`MIN_BYTES`]); `None` if memory runs out.
    pub fn new(bytes: usize) -> Option<Self> {
        let bytes = if bytes < MIN_BYTES { MIN_BYTES } else { 1 << (usize::BITS - 1 - bytes.leading_zeros()) };
        Some(Ring { words: crate::maps::zeroed(bytes / 8)?, head: AtomicU64::new(0), tail: AtomicU64::new(0), lost: AtomicU64::new(0) })
    }

    /// Capacity in bytes.
    pub fn capacity(&self) -> usize {
        self.words.len() * 8
    }

    /// Records dropped because the ring was full.
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    fn word(&self, pos: u64) -> &AtomicU64 {
        &self.words[(pos / 8) as usize & (self.words.len() - 1)]
    }

    /// Append a record. Producer side: one writer per ring at a time.
    /// Returns `false` (and counts a lost event) if it does not fit.
    pub fn write(&self, kind: u16, cpu: u16, id: u32, payload: &[u8]) -> bool {
        let size = HEADER_BYTES + payload.len().div_ceil(8) * 8;
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Acquire);
        if size > self.capacity() || head.wrapping_sub(tail) + size as u64 > self.capacity() as u64 {
            self.lost.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        let h0 = (size as u64) | (u64::from(kind) << 32) | (u64::from(cpu) << 48);
        let h1 = u64::from(id) | ((payload.len() as u64) << 32);
        self.word(head).store(h0, Ordering::Relaxed);
        self.word(head + 8).store(h1, Ordering::Relaxed);
        let mut pos = head + HEADER_BYTES as u64;
        for chunk in payload.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.word(pos).store(u64::from_le_bytes(w), Ordering::Relaxed);
            pos += 8;
        }
        self.head.store(head + size as u64, Ordering::Release);
        true
    }

    /// Take the oldest record. Consumer side. A record whose header does
    /// not make sense (only possible if memory was corrupted) empties the
    /// ring and is counted as lost.
    pub fn read(&self) -> Option<Record> {
        let tail = self.tail.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Acquire);
        if tail == head {
            return None;
        }
        let h0 = self.word(tail).load(Ordering::Relaxed);
        let h1 = self.word(tail + 8).load(Ordering::Relaxed);
        let size = h0 as u32 as u64;
        let len = (h1 >> 32) as usize;
        let sane = size >= HEADER_BYTES as u64
            && size.is_multiple_of(8)
            && size <= head - tail
            && (len as u64).div_ceil(8) * 8 + HEADER_BYTES as u64 == size;
        if !sane {
            self.lost.fetch_add(1, Ordering::Relaxed);
            self.tail.store(head, Ordering::Release);
            return None;
        }
        let mut payload = Vec::with_capacity(len);
        let mut pos = tail + HEADER_BYTES as u64;
        while payload.len() < len {
            let w = self.word(pos).load(Ordering::Relaxed).to_le_bytes();
            let n = (len - payload.len()).min(8);
            payload.extend_from_slice(&w[..n]);
            pos += 8;
        }
        self.tail.store(tail + size, Ordering::Release);
        Some(Record { kind: (h0 >> 32) as u16, cpu: (h0 >> 48) as u16, id: h1 as u32, payload })
    }
}
