//! Exact counts where a probe that pairs each CQE with one submission goes wrong: requests that
//! post several CQEs (multishot ACCEPT and RECV), CQEs no request posts (MSG_RING's on its
//! target), flags the kernel sets by itself, and churn of rings and processes past the probe's
//! counter slots.

mod support;

use std::io::Write;
use std::sync::{RwLock, RwLockReadGuard};

use support::{observe, observe_counts, observe_with};
use uringtop_common::input::OTHER_RINGS;
use uringtop_common::names;
use uringtop_common::report::Report;
use uringtop_probe::support::Feature;
use uringtop_probe::LoadOptions;
use uringtop_tests::kernel;
use uringtop_tests::test_name;
use uringtop_tests::workloads;

/// The fallback test shrinks the probe's key slots to 16 and its fallback rows to 1, which any
/// other io_uring user can take first (the 500 processes of the churn test beside it, or tests
/// running elsewhere on the machine): its own process then had no row at all, only pid 0's
/// opcode rows (seen once in CI). Within this file it runs alone (it takes `SLOT_USERS` for
/// writing); every other test holds it for reading while it runs.
static SLOT_USERS: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    SLOT_USERS.read().unwrap_or_else(|e| e.into_inner())
}

/// The records of one opcode, in arrival order.
fn records_of<'a>(o: &'a support::Observed, op: &str) -> Vec<&'a uringtop_common::input::Request> {
    o.requests
        .iter()
        .filter(|r| names::opcode_name(r.opcode) == op)
        .collect()
}

/// Every CQE of a multishot request is its own record, numbered from 1, the last without F_MORE.
fn assert_numbered(o: &support::Observed, op: &str, cqes: u32) {
    let records = records_of(o, op);
    let numbers: Vec<u32> = records.iter().map(|r| r.cqe_index).collect();
    assert_eq!(numbers, (1..=cqes).collect::<Vec<_>>(), "{op} records");
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.user_data, workloads::MULTISHOT_UD);
        let more = r.cflags & names::CQE_F_MORE != 0;
        assert_eq!(more, i + 1 < records.len(), "F_MORE of CQE {}", i + 1);
    }
    assert_eq!(o.report.lost_records, 0);
}

/// Observes `workload`, a multishot request of `op` that posts `cqes` CQEs, on kernels whose
/// io_uring has `feature` (since Linux `since`): its counts exact, each CQE completed and
/// streamed as a record of its own. None where the test does not run.
fn observe_multishot<F>(
    test: &str,
    (feature, since): (&str, (u32, u32)),
    (op, cqes): (&str, u32),
    workload: F,
) -> Option<support::Observed>
where
    F: FnOnce() -> anyhow::Result<workloads::Expected>,
{
    if !kernel::has(test, feature, since) {
        return None;
    }
    let o = observe(test, true, workload)?;
    o.assert_exact_counts();
    assert_eq!(o.ops()[op].completed, u64::from(cqes));
    assert_numbered(&o, op, cqes);
    Some(o)
}

#[test]
fn a_multishot_accept_counts_every_connection() {
    let _slots = shared();
    let Some(o) = observe_multishot(
        test_name!(),
        ("multishot ACCEPT", (5, 19)),
        ("ACCEPT", 301),
        || workloads::multishot_accept(300),
    ) else {
        return;
    };
    assert_eq!(o.report.lost_updates, 0);
}

#[test]
fn a_multishot_recv_with_provided_buffers_counts_every_message() {
    let _slots = shared();
    observe_multishot(
        test_name!(),
        ("multishot RECV", (6, 0)),
        ("RECV", 201),
        || workloads::multishot_recv(200),
    );
}

