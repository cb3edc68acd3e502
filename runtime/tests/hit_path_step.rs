//! The hit path in hardware single-step mode, driven on the host.
mod common;

use probec_runtime::XolMode;

const MODE: XolMode = XolMode::SingleStep;

#[test]
fn xol_probe_runs_handlers_around_the_slot() {
    common::cases::xol_probe(MODE);
}

#[test]
fn simulated_probe_never_enters_a_slot() {
    common::cases::simulated_probe(MODE);
}

#[test]
fn return_probe_restores_the_return_address() {
    common::cases::return_probe(MODE);
}

#[test]
fn hit_inside_a_handler_is_missed_not_recursed() {
    common::cases::nested_hit(MODE);
}

#[test]
fn foreign_and_vanished_breakpoints() {
    common::cases::foreign_and_vanished(MODE);
}

#[test]
fn fault_in_slot_rewinds_to_the_probed_address() {
    common::cases::fault_in_slot(MODE);
}
