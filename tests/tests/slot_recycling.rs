//! Counter slots of finished rings are recycled, so a process that creates rings without end
//! never runs the probe out of them, and every count stays exact across the recycling.

mod support;

use std::time::Duration;
use support::{observe_with, Observed};
use uringtop_probe::LoadOptions;
use uringtop_tests::test_name;
use uringtop_tests::workloads::{self, Expected};

/// Observes `workload` under a probe that retires counter slots idle for 0.3 s (and has
/// `counter_slots` of them, or the default), its counts exact.
fn observe_recycling<F>(test: &str, counter_slots: Option<u32>, workload: F) -> Option<Observed>
where
    F: FnOnce() -> anyhow::Result<Expected>,
{
    let options = LoadOptions {
        counter_slots,
        reclaim_idle: Some(Duration::from_millis(300)),
        ..LoadOptions::default()
    };
    let o = observe_with(test, false, &options, workload)?;
    o.assert_exact_counts();
    Some(o)
}

#[test]
fn a_process_churning_rings_never_runs_out_of_counter_slots() {
    // 300 rings, one after another, in a probe with room for 128 keys: without recycling, the
    // last ~170 rings would only be counted as lost updates.
    let Some(o) = observe_recycling(test_name!(), Some(128), || {
        workloads::ring_churn(300, 4, Duration::from_millis(20))
    }) else {
        return;
    };
    assert_eq!(o.report.lost_updates, 0, "every update found a slot");
    assert_eq!(o.ops()["NOP"].submitted, 1200);
    assert_eq!(o.process().rings.len(), 300);
}

#[test]
fn a_key_that_comes_back_in_a_new_slot_keeps_its_totals() {
    // 8 failing OPENATs, quiet long enough for the slot to be retired and freed (idle 0.3 s +
    // grace 1 s, read every 0.1 s), then 40 more: past the old values, so only the slot says
    // they restarted from zero.
    let Some(o) = observe_recycling(test_name!(), None, || {
        workloads::ring_pause_resume(8, Duration::from_millis(2500), 40)
    }) else {
        return;
    };
    assert_eq!(o.ops()["OPENAT"].errors["ENOENT"], 48);
    o.assert_latencies();
}
