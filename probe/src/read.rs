//! Reading the probe's maps into a [`Sample`]: cumulative counters, summed over CPUs, with ring
//! identities as the probe's small ids (kernel addresses stay here: they are only map keys).

use crate::error::ProbeError;
use crate::reclaim::{Reclaimer, SlotRead};
use aya::maps::{HashMap, MapData, PerCpuArray, PerCpuHashMap, PerCpuValues, Queue};
use aya::programs::ProgramFd;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::time::Instant;
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
    /// Recycled op_stats indexes, for the probe to reuse.
    pub free_stats: Queue<MapData, u32>,
    /// Recycling of idle counter slots; None when the probe cannot void its caches.
    pub reclaim: Option<(Reclaimer, ProgramFd)>,
    /// Counter updates that landed on slots being recycled (see [`crate::reclaim`]).
    pub reclaim_lost: u64,
    /// How many times each op_stats index was recycled: with the index, it tells the model when
    /// a key's counters moved to a fresh slot (see `OpSample::slot`).
    pub recycled: std::collections::HashMap<u32, u32>,
}

fn map_err(what: &str, e: impl std::fmt::Display) -> ProbeError {
    ProbeError::Setup(format!("reading the {what} map: {e}"))
}

impl StatMaps {
    /// Reads every counter (and recycles the slots of keys that went quiet: see
    /// [`crate::reclaim`]).
    pub fn sample(&mut self, time_ns: u64) -> Result<Sample, ProbeError> {
        let mut ops: BTreeMap<(u32, u32, u8), OpCounters> = BTreeMap::new();
        let mut slots = Vec::new();
        let mut slot_ids: BTreeMap<(u32, u32, u8), u64> = BTreeMap::new();
        for entry in self.op_index.iter() {
            let Ok((key, index)) = entry else { continue };
            // An index past the end of op_stats was never counted (the probe counts it as lost).
            let Ok(per_cpu) = self.op_stats.get(&index, 0) else {
                continue;
            };
            let mut slot = OpCounters::default();
            for st in per_cpu.iter() {
                add_stats(&mut slot, st);
            }
            slots.push((key, index, slot_read(&slot)));
            let times = self.recycled.get(&index).copied().unwrap_or(0);
            slot_ids.insert(
                (key.tgid, key.ring, key.opcode as u8),
                (u64::from(times) << 32) | u64::from(index),
            );
            let c = ops
                .entry((key.tgid, key.ring, key.opcode as u8))
                .or_default();
            merge_counters(c, &slot);
        }
        self.recycle(&slots)?;
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
                    // The ring's totals are its opcodes' sums (the probe counts each once).
                    ring.register_calls = ops.iter().map(|o| o.calls).sum();
                    ring.register_failed = ops.iter().map(|o| o.failed).sum();
                    ring.register_denied = ops.iter().map(|o| o.denied).sum();
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
            lost_updates: stat(abi::STAT_LOST_UPDATES)? + self.reclaim_lost,
            unmatched_cqes: stat(abi::STAT_UNMATCHED)?,
            processes,
            rings,
            ops: ops
                .into_iter()
                .map(|((pid, ring, opcode), counters)| OpSample {
                    slot: slot_ids.get(&(pid, ring, opcode)).copied().unwrap_or(0),
                    pid,
                    ring,
                    opcode,
                    counters,
                })
                .collect(),
            rule_hits,
            exited: Vec::new(),
            closed_rings: Vec::new(),
        })
    }
}

impl StatMaps {
    /// Carries out the reclaimer's plan for this read (see [`crate::reclaim`]).
    fn recycle(&mut self, slots: &[(OpKey, u32, SlotRead)]) -> Result<(), ProbeError> {
        let Some((reclaimer, invalidate)) = &mut self.reclaim else {
            return Ok(());
        };
        let op_stats = &self.op_stats;
        let plan = reclaimer.step(Instant::now(), slots, |index| {
            let per_cpu = op_stats.get(&index, 0).ok()?;
            let mut slot = OpCounters::default();
            for st in per_cpu.iter() {
                add_stats(&mut slot, st);
            }
            Some(slot_read(&slot))
        });
        self.reclaim_lost += plan.lost;
        for key in &plan.retire {
            let _ = self.op_index.remove(key);
        }
        // The key's errno counts go with it, so that a key that comes back starts from zero
        // everywhere (the model carries the old totals over).
        if !plan.retire.is_empty() {
            let retired: std::collections::HashSet<(u32, u32, u32)> = plan
                .retire
                .iter()
                .map(|k| (k.tgid, k.ring, k.opcode))
                .collect();
            let doomed: Vec<ErrKey> = self
                .op_errors
                .keys()
                .filter_map(Result::ok)
                .filter(|e| retired.contains(&(e.tgid, e.ring, u32::from(e.opcode))))
                .collect();
            for e in doomed {
                let _ = self.op_errors.remove(&e);
            }
        }
        if !plan.retire.is_empty() {
            crate::cache_flush::run_once(invalidate)
                .map_err(|e| ProbeError::Setup(format!("voiding the probe's caches: {e}")))?;
        }
        for &index in &plan.free {
            *self.recycled.entry(index).or_default() += 1;
        }
        for index in plan.free {
            let cpus = aya::util::nr_cpus().map_err(|(_, e)| map_err("op_stats", e))?;
            // SAFETY: OpStats is plain old data (integers only): all zeroes is a valid value.
            let zero: OpStats = unsafe { std::mem::zeroed() };
            let zeroes =
                PerCpuValues::try_from(vec![zero; cpus]).map_err(|e| map_err("op_stats", e))?;
            self.op_stats
                .set(index, zeroes, 0)
                .map_err(|e| map_err("op_stats", e))?;
            self.free_stats
                .push(index, 0)
                .map_err(|e| map_err("free_stats", e))?;
        }
        Ok(())
    }
}

/// What the reclaimer needs to know of one slot.
fn slot_read(c: &OpCounters) -> SlotRead {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    c.hash(&mut h);
    SlotRead {
        fingerprint: h.finish(),
        events: c.submitted + c.rejected + c.completed + c.async_punts + c.poll_arms,
        inflight: uringtop_common::model::counters::inflight(c),
    }
}

/// Adds one slot's counters into a key's (a key has one slot; summing keeps it general).
fn merge_counters(c: &mut OpCounters, slot: &OpCounters) {
    uringtop_common::model::counters::accumulate(c, slot);
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
        ..RingSample::default()
    }
}
