//! The model on hand-made and synthetic streams: rates, inflight, resets, windows, determinism.

use std::collections::BTreeMap;
use uringtop_common::input::{
    Input, LatencyCounts, OpCounters, OpSample, ProcessSample, Request, RingSample, Sample,
};
use uringtop_common::latency::bucket_of;
use uringtop_common::model::{Model, RATE_HISTORY, REQUEST_HISTORY};
use uringtop_common::report::Report;
use uringtop_common::synthetic::{synthetic_stream, synthetic_stream_with_churn};

const S: u64 = 1_000_000_000;
const READ: u8 = 22;
const ENOENT: u16 = 2;
const EAGAIN: u16 = 11;

/// Cumulative counters; `buckets` lists (latency in ns, completions with that latency).
fn counters(
    submitted: u64,
    completed: u64,
    async_punts: u64,
    errnos: &[(u16, u64)],
    buckets: &[(u64, u64)],
) -> OpCounters {
    let mut latency = LatencyCounts::default();
    for &(ns, n) in buckets {
        latency.count += n;
        latency.sum_ns += ns * n;
        latency.max_ns = latency.max_ns.max(ns);
        *latency.buckets.entry(bucket_of(ns)).or_insert(0) += n;
    }
    OpCounters {
        submitted,
        completed,
        async_punts,
        errors: errnos.iter().map(|&(_, n)| n).sum(),
        errnos: errnos.iter().copied().collect(),
        latency,
        ..OpCounters::default()
    }
}

fn ring(ring: u32, pid: u32) -> RingSample {
    RingSample {
        ring,
        pid,
        fd: Some(4),
        setup_flags: 1 << 1,
        sq_entries: 128,
        cq_entries: 256,
        ..RingSample::default()
    }
}

fn sample(time_ns: u64, ops: Vec<OpSample>) -> Input {
    Input::Sample(Sample {
        time_ns,
        processes: vec![ProcessSample::named(100, "fio")],
        rings: vec![ring(1, 100)],
        ops,
        ..Sample::default()
    })
}

fn read_op(c: OpCounters) -> OpSample {
    OpSample {
        slot: 0,
        pid: 100,
        ring: 1,
        opcode: READ,
        counters: c,
    }
}

/// Two reads 2 s apart.
fn two_samples() -> Vec<Input> {
    vec![
        sample(
            10 * S,
            vec![read_op(counters(
                100,
                90,
                10,
                &[(ENOENT, 2)],
                &[(1_000, 90)],
            ))],
        ),
        sample(
            12 * S,
            vec![read_op(counters(
                300,
                280,
                30,
                &[(ENOENT, 3), (EAGAIN, 1)],
                &[(1_000, 90), (2_000, 190)],
            ))],
        ),
    ]
}

fn model_of(inputs: &[Input]) -> Model {
    let mut m = Model::new();
    for input in inputs {
        m.apply(input);
    }
    m
}

#[test]
fn first_interval_counts_from_zero_over_one_second() {
    let m = model_of(&two_samples()[..1]);
    let (p, r) = m.ring(1).expect("ring 1");
    assert_eq!(p.comm, "fio");
    let op = &r.ops[&READ];
    assert_eq!(op.interval.seconds, 1.0);
    assert_eq!(op.interval.req_per_s, 100.0);
    assert_eq!(op.interval.cqe_per_s, 90.0);
    assert_eq!(op.interval.err_per_s, 2.0);
    assert_eq!(op.interval.async_pct, 10.0);
    assert_eq!(op.interval.inflight, 10);
    assert_eq!(op.interval.latency.count, 90);
    assert_eq!(op.interval.latency.max, 1_000);
    assert_eq!(
        (m.samples(), m.start_ns(), m.time_ns()),
        (1, 10 * S, 10 * S)
    );
}

#[test]
fn rates_and_inflight_over_two_samples() {
    let m = model_of(&two_samples());
    let (_, r) = m.ring(1).expect("ring 1");
    let i = &r.ops[&READ].interval;
    assert_eq!(i.seconds, 2.0);
    assert_eq!(i.req_per_s, 100.0);
    assert_eq!(i.cqe_per_s, 95.0);
    assert_eq!(i.err_per_s, 1.0);
    assert_eq!(i.async_pct, 10.0);
    assert_eq!(i.inflight, 20);
    assert_eq!(
        (i.submitted, i.completed, i.errors, i.denied),
        (200, 190, 2, 0)
    );
    // Only the 2 us completions happened in this interval.
    assert_eq!(i.latency.count, 190);
    assert_eq!(bucket_of(i.latency.p50), bucket_of(2_000));
    assert_eq!(i.latency.max, 2_000);
    // The ring, process and model aggregate the single op.
    assert_eq!(r.interval, *i);
    assert_eq!(m.process(100).map(|p| &p.interval), Some(i));
    assert_eq!(m.interval(), i);
    assert_eq!(r.rate_history, [90.0, 95.0]);
}

