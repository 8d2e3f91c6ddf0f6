//! From the model to the advice: per process x ring, what the kernel accepted while observed.

use std::collections::{BTreeMap, BTreeSet};
use uringtop_common::input::{OpCounters, RegisterOpSample, RingSample};
use uringtop_common::model::Model;

/// IOSQE_* bits the kernel knows (bit 7 is unassigned): a bit clear here is never advised.
pub const KNOWN_SQE_FLAGS: u8 = 0x7f;

/// Register opcodes left out of the advice although observed: IORING_REGISTER_RESTRICTIONS and
/// IORING_REGISTER_ENABLE_RINGS are how restrictions are put in place, on the disabled ring;
/// once it is enabled the kernel refuses both anyway, so allowing them would only widen the set.
const SETUP_ONLY_REGISTER_OPS: [u8; 2] = [11, 12];

/// Where the observation came from, for the outputs' headers.
#[derive(Clone, Debug, PartialEq)]
pub enum ObservedFrom {
    /// The live probe.
    Live,
    /// A recording file, as the user named it.
    Recording(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    pub source: ObservedFrom,
    /// How long the observation covered.
    pub seconds: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Advice {
    pub observed: Observed,
    /// By pid; only processes with at least one advised ring.
    pub processes: Vec<ProcessAdvice>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProcessAdvice {
    pub pid: u32,
    /// "" when the probe never reported a name.
    pub comm: String,
    /// By ring id.
    pub rings: Vec<RingAdvice>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RingAdvice {
    pub ring: u32,
    pub fd: Option<i32>,
    /// IORING_SETUP_* bits, as created.
    pub setup_flags: u32,
    /// SQE opcodes the kernel accepted (submitted > 0), ascending.
    pub sqe_ops: Vec<u8>,
    /// IOSQE_* bits set on some accepted SQE.
    pub sqe_flags_allowed: u8,
    /// IOSQE_* bits set on every accepted SQE (a subset of `sqe_flags_allowed`).
    pub sqe_flags_required: u8,
    /// IORING_REGISTER_* opcodes with at least one call the kernel did not deny, ascending.
    pub register_ops: Vec<u8>,
}

/// The advice from everything the model holds (cumulative since its first sample): its live
/// processes and the rings that went before (closed, or their process exited), for every process
/// or only `only_pid`. A pid seen in several lives is one process here, as in the report: its
/// rings are those of every life. Rings on which nothing was accepted are left out.
pub fn advise(model: &Model, only_pid: Option<u32>, observed: Observed) -> Advice {
    // Departed first, so that a live process's name wins. (The model is never rebased here, so
    // a departed ring's window counts are its counts since the first sample.)
    let departed = model.departed().map(|d| {
        let ops: Vec<(u8, &OpCounters)> = d.ops.iter().map(|(op, c)| (*op, c)).collect();
        (
            d.pid,
            d.comm.as_str(),
            ring_advice(&d.info, &ops, &d.register_ops),
        )
    });
    let live = model.rings().map(|(p, r)| {
        let ops: Vec<(u8, &OpCounters)> = r.ops.values().map(|op| (op.opcode, &op.total)).collect();
        (
            p.pid,
            p.comm.as_str(),
            ring_advice(&r.info, &ops, &r.info.register_ops),
        )
    });
    let mut by_pid: BTreeMap<u32, ProcessAdvice> = BTreeMap::new();
    for (pid, comm, advice) in departed.chain(live) {
        if only_pid.is_some_and(|only| only != pid) {
            continue;
        }
        let Some(advice) = advice else {
            continue;
        };
        let process = by_pid.entry(pid).or_insert_with(|| ProcessAdvice {
            pid,
            comm: String::new(),
            rings: Vec::new(),
        });
        if !comm.is_empty() {
            process.comm = comm.to_string();
        }
        match process.rings.iter_mut().find(|r| r.ring == advice.ring) {
            Some(same) => same.merge(advice),
            None => process.rings.push(advice),
        }
    }
    let processes = by_pid
        .into_values()
        .map(|mut p| {
            p.rings.sort_by_key(|r| r.ring);
            p
        })
        .collect();
    Advice {
        observed,
        processes,
    }
}

impl RingAdvice {
    /// The same ring seen in two lives of one pid: what either accepted.
    fn merge(&mut self, other: RingAdvice) {
        let union = |a: &mut Vec<u8>, b: Vec<u8>| {
            a.extend(b);
            a.sort_unstable();
            a.dedup();
        };
        // Required: set on every accepted SQE of both (a life without SQEs requires nothing).
        self.sqe_flags_required = match (self.sqe_ops.is_empty(), other.sqe_ops.is_empty()) {
            (true, _) => other.sqe_flags_required,
            (false, true) => self.sqe_flags_required,
            (false, false) => self.sqe_flags_required & other.sqe_flags_required,
        };
        union(&mut self.sqe_ops, other.sqe_ops);
        union(&mut self.register_ops, other.register_ops);
        self.sqe_flags_allowed |= other.sqe_flags_allowed;
    }
}

/// A ring's advice from its counts by opcode and its register calls, both since the first
/// sample.
fn ring_advice(
    info: &RingSample,
    ops: &[(u8, &OpCounters)],
    register: &[RegisterOpSample],
) -> Option<RingAdvice> {
    let accepted: Vec<(u8, &OpCounters)> = ops
        .iter()
        .copied()
        .filter(|(_, c)| c.submitted > 0)
        .collect();
    let allowed = accepted
        .iter()
        .fold(0u8, |acc, (_, c)| acc | c.sqe_flags_seen)
        & KNOWN_SQE_FLAGS;
    // Required = set on every SQE. Intersected with what was seen, so that a probe which
    // reports no flags at all (seen = missing = 0) advises no requirement rather than all of them.
    let on_every_sqe = accepted
        .iter()
        .fold(KNOWN_SQE_FLAGS, |acc, (_, c)| acc & !c.sqe_flags_missing);
    let required = if accepted.is_empty() {
        0
    } else {
        on_every_sqe & allowed
    };
    let register_ops: BTreeSet<u8> = register
        .iter()
        .filter(|r| r.calls > r.denied && !SETUP_ONLY_REGISTER_OPS.contains(&r.opcode))
        .map(|r| r.opcode)
        .collect();
    if accepted.is_empty() && register_ops.is_empty() {
        return None;
    }
    Some(RingAdvice {
        ring: info.ring,
        fd: info.fd,
        setup_flags: info.setup_flags,
        sqe_ops: accepted.iter().map(|(op, _)| *op).collect(),
        sqe_flags_allowed: allowed,
        sqe_flags_required: required,
        register_ops: register_ops.into_iter().collect(),
    })
}