#[test]
fn msg_ring_cqes_count_on_the_target_ring() {
    let _slots = shared();
    if !kernel::has(test_name!(), "IORING_OP_MSG_RING", (5, 18)) {
        return;
    }
    let Some(o) = observe(test_name!(), true, || workloads::msg_ring(50)) else {
        return;
    };
    o.assert_exact_counts();
    // Each ring's completed equals the CQEs it posted: 50 on each.
    let rings = &o.process().rings;
    assert_eq!(rings.len(), 2, "{rings:#?}");
    for ring in rings {
        let completed: u64 = ring.ops.iter().map(|op| op.completed).sum();
        assert_eq!(completed, 50, "ring {:?}", ring.ring);
        assert_eq!(ring.ops.len(), 1, "one opcode per ring: {ring:#?}");
    }
    let aux = records_of(&o, "AUX_CQE");
    assert_eq!(aux.len(), 50);
    for (i, r) in aux.iter().enumerate() {
        assert_eq!(r.user_data, workloads::MSG_RING_UD + i as u64);
        assert_eq!(r.res, i as i32);
    }
}

#[test]
fn flags_are_the_programs_not_the_kernels() {
    let _slots = shared();
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().to_path_buf();
    let Some(o) = observe(test_name!(), true, move || workloads::forced_async(&dir, 5)) else {
        return;
    };
    o.assert_exact_counts();
    assert_eq!(o.requests.len(), o.expected.sqes.len());
    for r in &o.requests {
        let want = if r.user_data == workloads::EXPLICIT_ASYNC_UD {
            0x10
        } else {
            0
        };
        assert_eq!(
            r.sqe_flags,
            want,
            "{} ud {}",
            names::opcode_name(r.opcode),
            r.user_data
        );
    }
}

/// Per process x opcode sums over every row of `pids` (their own rings and the fallback rows).
fn totals(report: &Report, pids: &[u32]) -> std::collections::BTreeMap<String, (u64, u64)> {
    let mut sums = std::collections::BTreeMap::new();
    for p in report.processes.iter().filter(|p| pids.contains(&p.pid)) {
        for ring in &p.rings {
            for op in &ring.ops {
                let e: &mut (u64, u64) = sums.entry(op.op.clone()).or_default();
                e.0 += op.submitted;
                e.1 += op.completed;
            }
        }
    }
    sums
}

fn expected_totals(
    expected: &workloads::Expected,
) -> std::collections::BTreeMap<String, (u64, u64)> {
    expected
        .ops
        .iter()
        .map(|(name, op)| (name.clone(), (op.submitted, op.completed)))
        .collect()
}

#[test]
fn ten_thousand_rings_in_one_process_lose_nothing() {
    let _slots = shared();
    let Some(o) = observe(test_name!(), false, || workloads::ring_churn_mixed(10_000)) else {
        return;
    };
    assert_eq!(o.report.lost_updates, 0, "no update was lost");
    assert_eq!(totals(&o.report, &[o.pid]), expected_totals(&o.expected));
    o.assert_exact_counts();
}

#[test]
fn fallback_rows_keep_totals_exact_when_slots_run_out() {
    let _alone = SLOT_USERS.write().unwrap_or_else(|e| e.into_inner());
    // 16 slots and one per-process fallback row for 40 rings x 3 opcodes: most keys land on the
    // process's "other rings" row (the first opcode to need one) or the opcode rows.
    let options = LoadOptions {
        counter_slots: Some(16),
        fallback_slots: Some(1),
        ..LoadOptions::default()
    };
    let Some(o) = observe_with(test_name!(), false, &options, || {
        workloads::ring_churn_mixed(40)
    }) else {
        return;
    };
    assert_eq!(o.report.lost_updates, 0);
    // The opcode rows (pid 0) are shared by every process whose keys fell that far: other
    // tests running beside this one may add to them, so they hold at least the rest.
    let own = totals(&o.report, &[o.pid]);
    let with_rows = totals(&o.report, &[o.pid, 0]);
    for (name, (submitted, completed)) in expected_totals(&o.expected) {
        let mine = own.get(&name).copied().unwrap_or_default();
        let all = with_rows.get(&name).copied().unwrap_or_default();
        assert!(
            mine.0 <= submitted && all.0 >= submitted,
            "{name}: {mine:?} {all:?}"
        );
        assert!(
            mine.1 <= completed && all.1 >= completed,
            "{name}: {mine:?} {all:?}"
        );
    }
    let process = o.process();
    assert!(
        process.rings.iter().any(|r| r.ring == OTHER_RINGS),
        "the process has an \"other rings\" row: {:#?}",
        process.rings
    );
}

