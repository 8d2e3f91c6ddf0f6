//! The report window: everything between the base (first sample, or the last rebase) and the
//! latest sample, as a [`Report`].

use super::{counters, Model, OpState, ProcessState, RingState};
use crate::latency::LatencySummary;
use crate::names::{errno_name, opcode_name, setup_flag_names};
use crate::report::{OpReport, ProcessReport, Report, RingReport, SCHEMA_VERSION};

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
            processes: self.processes.values().filter_map(process_report).collect(),
        }
    }
}

fn process_report(process: &ProcessState) -> Option<ProcessReport> {
    let rings: Vec<RingReport> = process
        .rings
        .values()
        .filter_map(|ring| ring_report(process.pid, ring))
        .collect();
    (!rings.is_empty()).then(|| ProcessReport {
        pid: process.pid,
        comm: process.comm.clone(),
        rings,
    })
}

fn ring_report(pid: u32, ring: &RingState) -> Option<RingReport> {
    let ops: Vec<OpReport> = ring.ops.values().filter_map(op_report).collect();
    // A ring is one kernel object even when several processes use it: its overflows are
    // reported under its owner only.
    let cq_overflows = if ring.info.pid == pid {
        ring.info
            .cq_overflows
            .saturating_sub(ring.base_cq_overflows)
    } else {
        0
    };
    if ops.is_empty() && cq_overflows == 0 {
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
    })
}

fn op_report(op: &OpState) -> Option<OpReport> {
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
    })
}
