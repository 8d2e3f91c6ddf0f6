//! The deterministic model: folds a stream of [`Input`]s into the state every sink reads.
//!
//! Determinism: only ordered containers (BTreeMap, VecDeque), no clocks, no randomness; time is
//! whatever the samples say. The same inputs always give an equal `Model` and the same report.

pub mod checkpoint;
pub mod counters;
mod departed;
mod history;
mod interval;
mod snapshot;
mod state;
mod window;

pub use departed::DepartedRing;
pub use history::History;
pub use interval::IntervalStats;
pub use state::{OpState, ProcessState, RingState, RATE_HISTORY};

use crate::input::{Input, OpCounters, Request, RingSample, Sample};
use crate::process_context::ProcessContext;
use crate::verdict::Action;
use departed::{Departed, Leaving};
use interval::IntervalAccum;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// How many streamed requests the model keeps (the oldest are dropped first).
pub const REQUEST_HISTORY: usize = 10_000;
/// How many policy violations (requests with a log, deny or kill verdict) the model keeps.
pub const VIOLATION_HISTORY: usize = 2_000;

/// Serializable for checkpoints (see [`checkpoint`]): the two request logs go in the
/// recordings' compact request encoding beside the rest, hence skipped here.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Model {
    samples: u64,
    start_ns: u64,
    time_ns: u64,
    lost_records: u64,
    lost_updates: u64,
    unmatched_cqes: u64,
    /// Names by pid, including processes that have no ring yet (until they exit).
    comms: BTreeMap<u32, String>,
    /// User, cgroup and command line by live pid (see [`ProcessContext`]).
    contexts: BTreeMap<u32, ProcessContext>,
    /// Latest description of every ring some live process holds, by ring id.
    ring_infos: BTreeMap<u32, RingSample>,
    /// How many processes hold each ring (entries in their `rings`): a ring's description is
    /// forgotten with its last holder.
    ring_holders: BTreeMap<u32, u32>,
    processes: BTreeMap<u32, ProcessState>,
    /// Marked departed by the latest sample, forgotten at the start of the next.
    leaving: Leaving,
    /// What departed since the last rebase, for the report window (never for a display model).
    departed: Departed,
    /// See [`Model::for_display`].
    display_only: bool,
    interval: IntervalStats,
    #[serde(skip)]
    requests: History<Request, REQUEST_HISTORY>,
    #[serde(skip)]
    violations: History<Request, VIOLATION_HISTORY>,
    /// Cumulative verdicts per policy rule; None without a policy.
    rule_hits: Option<Vec<u64>>,
    /// io_uring_setup calls refused by the kernel, by pid, then errno (cumulative).
    setup_refused: BTreeMap<u32, BTreeMap<u16, u64>>,
    base: Base,
}

/// Where the report window starts; see [`Model::rebase`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Base {
    /// None until the first sample (or a rebase after it) fixes it.
    time_ns: Option<u64>,
    lost_records: u64,
    lost_updates: u64,
    unmatched_cqes: u64,
    rule_hits: Vec<u64>,
    setup_refused: BTreeMap<u32, BTreeMap<u16, u64>>,
}

impl Model {
    /// A model for reports: what departs (exited processes, closed rings) leaves the live state
    /// one sample after it went, but the report window keeps what it did until the next
    /// [`Model::rebase`]. Its memory follows what is live plus what departed within the window.
    pub fn new() -> Self {
        Self::default()
    }

    /// A model for screens that never report a window (the TUI, live or replayed): what departs
    /// is dropped as soon as it has shown its last interval, so memory follows what is live
    /// however long the session and however many processes come and go. Its [`Model::report`]
    /// covers only what is still live. (A display could instead rebase every sample, but that
    /// would copy every counter once more per sample for a window nobody reads.)
    pub fn for_display() -> Self {
        Model {
            display_only: true,
            ..Self::default()
        }
    }

    pub fn apply(&mut self, input: &Input) {
        match input {
            Input::Sample(sample) => self.apply_sample(sample),
            Input::Request(request) => self.apply_request(request),
        }
    }

    /// Starts a new report window at the latest sample: afterwards [`Model::report`] covers only
    /// what happens from now on (used for one JSON line per interval). Before any sample this
    /// does nothing, and the window starts at the first sample.
    pub fn rebase(&mut self) {
        if self.samples == 0 {
            return;
        }
        self.base = Base {
            time_ns: Some(self.time_ns),
            lost_records: self.lost_records,
            lost_updates: self.lost_updates,
            unmatched_cqes: self.unmatched_cqes,
            rule_hits: self.rule_hits().to_vec(),
            setup_refused: self.setup_refused.clone(),
        };
        self.departed = Departed::default();
        for process in self.processes.values_mut() {
            for ring in process.rings.values_mut() {
                ring.base_cq_overflows = ring.info.cq_overflows;
                ring.base_register_ops.clone_from(&ring.info.register_ops);
                for op in ring.ops.values_mut() {
                    op.base = op.total.clone();
                }
            }
        }
    }

