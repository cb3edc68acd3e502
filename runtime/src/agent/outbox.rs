//! Sending events: encoding into one payload buffer, framing into one
//! frame buffer (both owned by the agent, so nothing large is on the
//! stack), and the [`Sink`] that turns a script's output into
//! `Records`/`Map*`/`Lost`/... events.

use super::embedder::ByteChannel;
use crate::script::maps::Entry;
use alloc::boxed::Box;
use core::fmt;
use probec_loader::output::Sink;
use probec_wire::msg::{Event, RecordHeader, STREAM_HEADER};
use probec_wire::{encode_frame, MAX_FRAME, MAX_PAYLOAD};

/// Buffers for sending.
pub(crate) struct Outbox {
    payload: Box<[u8; MAX_PAYLOAD]>,
    frame: Box<[u8; MAX_FRAME]>,
    /// Frames sent (for status and tests).
    pub(crate) frames_sent: u64,
}

impl Outbox {
    pub(crate) fn new() -> Self {
        Outbox { payload: Box::new([0; MAX_PAYLOAD]), frame: Box::new([0; MAX_FRAME]), frames_sent: 0 }
    }

    /// Send one event. An event too large for a payload is a bug in the
    /// agent (streams are cut to fit); it is dropped rather than sent cut.
    pub(crate) fn send(&mut self, chan: &mut dyn ByteChannel, session: u32, ev: &Event<'_>) {
        let Some(n) = ev.encode(session, &mut self.payload[..]) else { return };
        if let Some(f) = encode_frame(&self.payload[..n], &mut self.frame[..]) {
            chan.write(&self.frame[..f]);
            self.frames_sent += 1;
        }
    }
}

/// Bytes of stream data per `Records`/`MapEntries` event.
pub(crate) const STREAM_CHUNK: usize = MAX_PAYLOAD - STREAM_HEADER;

/// A [`Sink`] that sends a script's output to the host.
pub(crate) struct StreamSink<'a> {
    pub(crate) out: &'a mut Outbox,
    pub(crate) chan: &'a mut dyn ByteChannel,
    pub(crate) session: u32,
    pub(crate) script: u64,
    /// Record stream bytes not yet sent.
    pub(crate) pending: &'a mut alloc::vec::Vec<u8>,
    /// Records passed on.
    pub(crate) records: u64,
}

impl StreamSink<'_> {
    fn send(&mut self, ev: &Event<'_>) {
        self.out.send(self.chan, self.session, ev);
    }

    /// Send the buffered record bytes.
    pub(crate) fn flush(&mut self) {
        let pending = core::mem::take(self.pending);
        for chunk in pending.chunks(STREAM_CHUNK) {
            self.out.send(self.chan, self.session, &Event::Records { script: self.script, data: chunk });
        }
        *self.pending = pending;
        self.pending.clear();
    }

    fn stream(&mut self, map: u32, bytes: &[u8], buf: &mut alloc::vec::Vec<u8>) {
        buf.extend_from_slice(bytes);
        while buf.len() >= STREAM_CHUNK {
            self.send(&Event::MapEntries { script: self.script, map, data: &buf[..STREAM_CHUNK] });
            buf.drain(..STREAM_CHUNK);
        }
    }
}

impl Sink for StreamSink<'_> {
    fn printf(&mut self, format: u32, payload: &[u8]) -> fmt::Result {
        let h = RecordHeader { kind: probec_abi::RecordKind::Printf.raw(), cpu: 0, id: format, len: payload.len() as u32 };
        self.pending.extend_from_slice(&h.to_bytes());
        self.pending.extend_from_slice(payload);
        self.records += 1;
        if self.pending.len() >= STREAM_CHUNK {
            self.flush();
        }
        Ok(())
    }

    fn map(&mut self, map: u32, entries: &mut [Entry], last: bool, dropped: u64, errors: u64) -> fmt::Result {
        self.flush();
        let script = self.script;
        self.send(&Event::MapBegin { script, map, last, entries: entries.len() as u32, dropped, errors });
        let mut buf = alloc::vec::Vec::with_capacity(STREAM_CHUNK * 2);
        for e in entries.iter() {
            self.stream(map, &e.key, &mut buf);
            self.stream(map, &e.value, &mut buf);
        }
        if !buf.is_empty() {
            self.send(&Event::MapEntries { script, map, data: &buf });
        }
        self.send(&Event::MapEnd { script, map });
        Ok(())
    }

    fn lost(&mut self, cpu: u16, new: u64, total: u64) -> fmt::Result {
        if new == 0 {
            // The host has every total already.
            return Ok(());
        }
        self.flush();
        self.send(&Event::Lost { script: self.script, cpu, total });
        Ok(())
    }

    fn missed(&mut self, target: &str, count: u64) -> fmt::Result {
        self.flush();
        self.send(&Event::Missed { script: self.script, target, count });
        Ok(())
    }

    fn probe_errors(&mut self, probe: &str, count: u64) -> fmt::Result {
        self.flush();
        self.send(&Event::ProbeErrors { script: self.script, probe, count });
        Ok(())
    }

    fn finish(&mut self) -> fmt::Result {
        self.flush();
        self.send(&Event::Detached { script: self.script });
        Ok(())
    }
}

/// A sink that drops everything (a lapsed lease: nobody is listening).
pub(crate) struct Discard;

impl Sink for Discard {
    fn printf(&mut self, _: u32, _: &[u8]) -> fmt::Result {
        Ok(())
    }
    fn map(&mut self, _: u32, _: &mut [Entry], _: bool, _: u64, _: u64) -> fmt::Result {
        Ok(())
    }
    fn lost(&mut self, _: u16, _: u64, _: u64) -> fmt::Result {
        Ok(())
    }
    fn missed(&mut self, _: &str, _: u64) -> fmt::Result {
        Ok(())
    }
    fn probe_errors(&mut self, _: &str, _: u64) -> fmt::Result {
        Ok(())
    }
    fn finish(&mut self) -> fmt::Result {
        Ok(())
    }
}
