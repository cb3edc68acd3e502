//! The suite's random numbers: SplitMix64, seeded per instruction from the
//! run's seed and the instruction's index, so any single instruction can be
//! regenerated on its own (`differential SEED 1 INDEX`).

/// A SplitMix64 generator.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    /// The generator of instruction `index` of a run seeded with `seed`.
    pub fn for_index(seed: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next();
        r
    }

    /// A generator from a raw state.
    pub fn new(state: u64) -> Rng {
        Rng(state)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 32 random bits.
    pub fn u32(&mut self) -> u32 {
        (self.next() >> 32) as u32
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// `bits` random bits (at most 32) as a field value.
    pub fn bits(&mut self, bits: u32) -> u32 {
        if bits == 0 {
            0
        } else {
            self.u32() >> (32 - bits)
        }
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// A random bool.
    pub fn bool(&mut self) -> bool {
        self.next() >> 63 == 1
    }

    /// One element of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// A register number 0..=30 (never 31).
    pub fn reg(&mut self) -> u32 {
        self.below(31) as u32
    }

    /// A register field 0..=31.
    pub fn reg31(&mut self) -> u32 {
        self.bits(5)
    }

    /// A 64-bit value biased towards the edges that flags and shifts care
    /// about: zero, one, all ones, sign bits, small and 32-bit boundaries.
    pub fn value(&mut self) -> u64 {
        match self.below(16) {
            0 => self.pick(&[0, 1, 2, u64::MAX, u64::MAX - 1, 0x8000_0000_0000_0000, 0x7fff_ffff_ffff_ffff]),
            1 => self.pick(&[0x8000_0000, 0x7fff_ffff, 0xffff_ffff, 0x1_0000_0000, 0xffff_ffff_8000_0000]),
            2 => self.below(64),
            3 => (self.below(64) as i64 - 32) as u64,
            4 => self.next() & 0xffff_ffff,
            5 => self.next() as i32 as i64 as u64,
            _ => self.next(),
        }
    }
}