    fn apply_request(&mut self, request: &Request) {
        if request.verdict.is_some_and(|v| v.action != Action::Allow) {
            self.violations.push(request.clone());
        }
        self.requests.push(request.clone());
    }

    fn apply_sample(&mut self, sample: &Sample) {
        self.forget_leaving();
        // The first interval runs from attach, whose time is unknown: call it 1 s. Time that does
        // not advance (a duplicate or reordered read) also gets 1 s rather than an infinite rate.
        let seconds = if self.samples > 0 && sample.time_ns > self.time_ns {
            (sample.time_ns - self.time_ns) as f64 / 1e9
        } else {
            1.0
        };
        if self.samples == 0 {
            self.start_ns = sample.time_ns;
        }
        if self.base.time_ns.is_none() {
            self.base.time_ns = Some(sample.time_ns);
        }
        self.samples = self.samples.saturating_add(1);
        self.time_ns = sample.time_ns;
        self.lost_records = sample.lost_records;
        self.lost_updates = sample.lost_updates;
        self.unmatched_cqes = sample.unmatched_cqes;

        for p in &sample.processes {
            if !p.comm.is_empty() {
                self.comms.insert(p.pid, p.comm.clone());
            }
            if !p.context.is_empty() {
                self.contexts.insert(p.pid, p.context.clone());
            }
            if !p.setup_refused.is_empty() {
                self.setup_refused.insert(p.pid, p.setup_refused.clone());
            }
        }
        self.rule_hits.clone_from(&sample.rule_hits);
        for r in &sample.rings {
            // A ring that outlived its creator (a child holds it) is still described under the
            // creator's pid: keep the description, without bringing the creator back.
            let held = self.ring_infos.insert(r.ring, r.clone()).is_some();
            if !held || self.processes.contains_key(&r.pid) {
                self.ring_entry(r.pid, r.ring);
            }
        }
        // An op missing from this read did nothing this interval: the probe sends only what is
        // new or changed (and an evicted entry is missing too).
        for process in self.processes.values_mut() {
            for ring in process.rings.values_mut() {
                for op in ring.ops.values_mut() {
                    op.prev.clone_from(&op.total);
                }
            }
        }
        for o in &sample.ops {
            let op = self
                .ring_entry(o.pid, o.ring)
                .ops
                .entry(o.opcode)
                .or_insert_with(|| OpState {
                    opcode: o.opcode,
                    ..OpState::default()
                });
            // A new slot starts from zero: everything in it is new, whatever the old slot held.
            // (0: the source did not say which slot; recordings made before slots were said.)
            let since = if o.slot != 0 && o.slot != op.slot {
                OpCounters::default()
            } else {
                op.raw.clone()
            };
            if o.slot != 0 {
                op.slot = o.slot;
            }
            let d = counters::delta(&since, &o.counters);
            counters::accumulate(&mut op.total, &d);
            op.raw.clone_from(&o.counters);
        }
        self.mark_departures(sample);
        self.refresh(seconds);
    }

    /// Marks what the sample says went: shown one last time, forgotten at the next sample.
    fn mark_departures(&mut self, sample: &Sample) {
        if !sample.closed_rings.is_empty() {
            let closed: BTreeSet<u32> = sample.closed_rings.iter().copied().collect();
            for (&pid, process) in &mut self.processes {
                let mut mark = |id: u32, ring: &mut RingState| {
                    if !ring.closed {
                        ring.closed = true;
                        self.leaving.rings.push((pid, id));
                    }
                };
                // Whichever is shorter: the closed rings, or the process's own.
                if closed.len() < process.rings.len() {
                    for &id in &closed {
                        if let Some(ring) = process.rings.get_mut(&id) {
                            mark(id, ring);
                        }
                    }
                } else {
                    for (&id, ring) in &mut process.rings {
                        if closed.contains(&id) {
                            mark(id, ring);
                        }
                    }
                }
            }
            self.leaving.closed.extend(closed);
        }
        for &pid in &sample.exited {
            if let Some(process) = self.processes.get_mut(&pid) {
                process.exited = true;
                for ring in process.rings.values_mut() {
                    ring.closed = true;
                }
            }
            self.leaving.pids.push(pid);
        }
    }

