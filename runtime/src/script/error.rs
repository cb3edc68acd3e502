//! Why loading or unloading a script failed. The object's own faults are
//! the loader's [`ObjectError`]; this adds what only the target can refuse.

use alloc::string::String;
use core::fmt;
use probec_engine::AttachError;
use probec_loader::ObjectError;

/// Why [`super::load`] refused an object. Nothing of the object stays in
/// the target when this is returned: no probe armed, no memory kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// [`crate::init`] has not run (no platform, no probe table).
    NotInitialised,
    /// `load`/`unload` was called from inside a probe handler.
    InHandler,
    /// No executable memory for handler code: the embedder did not call
    /// [`super::set_code_area`] (and gave no native handlers).
    NoCodeArea,
    /// The object is malformed, unsupported, needs what the embedder does
    /// not provide, or names probe points its symbol table does not have.
    Object(ObjectError),
    /// A probe point cannot be armed (the engine's reason).
    Attach {
        /// The probe as written.
        probe: String,
        /// The resolved target (`symbol+0x8` or an address).
        target: String,
        /// The address.
        addr: usize,
        /// Why the engine refused it.
        reason: AttachError,
    },
}

impl From<ObjectError> for LoadError {
    fn from(e: ObjectError) -> Self {
        LoadError::Object(e)
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotInitialised => f.write_str("the probe runtime is not initialised (call probec_runtime::init first)"),
            LoadError::InHandler => f.write_str("scripts cannot be loaded or unloaded from inside a probe handler"),
            LoadError::NoCodeArea => {
                f.write_str("no executable memory for handler code (the embedder must call probec_runtime::script::set_code_area)")
            }
            LoadError::Object(e) => e.fmt(f),
            LoadError::Attach { probe, target, addr, reason } => {
                write!(f, "{probe}: cannot probe {target} ({addr:#x}): {reason}")
            }
        }
    }
}

/// Why [`super::unload`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnloadError {
    /// No script with this id is loaded.
    NotLoaded,
    /// Called from inside a probe handler.
    InHandler,
    /// Everything was detached and freed, but writing the final output
    /// failed.
    Output,
}

impl fmt::Display for UnloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnloadError::NotLoaded => "no such script is loaded",
            UnloadError::InHandler => "scripts cannot be loaded or unloaded from inside a probe handler",
            UnloadError::Output => "the script was unloaded, but writing its final output failed",
        })
    }
}
