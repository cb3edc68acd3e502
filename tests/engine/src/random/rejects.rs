//! Refusals: for each reason the decoder rejects instructions for, random
//! encodings of that kind are written into a slot; `attach` must refuse
//! with exactly the decoder's reason and leave the word untouched. Then
//! random 32-bit words: attach must agree with the decoder (refuse with
//! its reason, or attach, plant the BRK and restore the word on detach).
//! Nothing here is executed. Last, the LDXR..STXR scan: a load-exclusive
//! up to 16 words before the probe point refuses attach, a store-exclusive
//! or CLREX after it does not.

use super::page::Page;
use super::rng::Rng;
use alloc::collections::BTreeMap;
use probec_runtime::arch::aarch64::brk;
use probec_runtime::arch::aarch64::decode::{decode, Decoded, RejectReason};
use probec_runtime::{attach, detach, AttachError, Handlers, Platform};

/// Totals.
pub struct Totals {
    /// Words checked.
    pub words: u64,
    /// Distinct reasons seen.
    pub reasons: usize,
    /// Words attach handled wrongly.
    pub failures: u64,
}

/// `MRS Xt, <op0, op1, CRn, CRm, op2>`.
const fn mrs(op0: u32, op1: u32, crn: u32, crm: u32, op2: u32) -> u32 {
    0xd530_0000 | (op0 - 2) << 19 | op1 << 16 | crn << 12 | crm << 8 | op2 << 5
}

const HINTS_KNOWN: &[u32] =
    &[0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 17, 18, 19, 20, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 34, 36, 38, 40];

/// A random encoding the decoder must reject for `reason`.
fn sample(rng: &mut Rng, reason: RejectReason) -> Option<u32> {
    use RejectReason as R;
    let w = match reason {
        R::Exclusive => {
            let w = 0x0800_0000 | (rng.u32() & 0xc07f_ffff);
            if w & (1 << 21) != 0 && w >> 31 == 0 {
                return None; // CASP
            }
            w
        }
        R::ExceptionGenerating => {
            let imm = rng.bits(16) << 5;
            rng.pick(&[0xd400_0001, 0xd400_0002, 0xd400_0003, 0xd440_0000, 0xd4a0_0001, 0xd4a0_0002, 0xd4a0_0003]) | imm
        }
        R::PermanentlyUndefined => rng.bits(16),
        R::ExceptionReturn => rng.pick(&[0xd69f_03e0, 0xd69f_0bff, 0xd69f_0fff, 0xd6bf_03e0]),
        R::SystemRegisterWrite => {
            if rng.bool() {
                0xd510_0000 | rng.bits(20)
            } else {
                let (op1, crm, op2) = (rng.bits(3), rng.bits(4), rng.bits(3));
                if (op1 == 0 && op2 <= 2 && crm == 0) || (op1 == 3 && op2 == 3) {
                    return None;
                }
                0xd500_401f | op1 << 16 | crm << 8 | op2 << 5
            }
        }
        R::ExceptionStateRead => {
            let op1 = rng.pick(&[0, 4, 6]);
            let reg =
                rng.pick(&[mrs(3, op1, 4, 0, 0), mrs(3, op1, 4, 0, 1), mrs(3, op1, 5, 2, 0), mrs(3, op1, 6, 0, 0), mrs(2, 0, 0, 2, 2)]);
            reg | rng.reg31()
        }
        R::AuthenticatedBranch => {
            let key = rng.bits(1) << 10;
            match rng.below(3) {
                0 => rng.pick(&[0xd71f_0800, 0xd73f_0800]) | key | rng.reg31() << 5 | rng.reg31(),
                1 => rng.pick(&[0xd61f_081f, 0xd63f_081f]) | key | rng.reg31() << 5,
                _ => 0xd65f_0bff | key,
            }
        }
        R::Authentication => match rng.below(3) {
            0 => 0xd503_201f | rng.pick(&[12, 14, 28, 29, 30, 31]) << 5,
            1 => 0xdac1_1000 | rng.bits(2) << 10 | rng.reg31() << 5 | rng.reg31(),
            _ => 0xdac1_3000 | rng.bits(2) << 10 | 31 << 5 | rng.reg31(),
        },
        R::MemoryCopySet => 0x1900_0400 | (rng.u32() & (1 << 26 | 3 << 22 | 0x1f << 16 | 0xf << 12 | 0x3ff)),
        R::WaitForInterrupt => match rng.below(3) {
            0 => 0xd503_205f,
            1 => 0xd503_207f,
            _ => 0xd503_1000 | rng.bits(1) << 5 | rng.reg31(),
        },
        R::ErrorSynchronization => 0xd503_221f,
        R::Transactional => match rng.below(3) {
            0 => 0xd523_3060 | rng.bits(1) << 8 | rng.reg31(),
            1 => 0xd503_307f,
            _ => 0xd460_0000 | rng.bits(16) << 5,
        },
        R::ScalableVector => {
            if rng.bool() {
                (rng.u32() & !(0xf << 25)) | 0b0010 << 25
            } else {
                (rng.u32() & !(0xf << 25)) | 1 << 31
            }
        }
        R::UnknownSystemInstruction => {
            if rng.bool() {
                let crn = rng.bits(4);
                if (7..=9).contains(&crn) {
                    return None;
                }
                0xd508_0000 | rng.bits(3) << 16 | crn << 12 | rng.bits(4) << 8 | rng.bits(3) << 5 | rng.reg31()
            } else {
                0xd528_0000 | rng.bits(19)
            }
        }
        R::UnknownHint => {
            let h = rng.bits(7);
            if HINTS_KNOWN.contains(&h) {
                return None;
            }
            0xd503_201f | h << 5
        }
        R::Unknown => (rng.u32() & !(0xf << 25)) | rng.pick(&[0b0001, 0b0011]) << 25,
        R::InsideExclusiveSequence => return None,
    };
    Some(w)
}

