//! The register block a snippet reads its inputs from and writes its
//! outputs to. Offsets are fixed because the snippets' assembly uses them.

/// Inputs and outputs of one snippet run.
#[repr(C, align(16))]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Block {
    /// X0..X15 loaded before the instruction under test.
    pub in_x: [u64; 16],
    /// NZCV loaded before it (bits 31:28).
    pub in_nzcv: u64,
    /// X0..X15 after it.
    pub out_x: [u64; 16],
    /// NZCV after it.
    pub out_nzcv: u64,
    /// SP after the body minus SP before it.
    pub out_sp_delta: u64,
    /// Padding that keeps `in_v` 16-byte aligned.
    pub pad: u64,
    /// Q0..Q3 loaded before.
    pub in_v: [u128; 4],
    /// Q0..Q3 after.
    pub out_v: [u128; 4],
    /// Memory the instruction may load from or store to (X1 points here).
    pub buf: [u64; 8],
}

impl Block {
    /// A block with deterministic inputs derived from `seed`; X1 will be
    /// pointed at `buf` by the runner.
    pub fn seeded(seed: u64) -> Self {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let mut b = Block {
            in_x: [0; 16],
            in_nzcv: 0,
            out_x: [0; 16],
            out_nzcv: 0,
            out_sp_delta: 0,
            pad: 0,
            in_v: [0; 4],
            out_v: [0; 4],
            buf: [0; 8],
        };
        for x in b.in_x.iter_mut() {
            *x = next();
        }
        for v in b.in_v.iter_mut() {
            *v = (next() as u128) << 64 | next() as u128;
        }
        for m in b.buf.iter_mut() {
            *m = next();
        }
        b.in_nzcv = (next() & 0xF) << 28;
        b
    }
}

const _: () = {
    assert!(core::mem::offset_of!(Block, in_nzcv) == 128);
    assert!(core::mem::offset_of!(Block, out_x) == 136);
    assert!(core::mem::offset_of!(Block, out_nzcv) == 264);
    assert!(core::mem::offset_of!(Block, out_sp_delta) == 272);
    assert!(core::mem::offset_of!(Block, in_v) == 288);
    assert!(core::mem::offset_of!(Block, out_v) == 352);
    assert!(core::mem::offset_of!(Block, buf) == 416);
};