#[test]
fn report_is_the_window_since_attach() {
    let report = model_of(&two_samples()).report();
    assert_eq!(report.duration_ns, 2 * S);
    let op = &report.processes[0].rings[0].ops[0];
    assert_eq!(op.op, "READ");
    assert_eq!((op.submitted, op.completed, op.async_punts), (300, 280, 30));
    assert_eq!(
        op.errors,
        BTreeMap::from([("EAGAIN".into(), 1), ("ENOENT".into(), 3)])
    );
    assert_eq!(op.latency_ns.count, 280);
    assert_eq!(op.latency_ns.max, 2_000);
    assert_eq!(report.processes[0].rings[0].setup_flags, ["SQPOLL"]);
}

#[test]
fn counter_reset_is_a_restart_not_an_underflow() {
    let mut inputs = two_samples();
    // The entry was evicted and recreated: it restarts from zero and reaches 50 by the next read.
    inputs.push(sample(
        13 * S,
        vec![read_op(counters(50, 50, 0, &[(ENOENT, 1)], &[(5_000, 50)]))],
    ));
    let m = model_of(&inputs);
    let op = &m.ring(1).expect("ring 1").1.ops[&READ];
    assert_eq!(
        (
            op.interval.submitted,
            op.interval.completed,
            op.interval.errors
        ),
        (50, 50, 1)
    );
    assert_eq!(op.total.submitted, 350);
    assert_eq!(op.total.completed, 330);
    assert_eq!(op.total.errnos[&ENOENT], 4);
    assert_eq!(op.total.latency.max_ns, 5_000);
    assert_eq!(op.interval.inflight, 20);
    let report = m.report();
    let r = &report.processes[0].rings[0].ops[0];
    assert_eq!(
        (r.submitted, r.completed, r.latency_ns.count),
        (350, 330, 330)
    );
    // Growing again after the restart is a plain difference.
    inputs.push(sample(
        14 * S,
        vec![read_op(counters(60, 60, 0, &[(ENOENT, 1)], &[(5_000, 60)]))],
    ));
    let m = model_of(&inputs);
    assert_eq!(
        m.ring(1).expect("ring 1").1.ops[&READ].interval.submitted,
        10
    );
}

#[test]
fn missing_op_has_an_empty_interval() {
    let mut inputs = two_samples();
    inputs.push(sample(13 * S, vec![]));
    let m = model_of(&inputs);
    let (_, r) = m.ring(1).expect("ring 1");
    assert_eq!(r.ops[&READ].interval.submitted, 0);
    assert_eq!(r.ops[&READ].interval.inflight, 20);
    assert_eq!(r.rate_history, [90.0, 95.0, 0.0]);
    assert_eq!(m.report().processes[0].rings[0].ops[0].submitted, 300);
}

#[test]
fn duplicate_or_backwards_time_does_not_divide_by_zero() {
    let mut inputs = two_samples();
    inputs.push(sample(
        12 * S,
        vec![read_op(counters(310, 290, 30, &[], &[]))],
    ));
    inputs.push(sample(
        11 * S,
        vec![read_op(counters(320, 300, 30, &[], &[]))],
    ));
    let m = model_of(&inputs);
    let i = &m.ring(1).expect("ring 1").1.ops[&READ].interval;
    assert_eq!((i.seconds, i.req_per_s), (1.0, 10.0));
    assert_eq!(m.report().duration_ns, S); // the latest sample minus the first
}