const REASONS: &[RejectReason] = &[
    RejectReason::Exclusive,
    RejectReason::ExceptionGenerating,
    RejectReason::PermanentlyUndefined,
    RejectReason::ExceptionReturn,
    RejectReason::SystemRegisterWrite,
    RejectReason::ExceptionStateRead,
    RejectReason::AuthenticatedBranch,
    RejectReason::Authentication,
    RejectReason::MemoryCopySet,
    RejectReason::WaitForInterrupt,
    RejectReason::ErrorSynchronization,
    RejectReason::Transactional,
    RejectReason::ScalableVector,
    RejectReason::UnknownSystemInstruction,
    RejectReason::UnknownHint,
    RejectReason::Unknown,
];

/// Why `attach` at `addr` holding `word` is wrong, if it is.
fn check_word(page: &mut Page, word: u32) -> Option<alloc::string::String> {
    let addr = page.slot(0);
    page.set_slot(0, word);
    let decoded = decode(word);
    let result = attach(addr, Handlers::default(), 0);
    // SAFETY: the slot is mapped text.
    let now = unsafe { core::ptr::read_volatile(addr as *const u32) };
    match (decoded, result) {
        (_, Err(AttachError::ForeignBreakpoint)) if brk::brk_imm(word).is_some() => {
            (now != word).then(|| alloc::format!("word changed to {now:#010x}"))
        }
        (Decoded::Reject(reason), Err(AttachError::Rejected(r))) if r == reason && brk::brk_imm(word).is_none() => {
            (now != word).then(|| alloc::format!("word changed to {now:#010x}"))
        }
        (Decoded::Reject(reason), Err(e)) => Some(alloc::format!("refused with \"{e}\", decoder says {}", reason.name())),
        (Decoded::Reject(reason), Ok(id)) => {
            let _ = detach(id);
            Some(alloc::format!("attach succeeded on a word the decoder rejects ({})", reason.name()))
        }
        (_, Err(e)) => Some(alloc::format!("attach refused an accepted word ({decoded:?}): {e}")),
        (_, Ok(id)) => {
            let armed = now == brk::brk(brk::PROBE_IMM);
            let detached = detach(id);
            // SAFETY: as above.
            let back = unsafe { core::ptr::read_volatile(addr as *const u32) };
            if !armed || detached.is_err() || back != word {
                Some(alloc::format!("armed {armed}, detach {detached:?}, word after {back:#010x}"))
            } else {
                None
            }
        }
    }
}

