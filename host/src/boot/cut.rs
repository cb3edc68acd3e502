//! Cutting a client's bytes into the units the proxy writes to the target's
//! serial input, each whole under the line's lock, so that two clients'
//! frames never interleave on the line.
//!
//! The framing is the line's (module [`super::demux`]): a 0x00 starts a
//! frame, the next 0x00 ends it, a second 0x00 in a row starts a new one.
//! The host sends only frames; bytes outside a frame are forwarded as they
//! come (as [`Unit::Stray`]: the target's decoder must skip noise anyway,
//! and tests of that noise should reach it), never inside another client's
//! frame. A frame that grows past [`MAX_FRAME`] is cut there: its first
//! [`MAX_FRAME`] − 1 bytes are forwarded with a closing 0x00 added (so the
//! target's decoder sees an over-long frame and rejects it, and the line is
//! not held while the client sends the rest), and the rest up to the
//! client's own closing 0x00 is dropped. What is left open when the client
//! goes is dropped.

pub use super::demux::MAX_FRAME;

/// What to write to the line, whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A whole frame: 0x00, one or more non-zero bytes, 0x00.
    Frame(Vec<u8>),
    /// The first [`MAX_FRAME`] − 1 bytes of an over-long frame and a
    /// closing 0x00.
    Truncated(Vec<u8>),
    /// Bytes outside any frame (no 0x00).
    Stray(Vec<u8>),
}

impl Unit {
    /// The bytes to write.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Unit::Frame(b) | Unit::Truncated(b) | Unit::Stray(b) => b,
        }
    }
}

/// A cutter's state between two reads from its client.
#[derive(Debug, Default)]
pub struct Cutter {
    /// The frame being received, from its opening 0x00 (empty: outside).
    frame: Vec<u8>,
    /// In an over-long frame whose start was forwarded: drop to its 0x00.
    skipping: bool,
}

impl Cutter {
    /// A cutter outside any frame.
    pub fn new() -> Cutter {
        Cutter::default()
    }

    /// Take the next bytes from the client; returns the units complete so
    /// far, in order. Stray bytes are returned at the end of each feed.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Unit> {
        let mut units = Vec::new();
        let mut stray = Vec::new();
        for &b in bytes {
            if self.skipping {
                self.skipping = b != 0;
            } else if self.frame.is_empty() {
                if b == 0 {
                    if !stray.is_empty() {
                        units.push(Unit::Stray(std::mem::take(&mut stray)));
                    }
                    self.frame.push(0);
                } else {
                    stray.push(b);
                }
            } else if b == 0 {
                // 0x00 0x00: an empty frame, ignored; this 0x00 opens the next.
                if self.frame.len() > 1 {
                    self.frame.push(0);
                    units.push(Unit::Frame(std::mem::take(&mut self.frame)));
                }
            } else if self.frame.len() == MAX_FRAME - 1 {
                let mut cut = std::mem::take(&mut self.frame);
                cut.push(0);
                units.push(Unit::Truncated(cut));
                self.skipping = true;
            } else {
                self.frame.push(b);
            }
        }
        if !stray.is_empty() {
            units.push(Unit::Stray(stray));
        }
        units
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cut(chunks: &[&[u8]]) -> Vec<Unit> {
        let mut c = Cutter::new();
        let mut units: Vec<Unit> = Vec::new();
        for chunk in chunks {
            for u in c.feed(chunk) {
                // Adjacent stray runs are one run split by the reads.
                match (units.last_mut(), u) {
                    (Some(Unit::Stray(a)), Unit::Stray(b)) => a.extend(b),
                    (_, u) => units.push(u),
                }
            }
        }
        units
    }

    #[test]
    fn frames_come_out_whole_whatever_the_reads() {
        assert_eq!(cut(&[b"\0a", b"b\0\0", b"c\0"]), [Unit::Frame(b"\0ab\0".to_vec()), Unit::Frame(b"\0c\0".to_vec())]);
        assert_eq!(cut(&[b"\0\0\0d\0"]), [Unit::Frame(b"\0d\0".to_vec())]);
    }

    #[test]
    fn stray_bytes_are_forwarded_between_frames() {
        assert_eq!(cut(&[b"xy\0a\0z"]), [Unit::Stray(b"xy".to_vec()), Unit::Frame(b"\0a\0".to_vec()), Unit::Stray(b"z".to_vec())]);
    }

    #[test]
    fn an_unfinished_frame_is_held_back() {
        assert_eq!(cut(&[b"\0partial"]), []);
    }

    #[test]
    fn an_over_long_frame_is_cut_closed_and_the_rest_dropped() {
        let mut longest = vec![0u8];
        longest.resize(MAX_FRAME - 1, b'a');
        longest.push(0);
        assert_eq!(cut(&[&longest]), [Unit::Frame(longest.clone())]);
        let mut long = vec![0u8];
        long.resize(MAX_FRAME + 100, b'b');
        long.extend(b"\0\0ok\0");
        let mut want = vec![0u8];
        want.resize(MAX_FRAME - 1, b'b');
        want.push(0);
        let units = cut(&[&long[..1000], &long[1000..]]);
        assert_eq!(units, [Unit::Truncated(want), Unit::Frame(b"\0ok\0".to_vec())]);
    }

    proptest! {
        #[test]
        fn frames_round_trip(frames in prop::collection::vec(prop::collection::vec(1u8..=255, 1..500), 0..20),
                             cuts in prop::collection::vec(any::<usize>(), 0..20)) {
            let framed: Vec<Vec<u8>> = frames.iter().map(|f| [&[0u8][..], f, &[0]].concat()).collect();
            let wire = framed.concat();
            let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
            cuts.sort_unstable();
            let mut chunks: Vec<&[u8]> = Vec::new();
            let mut at = 0;
            for c in cuts.into_iter().chain([wire.len()]) {
                chunks.push(&wire[at..c]);
                at = c;
            }
            prop_assert_eq!(cut(&chunks), framed.into_iter().map(Unit::Frame).collect::<Vec<_>>());
        }

        #[test]
        fn arbitrary_bytes_give_whole_frames_and_stray_runs(
            wire in prop::collection::vec(any::<u8>(), 0..3000), split in any::<usize>()) {
            // 0x00 one byte in eight.
            let wire: Vec<u8> = wire.into_iter().map(|b| if b < 32 { 0 } else { b }).collect();
            let at = split % (wire.len() + 1);
            let units = cut(&[&wire[..at], &wire[at..]]);
            prop_assert_eq!(&units, &cut(&[&wire]));
            for u in &units {
                match u {
                    Unit::Stray(s) => prop_assert!(!s.is_empty() && !s.contains(&0)),
                    Unit::Frame(f) | Unit::Truncated(f) => {
                        prop_assert!(f.len() >= 3 && f.len() <= MAX_FRAME);
                        prop_assert!(f[0] == 0 && f[f.len() - 1] == 0 && !f[1..f.len() - 1].contains(&0));
                    }
                }
            }
        }
    }
}