#[test]
fn rings_appear_under_users_and_owner() {
    let shared = Input::Sample(Sample {
        time_ns: S,
        processes: vec![
            ProcessSample::named(100, "parent"),
            ProcessSample::named(200, "child"),
            ProcessSample::named(300, ""),
        ],
        rings: vec![
            ring(1, 100),
            RingSample {
                fd: None,
                ..ring(2, 300)
            },
        ],
        ops: vec![OpSample {
            slot: 0,
            pid: 200,
            ring: 1,
            opcode: READ,
            counters: counters(5, 5, 0, &[], &[]),
        }],
        ..Sample::default()
    });
    let m = model_of(&[shared]);
    let pids: Vec<u32> = m.processes().map(|p| p.pid).collect();
    assert_eq!(pids, [100, 200, 300]);
    let (owner, r) = m.ring(1).expect("ring 1");
    assert_eq!(owner.pid, 100);
    assert!(r.ops.is_empty());
    assert_eq!(m.process(200).map(|p| p.rings[&1].ops.len()), Some(1));
    assert_eq!(m.process(200).map(|p| p.rings[&1].info.fd), Some(Some(4)));
    assert_eq!(m.ring(2).map(|(p, _)| p.pid), Some(300));
    assert_eq!(m.ring(3).map(|(p, _)| p.pid), None);
    let pairs: Vec<(u32, u32)> = m.rings().map(|(p, r)| (p.pid, r.info.ring)).collect();
    assert_eq!(pairs, [(100, 1), (200, 1), (300, 2)]);
    // Only the process with activity is reported.
    let report = m.report();
    assert_eq!(report.processes.len(), 1);
    assert_eq!(report.processes[0].comm, "child");
    // An op on a ring never described gets a placeholder description.
    let unknown = Input::Sample(Sample {
        time_ns: 2 * S,
        ops: vec![OpSample {
            slot: 0,
            pid: 400,
            ring: 9,
            opcode: 0,
            counters: counters(1, 1, 0, &[], &[]),
        }],
        ..Sample::default()
    });
    let mut m = m;
    m.apply(&unknown);
    let (p, r) = m.ring(9).expect("ring 9");
    assert_eq!(
        (p.pid, p.comm.as_str(), r.info.ring, r.info.pid, r.info.fd),
        (400, "", 9, 400, None)
    );
    // Comm is kept when a later sample has an empty one.
    assert_eq!(m.process(100).map(|p| p.comm.as_str()), Some("parent"));
}

#[test]
fn overflows_are_reported_under_the_owner_as_window_deltas() {
    let with_overflows = |time_ns, cq_overflows| {
        Input::Sample(Sample {
            time_ns,
            rings: vec![RingSample {
                cq_overflows,
                ..ring(1, 100)
            }],
            ..Sample::default()
        })
    };
    let mut m = model_of(&[with_overflows(S, 0)]);
    assert!(m.report().processes.is_empty());
    m.apply(&with_overflows(2 * S, 7));
    assert_eq!(m.report().processes[0].rings[0].cq_overflows, 7);
    assert!(m.report().processes[0].rings[0].ops.is_empty());
    m.rebase();
    assert!(m.report().processes.is_empty());
    m.apply(&with_overflows(3 * S, 9));
    assert_eq!(m.report().processes[0].rings[0].cq_overflows, 2);
}

#[test]
fn lost_counters_are_window_deltas() {
    let lost = |time_ns, n| {
        Input::Sample(Sample {
            time_ns,
            lost_records: n,
            lost_updates: n * 2,
            unmatched_cqes: n * 3,
            ..Sample::default()
        })
    };
    let mut m = model_of(&[lost(S, 5)]);
    let r = m.report();
    assert_eq!(
        (r.lost_records, r.lost_updates, r.unmatched_cqes),
        (5, 10, 15)
    );
    m.rebase();
    m.apply(&lost(2 * S, 6));
    let r = m.report();
    assert_eq!(
        (r.lost_records, r.lost_updates, r.unmatched_cqes),
        (1, 2, 3)
    );
    assert_eq!(
        (m.lost_records(), m.lost_updates(), m.unmatched_cqes()),
        (6, 12, 18)
    );
}

#[test]
fn rebase_before_any_sample_is_harmless() {
    let mut m = Model::new();
    m.rebase();
    assert_eq!(m, Model::new());
    assert_eq!(
        m.report(),
        Report {
            schema: 1,
            ..Report::default()
        }
    );
    for input in two_samples() {
        m.apply(&input);
    }
    assert_eq!(m, model_of(&two_samples()));
}

#[test]
fn requests_are_capped() {
    let mut m = Model::new();
    for i in 0..(REQUEST_HISTORY as u64 + 50) {
        m.apply(&Input::Request(Request {
            user_data: i,
            ..Request::default()
        }));
    }
    assert_eq!(m.requests().len(), REQUEST_HISTORY);
    assert_eq!(m.requests_seen(), REQUEST_HISTORY as u64 + 50);
    assert_eq!(m.requests().front().map(|r| r.user_data), Some(50));
    assert_eq!(
        m.requests().back().map(|r| r.user_data),
        Some(REQUEST_HISTORY as u64 + 49)
    );
    assert_eq!(m.samples(), 0);
}

