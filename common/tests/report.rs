//! The JSON/CSV contract: field names, types and order, and snapshots of a small report.

use serde_json::Value;
use uringtop_common::input::{
    Input, LatencyCounts, OpCounters, OpSample, ProcessSample, RingSample, Sample,
};
use uringtop_common::latency::bucket_of;
use uringtop_common::model::Model;
use uringtop_common::report::{Report, SCHEMA_VERSION};

const S: u64 = 1_000_000_000;

fn latencies(values: &[(u64, u64)]) -> LatencyCounts {
    let mut l = LatencyCounts::default();
    for &(ns, n) in values {
        l.count += n;
        l.sum_ns += ns * n;
        l.max_ns = l.max_ns.max(ns);
        *l.buckets.entry(bucket_of(ns)).or_insert(0) += n;
    }
    l
}

/// Two processes; one ring without a known fd; a comm that needs CSV quoting; errors, denials,
/// punts; an idle op and an idle process that must not be reported.
fn small_model() -> Model {
    let openat = OpCounters {
        submitted: 120,
        rejected: 3,
        denied: 2,
        completed: 121,
        errors: 40,
        async_punts: 12,
        errnos: [(2, 37), (13, 2), (22, 1)].into(),
        latency: latencies(&[(15_000, 100), (40_000, 15), (2_000_000, 3)]),
        ..OpCounters::default()
    };
    let read = OpCounters {
        submitted: 1000,
        completed: 996,
        errors: 2,
        errnos: [(11, 2)].into(),
        latency: latencies(&[(80_000, 900), (250_000, 90), (9_000_000, 6)]),
        ..OpCounters::default()
    };
    let sample = Sample {
        time_ns: 1_749_945_600 * S,
        lost_records: 4,
        lost_updates: 0,
        unmatched_cqes: 9,
        processes: vec![
            ProcessSample::named(4242, "nginx"),
            ProcessSample::named(5000, "my,app \"w\""),
            ProcessSample::named(6000, "idle"),
        ],
        rings: vec![
            RingSample {
                ring: 1,
                pid: 4242,
                fd: Some(7),
                setup_flags: (1 << 1) | (1 << 12),
                sq_entries: 256,
                cq_entries: 512,
                cq_overflows: 5,
                ..RingSample::default()
            },
            RingSample {
                ring: 2,
                pid: 5000,
                fd: None,
                sq_entries: 64,
                cq_entries: 128,
                ..RingSample::default()
            },
            RingSample {
                ring: 3,
                pid: 6000,
                fd: Some(3),
                sq_entries: 8,
                cq_entries: 16,
                ..RingSample::default()
            },
        ],
        ops: vec![
            OpSample {
                slot: 0,
                pid: 4242,
                ring: 1,
                opcode: 18,
                counters: openat,
            },
            OpSample {
                slot: 0,
                pid: 4242,
                ring: 1,
                opcode: 19,
                counters: OpCounters::default(),
            },
            OpSample {
                slot: 0,
                pid: 5000,
                ring: 2,
                opcode: 22,
                counters: read,
            },
            OpSample {
                slot: 0,
                pid: 5000,
                ring: 2,
                opcode: 99,
                counters: OpCounters {
                    submitted: 1,
                    ..OpCounters::default()
                },
            },
        ],
        rule_hits: None,
        ..Sample::default()
    };
    let mut m = Model::new();
    m.apply(&Input::Sample(Sample {
        time_ns: sample.time_ns - 2 * S,
        ..Sample::default()
    }));
    m.apply(&Input::Sample(sample));
    m
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

fn sorted(mut k: Vec<&str>) -> Vec<&str> {
    k.sort_unstable();
    k
}

/// Asserts that `json` mentions `fields` in this order (serde writes struct fields in order).
fn assert_order(json: &str, fields: &[&str]) {
    let positions: Vec<usize> = fields
        .iter()
        .map(|f| {
            json.find(&format!("\"{f}\":"))
                .unwrap_or_else(|| panic!("no field {f}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "order of {fields:?} in {json}"
    );
}

#[test]
fn json_shape_matches_the_contract() {
    let json = small_model().report().to_json();
    assert!(!json.contains('\n'));
    let v: Value = serde_json::from_str(&json).expect("valid JSON");

    const TOP: [&str; 6] = [
        "schema",
        "duration_ns",
        "lost_records",
        "lost_updates",
        "unmatched_cqes",
        "processes",
    ];
    // The keys of a ring, of an opcode and of its latency, in the order the contract gives.
    const RING: [&str; 7] = [
        "ring",
        "fd",
        "setup_flags",
        "sq_entries",
        "cq_entries",
        "cq_overflows",
        "ops",
    ];
    const OP: [&str; 8] = [
        "op",
        "submitted",
        "rejected",
        "denied",
        "completed",
        "errors",
        "async",
        "latency_ns",
    ];
    const LATENCY: [&str; 5] = ["count", "p50", "p90", "p99", "max"];
    assert_eq!(keys(&v), sorted(TOP.to_vec()));
    assert_order(&json, &TOP);
    assert_eq!(v["schema"].as_u64(), Some(u64::from(SCHEMA_VERSION)));
    for field in &TOP[1..5] {
        assert!(v[field].is_u64(), "{field}");
    }
    assert_eq!(v["duration_ns"], 2 * S);

    let processes = v["processes"].as_array().expect("processes array");
    assert_eq!(processes.len(), 2, "the idle process is left out");
    for p in processes {
        assert_eq!(keys(p), sorted(vec!["pid", "comm", "rings"]));
        assert!(p["pid"].is_u64() && p["comm"].is_string());
        for r in p["rings"].as_array().expect("rings array") {
            assert_eq!(keys(r), sorted(RING.to_vec()));
            assert!(r["ring"].is_u64() && r["sq_entries"].is_u64() && r["cq_entries"].is_u64());
            assert!(r["cq_overflows"].is_u64());
            assert!(r["fd"].is_i64() || r["fd"].is_null());
            assert!(r["setup_flags"]
                .as_array()
                .expect("flags")
                .iter()
                .all(Value::is_string));
            for op in r["ops"].as_array().expect("ops array") {
                assert_eq!(keys(op), sorted(OP.to_vec()));
                assert!(op["op"].is_string());
                for field in ["submitted", "rejected", "denied", "completed", "async"] {
                    assert!(op[field].is_u64(), "{field}");
                }
                let errors = op["errors"].as_object().expect("errors object");
                assert!(errors.values().all(Value::is_u64));
                let lat = &op["latency_ns"];
                assert_eq!(keys(lat), sorted(LATENCY.to_vec()));
                assert!(LATENCY.iter().all(|f| lat[f].is_u64()));
            }
        }
    }
    let first_ring = &v["processes"][0]["rings"][0];
    assert_eq!(first_ring["fd"], 7);
    assert_eq!(
        first_ring["setup_flags"],
        serde_json::json!(["SQPOLL", "SINGLE_ISSUER"])
    );
    assert_eq!(
        first_ring["ops"].as_array().map(Vec::len),
        Some(1),
        "the idle CLOSE is left out"
    );
    let openat = &first_ring["ops"][0];
    assert_eq!(openat["op"], "OPENAT");
    assert_eq!(openat["errors"]["ENOENT"], 37);
    assert_eq!(openat["async"], 12);
    assert_eq!(v["processes"][1]["rings"][0]["fd"], Value::Null);
    assert_eq!(v["processes"][1]["rings"][0]["ops"][1]["op"], "OP_99");
    assert_order(&json, &RING);
    assert_order(&json, &OP);
    assert_order(&json, &LATENCY);
}

#[test]
fn json_round_trips() {
    let report = small_model().report();
    let back: Report = serde_json::from_str(&report.to_json()).expect("parses");
    assert_eq!(back, report);
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(small_model().report().to_json_pretty());
}

#[test]
fn csv_snapshot() {
    let mut out = Vec::new();
    small_model()
        .report()
        .write_csv(&mut out)
        .expect("write to a Vec");
    insta::assert_snapshot!(String::from_utf8(out).expect("UTF-8"));
}

/// With a policy: per-op verdicts, rule hits, register calls by opcode and refused
/// io_uring_setup calls appear; all are deltas over the window, like every count.
#[test]
fn policy_fields_appear_with_a_policy_and_count_the_window() {
    use uringtop_common::input::RegisterOpSample;
    use uringtop_common::verdict::VerdictCounts;
    let sample = |t: u64, n: u64| Sample {
        time_ns: t * S,
        processes: vec![
            ProcessSample::named(10, "app"),
            ProcessSample {
                pid: 11,
                comm: "locked-out".into(),
                setup_refused: [(1, n)].into(),
                ..ProcessSample::default()
            },
        ],
        rings: vec![RingSample {
            ring: 1,
            pid: 10,
            register_ops: vec![RegisterOpSample {
                opcode: 2,
                calls: 2 * n,
                failed: 0,
                denied: n,
                verdicts: VerdictCounts {
                    deny: 2 * n,
                    ..VerdictCounts::default()
                },
            }],
            ..RingSample::default()
        }],
        ops: vec![OpSample {
            slot: 0,
            pid: 10,
            ring: 1,
            opcode: 18,
            counters: OpCounters {
                submitted: 5 * n,
                completed: 5 * n,
                verdicts: VerdictCounts {
                    allow: 3 * n,
                    log: n,
                    deny: n,
                    kill: 0,
                    denied_by_kernel: 0,
                },
                ..OpCounters::default()
            },
        }],
        rule_hits: Some(vec![n, 3 * n]),
        ..Sample::default()
    };
    let mut m = Model::new();
    m.apply(&Input::Sample(sample(1, 1)));
    m.rebase();
    m.apply(&Input::Sample(sample(2, 3)));
    let v: Value = serde_json::from_str(&m.report().to_json()).unwrap();
    assert_eq!(v["rule_hits"], serde_json::json!([2, 6]));
    let ring = &v["processes"][0]["rings"][0];
    assert_eq!(
        ring["ops"][0]["verdicts"],
        serde_json::json!({"allow": 6, "log": 2, "deny": 2, "kill": 0})
    );
    assert_eq!(
        ring["register"],
        serde_json::json!([{"op": "REGISTER_FILES", "calls": 4, "failed": 0, "denied": 2,
                            "verdicts": {"allow": 0, "log": 0, "deny": 4, "kill": 0}}])
    );
    assert_eq!(
        v["setup_refused"],
        serde_json::json!([{"pid": 11, "comm": "locked-out", "errors": {"EPERM": 2}}])
    );

    // Without a policy none of the policy fields is printed.
    let mut plain = Model::new();
    let mut s = sample(1, 1);
    s.rule_hits = None;
    plain.apply(&Input::Sample(s));
    let v: Value = serde_json::from_str(&plain.report().to_json()).unwrap();
    assert!(v.get("rule_hits").is_none());
    assert!(v["processes"][0]["rings"][0]["ops"][0]
        .get("verdicts")
        .is_none());
    assert!(v["processes"][0]["rings"][0]["register"][0]
        .get("verdicts")
        .is_none());
}

/// The probe's fallback rows: counts of a process's rings it could not count one by one land on
/// ring OTHER_RINGS (and of processes it could not count, on pid 0), and CQEs posted without a
/// request on AUX_OPCODE. The fallback ring is spelled `"ring": null, "other_rings": true` in
/// JSON and "other" in CSV, never as the number 4294967295.
#[test]
fn other_rings_and_aux_cqes_are_spelled_for_scripts() {
    use uringtop_common::input::{AUX_OPCODE, OTHER_RINGS};
    let op = OpSample::completed;
    let mut m = Model::new();
    m.apply(&Input::Sample(Sample {
        time_ns: S,
        processes: vec![ProcessSample::named(7, "many")],
        rings: vec![RingSample {
            ring: 3,
            pid: 7,
            ..RingSample::default()
        }],
        ops: vec![
            op(0, OTHER_RINGS, 22, 4),
            op(7, 3, 0, 2),
            op(7, 3, AUX_OPCODE, 1),
            op(7, OTHER_RINGS, 22, 5),
        ],
        ..Sample::default()
    }));
    let report = m.report();
    let json = report.to_json();
    let v: Value = serde_json::from_str(&json).unwrap();
    let other = &v["processes"][1]["rings"][1];
    assert_eq!(other["ring"], Value::Null);
    assert_eq!(other["other_rings"], true);
    assert_eq!(other["ops"][0]["submitted"], 5);
    assert!(v["processes"][1]["rings"][0].get("other_rings").is_none());
    assert_eq!(v["processes"][1]["rings"][0]["ring"], 3);
    assert_eq!(v["processes"][1]["rings"][0]["ops"][1]["op"], "AUX_CQE");
    assert_eq!(v["processes"][0]["pid"], 0);
    assert_eq!(v["processes"][0]["rings"][0]["ring"], Value::Null);
    assert!(!json.contains("4294967295"));
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
    assert_eq!(back.processes[1].rings[1].ring, OTHER_RINGS);

    let mut csv = Vec::new();
    report.write_csv(&mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert!(rows[0].starts_with("0,,other,"), "{}", rows[0]);
    assert!(rows[2].starts_with("7,many,3,") && rows[2].contains(",AUX_CQE,"));
    assert!(rows[3].starts_with("7,many,other,"), "{}", rows[3]);
    assert!(!csv.contains("4294967295"));
}
