//! The hit path driven on the host, in every XOL mode: hardware
//! single-step, BRK-after-slot and boosted. Each test builds a runtime of
//! its own, so one test binary covers every mode.
mod hit_path_support;

hit_path_tests!(step, probec_runtime::XolMode::SingleStep);
hit_path_tests!(brk, probec_runtime::XolMode::BrkAfterSlot);
hit_path_tests!(boost, probec_runtime::XolMode::Boost);

#[test]
fn boosted_slot_branches_back_without_a_second_exception() {
    hit_path_support::cases::boosted_probe();
}
