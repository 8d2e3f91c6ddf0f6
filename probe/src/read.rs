//! Reading the probe's maps into a [`Sample`]: cumulative counters, summed over CPUs, with ring
//! identities as the probe's small ids (kernel addresses stay here: they are only map keys).
//!
//! Only the counter slots the probe marked as changed are read (see [`crate::dirty`]); the others
//! are remembered from their last read, so a sample costs in proportion to what changed, not to
//! every live key. Hash maps are read in batches (see [`crate::batch`]).
//!
//! A sample carries only what changed since the previous one (see [`crate::changes`]), and says
//! which processes exited and which rings closed (see [`crate::departures`]); their counter slots
//! are retired at once, and every slot idle for long is recycled (see [`crate::reclaim`]).

use crate::batch;
use crate::changes::Sent;
use crate::departures::{Departures, Gone};
use crate::dirty::DirtySlots;
use crate::error::ProbeError;
use crate::load::Pools;
use crate::reclaim::{Reclaimer, SlotRead};
use crate::wrap::HistCarry;
use aya::maps::{Array, HashMap, MapData, PerCpuArray, PerCpuValues, Queue};
use aya::programs::ProgramFd;
use std::collections::{BTreeMap, BTreeSet, HashMap as StdHashMap};
use std::hash::{Hash, Hasher};
use std::time::Instant;
use uringtop_common::abi::{self, ErrKey, OpKey, OpShared, OpStats, Proc, RingInfo};
use uringtop_common::abi::{RegisterKey, RegisterStats, SetupKey};
use uringtop_common::input::{
    OpCounters, OpSample, ProcessSample, RegisterOpSample, RingSample, Sample, OTHER_RINGS,
};
use uringtop_common::verdict::{Action, VerdictCounts};

pub(crate) struct StatMaps {
    pub op_index: HashMap<MapData, OpKey, u32>,
    pub op_stats: PerCpuArray<MapData, OpStats>,
    pub op_shared: Array<MapData, OpShared>,
    pub op_errors: HashMap<MapData, ErrKey, u64>,
    pub rings: HashMap<MapData, u32, RingInfo>,
    pub procs: HashMap<MapData, u32, Proc>,
    pub stats: PerCpuArray<MapData, u64>,
    pub register_stats: HashMap<MapData, RegisterKey, RegisterStats>,
    pub setup_refused: HashMap<MapData, SetupKey, u64>,
    pub rule_hits: PerCpuArray<MapData, u64>,
    /// Rules in the loaded policy; None without a policy.
    pub rules: Option<u32>,
    /// Recycled indexes of each pool, for the probe to reuse.
    pub free_stats: Queue<MapData, u32>,
    pub free_coarse: Queue<MapData, u32>,
    /// Processes that exited and rings that closed, as the probe saw them.
    pub exited: Queue<MapData, u32>,
    pub closed: Queue<MapData, u32>,
    pub pools: Pools,
    /// Recycling of idle counter slots; None when the probe cannot void its caches.
    pub reclaim: Option<(Reclaimer, ProgramFd)>,
    /// Counter updates that landed on slots being recycled (see [`crate::reclaim`]).
    pub reclaim_lost: u64,
    /// How many times each index was recycled: with the index, it tells the model when a key's
    /// counters moved to a fresh slot (see `OpSample::slot`).
    pub recycled: StdHashMap<u32, u32>,
    /// 64-bit totals of the probe's 32-bit latency buckets, by index.
    pub hist: StdHashMap<u32, HistCarry>,
    pub departures: Departures,
    pub sent: Sent,
    /// Marks of the slots that changed; None where the kernel cannot map them (every live slot
    /// is then read each sample).
    pub dirty: Option<DirtySlots>,
    /// Which key each live index counts (op_index, read again when an unknown index shows up).
    pub keys: StdHashMap<u32, OpKey>,
    /// Every live slot as last read.
    pub slots: StdHashMap<u32, Slot>,
    /// User, cgroup and command line of each live process.
    pub contexts: crate::context::Contexts,
    /// Each live ring's registered files and buffers, from its fdinfo.
    pub registrations: crate::registered::Registrations,
}