#[test]
fn same_inputs_same_state_and_json() {
    let stream = synthetic_stream(42, 120, 5, 2);
    let a = model_of(&stream);
    let b = model_of(&stream);
    assert_eq!(a, b);
    assert_eq!(a.report().to_json(), b.report().to_json());
    assert!(a.report().processes.len() == 5);
    for (_, r) in a.rings() {
        assert!(r.rate_history.len() <= RATE_HISTORY);
    }
    assert!(a.rings().any(|(_, r)| r.rate_history.len() == RATE_HISTORY));
    assert!(a.requests_seen() > 0);
}

/// Adds a report's counts into `into`, keyed by (pid, ring, op).
fn add_reports(into: &mut BTreeMap<(u32, u32, String), [u64; 6]>, report: &Report) {
    for p in &report.processes {
        for r in &p.rings {
            for op in &r.ops {
                let e = into.entry((p.pid, r.ring, op.op.clone())).or_default();
                let errors: u64 = op.errors.values().sum();
                let add = [
                    op.submitted,
                    op.rejected,
                    op.denied,
                    op.completed,
                    errors,
                    op.latency_ns.count,
                ];
                for (slot, n) in e.iter_mut().zip(add) {
                    *slot += n;
                }
            }
        }
    }
}

#[test]
fn rebased_windows_add_up_to_the_whole() {
    windows_add_up_to_the_whole(&synthetic_stream(9, 40, 4, 2));
}

/// Under churn too: each window counts the processes and rings that went inside it, and the
/// whole (one window) counts every one of them exactly, as their last reads say.
#[test]
fn rebased_windows_add_up_to_the_whole_under_churn() {
    let stream = synthetic_stream_with_churn(9, 60, 4, 2);
    windows_add_up_to_the_whole(&stream);
    let mut truth: BTreeMap<(u32, u32, String), u64> = BTreeMap::new();
    for input in &stream {
        if let Input::Sample(s) = input {
            for o in &s.ops {
                let op = uringtop_common::names::opcode_name(o.opcode).into_owned();
                truth.insert((o.pid, o.ring, op), o.counters.submitted);
            }
        }
    }
    truth.retain(|_, n| *n > 0);
    let whole = model_of(&stream).report();
    let mut reported = submitted_by_key(&whole);
    reported.retain(|_, n| *n > 0); // ops with only rejected SQEs
    assert_eq!(reported, truth);
    assert!(whole.processes.iter().filter(|p| p.pid >= 40_000).count() > 10);
    // What the display model holds is what is live at the end, nothing more.
    let mut display = Model::for_display();
    for input in &stream {
        display.apply(input);
    }
    display.apply(&at(u64::MAX / 2, vec![]));
    let f = display.footprint();
    assert_eq!(f.departed_rings, 0);
    assert!(f.processes <= 4 + 4, "{f:?}"); // the 4 base processes, the agent, a few jobs
    assert_eq!(f.ring_infos, f.rings);
}

fn windows_add_up_to_the_whole(stream: &[Input]) {
    let whole = model_of(stream).report();

    let mut m = Model::new();
    let mut windows = Vec::new();
    for (i, input) in stream.iter().enumerate() {
        m.apply(input);
        if i % 7 == 6 {
            windows.push(m.report());
            m.rebase();
        }
    }
    windows.push(m.report());

    let mut summed = BTreeMap::new();
    for w in &windows {
        add_reports(&mut summed, w);
    }
    let mut expected = BTreeMap::new();
    add_reports(&mut expected, &whole);
    assert_eq!(summed, expected);
    assert_eq!(
        windows.iter().map(|w| w.duration_ns).sum::<u64>(),
        whole.duration_ns
    );
    assert_eq!(
        windows.iter().map(|w| w.lost_records).sum::<u64>(),
        whole.lost_records
    );
    assert_eq!(
        windows.iter().map(|w| w.unmatched_cqes).sum::<u64>(),
        whole.unmatched_cqes
    );
    // The rebased model's state (not just its report) equals a fresh one's apart from bases.
    assert_eq!(m.time_ns(), model_of(stream).time_ns());
}

