//! Reading the probe's maps into a [`Sample`]: cumulative counters, summed over CPUs, with ring
//! identities as the probe's small ids (kernel addresses stay here: they are only map keys).

use crate::error::ProbeError;
use aya::maps::{HashMap, MapData, PerCpuArray, PerCpuHashMap};
use std::collections::BTreeMap;
use uringtop_common::abi::{self, ErrKey, OpKey, OpStats, Proc, RingInfo};
use uringtop_common::abi::{RegisterKey, RegisterStats, SetupKey};
use uringtop_common::input::RegisterOpSample;
use uringtop_common::input::{
    LatencyCounts, OpCounters, OpSample, ProcessSample, RingSample, Sample,
};
use uringtop_common::verdict::{Action, VerdictCounts};

pub(crate) struct StatMaps {
    pub op_index: HashMap<MapData, OpKey, u32>,
    pub op_stats: PerCpuArray<MapData, OpStats>,
    pub op_errors: PerCpuHashMap<MapData, ErrKey, u64>,
    pub rings: HashMap<MapData, u32, RingInfo>,
    pub procs: HashMap<MapData, u32, Proc>,
    pub stats: PerCpuArray<MapData, u64>,
    pub register_stats: HashMap<MapData, RegisterKey, RegisterStats>,
    pub setup_refused: HashMap<MapData, SetupKey, u64>,
    pub rule_hits: PerCpuArray<MapData, u64>,
    /// Rules in the loaded policy; None without a policy.
    pub rules: Option<u32>,
}

fn map_err(what: &str, e: impl std::fmt::Display) -> ProbeError {
    ProbeError::Setup(format!("reading the {what} map: {e}"))
}

impl StatMaps {
    pub fn sample(&self, time_ns: u64) -> Result<Sample, ProbeError> {
        let mut ops: BTreeMap<(u32, u32, u8), OpCounters> = BTreeMap::new();
        for entry in self.op_index.iter() {
            let Ok((key, index)) = entry else { continue };
            // An index past the end of op_stats was never counted (the probe counts it as lost).
            let Ok(per_cpu) = self.op_stats.get(&index, 0) else {
                continue;
            };
            let c = ops
                .entry((key.tgid, key.ring, key.opcode as u8))
                .or_default();
            for st in per_cpu.iter() {
                add_stats(c, st);
            }
        }
        for entry in self.op_errors.iter() {
            let Ok((key, per_cpu)) = entry else { continue };
            let n: u64 = per_cpu.iter().sum();
            let c = ops
                .entry((key.tgid, key.ring, key.opcode as u8))
                .or_default();
            *c.errnos.entry(key.err).or_default() += n;
        }
        let mut register_ops: BTreeMap<u32, Vec<RegisterOpSample>> = BTreeMap::new();
        for (key, rs) in self.register_stats.iter().filter_map(Result::ok) {
            register_ops
                .entry(key.ring)
                .or_default()
                .push(RegisterOpSample {
                    opcode: key.opcode.min(255) as u8,
                    calls: rs.calls,
                    failed: rs.failed,
                    denied: rs.denied,
                    verdicts: verdict_counts(&rs.verdicts),
                });
        }
        let mut rings: Vec<RingSample> = self
            .rings
            .iter()
            .filter_map(Result::ok)
            .map(|(_, r)| {
                let mut ring = ring_sample(&r);
                if let Some(mut ops) = register_ops.remove(&r.id) {
                    ops.sort_by_key(|o| o.opcode);
                    ring.register_ops = ops;
                }
                ring
            })
            .collect();
        rings.sort_by_key(|r| r.ring);
        let mut refused: BTreeMap<u32, BTreeMap<u16, u64>> = BTreeMap::new();
        for (key, n) in self.setup_refused.iter().filter_map(Result::ok) {
            *refused
                .entry(key.tgid)
                .or_default()
                .entry(key.err.min(u32::from(u16::MAX)) as u16)
                .or_default() += n;
        }
        let mut processes: Vec<ProcessSample> = self
            .procs
            .iter()
            .filter_map(Result::ok)
            .map(|(pid, p)| ProcessSample {
                pid,
                comm: abi::comm_str(&p.comm),
                setup_refused: refused.remove(&pid).unwrap_or_default(),
            })
            .collect();
        // Refusals of a process the procs map no longer holds (evicted) still count.
        processes.extend(
            refused
                .into_iter()
                .map(|(pid, setup_refused)| ProcessSample {
                    pid,
                    comm: String::new(),
                    setup_refused,
                }),
        );
        processes.sort_by_key(|p| p.pid);
        let rule_hits = match self.rules {
            None => None,
            Some(n) => {
                let mut hits = Vec::with_capacity(n as usize);
                for i in 0..n {
                    let per_cpu = self
                        .rule_hits
                        .get(&i, 0)
                        .map_err(|e| map_err("rule_hits", e))?;
                    hits.push(per_cpu.iter().sum());
                }
                Some(hits)
            }
        };
        let stat = |i: u32| -> Result<u64, ProbeError> {
            Ok(self
                .stats
                .get(&i, 0)
                .map_err(|e| map_err("stats", e))?
                .iter()
                .sum())
        };
        Ok(Sample {
            time_ns,
            lost_records: stat(abi::STAT_LOST_RECORDS)?,
            lost_updates: stat(abi::STAT_LOST_UPDATES)?,
            unmatched_cqes: stat(abi::STAT_UNMATCHED)?,
            processes,
            rings,
            ops: ops
                .into_iter()
                .map(|((pid, ring, opcode), counters)| OpSample {
                    pid,
                    ring,
                    opcode,
                    counters,
                })
                .collect(),
            rule_hits,
        })
    }
}

fn add_stats(c: &mut OpCounters, st: &OpStats) {
    c.submitted += st.submitted;
    c.rejected += st.rejected;
    c.denied += st.denied;
    c.completed += st.completed;
    c.errors += st.errors;
    c.async_punts += st.async_punts;
    c.poll_arms += st.poll_arms;
    c.unmatched += st.unmatched;
    c.verdicts = c.verdicts.saturating_add(&verdict_counts(&st.verdicts));
    c.sqe_flags_seen |= (st.sqe_flags_seen & 0x7f) as u8;
    c.sqe_flags_missing |= (st.sqe_flags_missing & 0x7f) as u8;
    add_latency(&mut c.latency, st);
}

fn verdict_counts(by_action: &[u64; 4]) -> VerdictCounts {
    let mut v = VerdictCounts::default();
    for action in Action::ALL {
        *v.get_mut(action) = by_action[usize::from(action.abi())];
    }
    v
}

fn add_latency(l: &mut LatencyCounts, st: &OpStats) {
    l.count += st.lat_count;
    l.sum_ns += st.lat_sum;
    l.max_ns = l.max_ns.max(st.lat_max);
    for (bucket, &n) in st.lat_hist.iter().enumerate() {
        if n != 0 {
            *l.buckets.entry(bucket as u16).or_default() += n;
        }
    }
}

fn ring_sample(r: &RingInfo) -> RingSample {
    RingSample {
        ring: r.id,
        pid: r.owner_tgid,
        fd: (r.fd >= 0).then_some(r.fd),
        setup_flags: r.setup_flags,
        sq_entries: r.sq_entries,
        cq_entries: r.cq_entries,
        cq_overflows: r.cq_overflows,
        register_calls: r.register_calls,
        register_failed: r.register_failed,
        register_denied: r.register_denied,
        register_ops: Vec::new(),
    }
}
