use super::*;
use crate::input::{Input, LatencyCounts, OpCounters, OpSample, ProcessSample, RingSample, Sample};
use crate::latency::bucket_of;
use crate::model::Model;
use std::collections::BTreeMap;

const NOP: u8 = 0;
const READ: u8 = 22;

fn op(pid: u32, ring: u32, opcode: u8, submitted: u64) -> OpSample {
    OpSample::completed(pid, ring, opcode, submitted)
}

fn sample(t: u64, procs: &[(u32, &str)], ops: Vec<OpSample>, exited: Vec<u32>) -> Input {
    let mut rings: Vec<RingSample> = ops
        .iter()
        .map(|o| RingSample {
            ring: o.ring,
            pid: o.pid,
            sq_entries: 8,
            cq_entries: 16,
            ..RingSample::default()
        })
        .collect();
    rings.sort_by_key(|r| r.ring);
    rings.dedup_by_key(|r| r.ring);
    Input::Sample(Sample {
        time_ns: t * 1_000_000_000,
        processes: procs
            .iter()
            .map(|&(pid, comm)| ProcessSample::named(pid, comm))
            .collect(),
        rings,
        ops,
        exited,
        ..Sample::default()
    })
}

/// The value of the sample line `name{labels}` (labels exactly as rendered), if present.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
}

/// An exporter beside the model it observes, fed one input at a time as `serve` feeds it; it
/// reads as the exporter it holds.
struct Fed {
    model: Model,
    exporter: Exporter,
}

impl Fed {
    fn new(config: ExpositionConfig) -> Self {
        Fed {
            model: Model::new(),
            exporter: Exporter::new(config),
        }
    }

    fn feed(&mut self, inputs: &[Input]) {
        for input in inputs {
            self.model.apply(input);
            self.exporter.observe(&self.model);
        }
    }
}

impl std::ops::Deref for Fed {
    type Target = Exporter;

    fn deref(&self) -> &Exporter {
        &self.exporter
    }
}

fn config(labels: LabelSetting, limit: usize) -> ExpositionConfig {
    ExpositionConfig {
        labels,
        limit,
        linger_ns: 3_000_000_000,
    }
}

#[test]
fn counts_per_process_and_op_in_both_formats() {
    let mut e = Fed::new(config(LabelSetting::Pid, 10));
    e.feed(&[
        sample(1, &[(7, "db")], vec![op(7, 1, NOP, 5)], vec![]),
        sample(2, &[], vec![op(7, 1, NOP, 12), op(7, 2, READ, 3)], vec![]),
    ]);
    let om = e.render(TextFormat::OpenMetrics, &ProbeFacts::default());
    assert!(om.ends_with("# EOF\n"), "{om}");
    assert!(
        om.contains("# TYPE uringtop_sqes_submitted counter\n"),
        "{om}"
    );
    assert_eq!(
        value(
            &om,
            r#"uringtop_sqes_submitted_total{comm="db",pid="7",op="NOP"}"#
        ),
        Some(12.0)
    );
    assert_eq!(
        value(
            &om,
            r#"uringtop_sqes_submitted_total{comm="db",pid="7",op="READ"}"#
        ),
        Some(3.0)
    );
    assert_eq!(
        value(
            &om,
            r#"uringtop_rings{comm="db",pid="7",setup_flags="none"}"#
        ),
        Some(2.0)
    );
    let prom = e.render(TextFormat::Prometheus, &ProbeFacts::default());
    assert!(!prom.contains("# EOF"));
    assert!(prom.contains("# TYPE uringtop_sqes_submitted_total counter\n"));
    assert!(!prom.contains("# UNIT"));
    assert_eq!(
        value(
            &prom,
            r#"uringtop_cqes_completed_total{comm="db",pid="7",op="NOP"}"#
        ),
        Some(12.0)
    );
    well_formed(&om);
    well_formed(&prom);
}

/// Every line is metadata or `name{labels} value`, and each family's samples are together.
fn well_formed(text: &str) {
    let mut families_done = std::collections::BTreeSet::new();
    let mut current = String::new();
    for line in text.lines() {
        if let Some(meta) = line.strip_prefix("# ") {
            if meta == "EOF" {
                continue;
            }
            let name = meta.split(' ').nth(1).unwrap().to_string();
            if name != current {
                assert!(families_done.insert(name.clone()), "{name} twice:\n{text}");
                current = name;
            }
            continue;
        }
        let (series, v) = line.rsplit_once(' ').unwrap();
        v.parse::<f64>()
            .unwrap_or_else(|_| panic!("value of {line}"));
        let name = series.split('{').next().unwrap();
        assert!(
            name.starts_with(current.as_str()),
            "{line} outside {current}"
        );
        assert!(
            metrics::METRIC_NAMES.contains(&name),
            "{name} not in METRIC_NAMES"
        );
    }
}

