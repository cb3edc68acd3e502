//! The one global: the runtime the embedder's exception vectors reach
//! (they call [`crate::trap`]'s free functions, which take no runtime),
//! and the embedder API that acts on it. Everything else is a
//! [`Runtime`] value.

use crate::handler::{Handlers, ProbeId};
use crate::probes::{AttachError, DetachError, ProbeStats};
use crate::runtime::{InitError, Runtime};
use crate::{Config, Platform};
use alloc::boxed::Box;
use core::sync::atomic::{AtomicPtr, Ordering};
use probec_arch::aarch64::decode::Decoded;

/// The installed runtime, or null. Every trap through the free entry
/// points starts by loading it: one pointer load, no `Once` state check.
static INSTALLED: AtomicPtr<Runtime> = AtomicPtr::new(core::ptr::null_mut());

/// The installed runtime, if any.
#[inline(always)]
pub fn installed() -> Option<&'static Runtime> {
    // SAFETY: INSTALLED is null or was set once, by `install`, from a
    // `&'static Runtime` (fully built before the Release store, never
    // moved or freed afterwards).
    unsafe { INSTALLED.load(Ordering::Acquire).as_ref() }
}

/// Make `rt` the runtime the free entry points ([`crate::trap::on_brk`],
/// [`attach`], ...) use. Once: a second call fails with
/// [`InitError::AlreadyInitialised`] and changes nothing.
pub fn install(rt: &'static Runtime) -> Result<(), InitError> {
    let ptr = rt as *const Runtime as *mut Runtime;
    INSTALLED
        .compare_exchange(core::ptr::null_mut(), ptr, Ordering::AcqRel, Ordering::Acquire)
        .map(|_| ())
        .map_err(|_| InitError::AlreadyInitialised)
}

/// Build a runtime ([`Runtime::new`]) and install it, once, before any
/// probe is attached.
pub fn init(platform: &'static dyn Platform, config: Config) -> Result<(), InitError> {
    // Refuse before building: a second runtime would rewrite the
    // trampoline of an area the first may be using.
    if installed().is_some() {
        return Err(InitError::AlreadyInitialised);
    }
    let rt: &'static Runtime = Box::leak(Box::new(Runtime::new(platform, config)?));
    install(rt)
}

/// [`Runtime::attach`] on the installed runtime.
pub fn attach(addr: usize, handlers: Handlers, cookie: usize) -> Result<ProbeId, AttachError> {
    installed().ok_or(AttachError::NotInitialised)?.attach(addr, handlers, cookie)
}

/// [`Runtime::detach`] on the installed runtime.
pub fn detach(id: ProbeId) -> Result<(), DetachError> {
    installed().ok_or(DetachError::NotInitialised)?.detach(id)
}

/// [`Runtime::stats`] on the installed runtime.
pub fn stats(id: ProbeId) -> Option<ProbeStats> {
    installed()?.stats(id)
}

/// [`Runtime::check`] on the installed runtime.
pub fn check(addr: usize) -> Result<Decoded, AttachError> {
    installed().ok_or(AttachError::NotInitialised)?.check(addr)
}

/// [`Runtime::memory_per_probe`] of the installed runtime (0 before
/// [`init`]).
pub fn memory_per_probe() -> usize {
    installed().map_or(0, Runtime::memory_per_probe)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::FakePlatform;
    use crate::{FrameContents, XolMode};

    /// The only test in this binary that installs a runtime.
    #[test]
    fn install_once_then_the_free_functions_use_it() {
        let p = FakePlatform::builder().build();
        let config = Config {
            xol_mode: XolMode::BrkAfterSlot,
            exec_area: p.exec_area(),
            max_probes: 4,
            return_instances_per_cpu: 2,
            frame: FrameContents::Full,
        };
        assert_eq!(attach(p.text_addr(0), Handlers::default(), 0), Err(AttachError::NotInitialised));
        assert_eq!(memory_per_probe(), 0);
        init(p, config).unwrap();
        assert_eq!(init(p, config), Err(InitError::AlreadyInitialised));
        let q = FakePlatform::builder().build();
        let other: &'static Runtime = Box::leak(Box::new(Runtime::new(q, Config { exec_area: q.exec_area(), ..config }).unwrap()));
        assert_eq!(install(other), Err(InitError::AlreadyInitialised));
        assert!(!core::ptr::eq(installed().unwrap(), other), "the first runtime stays installed");
        let id = attach(p.text_addr(0), Handlers::default(), 0).unwrap();
        assert_eq!(stats(id), Some(ProbeStats::default()));
        assert!(memory_per_probe() > 0);
        detach(id).unwrap();
    }
}
