//! Script maps: fixed-capacity hash tables that probe handlers on any CPU
//! update concurrently, without locks and without allocating.
//!
//! Layout: an open-addressing table of `slots` (a power of two, twice the
//! capacity) holds each key and a one-word slot state; values live in a
//! separate pool of `capacity` value slots, handed out by a bump counter.
//! A slot's state word packs the state in bits 0..2 and the value index
//! above:
//!
//! ```text
//! EMPTY ─CAS─▶ BUSY ─(key written, value zeroed)─store Release─▶ LIVE ◀─▶ DELETED
//! ```
//! Once a slot holds a key it keeps that key (and its value index) until
//! `clear()`: `delete` only marks it DELETED, and re-creating the same key
//! revives the same slot. So a key can never be in two slots, and readers
//! never see a half-written key: they Acquire the state, and a CPU that
//! finds a slot BUSY waits for the owner (another CPU, interrupts masked,
//! copying one key) to publish it. That wait is bounded: past a large spin
//! count the operation gives up and counts an error rather than hang.
//!
//! The cost of never moving keys: a deleted key keeps its value slot until
//! `clear()`, so `capacity` bounds the keys created since the last clear.
//! Creating a key beyond it is dropped and counted (reported at unload).
//! `clear()` and `zero()` racing with updates on other CPUs may lose or
//! misattribute those updates (as in bpftrace, where they are not atomic
//! either), but every access stays inside the map's own memory.
//!
//! Aggregations need no per-CPU merge: compiled code updates value slots
//! with atomic read-modify-write instructions (see `abi::map_kind`).

use crate::spec::MapSpec;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

const EMPTY: u64 = 0;
const BUSY: u64 = 1;
const LIVE: u64 = 2;
const DELETED: u64 = 3;
const STATE_MASK: u64 = 3;
/// Spins on a BUSY slot before giving up (far more than copying a key).
const MAX_SPINS: u32 = 1 << 22;

/// Memory a map with `spec` needs, in bytes (for the loader's budget).
pub fn footprint(spec: &MapSpec) -> u64 {
    let slots = slot_count(spec.capacity) as u64;
    slots * (8 + u64::from(spec.key_size)) + u64::from(spec.capacity) * u64::from(spec.value_size)
}

fn slot_count(capacity: u32) -> usize {
    (capacity as usize).next_power_of_two().max(1) * 2
}

