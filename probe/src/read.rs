//! Reading the probe's maps into a [`Sample`]: cumulative counters, summed over CPUs, with ring
//! identities as the probe's small ids (kernel addresses stay here: they are only map keys).

use crate::error::ProbeError;
use aya::maps::{HashMap, MapData, PerCpuArray, PerCpuHashMap};
use std::collections::BTreeMap;
use uringtop_common::abi::{self, ErrKey, OpKey, OpStats, Proc, RingInfo};
use uringtop_common::input::{
    LatencyCounts, OpCounters, OpSample, ProcessSample, RingSample, Sample,
};

pub(crate) struct StatMaps {
    pub op_index: HashMap<MapData, OpKey, u32>,
    pub op_stats: PerCpuArray<MapData, OpStats>,
    pub op_errors: PerCpuHashMap<MapData, ErrKey, u64>,
    pub rings: HashMap<MapData, u32, RingInfo>,
    pub procs: HashMap<MapData, u32, Proc>,
    pub stats: PerCpuArray<MapData, u64>,
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
        let mut rings: Vec<RingSample> = self
            .rings
            .iter()
            .filter_map(Result::ok)
            .map(|(_, r)| ring_sample(&r))
            .collect();
        rings.sort_by_key(|r| r.ring);
        let mut processes: Vec<ProcessSample> = self
            .procs
            .iter()
            .filter_map(Result::ok)
            .map(|(pid, p)| ProcessSample {
                pid,
                comm: abi::comm_str(&p.comm),
                ..ProcessSample::default()
            })
            .collect();
        processes.sort_by_key(|p| p.pid);
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
            rule_hits: Vec::new(),
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
    add_latency(&mut c.latency, st);
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
