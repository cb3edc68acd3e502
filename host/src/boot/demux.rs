//! Splitting what the target writes on its serial line into console text
//! and agent frames.
//!
//! The rule of the shared line (docs/live-attach.md): console text never
//! contains 0x00; a 0x00 starts a frame and the next 0x00 ends it, so a
//! frame is 0x00, one or more non-zero bytes (a COBS-encoded payload), 0x00.
//! Two 0x00 in a row: the second starts a new frame (an empty frame is
//! ignored). Text loses the CR of each CRLF, as a serial console's lines
//! end in CRLF.
//!
//! A run longer than [`MAX_FRAME`] is not a frame: the 0x00 that opened it
//! was not the agent's (a target reset in the middle of a frame, a stray
//! byte), so its bytes are released as text and the demultiplexer is back
//! in text. So is a frame left open when the output ends (a target that
//! died in the middle of a frame still shows what it printed after).

/// The longest frame on the line, both delimiters included (the same
/// limit applies to frames from clients: [`super::cut`]).
pub const MAX_FRAME: usize = 64 * 1024;

/// A piece of the target's output, in the order it came.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Console text: no 0x00, CRs of CRLFs dropped.
    Text(Vec<u8>),
    /// A whole frame: 0x00, one or more non-zero bytes, 0x00.
    Frame(Vec<u8>),
}

/// The demultiplexer's state between two reads of the line.
#[derive(Debug)]
pub struct Demux {
    /// The frame being received (from its opening 0x00), or empty in text.
    frame: Vec<u8>,
    /// A CR was the last text byte: dropped if an LF follows.
    pending_cr: bool,
}

impl Default for Demux {
    fn default() -> Self {
        Self::new()
    }
}

/// Text bytes of one feed, merged into one event per run.
struct Out {
    events: Vec<Event>,
}

impl Out {
    fn text(&mut self, b: u8) {
        match self.events.last_mut() {
            Some(Event::Text(t)) => t.push(b),
            _ => self.events.push(Event::Text(vec![b])),
        }
    }
}

impl Demux {
    /// A demultiplexer in text, as the line is when the target starts.
    pub fn new() -> Demux {
        Demux { frame: Vec::new(), pending_cr: false }
    }