fn map_err(what: &str, e: impl std::fmt::Display) -> ProbeError {
    ProbeError::Setup(format!("reading the {what} map: {e}"))
}

/// One counter slot as last read.
#[derive(Clone)]
pub(crate) struct Slot {
    key: OpKey,
    index: u32,
    counters: OpCounters,
    /// For the reclaimer, from the raw parts as it reads retired slots too (see [`raw_read`]).
    read: SlotRead,
}

/// One of the probe's own counters (URT_STAT_*), summed over CPUs.
pub(crate) fn stat(maps: &StatMaps, i: u32) -> Result<u64, ProbeError> {
    Ok(maps
        .stats
        .get(&i, 0)
        .map_err(|e| map_err("stats", e))?
        .iter()
        .sum())
}

impl StatMaps {
    /// Reads every counter, retires the slots of processes that exited, rings that closed and
    /// keys that went quiet, and returns what changed.
    pub fn sample(&mut self, time_ns: u64) -> Result<Sample, ProbeError> {
        let now = Instant::now();
        self.departures
            .arrive(now, drain(&mut self.exited), drain(&mut self.closed));
        let changed = self.read_slots()?;
        self.add_errors(&changed);

        // Who leaves with this sample: their counts in it are final.
        // Departures are announced only where their keys can be retired: otherwise a late CQE
        // would count again, under the same slot, everything the model was told to forget.
        let due = self.departures.due(now);
        let mut gone = if self.reclaim.is_some() {
            due
        } else {
            Gone::default()
        };
        self.close_rings_of(&mut gone);
        let ops: Vec<OpSample> = changed
            .iter()
            .filter_map(|index| self.slots.get(index))
            .map(|s| OpSample {
                slot: self.slot_id(s.index),
                pid: s.key.tgid,
                ring: s.key.ring,
                opcode: s.key.opcode as u8,
                counters: s.counters.clone(),
            })
            .collect();
        let (retire_now, idle): (Vec<_>, Vec<_>) = self
            .slots
            .values()
            .filter(|s| s.index >= abi::FIRST_SLOT)
            .map(|s| (s.key, s.index, s.read))
            .partition(|(key, _, _)| gone.covers(key));
        self.recycle(now, &retire_now, &idle)?;

        let mut rings = self.read_rings();
        self.registrations.fill(&mut rings, now);
        let processes = self.read_processes();
        let rule_hits = self.read_rule_hits()?;
        let sample = Sample {
            time_ns,
            lost_records: stat(self, abi::STAT_LOST_RECORDS)?,
            lost_updates: stat(self, abi::STAT_LOST_UPDATES)? + self.reclaim_lost,
            unmatched_cqes: stat(self, abi::STAT_UNMATCHED)?,
            processes,
            rings,
            ops,
            rule_hits,
            exited: gone.pids.iter().copied().collect(),
            closed_rings: gone.rings.iter().copied().collect(),
        };
        let sample = self.sent.changes(sample);
        // Forget what left, so that a pid or ring id seen again later is sent in full.
        for &pid in &gone.pids {
            let _ = self.procs.remove(&pid);
            self.contexts.forget(pid);
        }
        for &ring in &gone.rings {
            let _ = self.rings.remove(&ring);
            self.registrations.forget(ring);
        }
        self.sent.forget(&gone.pids, &gone.rings);
        Ok(sample)
    }