#[test]
fn latency_summaries_are_always_ordered() {
    for seed in 0..5 {
        let mut m = Model::new();
        for (i, input) in synthetic_stream(seed, 30, 3, 2).iter().enumerate() {
            m.apply(input);
            let mut summaries = vec![m.interval().latency];
            for (p, r) in m.rings() {
                summaries.push(p.interval.latency);
                summaries.push(r.interval.latency);
                for op in r.ops.values() {
                    summaries.push(op.interval.latency);
                    assert!(op.interval.latency.max <= op.total.latency.max_ns);
                }
            }
            for p in m.report().processes {
                for r in p.rings {
                    summaries.extend(r.ops.iter().map(|o| o.latency_ns));
                }
            }
            for s in summaries {
                assert!(s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.max, "{s:?}");
                assert_eq!(s.count == 0, s.max == 0, "{s:?}");
            }
            if i % 5 == 0 {
                m.rebase();
            }
        }
    }
}

/// The probe recycles the slot of a key that went quiet; when the key comes back its counters
/// start from zero in another slot — and may grow past the old values before the next read, so
/// only the slot says that they restarted.
#[test]
fn counters_that_moved_to_a_new_slot_are_all_new() {
    let in_slot = |slot: u64, submitted: u64| OpSample {
        slot,
        ..read_op(counters(
            submitted,
            submitted,
            0,
            &[(EAGAIN, 1)],
            &[(1000, submitted)],
        ))
    };
    let mut m = Model::new();
    m.apply(&sample(1_000_000_000, vec![in_slot(7, 5)]));
    // Retired: absent from reads for a while.
    m.apply(&sample(2_000_000_000, vec![]));
    // Back in another slot, already past every old value.
    m.apply(&sample(3_000_000_000, vec![in_slot(9 | (1 << 32), 1000)]));
    let op = &m.process(100).unwrap().rings[&1].ops[&READ];
    assert_eq!(op.total.submitted, 1005);
    assert_eq!(op.total.errnos[&EAGAIN], 2);
    assert_eq!(op.total.latency.count, 1005);
    // In the same slot, counters are cumulative: growth is the difference.
    m.apply(&sample(4_000_000_000, vec![in_slot(9 | (1 << 32), 1200)]));
    let op = &m.process(100).unwrap().rings[&1].ops[&READ];
    assert_eq!(op.total.submitted, 1205);
    // A source that does not say the slot (0) is judged by the counters alone, as before.
    let mut old = Model::new();
    old.apply(&sample(1_000_000_000, vec![in_slot(0, 5)]));
    old.apply(&sample(3_000_000_000, vec![in_slot(0, 1000)]));
    assert_eq!(
        old.process(100).unwrap().rings[&1].ops[&READ]
            .total
            .submitted,
        1000
    );
}

/// A process `pid` named `comm` with one ring `ring` doing READs: `reads` cumulative in `slot`.
fn reads_of(pid: u32, comm: &str, ring_id: u32, slot: u64, reads: u64) -> Sample {
    Sample {
        processes: vec![ProcessSample::named(pid, comm)],
        rings: vec![ring(ring_id, pid)],
        ops: vec![OpSample {
            slot,
            pid,
            ring: ring_id,
            opcode: READ,
            counters: counters(reads, reads, 0, &[(ENOENT, reads / 10)], &[(1_000, reads)]),
        }],
        ..Sample::default()
    }
}

/// `parts` merged into one sample at `time_ns` (vectors concatenated, then sorted).
fn at(time_ns: u64, parts: Vec<Sample>) -> Input {
    let mut s = Sample {
        time_ns,
        ..Sample::default()
    };
    for p in parts {
        s.processes.extend(p.processes);
        s.rings.extend(p.rings);
        s.ops.extend(p.ops);
        s.exited.extend(p.exited);
        s.closed_rings.extend(p.closed_rings);
    }
    s.processes.sort_by_key(|p| p.pid);
    s.rings.sort_by_key(|r| r.ring);
    s.ops.sort_by_key(|o| (o.pid, o.ring, o.opcode));
    Input::Sample(s)
}

fn exits(pids: &[u32]) -> Sample {
    Sample {
        exited: pids.to_vec(),
        ..Sample::default()
    }
}

fn closes(rings: &[u32]) -> Sample {
    Sample {
        closed_rings: rings.to_vec(),
        ..Sample::default()
    }
}

/// (pid, ring, op) -> submitted, over a report.
fn submitted_by_key(report: &Report) -> BTreeMap<(u32, u32, String), u64> {
    let mut out = BTreeMap::new();
    for p in &report.processes {
        for r in &p.rings {
            for op in &r.ops {
                *out.entry((p.pid, r.ring, op.op.clone())).or_default() += op.submitted;
            }
        }
    }
    out
}

