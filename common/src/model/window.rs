//! The report window: everything between the base (first sample, or the last rebase) and the
//! latest sample, as a [`Report`] — what is live, and what departed within the window.

use super::departed::register_window;
use super::{counters, DepartedRing, Model, RingState};
use crate::input::{OpCounters, RegisterOpSample, RingSample, OTHER_RINGS};
use crate::latency::LatencySummary;
use crate::names::{errno_name, opcode_name, register_opcode_name, setup_flag_names};
use crate::report::{
    OpReport, ProcessReport, RegisterReport, Report, RingReport, SetupRefusedReport, SCHEMA_VERSION,
};
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

impl Model {
    /// The window from the base to the latest sample.
    ///
    /// Before any rebase the base is the probe's attach: counts start from zero (the probe
    /// starts at zero), but `duration_ns` starts at the first sample, since the attach time is
    /// not in the inputs. A source that sends a sample right at attach makes both agree.
    ///
    /// Processes that exited and rings that closed within the window are in it, with what they
    /// did before they went. A pid seen twice in the window (its process exited and the pid came
    /// back, or counts arrived after the exit) is one process in the report, the counts of both
    /// summed under it: per pid, ring and opcode the totals are exact.
    pub fn report(&self) -> Report {
        let mut pids: BTreeMap<u32, PidWindow> = BTreeMap::new();
        // Departed first, so the name of a live process wins over an earlier one's with its pid.
        for d in self.departed() {
            pids.entry(d.pid).or_default().add_departed(d);
        }
        for p in self.processes.values() {
            let window = pids.entry(p.pid).or_default();
            for ring in p.rings.values() {
                window.add(p.pid, &p.comm, ring);
            }
        }
        let policy = self.policy_loaded();
        Report {
            schema: SCHEMA_VERSION,
            duration_ns: self.time_ns.saturating_sub(self.base_time_ns()),
            lost_records: self.lost_records.saturating_sub(self.base.lost_records),
            lost_updates: self.lost_updates.saturating_sub(self.base.lost_updates),
            unmatched_cqes: self.unmatched_cqes.saturating_sub(self.base.unmatched_cqes),
            processes: pids
                .into_iter()
                .filter_map(|(pid, w)| w.report(pid, policy))
                .map(|mut p| {
                    let context = self.context(p.pid).or(self.departed.contexts.get(&p.pid));
                    p.context = context.cloned().unwrap_or_default();
                    p
                })
                .collect(),
            rule_hits: policy.then(|| {
                self.rule_hits()
                    .iter()
                    .enumerate()
                    .map(|(i, &n)| {
                        n.saturating_sub(self.base.rule_hits.get(i).copied().unwrap_or(0))
                    })
                    .collect()
            }),
            setup_refused: self.setup_refused_report(),
        }
    }

    fn setup_refused_report(&self) -> Vec<SetupRefusedReport> {
        let mut by_pid: BTreeMap<u32, (String, BTreeMap<u16, u64>)> =
            self.departed.setup_refused.clone();
        let none = BTreeMap::new();
        for (&pid, errnos) in self.setup_refused() {
            let base = self.base.setup_refused.get(&pid).unwrap_or(&none);
            let entry = by_pid.entry(pid).or_default();
            if let Some(comm) = self.comm(pid) {
                entry.0 = comm.to_string();
            }
            for (&e, &n) in errnos {
                let n = n.saturating_sub(base.get(&e).copied().unwrap_or(0));
                let slot = entry.1.entry(e).or_insert(0);
                *slot = slot.saturating_add(n);
            }
        }
        by_pid
            .into_iter()
            .filter_map(|(pid, (comm, errnos))| {
                let errors: BTreeMap<String, u64> = errnos
                    .into_iter()
                    .filter(|&(_, n)| n > 0)
                    .map(|(e, n)| (errno_name(e).into_owned(), n))
                    .collect();
                (!errors.is_empty()).then_some(SetupRefusedReport { pid, comm, errors })
            })
            .collect()
    }
}

/// One pid's share of the window, over every state that held it (live or departed).
#[derive(Default)]
struct PidWindow<'a> {
    comm: &'a str,
    rings: BTreeMap<u32, RingWindow<'a>>,
}

struct RingWindow<'a> {
    /// The latest description among the states added.
    info: &'a RingSample,
    cq_overflows: u64,
    /// Window counts by register opcode (only under the ring's owner).
    register: BTreeMap<u8, RegisterOpSample>,
    /// Window counts by opcode; `latency.max_ns` is the largest cumulative maximum.
    ops: BTreeMap<u8, OpCounters>,
}

