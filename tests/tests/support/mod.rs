//! Runs a workload in a child process under the real probe, through the same pipeline as `uringtop`
//! (probe -> live source -> model -> report), and hands back what was observed of that child.

// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;
use uringtop_common::input::{Input, Request};
use uringtop_common::model::Model;
use uringtop_common::report::{OpReport, ProcessReport, Report};
use uringtop_probe::RequestFilter;
use uringtop_tests::privilege::require_root;
use uringtop_tests::workloads::{run_in_child, Expected, OpExpect};

pub struct Observed {
    pub pid: u32,
    pub expected: Expected,
    pub report: Report,
    /// The child's request records, in arrival order.
    pub requests: Vec<Request>,
}

impl Observed {
    pub fn process(&self) -> &ProcessReport {
        self.report
            .processes
            .iter()
            .find(|p| p.pid == self.pid)
            .unwrap_or_else(|| {
                panic!(
                    "the probe saw nothing of pid {}: {:#?}",
                    self.pid, self.report
                )
            })
    }

    /// The child's counts per opcode name, summed over its rings.
    pub fn ops(&self) -> BTreeMap<String, OpReport> {
        let mut ops: BTreeMap<String, OpReport> = BTreeMap::new();
        for ring in &self.process().rings {
            for op in &ring.ops {
                match ops.get_mut(&op.op) {
                    None => {
                        ops.insert(op.op.clone(), op.clone());
                    }
                    Some(sum) => {
                        sum.submitted += op.submitted;
                        sum.rejected += op.rejected;
                        sum.denied += op.denied;
                        sum.completed += op.completed;
                        sum.async_punts += op.async_punts;
                        for (e, n) in &op.errors {
                            *sum.errors.entry(e.clone()).or_default() += n;
                        }
                    }
                }
            }
        }
        ops
    }

    /// Every opcode's counts equal the workload's, and no other opcode shows up.
    pub fn assert_exact_counts(&self) {
        let seen = self.ops();
        let seen_names: Vec<&String> = seen.keys().collect();
        let expected_names: Vec<&String> = self.expected.ops.keys().collect();
        assert_eq!(
            seen_names, expected_names,
            "opcodes seen for pid {}",
            self.pid
        );
        for (name, want) in &self.expected.ops {
            let got = &seen[name];
            let got_counts = OpExpect {
                submitted: got.submitted,
                rejected: got.rejected,
                denied: got.denied,
                completed: got.completed,
                errors: got.errors.clone(),
                punted: want.punted.map(|_| got.async_punts),
            };
            assert_eq!(&got_counts, want, "{name} of pid {}", self.pid);
        }
    }

    /// Every issued request was timed, and the percentiles are ordered and positive.
    pub fn assert_latencies(&self) {
        for (name, op) in self.ops() {
            let l = &op.latency_ns;
            if op.submitted == 0 {
                assert_eq!(l.count, 0, "{name}: a never-issued request has no latency");
                continue;
            }
            assert_eq!(
                l.count, op.submitted,
                "{name}: every issued request is timed"
            );
            assert!(l.p50 > 0, "{name}: p50 {l:?}");
            assert!(
                l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max,
                "{name}: {l:?}"
            );
        }
    }

    /// The request records are exactly the workload's SQEs, with their results.
    pub fn assert_records_match_sqes(&self) {
        assert_eq!(self.report.lost_records, 0, "records were lost");
        let key = |op: &str, fd: i32, off: u64, len: u32, ud: u64, res: i32| {
            // Only opcodes that work on a file carry its fd in the record.
            let fd = if matches!(op, "READ" | "WRITE" | "READV" | "WRITEV") {
                fd
            } else {
                -1
            };
            (op.to_string(), fd, off, len, ud, res)
        };
        let mut want: Vec<_> = self
            .expected
            .sqes
            .iter()
            .map(|s| {
                let file_op = matches!(s.op.as_str(), "READ" | "WRITE");
                let (off, len) = if file_op || s.rejected {
                    (s.off, s.len)
                } else {
                    (0, 0)
                };
                key(&s.op, s.fd, off, len, s.user_data, s.res)
            })
            .collect();
        let mut got: Vec<_> = self
            .requests
            .iter()
            .map(|r| {
                let name = uringtop_common::names::opcode_name(r.opcode);
                key(&name, r.fd, r.off, r.len, r.user_data, r.res)
            })
            .collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "request records of pid {}", self.pid);
        for r in &self.requests {
            assert_eq!(r.pid, self.pid);
            assert!(!r.comm.is_empty());
        }
    }
}

/// Loads the probe, runs `workload` in a child, stops, and returns what the model made of it.
/// None when the test must be skipped (not root, outside CI).
pub fn observe<F>(test: &str, records: bool, workload: F) -> Option<Observed>
where
    F: FnOnce() -> anyhow::Result<Expected>,
{
    observe_with_policy(test, records, None, workload)
}

/// [`observe`] with the probe judging every SQE against `policy` (compiled).
pub fn observe_with_policy<F>(
    test: &str,
    records: bool,
    policy: Option<uringtop_common::abi::Policy>,
    workload: F,
) -> Option<Observed>
where
    F: FnOnce() -> anyhow::Result<Expected>,
{
    let options = uringtop_probe::LoadOptions {
        policy: policy.map(Box::new),
        ..Default::default()
    };
    observe_with(test, records, &options, workload)
}

/// [`observe`] with the probe loaded with `options`.
pub fn observe_with<F>(
    test: &str,
    records: bool,
    options: &uringtop_probe::LoadOptions,
    workload: F,
) -> Option<Observed>
where
    F: FnOnce() -> anyhow::Result<Expected>,
{
    if !require_root(test) {
        return None;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let probe = uringtop_probe::Probe::load_with(options)
        .unwrap_or_else(|e| panic!("loading the probe: {e}"));
    let (mut inputs, control) = runtime
        .block_on(async { uringtop_probe::spawn(probe, Duration::from_millis(100)) })
        .unwrap_or_else(|e| panic!("starting the live source: {e}"));
    if records {
        control
            .stream_requests(Some(RequestFilter::default()))
            .expect("enable records");
    }
    let collector = runtime.spawn(async move {
        let mut all = Vec::new();
        while let Some(input) = inputs.recv().await {
            all.push(input);
        }
        all
    });
    let (pid, expected) =
        run_in_child(workload).unwrap_or_else(|e| panic!("{test}: workload failed: {e:#}"));
    expected
        .validate()
        .unwrap_or_else(|e| panic!("{test}: inconsistent expectations: {e:#}"));
    control.stop();
    let inputs = runtime.block_on(collector).expect("collector");
    let mut model = Model::new();
    let mut requests = Vec::new();
    for input in &inputs {
        model.apply(input);
        if let Input::Request(r) = input {
            if r.pid == pid {
                requests.push(r.clone());
            }
        }
    }
    Some(Observed {
        pid,
        expected,
        report: model.report(),
        requests,
    })
}