#[test]
fn an_exited_process_shows_its_last_interval_marked_then_goes() {
    let mut m = Model::new();
    m.apply(&at(S, vec![reads_of(100, "fio", 1, 7, 10)]));
    m.apply(&at(
        2 * S,
        vec![reads_of(100, "fio", 1, 7, 15), exits(&[100])],
    ));
    // Still there for its last interval, marked, with that interval's counts.
    let p = m.process(100).expect("shown one last time");
    assert!(p.exited);
    assert!(p.rings[&1].closed);
    assert_eq!(p.interval.submitted, 5);
    assert_eq!(m.interval().submitted, 5);
    assert_eq!(m.comm(100), Some("fio"));
    // The next sample (which says nothing of it) forgets it.
    m.apply(&at(3 * S, vec![]));
    assert!(m.process(100).is_none());
    assert!(m.ring(1).is_none());
    assert!(m.ring_info(1).is_none());
    assert_eq!(m.comm(100), None);
    let f = m.footprint();
    assert_eq!(
        (f.processes, f.rings, f.ops, f.ring_infos, f.comms),
        (0, 0, 0, 0, 0)
    );
    assert_eq!(m.interval().submitted, 0);
}

#[test]
fn a_window_counts_a_process_that_exited_inside_it_until_the_next_rebase() {
    let mut refused = reads_of(100, "fio", 1, 7, 10);
    refused.processes[0].setup_refused = BTreeMap::from([(1, 2)]);
    refused.rings[0].cq_overflows = 3;
    let mut m = Model::new();
    m.apply(&at(
        S,
        vec![refused.clone(), reads_of(200, "nginx", 2, 8, 100)],
    ));
    m.rebase(); // the window starts here: 10 reads of fio and 100 of nginx are before it
    let mut last = reads_of(100, "fio", 1, 7, 25);
    last.processes[0].setup_refused = BTreeMap::from([(1, 5)]);
    last.rings[0].cq_overflows = 4;
    m.apply(&at(
        2 * S,
        vec![last, reads_of(200, "nginx", 2, 8, 150), exits(&[100])],
    ));
    m.apply(&at(3 * S, vec![reads_of(200, "nginx", 2, 8, 170)]));
    m.apply(&at(4 * S, vec![reads_of(200, "nginx", 2, 8, 171)]));
    assert!(m.process(100).is_none(), "forgotten by the live state");
    assert_eq!(m.departed().count(), 1);

    let report = m.report();
    assert_eq!(
        submitted_by_key(&report),
        BTreeMap::from([
            ((100, 1, "READ".to_string()), 15),
            ((200, 2, "READ".to_string()), 71),
        ])
    );
    let fio = &report.processes[0];
    assert_eq!((fio.pid, fio.comm.as_str()), (100, "fio"));
    let ring = &fio.rings[0];
    assert_eq!((ring.ring, ring.fd, ring.cq_overflows), (1, Some(4), 1));
    let read = &ring.ops[0];
    assert_eq!((read.completed, read.latency_ns.count), (15, 15));
    assert_eq!(read.errors, BTreeMap::from([("ENOENT".to_string(), 1)]));
    assert_eq!(report.setup_refused.len(), 1);
    assert_eq!(report.setup_refused[0].comm, "fio");
    assert_eq!(
        report.setup_refused[0].errors,
        BTreeMap::from([("EPERM".to_string(), 3)])
    );

    // After a rebase the window owes it nothing: it is gone for good.
    m.rebase();
    assert_eq!(m.departed().count(), 0);
    m.apply(&at(5 * S, vec![reads_of(200, "nginx", 2, 8, 180)]));
    let report = m.report();
    assert_eq!(
        submitted_by_key(&report),
        BTreeMap::from([((200, 2, "READ".to_string()), 9)])
    );
    assert!(report.setup_refused.is_empty());
}

#[test]
fn a_process_that_exits_in_the_window_of_a_rebase_is_not_kept() {
    let mut m = Model::new();
    m.apply(&at(S, vec![reads_of(100, "fio", 1, 7, 10), exits(&[100])]));
    // An interval's dump: report, then rebase, at the sample that says it exited.
    assert_eq!(m.report().processes.len(), 1);
    m.rebase();
    m.apply(&at(2 * S, vec![]));
    assert_eq!(m.departed().count(), 0, "nothing left in the window");
    assert!(m.report().processes.is_empty());
}