    /// Take the next bytes of the line; returns the text runs and whole
    /// frames they complete, in order (a frame's bytes may span feeds).
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut out = Out { events: Vec::new() };
        for &b in bytes {
            self.byte(b, &mut out);
        }
        out.events
    }

    /// The line ended: a frame left open is released as text, as is a
    /// held-back CR.
    pub fn finish(&mut self) -> Vec<Event> {
        let mut out = Out { events: Vec::new() };
        self.release_frame(&mut out);
        if std::mem::take(&mut self.pending_cr) {
            out.text(b'\r');
        }
        out.events
    }

    fn byte(&mut self, b: u8, out: &mut Out) {
        if self.frame.is_empty() {
            if b == 0 {
                if std::mem::take(&mut self.pending_cr) {
                    out.text(b'\r');
                }
                self.frame.push(0);
            } else {
                self.text(b, out);
            }
        } else if b == 0 {
            // A 0x00 right after the opening one: an empty frame, ignored;
            // this 0x00 opens the next.
            if self.frame.len() > 1 {
                self.frame.push(0);
                out.events.push(Event::Frame(std::mem::take(&mut self.frame)));
            }
        } else if self.frame.len() == MAX_FRAME - 1 {
            // No room for this byte and the closing 0x00: not a frame.
            self.release_frame(out);
            self.text(b, out);
        } else {
            self.frame.push(b);
        }
    }

    fn text(&mut self, b: u8, out: &mut Out) {
        if std::mem::take(&mut self.pending_cr) && b != b'\n' {
            out.text(b'\r');
        }
        if b == b'\r' {
            self.pending_cr = true;
        } else {
            out.text(b);
        }
    }

    /// An open frame's bytes after its 0x00, as text.
    fn release_frame(&mut self, out: &mut Out) {
        let frame = std::mem::take(&mut self.frame);
        for &b in frame.iter().skip(1) {
            self.text(b, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(s: &[u8]) -> Event {
        Event::Text(s.to_vec())
    }
    fn frame(s: &[u8]) -> Event {
        Event::Frame(s.to_vec())
    }

    /// Feed `chunks` one by one, then finish; adjacent text runs merged.
    fn run(chunks: &[&[u8]]) -> Vec<Event> {
        let mut d = Demux::new();
        let mut events = Vec::new();
        for c in chunks {
            events.extend(d.feed(c));
        }
        events.extend(d.finish());
        merge(events)
    }

    fn merge(events: Vec<Event>) -> Vec<Event> {
        let mut merged: Vec<Event> = Vec::new();
        for e in events {
            match (merged.last_mut(), e) {
                (_, Event::Text(t)) if t.is_empty() => {}
                (Some(Event::Text(a)), Event::Text(b)) => a.extend(b),
                (_, e) => merged.push(e),
            }
        }
        merged
    }

    #[test]
    fn text_and_frames_in_order() {
        assert_eq!(run(&[b"boot\r\n\0ab\0ok\n"]), [text(b"boot\n"), frame(b"\0ab\0"), text(b"ok\n")]);
    }

    #[test]
    fn a_frame_split_across_reads_comes_out_whole() {
        assert_eq!(run(&[b"x\0a", b"b", b"c\0", b"y"]), [text(b"x"), frame(b"\0abc\0"), text(b"y")]);
    }

    #[test]
    fn back_to_back_frames_and_empty_frames() {
        assert_eq!(run(&[b"\0a\0\0b\0"]), [frame(b"\0a\0"), frame(b"\0b\0")]);
        // The second 0x00 of a pair opens the frame: 0x00 0x00 payload 0x00.
        assert_eq!(run(&[b"\0\0\0c\0"]), [frame(b"\0c\0")]);
        assert_eq!(run(&[b"t\0", b"\0", b"\0d\0"]), [text(b"t"), frame(b"\0d\0")]);
    }

    #[test]
    fn only_the_cr_of_a_crlf_is_dropped_even_across_reads() {
        assert_eq!(run(&[b"a\r", b"\nb\rc\r"]), [text(b"a\nb\rc\r")]);
        // A CR before a frame is not part of a CRLF.
        assert_eq!(run(&[b"a\r\0f\0\n"]), [text(b"a\r"), frame(b"\0f\0"), text(b"\n")]);
        // Inside a frame a CR is data.
        assert_eq!(run(&[b"\0\r\n\0"]), [frame(b"\0\r\n\0")]);
    }

    #[test]
    fn an_open_frame_at_the_end_is_released_as_text() {
        assert_eq!(run(&[b"ok\n\0garbled panic\r\n"]), [text(b"ok\ngarbled panic\n")]);
    }

    /// Events as (kind, length, first byte, last byte): long runs printed short.
    fn shape(events: &[Event]) -> Vec<(&'static str, usize, u8, u8)> {
        events
            .iter()
            .map(|e| match e {
                Event::Text(t) => ("text", t.len(), t[0], t[t.len() - 1]),
                Event::Frame(f) => ("frame", f.len(), f[0], f[f.len() - 1]),
            })
            .collect()
    }

    #[test]
    fn the_longest_frame_passes_and_a_longer_run_is_text() {
        let mut longest = vec![0u8];
        longest.resize(MAX_FRAME - 1, b'a');
        longest.push(0);
        assert_eq!(shape(&run(&[&longest])), [("frame", MAX_FRAME, 0, 0)]);
        // One byte more than fits: 0x00 and MAX_FRAME - 1 bytes, no 0x00.
        let mut longer = vec![0u8];
        longer.resize(MAX_FRAME, b'b');
        longer.extend(b"\0f\0");
        // Back in text after the run: the next 0x00 opens a frame.
        let events = run(&[&longer[..5000], &longer[5000..]]);
        assert_eq!(shape(&events), [("text", MAX_FRAME - 1, b'b', b'b'), ("frame", 3, 0, 0)]);
        assert_eq!(events[1], frame(b"\0f\0"));
    }

    #[derive(Clone, Debug)]
    enum Piece {
        Text(Vec<u8>),
        Frame(Vec<u8>),
    }

    fn piece() -> impl Strategy<Value = Piece> {
        prop_oneof![
            // Text with CRs and LFs likely, never 0x00.
            prop::collection::vec(any::<u8>(), 0..40).prop_map(|t| Piece::Text(t.into_iter().map(line_byte).map(|b| b.max(1)).collect())),
            prop::collection::vec(1u8..=255, 1..300).prop_map(Piece::Frame),
        ]
    }

    /// A byte of a serial line, 0x00, CR and LF more likely than the rest
    /// (a cheap strategy: per-byte `prop_oneof!` is slow).
    fn line_byte(b: u8) -> u8 {
        match b {
            0..=19 => 0,
            20..=39 => b'\r',
            40..=59 => b'\n',
            b => b,
        }
    }

    /// Split `wire` at the given positions (taken modulo its length).
    fn split(wire: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
        cuts.sort_unstable();
        let mut chunks = Vec::new();
        let mut at = 0;
        for c in cuts.into_iter().chain([wire.len()]) {
            chunks.push(wire[at..c].to_vec());
            at = c;
        }
        chunks
    }

    fn crlf_to_lf(t: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, &b) in t.iter().enumerate() {
            if !(b == b'\r' && t.get(i + 1) == Some(&b'\n')) {
                out.push(b);
            }
        }
        out
    }

    proptest! {
        #[test]
        fn interleaved_text_and_frames_round_trip(pieces in prop::collection::vec(piece(), 0..30),
                                                   cuts in prop::collection::vec(any::<usize>(), 0..20)) {
            let mut wire = Vec::new();
            // The expectation: text between two frames is one run, CRLF -> LF.
            let mut want = Vec::new();
            let mut run_text = Vec::new();
            for p in &pieces {
                match p {
                    Piece::Text(t) => {
                        wire.extend(t);
                        run_text.extend(t);
                    }
                    Piece::Frame(f) => {
                        let framed: Vec<u8> = [&[0u8][..], f, &[0]].concat();
                        wire.extend(&framed);
                        want.push(Event::Text(crlf_to_lf(&std::mem::take(&mut run_text))));
                        want.push(Event::Frame(framed));
                    }
                }
            }
            want.push(Event::Text(crlf_to_lf(&run_text)));
            let chunks = split(&wire, &cuts);
            let chunks: Vec<&[u8]> = chunks.iter().map(|c| &c[..]).collect();
            prop_assert_eq!(run(&chunks), merge(want));
        }

        #[test]
        fn arbitrary_bytes_never_panic_and_chunking_does_not_matter(
            wire in prop::collection::vec(any::<u8>(), 0..1000).prop_map(|w| w.into_iter().map(line_byte).collect::<Vec<u8>>()),
            cuts in prop::collection::vec(any::<usize>(), 0..20)) {
            let whole = run(&[&wire]);
            let chunks = split(&wire, &cuts);
            let chunks: Vec<&[u8]> = chunks.iter().map(|c| &c[..]).collect();
            prop_assert_eq!(&run(&chunks), &whole);
            for e in &whole {
                match e {
                    Event::Text(t) => prop_assert!(!t.contains(&0)),
                    Event::Frame(f) => {
                        prop_assert!(f.len() >= 3 && f.len() <= MAX_FRAME);
                        prop_assert!(f[0] == 0 && f[f.len() - 1] == 0 && !f[1..f.len() - 1].contains(&0));
                    }
                }
            }
        }
    }
}