impl<'a> PidWindow<'a> {
    /// Adds what `pid` did on a live `ring` within the window.
    fn add(&mut self, pid: u32, comm: &'a str, ring: &'a RingState) {
        let w = self.ring(comm, &ring.info);
        // A ring is one kernel object even when several processes use it: its overflows and
        // register calls are reported under its owner only.
        if ring.info.pid == pid {
            w.cq_overflows = w.cq_overflows.saturating_add(
                ring.info
                    .cq_overflows
                    .saturating_sub(ring.base_cq_overflows),
            );
            for r in register_window(&ring.info.register_ops, &ring.base_register_ops) {
                add_register(&mut w.register, &r);
            }
        }
        for op in ring.ops.values() {
            let d = counters::difference(&op.total, &op.base);
            if !d.is_zero() {
                add_op(&mut w.ops, op.opcode, d);
            }
        }
    }

    /// Adds what a ring that went holds for the window.
    fn add_departed(&mut self, d: &'a DepartedRing) {
        let w = self.ring(&d.comm, &d.info);
        w.cq_overflows = w.cq_overflows.saturating_add(d.cq_overflows);
        for r in &d.register_ops {
            add_register(&mut w.register, r);
        }
        for (opcode, counts) in &d.ops {
            add_op(&mut w.ops, *opcode, counts.clone());
        }
    }

    /// The window of ring `info.ring`, which `info` describes last so far.
    fn ring(&mut self, comm: &'a str, info: &'a RingSample) -> &mut RingWindow<'a> {
        if !comm.is_empty() {
            self.comm = comm;
        }
        let w = self.rings.entry(info.ring).or_insert_with(|| RingWindow {
            info,
            cq_overflows: 0,
            register: BTreeMap::new(),
            ops: BTreeMap::new(),
        });
        w.info = info;
        w
    }

    fn report(self, pid: u32, policy: bool) -> Option<ProcessReport> {
        let rings: Vec<RingReport> = self
            .rings
            .into_values()
            .filter_map(|ring| ring.report(policy))
            .collect();
        (!rings.is_empty()).then(|| ProcessReport {
            pid,
            comm: self.comm.to_string(),
            context: Default::default(),
            rings,
        })
    }
}

fn add_op(into: &mut BTreeMap<u8, OpCounters>, opcode: u8, window: OpCounters) {
    match into.entry(opcode) {
        Entry::Vacant(e) => {
            e.insert(window);
        }
        Entry::Occupied(mut e) => counters::accumulate(e.get_mut(), &window),
    }
}

fn add_register(into: &mut BTreeMap<u8, RegisterOpSample>, r: &RegisterOpSample) {
    let w = into.entry(r.opcode).or_insert_with(|| RegisterOpSample {
        opcode: r.opcode,
        ..RegisterOpSample::default()
    });
    w.calls = w.calls.saturating_add(r.calls);
    w.failed = w.failed.saturating_add(r.failed);
    w.denied = w.denied.saturating_add(r.denied);
    w.verdicts = w.verdicts.saturating_add(&r.verdicts);
}

impl RingWindow<'_> {
    fn report(self, policy: bool) -> Option<RingReport> {
        if self.ops.is_empty() && self.cq_overflows == 0 && self.register.is_empty() {
            return None;
        }
        let info = self.info;
        Some(RingReport {
            ring: info.ring,
            fd: info.fd,
            setup_flags: setup_flag_names(info.setup_flags)
                .into_iter()
                .map(String::from)
                .collect(),
            sq_entries: info.sq_entries,
            cq_entries: info.cq_entries,
            cq_overflows: self.cq_overflows,
            ops: self
                .ops
                .into_iter()
                .map(|(opcode, w)| op_report(opcode, &w, policy))
                .collect(),
            register: self
                .register
                .into_values()
                .map(|r| RegisterReport {
                    op: register_opcode_name(u32::from(r.opcode)).into_owned(),
                    calls: r.calls,
                    failed: r.failed,
                    denied: r.denied,
                    verdicts: policy.then_some(r.verdicts),
                })
                .collect(),
            other_rings: info.ring == OTHER_RINGS,
            registered: info.registered.clone(),
        })
    }
}

fn op_report(opcode: u8, w: &OpCounters, policy: bool) -> OpReport {
    OpReport {
        op: opcode_name(opcode).into_owned(),
        submitted: w.submitted,
        rejected: w.rejected,
        denied: w.denied,
        completed: w.completed,
        errors: w
            .errnos
            .iter()
            .map(|(&e, &n)| (errno_name(e).into_owned(), n))
            .collect(),
        async_punts: w.async_punts,
        latency_ns: LatencySummary::window(&w.latency.buckets, w.latency.max_ns),
        verdicts: policy.then_some(w.verdicts),
    }
}