#[test]
fn a_closed_ring_goes_and_its_process_stays() {
    let mut m = Model::new();
    let both = |t, a, b| {
        at(
            t,
            vec![reads_of(100, "fio", 1, 1, a), reads_of(100, "fio", 2, 2, b)],
        )
    };
    m.apply(&both(S, 10, 20));
    m.apply(&at(
        2 * S,
        vec![
            reads_of(100, "fio", 1, 1, 12),
            reads_of(100, "fio", 2, 2, 26),
            closes(&[2]),
        ],
    ));
    let p = m.process(100).unwrap();
    assert!(!p.exited);
    assert_eq!((p.rings[&1].closed, p.rings[&2].closed), (false, true));
    assert_eq!(p.rings[&2].interval.submitted, 6);
    m.apply(&at(3 * S, vec![reads_of(100, "fio", 1, 1, 13)]));
    let p = m.process(100).unwrap();
    assert_eq!(p.rings.keys().copied().collect::<Vec<_>>(), [1]);
    assert!(m.ring_info(2).is_none());
    assert_eq!(m.comm(100), Some("fio"));
    assert_eq!(
        submitted_by_key(&m.report()),
        BTreeMap::from([
            ((100, 1, "READ".to_string()), 13),
            ((100, 2, "READ".to_string()), 26),
        ])
    );
    // Its last ring closing takes the process off the live state, not its name: it lives on.
    m.apply(&at(4 * S, vec![closes(&[1])]));
    m.apply(&at(5 * S, vec![]));
    assert!(m.process(100).is_none());
    assert_eq!(m.comm(100), Some("fio"));
    assert_eq!(m.report().processes[0].rings.len(), 2);
}

#[test]
fn a_pid_that_comes_back_after_being_forgotten_counts_from_zero() {
    for display in [false, true] {
        let mut m = if display {
            Model::for_display()
        } else {
            Model::new()
        };
        m.apply(&at(S, vec![reads_of(100, "make", 1, 7, 50), exits(&[100])]));
        m.apply(&at(2 * S, vec![]));
        assert!(m.process(100).is_none());
        // The pid is reused: a new process, new counter slots, already past the old counts
        // (so neither "it went down" nor "it grew" would tell), on a ring id never seen.
        m.apply(&at(3 * S, vec![reads_of(100, "cc1", 3, 9, 80)]));
        let p = m.process(100).unwrap();
        assert_eq!(p.comm, "cc1");
        assert!(!p.exited);
        let op = &p.rings[&3].ops[&READ];
        assert_eq!((op.total.submitted, op.interval.submitted), (80, 80));
        m.apply(&at(4 * S, vec![reads_of(100, "cc1", 3, 9, 81)]));
        let op = &m.process(100).unwrap().rings[&3].ops[&READ];
        assert_eq!((op.total.submitted, op.interval.submitted), (81, 1));
        // Late counts of the old process on its old ring (a CQE posted after the exit) land in
        // a fresh slot: counted from zero, never against the old counts.
        m.apply(&at(5 * S, vec![reads_of(100, "cc1", 1, 11, 2)]));
        let p = m.process(100).unwrap();
        assert_eq!(p.rings[&1].ops[&READ].interval.submitted, 2);
        assert_eq!(p.interval.submitted, 2);

        let expected = if display {
            // A display model kept nothing of the first process.
            BTreeMap::from([
                ((100, 1, "READ".to_string()), 2),
                ((100, 3, "READ".to_string()), 81),
            ])
        } else {
            BTreeMap::from([
                ((100, 1, "READ".to_string()), 52),
                ((100, 3, "READ".to_string()), 81),
            ])
        };
        let report = m.report();
        assert_eq!(submitted_by_key(&report), expected, "display: {display}");
        // One process per pid, one row per ring: the two lives of ring 1 are summed.
        assert_eq!(report.processes.len(), 1);
        assert_eq!(report.processes[0].comm, "cc1");
        assert_eq!(report.processes[0].rings.len(), 2);
        if !display {
            let ring1 = &report.processes[0].rings[0].ops[0];
            assert_eq!((ring1.completed, ring1.latency_ns.count), (52, 52));
            assert_eq!(ring1.errors, BTreeMap::from([("ENOENT".to_string(), 5)]));
        }
    }
}