/// The LDXR..STXR scan with a load-exclusive `back` words before slot A.
fn exclusive_scan(page: &mut Page, rng: &mut Rng) -> (bool, Option<alloc::string::String>) {
    let addr = page.slot(0);
    page.set_slot(0, 0x9100_0400); // add x0, x0, #1
    let back = 1 + rng.below(16) as usize;
    let at = addr - 4 * back;
    let size = rng.pick(&[2u32, 3]);
    let ldxr = size << 30 | 0x085f_7c00 | rng.bits(1) << 15 | rng.reg31() << 5 | rng.reg31();
    let closed = back >= 2 && rng.bool();
    let mut saved = alloc::vec::Vec::new();
    saved.push((at, page.poke(at, ldxr)));
    if closed {
        // A store-exclusive (or CLREX) between the LDXR and the probe.
        let close = if rng.bool() { size << 30 | 0x0800_7c00 | rng.reg31() << 16 | rng.reg31() << 5 | rng.reg31() } else { 0xd503_305f };
        let c = at + 4 * rng.range(1, back as i64 - 1) as usize;
        saved.push((c, page.poke(c, close)));
    }
    let result = attach(addr, Handlers::default(), 0);
    let why = match (closed, result) {
        (false, Err(AttachError::InsideExclusiveSequence)) => None,
        (true, Ok(id)) => {
            let _ = detach(id);
            None
        }
        (false, r) => Some(alloc::format!("LDXR {back} words before: attach gave {:?}", r.map(|_| ()))),
        (true, r) => Some(alloc::format!("closed LDXR..STXR {back} words before: attach gave {:?}", r.map(|_| ()))),
    };
    for (a, w) in saved.into_iter().rev() {
        page.poke(a, w);
    }
    (closed, why)
}

/// Run the refusal checks: `n` samples per reason, `8 * n` random words.
pub fn run(page: &mut Page, platform: &dyn Platform, seed: u64, n: u64) -> Totals {
    let mut rng = Rng::new(seed ^ 0x7e1e_c7ed);
    let mut totals = Totals { words: 0, reasons: 0, failures: 0 };
    let mut seen: BTreeMap<&'static str, u64> = BTreeMap::new();
    let report = |what: &str, word: u32, why: &str| {
        platform.console_write(&alloc::format!("REJECT FAILURE {what}: word {word:#010x}: {why}\n"));
    };
    for &reason in REASONS {
        let mut done = 0;
        let mut tries = 0;
        while done < n && tries < 20 * n {
            tries += 1;
            let Some(word) = sample(&mut rng, reason) else { continue };
            done += 1;
            totals.words += 1;
            let decoded = decode(word);
            if decoded != Decoded::Reject(reason) && brk::brk_imm(word).is_none() {
                totals.failures += 1;
                report(reason.name(), word, &alloc::format!("decoder says {decoded:?}"));
                continue;
            }
            *seen.entry(reason.name()).or_default() += 1;
            if let Some(why) = check_word(page, word) {
                totals.failures += 1;
                report(reason.name(), word, &why);
            }
        }
    }
    for _ in 0..n {
        let (closed, why) = exclusive_scan(page, &mut rng);
        totals.words += 1;
        if !closed {
            *seen.entry(RejectReason::InsideExclusiveSequence.name()).or_default() += 1;
        }
        if let Some(why) = why {
            totals.failures += 1;
            report("inside-exclusive-sequence", 0, &why);
        }
    }
    let (mut xol, mut sim, mut rej) = (0u64, 0u64, 0u64);
    for _ in 0..8 * n {
        let word = rng.u32();
        totals.words += 1;
        match decode(word) {
            Decoded::Xol => xol += 1,
            Decoded::Simulate(_) => sim += 1,
            Decoded::Reject(r) => {
                rej += 1;
                *seen.entry(r.name()).or_default() += 1;
            }
        }
        if let Some(why) = check_word(page, word) {
            totals.failures += 1;
            report("random word", word, &why);
        }
    }
    page.set_slot(0, super::page::NOP);
    totals.reasons = seen.len();
    let mut line = alloc::format!("differential rejects: random words {xol} xol, {sim} simulated, {rej} rejected; by reason:");
    for (name, count) in &seen {
        line += &alloc::format!(" {name}={count}");
    }
    line.push('\n');
    platform.console_write(&line);
    totals
}
