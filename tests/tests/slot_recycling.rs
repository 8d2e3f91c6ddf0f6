//! Counter slots of finished rings are recycled, so a process that creates rings without end
//! never runs the probe out of them, and every count stays exact across the recycling.

mod support;

use std::time::Duration;
use support::observe_with;
use uringtop_probe::LoadOptions;
use uringtop_tests::workloads;

#[test]
fn a_process_churning_rings_never_runs_out_of_counter_slots() {
    // 300 rings, one after another, in a probe with room for 128 keys: without recycling, the
    // last ~170 rings would only be counted as lost updates.
    let options = LoadOptions {
        counter_slots: Some(128),
        reclaim_idle: Some(Duration::from_millis(300)),
        ..LoadOptions::default()
    };
    let Some(o) = observe_with(
        "a_process_churning_rings_never_runs_out_of_counter_slots",
        false,
        &options,
        || workloads::ring_churn(300, 4, Duration::from_millis(20)),
    ) else {
        return;
    };
    o.assert_exact_counts();
    assert_eq!(o.report.lost_updates, 0, "every update found a slot");
    assert_eq!(o.ops()["NOP"].submitted, 1200);
    assert_eq!(o.process().rings.len(), 300);
}

#[test]
fn a_key_that_comes_back_in_a_new_slot_keeps_its_totals() {
    // 8 failing OPENATs, quiet long enough for the slot to be retired and freed (idle 0.3 s +
    // grace 1 s, read every 0.1 s), then 40 more: past the old values, so only the slot says
    // they restarted from zero.
    let options = LoadOptions {
        reclaim_idle: Some(Duration::from_millis(300)),
        ..LoadOptions::default()
    };
    let Some(o) = observe_with(
        "a_key_that_comes_back_in_a_new_slot_keeps_its_totals",
        false,
        &options,
        || workloads::ring_pause_resume(8, Duration::from_millis(2500), 40),
    ) else {
        return;
    };
    o.assert_exact_counts();
    assert_eq!(o.ops()["OPENAT"].errors["ENOENT"], 48);
    o.assert_latencies();
}