#[test]
fn a_ring_outlives_its_creator_in_a_child() {
    let child_uses = |t: u64, n: u64, exited: &[u32]| {
        let mut s = reads_of(100, "parent", 1, 1, 1);
        s.ops.clear();
        if exited.is_empty() {
            s.processes.clear(); // the probe names a process when it is new or renamed
        }
        s.ops.push(OpSample {
            slot: 2,
            pid: 200,
            ring: 1,
            opcode: READ,
            counters: counters(n, n, 0, &[], &[]),
        });
        s.processes.push(ProcessSample::named(200, "child"));
        at(t, vec![s, exits(exited)])
    };
    let mut m = Model::new();
    m.apply(&child_uses(S, 5, &[100]));
    m.apply(&child_uses(2 * S, 9, &[]));
    // The creator is gone; the ring lives on in the child, still described (under the
    // creator's pid, as the probe reports it), and the creator is not brought back.
    assert!(m.process(100).is_none());
    assert_eq!(m.ring(1).map(|(p, _)| p.pid), Some(200));
    assert_eq!(m.ring_info(1).map(|i| i.pid), Some(100));
    assert_eq!(m.ring(1).unwrap().1.info.sq_entries, 128);
    m.apply(&at(3 * S, vec![closes(&[1])]));
    m.apply(&at(4 * S, vec![]));
    let f = m.footprint();
    assert_eq!((f.processes, f.rings, f.ring_infos, f.comms), (0, 0, 0, 1));
    assert_eq!(
        submitted_by_key(&m.report()),
        BTreeMap::from([((200, 1, "READ".to_string()), 9)])
    );
}

/// What the probe sends from now on: only the processes, rings and ops new or changed since the
/// previous sample. A missing op did nothing: the model must end up exactly where the full
/// samples take it.
#[test]
fn samples_of_only_what_changed_give_the_same_model() {
    let full = synthetic_stream(5, 40, 4, 2);
    let mut last = Sample::default();
    let changes: Vec<Input> = full
        .iter()
        .map(|input| match input {
            Input::Sample(s) => {
                let mut d = s.clone();
                d.processes.retain(|p| !last.processes.contains(p));
                d.rings.retain(|r| !last.rings.contains(r));
                d.ops.retain(|o| !last.ops.contains(o));
                last = s.clone();
                Input::Sample(d)
            }
            request => request.clone(),
        })
        .collect();
    let dropped: usize = full
        .iter()
        .zip(&changes)
        .map(|pair| match pair {
            (Input::Sample(a), Input::Sample(b)) => a.ops.len() - b.ops.len(),
            _ => 0,
        })
        .sum();
    assert!(dropped > 50, "the stream has idle ops to leave out");
    let mut a = Model::new();
    let mut b = Model::new();
    for (x, y) in full.iter().zip(&changes) {
        a.apply(x);
        b.apply(y);
        assert_eq!(a, b);
    }
    assert_eq!(a.report(), b.report());
}

/// Thousands of short-lived processes: the live state ends up holding what is live, a display
/// model nothing more, and a reporting model what the window still owes, until the next rebase.
#[test]
fn churn_leaves_only_what_is_live() {
    let mut report_model = Model::new();
    let mut display = Model::for_display();
    let mut t = S;
    let mut expected = 0;
    for i in 0..2_000u32 {
        let pid = 10_000 + i;
        let ring_id = 1 + i;
        t += S;
        let born = at(
            t,
            vec![
                reads_of(pid, "job", ring_id, u64::from(i) + 1, 3),
                reads_of(1, "init", 100_000, 1, u64::from(i)),
            ],
        );
        t += S;
        let dies = at(
            t,
            vec![
                reads_of(pid, "job", ring_id, u64::from(i) + 1, 5),
                exits(&[pid]),
                closes(&[ring_id]),
            ],
        );
        for m in [&mut report_model, &mut display] {
            m.apply(&born);
            m.apply(&dies);
        }
        expected += 5;
    }
    for m in [&mut report_model, &mut display] {
        m.apply(&at(t + S, vec![]));
        let f = m.footprint();
        assert_eq!(
            (f.processes, f.rings, f.ops, f.ring_infos, f.comms),
            (1, 1, 1, 1, 1),
            "only init is live"
        );
    }
    assert_eq!(display.footprint().departed_rings, 0);
    assert_eq!(report_model.footprint().departed_rings, 2_000);
    let total: u64 = submitted_by_key(&report_model.report())
        .iter()
        .filter(|((pid, _, _), _)| *pid != 1)
        .map(|(_, n)| n)
        .sum();
    assert_eq!(total, expected);
    report_model.rebase();
    assert_eq!(report_model.footprint().departed_rings, 0);
}
