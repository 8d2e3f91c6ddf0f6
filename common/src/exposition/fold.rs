//! The exporter's state: per identity, the counts its members added up, sample by sample.

use super::{ExpositionConfig, LabelSetting};
use crate::input::{OpCounters, OTHER_RINGS};
use crate::model::counters;
use crate::model::Model;
use std::collections::BTreeMap;

/// Folds the model after every sample into series with bounded cardinality (see the module).
#[derive(Clone, Debug, Default)]
pub struct Exporter {
    pub(super) config: ExpositionConfig,
    /// By the identity's label text (`comm="x",pid="7"`), which is also the series' sort order.
    pub(super) series: BTreeMap<String, Series>,
    /// The live (pid, ring) pairs and the identity each is counted under.
    pub(super) members: BTreeMap<(u32, u32), Member>,
    /// The model's sample count when last observed, so that observing twice adds nothing.
    observed_samples: u64,
    pub(super) time_ns: u64,
    pub(super) lost_records: u64,
    pub(super) lost_updates: u64,
    pub(super) unmatched_cqes: u64,
    /// Live (process, ring, opcode) keys in the model.
    pub(super) keys: usize,
    pub(super) rule_hits: Option<Vec<u64>>,
    /// Samples folded in.
    pub(super) samples: u64,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Series {
    /// Counts by opcode, since the identity appeared.
    pub ops: BTreeMap<u8, OpCounters>,
    pub cq_overflows: u64,
    /// Live members counted under it (0: lingering, or about to go).
    pub members: usize,
    /// Sample time at which its last member left.
    pub empty_since_ns: Option<u64>,
}

#[derive(Clone, Debug)]
pub(super) struct Member {
    /// The identity's label text (the key of [`Exporter::series`]).
    pub identity: String,
    /// Ring-level facts, for `uringtop_rings` and `uringtop_ring_info`.
    pub setup_flags: u32,
    pub sq_entries: u32,
    pub cq_entries: u32,
    /// The ring's cumulative CQ overflows when last observed (only under its owner).
    cq_overflows_seen: u64,
    seen: bool,
}

/// The identity label text of the keys past the limit.
pub(super) fn overflow_identity(setting: LabelSetting) -> String {
    match setting {
        LabelSetting::Comm => r#"comm="other""#.into(),
        LabelSetting::Pid => r#"comm="other",pid="other""#.into(),
        LabelSetting::Ring => r#"comm="other",pid="other",ring="other""#.into(),
    }
}

/// The identity label text of `pid`'s ring `ring` (labels in a fixed order, values escaped).
fn identity(setting: LabelSetting, comm: &str, pid: u32, ring: u32) -> String {
    let mut s = String::with_capacity(48);
    s.push_str("comm=\"");
    // pid 0 is the probe's row for processes it could not count one by one.
    if pid == 0 {
        s.push_str("other");
    } else {
        super::text::escape_label_into(&mut s, comm);
    }
    s.push('"');
    if setting == LabelSetting::Comm {
        return s;
    }
    if pid == 0 {
        s.push_str(",pid=\"other\"");
    } else {
        s.push_str(&format!(",pid=\"{pid}\""));
    }
    if setting == LabelSetting::Ring {
        if ring == OTHER_RINGS {
            s.push_str(",ring=\"other\"");
        } else {
            s.push_str(&format!(",ring=\"{ring}\""));
        }
    }
    s
}

impl Exporter {
    pub fn new(config: ExpositionConfig) -> Exporter {
        Exporter {
            config,
            ..Exporter::default()
        }
    }

    pub fn config(&self) -> &ExpositionConfig {
        &self.config
    }

    /// Identities in the exposition now (the `other` one included, when it is there).
    pub fn identities(&self) -> usize {
        self.series.len()
    }

    /// Live keys counted under `other` because the limit was reached.
    pub fn folded_members(&self) -> usize {
        let other = overflow_identity(self.config.labels);
        self.members
            .values()
            .filter(|m| m.identity == other)
            .count()
    }

    /// Adds what the model's latest sample changed. Call after every sample the model applies
    /// (a sample skipped is a sample lost to the counters); calling again before the next
    /// sample changes nothing.
    pub fn observe(&mut self, model: &Model) {
        if model.samples() == self.observed_samples {
            return;
        }
        self.observed_samples = model.samples();
        self.samples = self.samples.saturating_add(1);
        self.time_ns = model.time_ns();
        self.lost_records = model.lost_records();
        self.lost_updates = model.lost_updates();
        self.unmatched_cqes = model.unmatched_cqes();
        self.rule_hits = model.policy_loaded().then(|| model.rule_hits().to_vec());
        self.keys = model.footprint().ops;

        for member in self.members.values_mut() {
            member.seen = false;
        }
        let mut leaving = Vec::new();
        for process in model.processes() {
            for (&ring_id, ring) in &process.rings {
                let key = (process.pid, ring_id);
                if !self.members.contains_key(&key) {
                    let id = identity(self.config.labels, &process.comm, process.pid, ring_id);
                    let id = self.admit(id);
                    self.members.insert(
                        key,
                        Member {
                            identity: id,
                            setup_flags: 0,
                            sq_entries: 0,
                            cq_entries: 0,
                            cq_overflows_seen: 0,
                            seen: false,
                        },
                    );
                }
                let Some(member) = self.members.get_mut(&key) else {
                    continue;
                };
                member.seen = true;
                member.setup_flags = ring.info.setup_flags;
                member.sq_entries = ring.info.sq_entries;
                member.cq_entries = ring.info.cq_entries;
                let series = self.series.entry(member.identity.clone()).or_default();
                // A ring is one kernel object: its overflows count under its owner only.
                if ring.info.pid == process.pid {
                    let now = ring.info.cq_overflows;
                    series.cq_overflows = series
                        .cq_overflows
                        .saturating_add(now.saturating_sub(member.cq_overflows_seen));
                    member.cq_overflows_seen = now;
                }
                for op in ring.ops.values() {
                    let d = counters::difference(&op.total, &op.prev);
                    if d.is_zero() {
                        continue;
                    }
                    match series.ops.get_mut(&op.opcode) {
                        Some(total) => counters::accumulate(total, &d),
                        None => {
                            series.ops.insert(op.opcode, d);
                        }
                    }
                }
                if ring.closed || process.exited {
                    leaving.push(key);
                }
            }
        }
        // Members the model no longer holds left without a word (or were marked last sample).
        self.members.retain(|_, m| m.seen);
        for key in leaving {
            self.members.remove(&key);
        }
        for series in self.series.values_mut() {
            series.members = 0;
        }
        for member in self.members.values() {
            if let Some(series) = self.series.get_mut(&member.identity) {
                series.members += 1;
            }
        }
        let (now, linger) = (self.time_ns, self.config.linger_ns);
        self.series.retain(|_, s| {
            if s.members > 0 {
                s.empty_since_ns = None;
                return true;
            }
            let since = *s.empty_since_ns.get_or_insert(now);
            now.saturating_sub(since) < linger
        });
    }

    /// The identity a new key is counted under: its own if that has a series or there is room
    /// for one more, else `other`.
    fn admit(&mut self, id: String) -> String {
        if self.series.contains_key(&id) {
            return id;
        }
        let other = overflow_identity(self.config.labels);
        let own = self.series.len() - usize::from(self.series.contains_key(&other));
        if own < self.config.limit {
            self.series.insert(id.clone(), Series::default());
            id
        } else {
            self.series.entry(other.clone()).or_default();
            other
        }
    }
}