    /// Reads the slots that changed (every live one without marks) into `slots`, and returns
    /// the indexes whose counters differ from their last read, sorted.
    fn read_slots(&mut self) -> Result<Vec<u32>, ProbeError> {
        let indexes = match &mut self.dirty {
            Some(dirty) => dirty.take(),
            None => {
                self.refresh_keys();
                let mut all: Vec<u32> = self.keys.keys().copied().collect();
                let opcode_rows: u64 = self
                    .stats
                    .get(&abi::STAT_OPCODE_ROWS, 0)
                    .map_err(|e| map_err("stats", e))?
                    .iter()
                    .sum();
                if opcode_rows > 0 {
                    all.extend(1..abi::FIRST_SLOT);
                }
                all.sort_unstable();
                all
            }
        };
        let unknown = |maps: &Self, i: &u32| *i >= abi::FIRST_SLOT && !maps.keys.contains_key(i);
        if self.dirty.is_some() && indexes.iter().any(|i| unknown(self, i)) {
            self.refresh_keys();
        }
        let mut changed = Vec::new();
        for index in indexes {
            let key = if index < abi::FIRST_SLOT {
                // The opcode rows (see stats_index_slow in helpers.h).
                OpKey {
                    tgid: 0,
                    ring: OTHER_RINGS,
                    opcode: index - 1,
                }
            } else {
                match self.keys.get(&index) {
                    Some(key) => *key,
                    // Retired: a late count there is the reclaimer's to find.
                    None => continue,
                }
            };
            // An index past the end of op_stats was never counted (the probe counts it as lost).
            let Some((counters, read)) = self.read_counters(index) else {
                continue;
            };
            if index < abi::FIRST_SLOT && counters.is_zero() {
                continue; // an opcode row nobody used
            }
            let slot = Slot {
                key,
                index,
                counters,
                read,
            };
            let same = self
                .slots
                .get(&index)
                .is_some_and(|old| old.key == key && old.counters == slot.counters);
            if !same {
                changed.push(index);
            }
            self.slots.insert(index, slot);
        }
        Ok(changed)
    }

    /// Which key each index counts, from op_index.
    fn refresh_keys(&mut self) {
        self.keys = batch::entries(&self.op_index)
            .into_iter()
            .map(|(key, index)| (index, key))
            .collect();
    }

    /// The counters at `index`, both parts, latency buckets carried into 64 bits, and what the
    /// reclaimer needs to know of the slot.
    fn read_counters(&mut self, index: u32) -> Option<(OpCounters, SlotRead)> {
        let per_cpu = self.op_stats.get(&index, 0).ok()?;
        let shared = self.op_shared.get(&index, 0).ok()?;
        let mut c = OpCounters::default();
        let (mut seen, mut missing) = (0u8, 0u8);
        for st in per_cpu.iter() {
            c.submitted += st.submitted;
            c.completed += st.completed;
            c.errors += st.errors;
            c.async_punts += st.async_punts;
            c.poll_arms += st.poll_arms;
            c.unmatched += st.unmatched;
            c.extra_cqes += st.extra_cqes;
            c.latency.max_ns = c.latency.max_ns.max(st.lat_max);
            seen |= st.sqe_flags_seen;
            missing |= st.sqe_flags_missing;
        }
        c.sqe_flags_seen = seen & 0x7f;
        c.sqe_flags_missing = missing & 0x7f;
        c.rejected = shared.rejected;
        c.denied = shared.denied;
        c.latency.count = shared.lat_count;
        c.latency.sum_ns = shared.lat_sum;
        c.latency.buckets = self.hist.entry(index).or_default().carry(&shared.lat_hist);
        if self.rules.is_some() {
            c.verdicts = verdicts(&c, &shared.violations);
            c.verdicts.denied_by_kernel = shared.kernel_denied;
        }
        let read = SlotRead {
            inflight: c.inflight(),
            ..raw_read(&per_cpu, &shared)
        };
        Some((c, read))
    }

    /// Errno counts of the slots just read, by the index they were counted on.
    fn add_errors(&mut self, read: &[u32]) {
        if !read
            .iter()
            .any(|i| self.slots.get(i).is_some_and(|s| s.counters.errors > 0))
        {
            return;
        }
        let read: BTreeSet<u32> = read.iter().copied().collect();
        for (key, n) in batch::entries(&self.op_errors) {
            if !read.contains(&key.stats) {
                continue;
            }
            if let Some(slot) = self.slots.get_mut(&key.stats) {
                *slot
                    .counters
                    .errnos
                    .entry(key.err.min(u32::from(u16::MAX)) as u16)
                    .or_default() += n;
            }
        }
    }