    /// Forgets what the previous sample marked departed, keeping what the report window needs.
    /// Costs in proportion to what departed, not to what is live or was ever seen.
    fn forget_leaving(&mut self) {
        if self.leaving.is_empty() {
            return;
        }
        let leaving = std::mem::take(&mut self.leaving);
        for (pid, id) in leaving.rings {
            let Some(process) = self.processes.get_mut(&pid) else {
                continue;
            };
            let Some(ring) = process.rings.remove(&id) else {
                continue;
            };
            let comm = process.comm.clone();
            if process.rings.is_empty() {
                // Nothing left to show; its name stays in `comms` for a ring it may open later.
                self.processes.remove(&pid);
            }
            self.release_ring(id);
            if !self.display_only {
                self.departed.keep_ring(pid, &comm, ring);
            }
        }
        for pid in leaving.pids {
            let comm = self.comms.remove(&pid);
            if let Some(context) = self.contexts.remove(&pid) {
                if !self.display_only {
                    self.departed.contexts.insert(pid, context);
                }
            }
            if let Some(process) = self.processes.remove(&pid) {
                for (id, ring) in process.rings {
                    self.release_ring(id);
                    if !self.display_only {
                        self.departed.keep_ring(pid, &process.comm, ring);
                    }
                }
            }
            if let Some(refused) = self.setup_refused.remove(&pid) {
                let base = self.base.setup_refused.remove(&pid);
                if !self.display_only {
                    let comm = comm.as_deref().unwrap_or_default();
                    self.departed
                        .keep_setup_refused(pid, comm, &refused, base.as_ref());
                }
            }
        }
        for id in leaving.closed {
            self.ring_infos.remove(&id);
        }
    }

