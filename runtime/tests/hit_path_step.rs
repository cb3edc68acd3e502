//! The hit path in hardware single-step mode, driven on the host.
mod common;

hit_path_tests!(probec_runtime::XolMode::SingleStep);