#[test]
fn a_name_shared_by_processes_never_goes_down_when_one_exits() {
    let mut e = Fed::new(config(LabelSetting::Comm, 10));
    let series = r#"uringtop_sqes_submitted_total{comm="pg",op="NOP"}"#;
    let procs = [(1, "pg"), (2, "pg")];
    e.feed(&[sample(
        1,
        &procs,
        vec![op(1, 1, NOP, 100), op(2, 2, NOP, 50)],
        vec![],
    )]);
    let at = |e: &Exporter| {
        value(
            &e.render(TextFormat::Prometheus, &ProbeFacts::default()),
            series,
        )
    };
    assert_eq!(at(&e), Some(150.0));
    // pid 1 does 10 more and exits; pid 2 does 5 more.
    e.feed(&[sample(
        2,
        &[],
        vec![op(1, 1, NOP, 110), op(2, 2, NOP, 55)],
        vec![1],
    )]);
    assert_eq!(at(&e), Some(165.0));
    // The model forgets pid 1: the sum of the live would drop to 55; the counter does not.
    e.feed(&[sample(3, &[], vec![op(2, 2, NOP, 56)], vec![])]);
    assert_eq!(at(&e), Some(166.0));
    // pid 2 exits too: the series stays for the linger time (3 s), then leaves.
    e.feed(&[sample(4, &[], vec![], vec![2])]);
    for t in 5..=6 {
        e.feed(&[sample(t, &[], vec![], vec![])]);
        assert_eq!(at(&e), Some(166.0), "at {t} s");
    }
    e.feed(&[sample(7, &[], vec![], vec![])]);
    assert_eq!(at(&e), None);
    assert_eq!(e.identities(), 0);
}