    /// One holder fewer for ring `id`; its description goes with the last one.
    fn release_ring(&mut self, id: u32) {
        if let Some(n) = self.ring_holders.get_mut(&id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.ring_holders.remove(&id);
                self.ring_infos.remove(&id);
            }
        }
    }

    /// The ring's state under `pid`, created (with the process) if new.
    fn ring_entry(&mut self, pid: u32, ring: u32) -> &mut RingState {
        let comms = &self.comms;
        let process = self.processes.entry(pid).or_insert_with(|| ProcessState {
            pid,
            comm: comms.get(&pid).cloned().unwrap_or_default(),
            ..ProcessState::default()
        });
        let holders = &mut self.ring_holders;
        process.rings.entry(ring).or_insert_with(|| {
            *holders.entry(ring).or_insert(0) += 1;
            RingState {
                info: RingSample {
                    ring,
                    pid,
                    ..RingSample::default()
                },
                ..RingState::default()
            }
        })
    }

    /// Recomputes every interval figure and extends the rate histories, after a sample.
    fn refresh(&mut self, seconds: f64) {
        let mut all = IntervalAccum::default();
        for (&pid, process) in &mut self.processes {
            if let Some(comm) = self.comms.get(&pid) {
                if process.comm != *comm {
                    process.comm.clone_from(comm);
                }
            }
            if let Some(context) = self.contexts.get(&pid) {
                if process.context != *context {
                    process.context.clone_from(context);
                    process.group = context.group();
                }
            }
            let mut process_acc = IntervalAccum::default();
            for (&ring_id, ring) in &mut process.rings {
                if let Some(info) = self.ring_infos.get(&ring_id) {
                    ring.info.clone_from(info);
                }
                let mut ring_acc = IntervalAccum::default();
                for op in ring.ops.values_mut() {
                    let mut op_acc = IntervalAccum::default();
                    op_acc.add_op(&counters::difference(&op.total, &op.prev), &op.total);
                    op.interval = op_acc.finish(seconds);
                    ring_acc.merge(&op_acc);
                }
                ring.interval = ring_acc.finish(seconds);
                ring.rate_history.push_back(ring.interval.cqe_per_s);
                while ring.rate_history.len() > RATE_HISTORY {
                    ring.rate_history.pop_front();
                }
                process_acc.merge(&ring_acc);
            }
            process.interval = process_acc.finish(seconds);
            all.merge(&process_acc);
        }
        self.interval = all.finish(seconds);
    }

    /// Samples applied so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Time of the first sample (0 before any).
    pub fn start_ns(&self) -> u64 {
        self.start_ns
    }

    /// Time of the latest sample (0 before any).
    pub fn time_ns(&self) -> u64 {
        self.time_ns
    }

    /// Start of the report window: the first sample, or the latest rebase.
    pub fn base_time_ns(&self) -> u64 {
        self.base.time_ns.unwrap_or(self.time_ns)
    }

    /// Cumulative since attach, as of the latest sample.
    pub fn lost_records(&self) -> u64 {
        self.lost_records
    }

    /// Cumulative since attach, as of the latest sample.
    pub fn lost_updates(&self) -> u64 {
        self.lost_updates
    }

    /// Cumulative since attach, as of the latest sample.
    pub fn unmatched_cqes(&self) -> u64 {
        self.unmatched_cqes
    }

    /// Everything over the latest interval.
    pub fn interval(&self) -> &IntervalStats {
        &self.interval
    }

    /// Processes with at least one ring, by pid: every live one, and those that exited during
    /// the latest interval ([`ProcessState::exited`]).
    pub fn processes(&self) -> impl Iterator<Item = &ProcessState> + '_ {
        self.processes.values()
    }

    pub fn process(&self, pid: u32) -> Option<&ProcessState> {
        self.processes.get(&pid)
    }

    /// Every (process, ring) pair, by pid then ring. A ring used by several processes appears
    /// once under each.
    pub fn rings(&self) -> impl Iterator<Item = (&ProcessState, &RingState)> + '_ {
        self.processes
            .values()
            .flat_map(|p| p.rings.values().map(move |r| (p, r)))
    }

    /// A ring by id: under its owner if the owner has it, else under the lowest pid using it.
    pub fn ring(&self, ring: u32) -> Option<(&ProcessState, &RingState)> {
        let owner = self
            .ring_infos
            .get(&ring)
            .and_then(|info| self.processes.get(&info.pid));
        if let Some(found) = owner.and_then(|p| p.rings.get(&ring).map(|r| (p, r))) {
            return Some(found);
        }
        self.processes
            .values()
            .find_map(|p| p.rings.get(&ring).map(|r| (p, r)))
    }

    /// The latest description of a ring.
    pub fn ring_info(&self, ring: u32) -> Option<&RingSample> {
        self.ring_infos.get(&ring)
    }

    /// The name the probe reported for a pid, even one without rings.
    pub fn comm(&self, pid: u32) -> Option<&str> {
        self.comms.get(&pid).map(String::as_str)
    }

    /// User, cgroup and command line of a live pid, as read at its first sight.
    pub fn context(&self, pid: u32) -> Option<&ProcessContext> {
        self.contexts.get(&pid)
    }

    /// The latest [`REQUEST_HISTORY`] streamed requests, oldest first.
    pub fn requests(&self) -> &VecDeque<Request> {
        self.requests.items()
    }

    /// Requests streamed in total, including those dropped from [`Model::requests`].
    pub fn requests_seen(&self) -> u64 {
        self.requests.seen()
    }

    /// The streamed requests, numbered in arrival order (see [`History`]).
    pub fn request_history(&self) -> &History<Request, REQUEST_HISTORY> {
        &self.requests
    }

    /// The latest [`VIOLATION_HISTORY`] requests with a log, deny or kill verdict, oldest first.
    /// They come with the request stream: the probe always streams violations while a policy
    /// is loaded, whether or not individual requests were asked for.
    pub fn violations(&self) -> &VecDeque<Request> {
        self.violations.items()
    }

    /// Violations streamed in total, including those dropped from [`Model::violations`].
    pub fn violations_seen(&self) -> u64 {
        self.violations.seen()
    }

    /// The violations, numbered in arrival order (see [`History`]).
    pub fn violation_history(&self) -> &History<Request, VIOLATION_HISTORY> {
        &self.violations
    }

    /// Cumulative verdicts per policy rule, by the rule's position (empty without a policy).
    pub fn rule_hits(&self) -> &[u64] {
        self.rule_hits.as_deref().unwrap_or_default()
    }

    /// True when the source judged requests against a policy (as of the latest sample).
    pub fn policy_loaded(&self) -> bool {
        self.rule_hits.is_some()
    }

    /// Rings that went (closed, or their process exited) since the last rebase and did something
    /// within the window, in the order they went. Always empty for a display model.
    pub fn departed(&self) -> impl Iterator<Item = &DepartedRing> + '_ {
        self.departed.rings.iter()
    }

    /// How much the model holds, to check that it follows what is live.
    pub fn footprint(&self) -> Footprint {
        Footprint {
            processes: self.processes.len(),
            rings: self.processes.values().map(|p| p.rings.len()).sum(),
            ops: self
                .processes
                .values()
                .flat_map(|p| p.rings.values())
                .map(|r| r.ops.len())
                .sum(),
            ring_infos: self.ring_infos.len(),
            comms: self.comms.len(),
            departed_rings: self.departed.rings.len(),
        }
    }

    /// io_uring_setup calls the kernel refused, by live pid, then positive errno (cumulative).
    pub fn setup_refused(&self) -> &BTreeMap<u32, BTreeMap<u16, u64>> {
        &self.setup_refused
    }
}

/// Sizes of what a [`Model`] holds (see [`Model::footprint`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    /// Processes in the live state (those that exited in the latest interval included).
    pub processes: usize,
    /// (process, ring) entries in the live state.
    pub rings: usize,
    /// (process, ring, opcode) entries in the live state.
    pub ops: usize,
    /// Ring descriptions.
    pub ring_infos: usize,
    /// Process names.
    pub comms: usize,
    /// Rings kept for the report window only.
    pub departed_rings: usize,
}
