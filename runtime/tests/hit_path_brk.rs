//! The hit path in BRK-after-slot mode, driven on the host.
mod common;

hit_path_tests!(probec_runtime::XolMode::BrkAfterSlot);