    /// A process that exits takes along the rings it created that no other process counts on.
    fn close_rings_of(&self, gone: &mut Gone) {
        if gone.pids.is_empty() {
            return;
        }
        let shared: BTreeSet<u32> = self
            .slots
            .values()
            .filter(|s| !gone.pids.contains(&s.key.tgid))
            .map(|s| s.key.ring)
            .collect();
        for (id, ring) in batch::entries(&self.rings) {
            if gone.pids.contains(&ring.owner_tgid) && !shared.contains(&id) {
                gone.rings.insert(id);
            }
        }
    }

    /// `OpSample::slot` of an index: the index and how often it was recycled.
    fn slot_id(&self, index: u32) -> u64 {
        let times = self.recycled.get(&index).copied().unwrap_or(0);
        (u64::from(times) << 32) | u64::from(index)
    }

    fn read_rings(&self) -> Vec<RingSample> {
        let mut register_ops: BTreeMap<u32, Vec<RegisterOpSample>> = BTreeMap::new();
        for (key, rs) in batch::entries(&self.register_stats) {
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
        let mut rings: Vec<RingSample> = batch::entries(&self.rings)
            .into_iter()
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
        rings
    }

    fn read_processes(&mut self) -> Vec<ProcessSample> {
        let mut refused: BTreeMap<u32, BTreeMap<u16, u64>> = BTreeMap::new();
        for (key, n) in batch::entries(&self.setup_refused) {
            *refused
                .entry(key.tgid)
                .or_default()
                .entry(key.err.min(u32::from(u16::MAX)) as u16)
                .or_default() += n;
        }
        let mut processes: Vec<ProcessSample> = batch::entries(&self.procs)
            .into_iter()
            .map(|(pid, p)| {
                let mut comm = abi::comm_str(&p.comm);
                if comm.is_empty() {
                    // Seen only through another process's event (see remember_process).
                    comm = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                        .map(|c| c.trim_end().to_string())
                        .unwrap_or_default();
                }
                ProcessSample {
                    pid,
                    comm,
                    setup_refused: refused.remove(&pid).unwrap_or_default(),
                    context: self.contexts.of(pid, &p),
                }
            })
            .collect();
        // Refusals of a process the procs map no longer holds (evicted) still count.
        processes.extend(
            refused
                .into_iter()
                .map(|(pid, setup_refused)| ProcessSample {
                    pid,
                    setup_refused,
                    ..ProcessSample::default()
                }),
        );
        processes.sort_by_key(|p| p.pid);
        processes
    }

    fn read_rule_hits(&self) -> Result<Option<Vec<u64>>, ProbeError> {
        let Some(n) = self.rules else {
            return Ok(None);
        };
        let mut hits = Vec::with_capacity(n as usize);
        for i in 0..n {
            let per_cpu = self
                .rule_hits
                .get(&i, 0)
                .map_err(|e| map_err("rule_hits", e))?;
            hits.push(per_cpu.iter().sum());
        }
        Ok(Some(hits))
    }
}

impl StatMaps {
    /// Retires the slots of what left (`now`) and of keys that went quiet, and frees the slots
    /// retired a grace period ago (see [`crate::reclaim`]).
    fn recycle(
        &mut self,
        now: Instant,
        leaving: &[(OpKey, u32, SlotRead)],
        idle: &[(OpKey, u32, SlotRead)],
    ) -> Result<(), ProbeError> {
        let Some((reclaimer, invalidate)) = &mut self.reclaim else {
            return Ok(());
        };
        let mut retire: Vec<OpKey> = Vec::new();
        for &(key, index, read) in leaving {
            reclaimer.retire_now(now, index, read);
            retire.push(key);
        }
        let op_stats = &self.op_stats;
        let op_shared = &self.op_shared;
        let plan = reclaimer.step(now, idle, |index| {
            let per_cpu = op_stats.get(&index, 0).ok()?;
            let shared = op_shared.get(&index, 0).ok()?;
            Some(raw_read(&per_cpu, &shared))
        });
        self.reclaim_lost += plan.lost;
        retire.extend(plan.retire);
        for key in &retire {
            let _ = self.op_index.remove(key);
        }
        if !retire.is_empty() {
            // Retired slots are no longer reported; a late count there is the reclaimer's.
            let retired: BTreeSet<OpKey> = retire.iter().copied().collect();
            self.slots.retain(|_, s| !retired.contains(&s.key));
            self.keys.retain(|_, key| !retired.contains(key));
        }
        if !retire.is_empty() {
            crate::cache_flush::run_once(invalidate)
                .map_err(|e| ProbeError::Setup(format!("voiding the probe's caches: {e}")))?;
        }
        if plan.free.is_empty() {
            return Ok(());
        }
        let freed: BTreeSet<u32> = plan.free.iter().copied().collect();
        // The freed slots' errno counts go with them: a key that comes back starts from zero.
        let doomed: Vec<ErrKey> = batch::entries(&self.op_errors)
            .into_iter()
            .map(|(e, _)| e)
            .filter(|e| freed.contains(&e.stats))
            .collect();
        for e in doomed {
            let _ = self.op_errors.remove(&e);
        }
        let cpus = aya::util::nr_cpus().map_err(|(_, e)| map_err("op_stats", e))?;
        for index in plan.free {
            *self.recycled.entry(index).or_default() += 1;
            self.hist.remove(&index);
            let zeroes = PerCpuValues::try_from(vec![OpStats::default(); cpus])
                .map_err(|e| map_err("op_stats", e))?;
            self.op_stats
                .set(index, zeroes, 0)
                .map_err(|e| map_err("op_stats", e))?;
            self.op_shared
                .set(index, OpShared::default(), 0)
                .map_err(|e| map_err("op_shared", e))?;
            let pool = if self.pools.is_fallback(index) {
                &mut self.free_coarse
            } else {
                &mut self.free_stats
            };
            pool.push(index, 0).map_err(|e| map_err("free_stats", e))?;
        }
        Ok(())
    }
}

/// Everything waiting in a queue map.
fn drain(queue: &mut Queue<MapData, u32>) -> Vec<u32> {
    let mut out = Vec::new();
    while let Ok(v) = queue.pop(0) {
        out.push(v);
    }
    out
}

/// What the reclaimer needs to know of a slot, from its raw parts: the same for a live slot and
/// for a retired one no key points at any more, so that a retired slot left untouched is seen
/// as such (in-flight requests, which only live slots need, are left to the caller).
fn raw_read(per_cpu: &PerCpuValues<OpStats>, shared: &OpShared) -> SlotRead {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut events = shared.rejected;
    for st in per_cpu.iter() {
        (st.submitted, st.completed, st.errors, st.async_punts).hash(&mut h);
        (st.poll_arms, st.unmatched, st.extra_cqes).hash(&mut h);
        events += st.submitted + st.completed + st.async_punts + st.poll_arms;
    }
    (
        shared.rejected,
        shared.lat_count,
        shared.violations,
        shared.kernel_denied,
    )
        .hash(&mut h);
    SlotRead {
        fingerprint: h.finish(),
        events,
        inflight: 0,
    }
}

/// Verdicts of a key's SQEs: the probe counts log, deny and kill; allow is every other SQE it
/// judged (all of them, submitted or rejected, while a policy is loaded).
fn verdicts(c: &OpCounters, violations: &[u64; 3]) -> VerdictCounts {
    let mut v = VerdictCounts::default();
    let judged = c.submitted + c.rejected;
    *v.get_mut(Action::Log) = violations[0];
    *v.get_mut(Action::Deny) = violations[1];
    *v.get_mut(Action::Kill) = violations[2];
    *v.get_mut(Action::Allow) = judged.saturating_sub(violations.iter().sum());
    v
}

fn verdict_counts(by_action: &[u64; 4]) -> VerdictCounts {
    let mut v = VerdictCounts::default();
    for action in Action::ALL {
        *v.get_mut(action) = by_action[usize::from(action.abi())];
    }
    v
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
