//! The report window: everything between the base (first sample, or the last rebase) and the
//! latest sample, as a [`Report`].

use super::{counters, Model, OpState, ProcessState, RingState};
use crate::input::RegisterOpSample;
use crate::latency::LatencySummary;
use crate::names::{errno_name, opcode_name, register_opcode_name, setup_flag_names};
use crate::report::{
    OpReport, ProcessReport, RegisterReport, Report, RingReport, SetupRefusedReport, SCHEMA_VERSION,
};
use std::collections::BTreeMap;

impl Model {
    /// The window from the base to the latest sample.
    ///
    /// Before any rebase the base is the probe's attach: counts start from zero (the probe
    /// starts at zero), but `duration_ns` starts at the first sample, since the attach time is
    /// not in the inputs. A source that sends a sample right at attach makes both agree.
    pub fn report(&self) -> Report {
        Report {
            schema: SCHEMA_VERSION,
            duration_ns: self.time_ns.saturating_sub(self.base_time_ns()),
            lost_records: self.lost_records.saturating_sub(self.base.lost_records),
            lost_updates: self.lost_updates.saturating_sub(self.base.lost_updates),
            unmatched_cqes: self.unmatched_cqes.saturating_sub(self.base.unmatched_cqes),
            processes: self
                .processes
                .values()
                .filter_map(|p| process_report(p, self.policy_loaded()))
                .collect(),
            rule_hits: self.policy_loaded().then(|| {
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
        let none = BTreeMap::new();
        self.setup_refused()
            .iter()
            .filter_map(|(&pid, errnos)| {
                let base = self.base.setup_refused.get(&pid).unwrap_or(&none);
                let errors: BTreeMap<String, u64> = errnos
                    .iter()
                    .map(|(&e, &n)| (e, n.saturating_sub(base.get(&e).copied().unwrap_or(0))))
                    .filter(|&(_, n)| n > 0)
                    .map(|(e, n)| (errno_name(e).into_owned(), n))
                    .collect();
                (!errors.is_empty()).then(|| SetupRefusedReport {
                    pid,
                    comm: self.comm(pid).unwrap_or_default().to_string(),
                    errors,
                })
            })
            .collect()
    }
}

fn process_report(process: &ProcessState, policy: bool) -> Option<ProcessReport> {
    let rings: Vec<RingReport> = process
        .rings
        .values()
        .filter_map(|ring| ring_report(process.pid, ring, policy))
        .collect();
    (!rings.is_empty()).then(|| ProcessReport {
        pid: process.pid,
        comm: process.comm.clone(),
        rings,
    })
}

fn ring_report(pid: u32, ring: &RingState, policy: bool) -> Option<RingReport> {
    let ops: Vec<OpReport> = ring
        .ops
        .values()
        .filter_map(|op| op_report(op, policy))
        .collect();
    // A ring is one kernel object even when several processes use it: its overflows are
    // reported under its owner only.
    let cq_overflows = if ring.info.pid == pid {
        ring.info
            .cq_overflows
            .saturating_sub(ring.base_cq_overflows)
    } else {
        0
    };
    // Register calls too belong to the ring, so they are reported under its owner.
    let register = if ring.info.pid == pid {
        register_report(ring, policy)
    } else {
        Vec::new()
    };
    if ops.is_empty() && cq_overflows == 0 && register.is_empty() {
        return None;
    }
    let info = &ring.info;
    Some(RingReport {
        ring: info.ring,
        fd: info.fd,
        setup_flags: setup_flag_names(info.setup_flags)
            .into_iter()
            .map(String::from)
            .collect(),
        sq_entries: info.sq_entries,
        cq_entries: info.cq_entries,
        cq_overflows,
        ops,
        register,
    })
}

fn register_report(ring: &RingState, policy: bool) -> Vec<RegisterReport> {
    ring.info
        .register_ops
        .iter()
        .filter_map(|now| {
            let base = ring
                .base_register_ops
                .iter()
                .find(|b| b.opcode == now.opcode);
            let zero = RegisterOpSample::default();
            let base = base.unwrap_or(&zero);
            let calls = now.calls.saturating_sub(base.calls);
            (calls > 0).then(|| RegisterReport {
                op: register_opcode_name(u32::from(now.opcode)).into_owned(),
                calls,
                failed: now.failed.saturating_sub(base.failed),
                denied: now.denied.saturating_sub(base.denied),
                verdicts: policy.then(|| now.verdicts.saturating_sub(&base.verdicts)),
            })
        })
        .collect()
}

fn op_report(op: &OpState, policy: bool) -> Option<OpReport> {
    let w = counters::difference(&op.total, &op.base);
    if counters::is_zero(&w) {
        return None;
    }
    Some(OpReport {
        op: opcode_name(op.opcode).into_owned(),
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
        latency_ns: LatencySummary::window(&w.latency.buckets, op.total.latency.max_ns),
        verdicts: policy.then_some(w.verdicts),
    })
}
