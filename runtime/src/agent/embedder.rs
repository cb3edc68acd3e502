//! What the agent needs from the embedder: a byte channel and a few facts
//! about the target.

use crate::script::SymbolSource;

/// A byte channel to the host (a UART, a virtio console, a socket).
pub trait ByteChannel {
    /// Move bytes that have arrived into `buf`, without waiting; returns
    /// how many (0: none now).
    fn read(&mut self, buf: &mut [u8]) -> usize;
    /// Send `frame`, a whole frame, waiting as the line requires. The
    /// embedder must not let other output (console text) interleave with
    /// a frame's bytes; text between frames is fine (it contains no 0x00).
    fn write(&mut self, frame: &[u8]);
}

/// Facts and hooks the agent takes from the embedder.
pub trait AgentTarget {
    /// Symbols probe targets are resolved against.
    fn symbols(&self) -> &dyn SymbolSource;
    /// The kernel's GNU build-id (empty if it has none).
    fn build_id(&self) -> &[u8];
    /// The embedder's own counters for `probec status` (label, iterations,
    /// self-check failures); the reference kernel's `serve` workloads.
    fn counters(&self, _f: &mut dyn FnMut(&str, u64, u64)) {}
    /// CRC-32 of the kernel's text as it reads now, for status (`None`:
    /// not offered). A host compares it before an attach and after the
    /// detach: equal means every probed word is the original again.
    fn text_crc(&self) -> Option<u32> {
        None
    }
    /// A line for the target's own log (lease expiry, refused hosts).
    fn log(&self, _line: core::fmt::Arguments<'_>) {}
}