#[test]
fn rings_past_the_limit_are_counted_as_other() {
    let mut e = Fed::new(config(LabelSetting::Ring, 2));
    e.feed(&[sample(
        1,
        &[(9, "x")],
        vec![
            op(9, 1, NOP, 1),
            op(9, 2, NOP, 2),
            op(9, 3, NOP, 4),
            op(9, 4, NOP, 8),
        ],
        vec![],
    )]);
    let text = e.render(TextFormat::OpenMetrics, &ProbeFacts::default());
    let at = |s: &str| value(&text, s);
    assert_eq!(
        at(r#"uringtop_sqes_submitted_total{comm="x",pid="9",ring="1",op="NOP"}"#),
        Some(1.0)
    );
    assert_eq!(
        at(r#"uringtop_sqes_submitted_total{comm="x",pid="9",ring="2",op="NOP"}"#),
        Some(2.0)
    );
    assert_eq!(
        at(r#"uringtop_sqes_submitted_total{comm="other",pid="other",ring="other",op="NOP"}"#),
        Some(12.0)
    );
    assert_eq!(at("uringtop_exposition_folded_rings"), Some(2.0));
    assert_eq!(at("uringtop_exposition_identities"), Some(3.0));
    assert_eq!(
        at(
            r#"uringtop_ring_info{comm="x",pid="9",ring="1",setup_flags="none",sq_entries="8",cq_entries="16"}"#
        ),
        Some(1.0)
    );
    assert!(!text.contains(r#"uringtop_ring_info{comm="other""#));
    well_formed(&text);
}

#[test]
fn latency_buckets_merge_exactly_and_add_up() {
    let mut counters = OpCounters {
        submitted: 4,
        completed: 4,
        errors: 1,
        errnos: BTreeMap::from([(2, 1)]),
        ..OpCounters::default()
    };
    let latencies = [255u64, 256, 1023, 5000];
    let mut buckets = BTreeMap::new();
    for ns in latencies {
        *buckets.entry(bucket_of(ns)).or_insert(0) += 1;
    }
    counters.latency = LatencyCounts {
        count: 4,
        sum_ns: latencies.iter().sum(),
        max_ns: 5000,
        buckets,
    };
    let mut e = Fed::new(config(LabelSetting::Pid, 10));
    let input = sample(
        1,
        &[(3, "w\"q")],
        vec![OpSample {
            pid: 3,
            ring: 1,
            opcode: READ,
            counters,
            slot: 0,
        }],
        vec![],
    );
    e.feed(&[input]);
    let text = e.render(TextFormat::OpenMetrics, &ProbeFacts::default());
    let b = |le: &str| {
        value(
            &text,
            &format!(
                r#"uringtop_request_latency_seconds_bucket{{comm="w\"q",pid="3",op="READ",le="{le}"}}"#
            ),
        )
    };
    assert_eq!(b("0.000000256"), Some(1.0)); // 255 ns
    assert_eq!(b("0.000001024"), Some(3.0)); // and 256, 1023 ns
    assert_eq!(b("0.000004096"), Some(3.0));
    assert_eq!(b("0.000016384"), Some(4.0)); // and 5 µs
    assert_eq!(b("+Inf"), Some(4.0));
    let labels = r#"{comm="w\"q",pid="3",op="READ"}"#;
    assert_eq!(
        value(
            &text,
            &format!("uringtop_request_latency_seconds_count{labels}")
        ),
        Some(4.0)
    );
    assert_eq!(
        value(
            &text,
            &format!("uringtop_request_latency_seconds_sum{labels}")
        ),
        Some(6534e-9)
    );
    assert_eq!(
        value(
            &text,
            r#"uringtop_cqe_errors_total{comm="w\"q",pid="3",op="READ",errno="ENOENT"}"#
        ),
        Some(1.0)
    );
    assert!(text.contains("# UNIT uringtop_request_latency_seconds seconds\n"));
    well_formed(&text);
}

#[test]
fn observing_the_same_sample_twice_adds_nothing() {
    let mut e = Fed::new(config(LabelSetting::Pid, 10));
    e.feed(&[sample(1, &[(7, "a")], vec![op(7, 1, NOP, 5)], vec![])]);
    // Observed again without a new input, as a scrape between two samples would.
    e.exporter.observe(&e.model);
    let text = e.render(TextFormat::Prometheus, &ProbeFacts::default());
    assert_eq!(
        value(
            &text,
            r#"uringtop_sqes_submitted_total{comm="a",pid="7",op="NOP"}"#
        ),
        Some(5.0)
    );
}

#[test]
fn health_and_probe_facts() {
    let mut e = Fed::new(ExpositionConfig::default());
    let text = e.render(TextFormat::OpenMetrics, &ProbeFacts::default());
    assert_eq!(value(&text, "uringtop_probe_lost_records_total"), Some(0.0));
    assert!(!text.contains("uringtop_last_sample"), "no sample yet");
    well_formed(&text);
    let mut s = Sample {
        time_ns: 2_500_000_000,
        lost_records: 3,
        lost_updates: 1,
        unmatched_cqes: 9,
        ..Sample::default()
    };
    s.rule_hits = Some(vec![4, 0]);
    e.feed(&[Input::Sample(s)]);
    let facts = ProbeFacts {
        map_memory_bytes: Some(1 << 20),
        key_slots: Some(16384),
    };
    let text = e.render(TextFormat::OpenMetrics, &facts);
    assert_eq!(value(&text, "uringtop_probe_lost_records_total"), Some(3.0));
    assert_eq!(value(&text, "uringtop_probe_lost_updates_total"), Some(1.0));
    assert_eq!(
        value(&text, "uringtop_probe_unmatched_cqes_total"),
        Some(9.0)
    );
    assert_eq!(
        value(&text, "uringtop_probe_map_memory_bytes"),
        Some(1048576.0)
    );
    assert_eq!(value(&text, "uringtop_probe_key_slots"), Some(16384.0));
    assert_eq!(
        value(&text, r#"uringtop_policy_rule_hits_total{rule="1"}"#),
        Some(4.0)
    );
    assert_eq!(
        value(&text, "uringtop_last_sample_timestamp_seconds"),
        Some(2.5)
    );
    well_formed(&text);
}

#[test]
fn a_familys_unit_is_the_last_word_of_its_name_when_that_is_a_unit() {
    assert_eq!(metrics::LATENCY.unit(), "seconds");
    assert_eq!(metrics::MAP_MEMORY.unit(), "bytes");
    assert_eq!(metrics::LAST_SAMPLE.unit(), "seconds");
    assert_eq!(metrics::KEYS.unit(), "");
    assert_eq!(metrics::FOLDED.unit(), "");
    assert_eq!(metrics::OP_COUNTERS[0].0.unit(), "");
}
