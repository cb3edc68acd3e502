//! The hit path in boosted XOL mode, driven on the host.
mod common;

hit_path_tests!(probec_runtime::XolMode::Boost);

#[test]
fn boosted_slot_branches_back_without_a_second_exception() {
    common::cases::boosted_probe();
}