/// `words` zeroed atomics, or `None` if memory runs out. Zeroed pages from
/// the allocator: filling large maps element by element is needlessly slow.
pub(crate) fn zeroed(words: usize) -> Option<Box<[AtomicU64]>> {
    if words == 0 {
        return Some(Box::new([]));
    }
    let layout = core::alloc::Layout::array::<AtomicU64>(words).ok()?;
    // SAFETY: non-zero size; an all-zero AtomicU64 is a valid 0.
    let ptr = unsafe { alloc::alloc::alloc_zeroed(layout) } as *mut AtomicU64;
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` is a fresh allocation of `words` initialised elements
    // with the layout Box<[AtomicU64]> uses.
    Some(unsafe { Box::from_raw(core::ptr::slice_from_raw_parts_mut(ptr, words)) })
}

/// One map's storage and counters.
pub struct Map {
    key_words: usize,
    value_words: usize,
    capacity: u32,
    mask: usize,
    states: Box<[AtomicU64]>,
    keys: Box<[AtomicU64]>,
    values: Box<[AtomicU64]>,
    used: AtomicU32,
    dropped: AtomicU64,
    errors: AtomicU64,
}

/// A copy of one entry, taken when printing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Key bytes (`key_size`).
    pub key: Vec<u8>,
    /// Value bytes (`value_size`).
    pub value: Vec<u8>,
}

impl Map {
    /// Allocate an empty map for `spec`; `None` if memory runs out. Sizes
    /// are multiples of 8 (checked by the loader).
    pub fn new(spec: &MapSpec) -> Option<Self> {
        let slots = slot_count(spec.capacity);
        let key_words = spec.key_size as usize / 8;
        let value_words = spec.value_size as usize / 8;
        Some(Map {
            key_words,
            value_words,
            capacity: spec.capacity,
            mask: slots - 1,
            states: zeroed(slots)?,
            keys: zeroed(slots.checked_mul(key_words)?)?,
            values: zeroed((spec.capacity as usize).checked_mul(value_words)?)?,
            used: AtomicU32::new(0),
            dropped: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        })
    }

    /// New keys dropped because the map was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Operations abandoned (a slot stayed BUSY too long, a null key).
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Maximum number of keys.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    fn key_word(key: *const u8, i: usize) -> u64 {
        // SAFETY: callers pass a key of `key_words * 8` readable bytes.
        unsafe { core::ptr::read_unaligned(key.add(8 * i) as *const u64) }
    }

    fn hash(&self, key: *const u8) -> usize {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for i in 0..self.key_words {
            h ^= Self::key_word(key, i);
            h = h.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            h ^= h >> 29;
        }
        h as usize
    }

    fn key_matches(&self, slot: usize, key: *const u8) -> bool {
        let stored = &self.keys[slot * self.key_words..(slot + 1) * self.key_words];
        stored.iter().enumerate().all(|(i, w)| w.load(Ordering::Relaxed) == Self::key_word(key, i))
    }

    fn value_ptr(&self, index: u64) -> *mut u8 {
        match self.values.get(index as usize * self.value_words) {
            Some(v) if (index as u32) < self.capacity => v.as_ptr() as *mut u8,
            _ => core::ptr::null_mut(),
        }
    }

    fn zero_value(&self, index: u64) {
        let start = index as usize * self.value_words;
        if let Some(words) = self.values.get(start..start + self.value_words) {
            for w in words {
                w.store(0, Ordering::Relaxed);
            }
        }
    }

    /// The state of `slot` once it is not BUSY, or `None` if it stays BUSY.
    fn settled(&self, slot: usize) -> Option<u64> {
        for _ in 0..MAX_SPINS {
            let s = self.states[slot].load(Ordering::Acquire);
            if s & STATE_MASK != BUSY {
                return Some(s);
            }
            core::hint::spin_loop();
        }
        None
    }

    /// Check the key pointer: keyed maps need one.
    fn key_ok(&self, key: *const u8) -> bool {
        self.key_words == 0 || !key.is_null()
    }

    /// The value slot for `key`, created zeroed if absent; null if the map
    /// is full (counted) or the operation had to be abandoned (counted).
    ///
    /// # Safety
    /// `key` points to `key_size` readable bytes (ignored for maps without
    /// keys).
    pub unsafe fn lookup(&self, key: *const u8) -> *mut u8 {
        if self.key_words == 0 {
            // A map without keys (`@c = count()`) has one entry, always at
            // the empty key's home slot once created: skip hashing and
            // probing on every hit but the first.
            let slot = self.hash(key) & self.mask;
            let s = self.states[slot].load(Ordering::Acquire);
            if s & STATE_MASK == LIVE {
                return self.value_ptr(s >> 2);
            }
        }
        if !self.key_ok(key) {
            self.errors.fetch_add(1, Ordering::Relaxed);
            return core::ptr::null_mut();
        }
        let start = self.hash(key);
        let mut probe = 0;
        while probe <= self.mask {
            let slot = (start + probe) & self.mask;
            let Some(s) = self.settled(slot) else { break };
            match s & STATE_MASK {
                EMPTY => {
                    if self.states[slot].compare_exchange(EMPTY, BUSY, Ordering::Acquire, Ordering::Relaxed).is_err() {
                        continue; // someone claimed it: look again
                    }
                    return self.create(slot, key);
                }
                LIVE if self.key_matches(slot, key) => return self.value_ptr(s >> 2),
                DELETED if self.key_matches(slot, key) => {
                    let busy = (s & !STATE_MASK) | BUSY;
                    if self.states[slot].compare_exchange(s, busy, Ordering::Acquire, Ordering::Relaxed).is_err() {
                        continue;
                    }
                    self.zero_value(s >> 2);
                    self.states[slot].store((s & !STATE_MASK) | LIVE, Ordering::Release);
                    return self.value_ptr(s >> 2);
                }
                _ => probe += 1,
            }
        }
        self.errors.fetch_add(1, Ordering::Relaxed);
        core::ptr::null_mut()
    }

    /// Fill the BUSY `slot` with `key` and a fresh zeroed value.
    fn create(&self, slot: usize, key: *const u8) -> *mut u8 {
        // Reserve a value slot; never overshoot (a concurrent clear() must
        // not see a counter beyond the capacity, let alone wrap it).
        let reserved = self.used.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| (u < self.capacity).then_some(u + 1));
        let Ok(index) = reserved else {
            self.states[slot].store(EMPTY, Ordering::Release);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return core::ptr::null_mut();
        };
        for (i, w) in self.keys[slot * self.key_words..(slot + 1) * self.key_words].iter().enumerate() {
            w.store(Self::key_word(key, i), Ordering::Relaxed);
        }
        self.zero_value(u64::from(index));
        // Release: the key and the zeroed value are visible before LIVE.
        self.states[slot].store((u64::from(index) << 2) | LIVE, Ordering::Release);
        self.value_ptr(u64::from(index))
    }

    /// The slot holding `key` (LIVE or DELETED) and its state word.
    fn find_slot(&self, key: *const u8) -> Option<(usize, u64)> {
        if !self.key_ok(key) {
            return None;
        }
        let start = self.hash(key);
        for probe in 0..=self.mask {
            let slot = (start + probe) & self.mask;
            let s = self.settled(slot)?;
            match s & STATE_MASK {
                EMPTY => return None,
                LIVE | DELETED if self.key_matches(slot, key) => return Some((slot, s)),
                _ => {}
            }
        }
        None
    }

    /// The value slot for `key`, or null if absent. Never creates.
    ///
    /// # Safety
    /// As for [`Map::lookup`].
    pub unsafe fn find(&self, key: *const u8) -> *mut u8 {
        match self.find_slot(key) {
            Some((_, s)) if s & STATE_MASK == LIVE => self.value_ptr(s >> 2),
            _ => core::ptr::null_mut(),
        }
    }

    /// Remove `key` (it keeps its slot as DELETED; see the module docs).
    ///
    /// # Safety
    /// As for [`Map::lookup`].
    pub unsafe fn delete(&self, key: *const u8) {
        if let Some((slot, s)) = self.find_slot(key) {
            if s & STATE_MASK == LIVE {
                let _ = self.states[slot].compare_exchange(s, (s & !STATE_MASK) | DELETED, Ordering::AcqRel, Ordering::Relaxed);
            }
        }
    }

    /// Remove every key and give back every value slot.
    pub fn clear(&self) {
        for s in self.states.iter() {
            s.store(EMPTY, Ordering::Release);
        }
        self.used.store(0, Ordering::Release);
    }

    /// Set every value to zero, keeping the keys.
    pub fn zero(&self) {
        for s in self.states.iter() {
            let s = s.load(Ordering::Acquire);
            if s & STATE_MASK == LIVE {
                self.zero_value(s >> 2);
            }
        }
    }

    /// Copies of every live entry, in slot order.
    pub fn entries(&self) -> Vec<Entry> {
        let mut out = Vec::new();
        for (slot, state) in self.states.iter().enumerate() {
            let s = state.load(Ordering::Acquire);
            if s & STATE_MASK != LIVE {
                continue;
            }
            let key = self.keys[slot * self.key_words..(slot + 1) * self.key_words]
                .iter()
                .flat_map(|w| w.load(Ordering::Relaxed).to_le_bytes())
                .collect();
            let start = (s >> 2) as usize * self.value_words;
            let Some(words) = self.values.get(start..start + self.value_words) else { continue };
            let value = words.iter().flat_map(|w| w.load(Ordering::Relaxed).to_le_bytes()).collect();
            out.push(Entry { key, value });
        }
        out
    }

    /// Whether the map has no live entry.
    pub fn is_empty(&self) -> bool {
        self.states.iter().all(|s| s.load(Ordering::Acquire) & STATE_MASK != LIVE)
    }
}
