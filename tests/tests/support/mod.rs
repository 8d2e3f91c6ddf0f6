//! Runs a workload in a child process under the real probe, through the same pipeline as `uringtop`
//! (probe -> live source -> model -> report), and hands back what was observed of that child.

// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;
use uringtop_common::input::{Input, Request};
use uringtop_common::model::Model;
use uringtop_common::policy::{MemArgs, Policy, SqeArgs, SqeFacts};
use uringtop_common::report::{OpReport, ProcessReport, Report};
use uringtop_common::verdict::VerdictCounts;
use uringtop_probe::support::{Feature, Level};
use uringtop_probe::{LoadOptions, ProbeError, RequestFilter};
use uringtop_tests::policies::add_verdicts;
use uringtop_tests::privilege::require_root;
use uringtop_tests::workloads::{run_in_child, Expected, OpExpect};

/// How the probe refuses a policy on a kernel where it cannot judge SQEs as they are submitted
/// (`uringtop check`: policy verdicts unavailable; before Linux 6.0).
pub const NO_POLICY_HERE: &str = "policies need Linux 6.0 or newer";

pub struct Observed {
    pub pid: u32,
    pub expected: Expected,
    pub report: Report,
    /// The child's request records, in arrival order.
    pub requests: Vec<Request>,
    /// What the probe stands behind on this kernel (`uringtop check`'s table).
    pub support: Vec<(Feature, Level)>,
}

impl Observed {
    /// Whether the probe shows `feature` exactly on this kernel. Where it does not, `expected`
    /// already says what the probe can show (see [`as_shown`]); a test checks what only the
    /// exact feature would show after asking this.
    pub fn exact(&self, feature: Feature) -> bool {
        self.support
            .iter()
            .any(|(f, level)| *f == feature && level.is_exact())
    }

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

    /// The child's verdicts per (ring fd, opcode name), summed over rows of the same key.
    pub fn verdicts(&self) -> BTreeMap<(Option<i32>, String), VerdictCounts> {
        let mut out = BTreeMap::new();
        for ring in &self.process().rings {
            add_verdicts(
                &mut out,
                ring.ops.iter().map(|op| {
                    let v = op
                        .verdicts
                        .unwrap_or_else(|| panic!("{}: no verdicts with a policy loaded", op.op));
                    ((ring.fd, op.op.clone()), v)
                }),
            );
        }
        out
    }

    /// Every streamed request's verdict is the reference evaluator's under `policy`, judged on
    /// what the probe captured for its record: the SQE's arguments (open flags after prep) and
    /// the user memory they point to, the ring's fd.
    pub fn assert_probe_agrees(&self, policy: &Policy) {
        let fds: BTreeMap<u32, i32> = self
            .process()
            .rings
            .iter()
            .map(|r| (r.ring, r.fd.unwrap_or(-1)))
            .collect();
        let vectored_fixed = uringtop_tests::kernel::vectored_fixed();
        assert!(!self.requests.is_empty(), "requests were streamed");
        for r in &self.requests {
            let args = r
                .args
                .as_deref()
                .unwrap_or_else(|| panic!("no arguments captured for {r:?}"));
            let open = matches!(r.opcode, 18 | 28).then(|| SqeArgs::Open {
                // Prep adds O_LARGEFILE, and the probe judges the flags after prep.
                flags: u64::from(args.sqe.op_flags) | 0o100000,
            });
            let facts = SqeFacts {
                pid: r.pid,
                uid: 0,
                comm: r.comm.clone(),
                opcode: r.opcode,
                sqe_flags: r.sqe_flags,
                ring_fd: fds.get(&r.ring).copied().unwrap_or(-1),
                args: open.unwrap_or_default(),
                mem: MemArgs::from_captured(r.opcode, args, vectored_fixed),
                ..Default::default()
            };
            assert_eq!(
                r.verdict,
                Some(policy.judge_sqe(&facts)),
                "{} user_data {} flags {:#x} {:?}",
                uringtop_common::names::opcode_name(r.opcode),
                r.user_data,
                r.sqe_flags,
                facts.mem
            );
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

/// [`observe`] with the probe judging every SQE against `policy` (reporting, not enforcing).
pub fn observe_with_policy<F>(
    test: &str,
    records: bool,
    policy: Option<&Policy>,
    workload: F,
) -> Option<Observed>
where
    F: FnOnce() -> anyhow::Result<Expected>,
{
    observe_with(test, records, &policy_options(policy, false), workload)
}

/// Load options for a probe that judges SQEs against `policy` and, with `enforce`, kills
/// what it says to kill.
fn policy_options(policy: Option<&Policy>, enforce: bool) -> LoadOptions {
    LoadOptions {
        policy: policy.map(|p| Box::new(p.compile(enforce))),
        ..Default::default()
    }
}

/// The probe judging (with `enforce`, enforcing) `policy`; None as [`load_or_refused`].
pub fn load_with_policy(
    test: &str,
    policy: &Policy,
    enforce: bool,
) -> Option<uringtop_probe::Probe> {
    load_or_refused(test, &policy_options(Some(policy), enforce))
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
    observe_checked(test, records, options, workload, true)
}

/// [`observe`] for a workload whose expectations list counts but no SQEs (its user_data identify
/// none): only its counts are checked for consistency.
pub fn observe_counts<F>(test: &str, workload: F) -> Option<Observed>
where
    F: FnOnce() -> anyhow::Result<Expected>,
{
    observe_checked(test, false, &Default::default(), workload, false)
}

fn observe_checked<F>(
    test: &str,
    records: bool,
    options: &uringtop_probe::LoadOptions,
    workload: F,
    with_sqes: bool,
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
    let probe = load_or_refused(test, options)?;
    let support = probe.support();
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
    if with_sqes {
        expected
            .validate()
            .unwrap_or_else(|e| panic!("{test}: inconsistent expectations: {e:#}"));
    }
    let expected = as_shown(expected, &support);
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
        support,
    })
}

/// The one place where tests learn what this kernel lets the probe show: the workload's exact
/// expectations, turned into what the probe can show where a feature is not exact here. Every
/// test's count and record assertions go through it, on every kernel of the matrix.
pub fn as_shown(expected: Expected, support: &[(Feature, Level)]) -> Expected {
    let exact = |f: Feature| support.iter().any(|(g, l)| *g == f && l.is_exact());
    if exact(Feature::Denials) {
        expected
    } else {
        expected.without_refusals_seen()
    }
}

/// The probe loaded with `options`; None when a policy was asked for on a kernel where the probe
/// cannot judge SQEs, after checking it says so in plain words (the degraded assertion of every
/// policy test there).
pub fn load_or_refused(
    test: &str,
    options: &uringtop_probe::LoadOptions,
) -> Option<uringtop_probe::Probe> {
    match uringtop_probe::Probe::load_with(options) {
        Ok(probe) => Some(probe),
        Err(e @ ProbeError::PolicyUnavailable) if options.policy.is_some() => {
            let text = e.to_string();
            assert!(text.starts_with(NO_POLICY_HERE), "{text}");
            let _ = std::io::Write::write_all(
                &mut std::io::stderr().lock(),
                format!("NOT RUN {test}: {text}\n").as_bytes(),
            );
            None
        }
        Err(e) => panic!("loading the probe: {e}"),
    }
}
