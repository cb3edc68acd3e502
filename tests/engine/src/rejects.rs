//! Attach must refuse what cannot be probed, say why, and leave the code
//! untouched.

use crate::report::Report;
use crate::snippets;
use crate::targets::target_add;
use crate::text;
use alloc::string::String;
use probec_runtime::{attach, detach, AttachError, Handlers};

fn refused(addr: usize, expect: fn(&AttachError) -> bool) -> Result<(), String> {
    let before = text::word(addr);
    match attach(addr, Handlers::default(), 0) {
        Ok(id) => {
            let _ = detach(id);
            Err(alloc::format!("attach at {addr:#x} (word {before:#010x}) succeeded"))
        }
        Err(e) => {
            ensure!(expect(&e), "refused with the wrong reason: {e}");
            ensure!(text::word(addr) == before, "the word changed although attach failed");
            Ok(())
        }
    }
}

fn rejected(e: &AttachError) -> bool {
    matches!(e, AttachError::Rejected(_))
}

/// Run the refusal tests.
pub fn run(report: &mut Report) {
    // Only label addresses are taken: no unsafe access.
    let label = |p: *const u32| p as usize;
    {
        report.check("reject ldxr", refused(label(core::ptr::addr_of!(snippets::reject_ldxr)), rejected));
        report.check(
            "reject inside ldxr..stxr",
            refused(label(core::ptr::addr_of!(snippets::reject_in_exclusive)), |e| *e == AttachError::InsideExclusiveSequence),
        );
        report.check("reject svc", refused(label(core::ptr::addr_of!(snippets::reject_svc)), rejected));
        report.check("reject msr", refused(label(core::ptr::addr_of!(snippets::reject_msr)), rejected));
        report.check("reject eret", refused(label(core::ptr::addr_of!(snippets::reject_eret)), rejected));
        report.check("reject retaa", refused(label(core::ptr::addr_of!(snippets::reject_retaa)), rejected));
        report.check("reject autiasp", refused(label(core::ptr::addr_of!(snippets::reject_autiasp)), rejected));
        report.check(
            "reject foreign brk",
            refused(label(core::ptr::addr_of!(snippets::reject_brk)), |e| *e == AttachError::ForeignBreakpoint),
        );
    }
    let add = target_add as extern "C" fn(u64, u64) -> u64 as usize;
    report.check("reject misaligned", refused(add + 2, |e| *e == AttachError::Misaligned));
    let on_stack = 0u32;
    report.check("reject non-text address", refused(core::ptr::addr_of!(on_stack) as usize, |e| *e == AttachError::NotPatchable));
    let twice = (|| -> Result<(), String> {
        let id = attach(add, Handlers::default(), 0).map_err(|e| alloc::format!("first attach: {e}"))?;
        let second = attach(add, Handlers::default(), 0);
        detach(id).map_err(|e| alloc::format!("detach: {e}"))?;
        ensure!(second.err() == Some(AttachError::AlreadyProbed), "second attach: {second:?}");
        Ok(())
    })();
    report.check("reject second probe at one address", twice);
}
