//! The target: AArch64, bare metal, ARMv8.0 baseline plus opt-in features.

use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};

/// Optional CPU features (`--target-features +lse,+bti,+pac`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Features {
    /// LSE atomics (LDADD, LDUMAX, ...) instead of LL/SC loops.
    pub lse: bool,
    /// BTI landing pads at function entries.
    pub bti: bool,
    /// PAC return-address signing (PACIASP/AUTIASP).
    pub pac: bool,
}

impl Features {
    /// Parse a comma-separated list such as `+lse,+bti` (`-x` turns one off).
    pub fn parse(list: &str) -> Result<Features, String> {
        let mut f = Features::default();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (on, name) = match item.as_bytes()[0] {
                b'+' => (true, &item[1..]),
                b'-' => (false, &item[1..]),
                _ => (true, item),
            };
            match name {
                "lse" => f.lse = on,
                "bti" => f.bti = on,
                "pac" | "pauth" => f.pac = on,
                other => return Err(format!("unknown target feature `{other}` (known: lse, bti, pac)")),
            }
        }
        Ok(f)
    }

    /// The `abi::FEATURE_*` bits.
    pub fn bits(self) -> u32 {
        use probec_abi::{FEATURE_BTI, FEATURE_LSE, FEATURE_PAC};
        (if self.lse { FEATURE_LSE } else { 0 }) | (if self.bti { FEATURE_BTI } else { 0 }) | (if self.pac { FEATURE_PAC } else { 0 })
    }
}

/// Build the Cranelift ISA for `aarch64-unknown-none-elf` with `features`.
pub fn target(features: Features) -> Result<OwnedTargetIsa, String> {
    let mut flags = settings::builder();
    let set = |b: &mut settings::Builder, k: &str, v: &str| b.set(k, v).map_err(|e| format!("cranelift setting {k}: {e}"));
    set(&mut flags, "opt_level", "speed")?;
    // Non-PIC: calls to helpers load the absolute address from a literal
    // (R_AARCH64_ABS64), which any loader can resolve.
    set(&mut flags, "is_pic", "false")?;
    set(&mut flags, "enable_verifier", if cfg!(debug_assertions) { "true" } else { "false" })?;
    let mut builder = isa::lookup_by_name("aarch64-unknown-none-elf").map_err(|e| format!("no aarch64 backend: {e}"))?;
    let b = |v: bool| if v { "true" } else { "false" };
    builder.set("has_lse", b(features.lse)).map_err(|e| e.to_string())?;
    builder.set("use_bti", b(features.bti)).map_err(|e| e.to_string())?;
    builder.set("sign_return_address", b(features.pac)).map_err(|e| e.to_string())?;
    builder.finish(settings::Flags::new(flags)).map_err(|e| e.to_string())
}