#[test]
fn five_hundred_short_lived_processes_are_each_counted() {
    let _slots = shared();
    let Some(o) = observe(test_name!(), false, || workloads::process_churn(500, 3)) else {
        return;
    };
    assert_eq!(o.report.lost_updates, 0);
    assert_eq!(o.expected.forked.len(), 500);
    for &pid in &o.expected.forked {
        let t = totals(&o.report, &[pid]);
        assert_eq!(t.get("NOP"), Some(&(3, 3)), "pid {pid}: {t:?}");
    }
}

#[test]
fn a_sample_reads_and_carries_only_the_counters_that_changed() {
    let _slots = shared();
    use io_uring::{opcode, IoUring};
    if !uringtop_tests::privilege::require_root(test_name!()) {
        return;
    }
    let mut probe = uringtop_probe::Probe::load().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !probe
            .degraded()
            .iter()
            .any(|(what, _)| what.contains("MMAPABLE")),
        "the probe marks changed slots on this kernel: {:?}",
        probe.degraded()
    );
    let nop = |ring: &mut IoUring| {
        // SAFETY: a NOP points at no memory.
        unsafe { ring.submission().push(&opcode::Nop::new().build()) }.expect("push");
        ring.submit_and_wait(1).expect("submit");
        ring.completion().for_each(drop);
    };
    let mut rings: Vec<IoUring> = (0..200).map(|_| IoUring::new(2).expect("setup")).collect();
    rings.iter_mut().for_each(nop);
    let pid = std::process::id();
    let mine = |s: &uringtop_common::input::Sample| -> Vec<(u32, u64)> {
        s.ops
            .iter()
            .filter(|o| o.pid == pid)
            .map(|o| (o.ring, o.counters.submitted))
            .collect()
    };
    let first = probe.sample().expect("sample");
    assert_eq!(mine(&first).len(), 200, "every new key is carried once");
    // Marked slots are read twice (see probe/src/dirty.rs): the second read finds them unchanged.
    let idle = probe.sample().expect("sample");
    assert!(mine(&idle).is_empty(), "nothing changed: {:?}", mine(&idle));
    nop(&mut rings[7]);
    let one = probe.sample().expect("sample");
    assert_eq!(mine(&one).len(), 1, "{:?}", mine(&one));
    assert_eq!(mine(&one)[0].1, 2, "the ring's second NOP is counted");
}

#[test]
fn requests_of_two_opcodes_sharing_a_user_data_are_counted() {
    let _slots = shared();
    const ROUNDS: u64 = 50;
    const NOPS: u64 = 8;
    let Some(o) = observe_counts(test_name!(), || {
        workloads::shared_user_data(ROUNDS as usize, NOPS as usize)
    }) else {
        return;
    };
    if o.exact(Feature::Counts) {
        o.assert_exact_counts();
        return;
    }
    // Paired by (ring, user_data) (before 5.19): submissions and the ring's CQEs stay exact; a
    // TIMEOUT's CQE may count under the NOPs that shared its user_data. Measured, and said.
    let ops = o.ops();
    let (nop, timeout) = (&ops["NOP"], ops.get("TIMEOUT"));
    let timeouts_completed = timeout.map_or(0, |t| t.completed);
    assert_eq!(nop.submitted, ROUNDS * NOPS);
    assert_eq!(timeout.map_or(0, |t| t.submitted), ROUNDS);
    assert_eq!(nop.completed + timeouts_completed, ROUNDS * (NOPS + 1));
    let timed: u64 = ops.values().map(|op| op.latency_ns.count).sum();
    let _ = writeln!(
        std::io::stderr().lock(),
        "MEASURED pairing by (ring, user_data): {} of {ROUNDS} TIMEOUT CQEs counted under NOP, \
         {timed} of {} requests timed",
        ROUNDS - timeouts_completed,
        ROUNDS * (NOPS + 1)
    );
}
