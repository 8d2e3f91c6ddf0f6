//! Samples carry what changed since the previous sample, not every key ever counted: the model
//! keeps what it was told, so an op, ring or process left out did nothing new. This keeps the
//! stream (and recordings) in proportion to activity, however many keys are live.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use uringtop_common::input::Sample;

/// Fingerprints of what the previous sample read, by key.
#[derive(Default)]
pub struct Sent {
    ops: HashMap<(u32, u32, u8), u64>,
    rings: HashMap<u32, u64>,
    processes: HashMap<u32, u64>,
}

fn fingerprint(value: &impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

impl Sent {
    /// `sample` (a full read) without the ops, rings and processes the previous sample already
    /// carried unchanged.
    pub fn changes(&mut self, mut sample: Sample) -> Sample {
        let ops: HashMap<_, _> = sample
            .ops
            .iter()
            .map(|o| {
                (
                    (o.pid, o.ring, o.opcode),
                    fingerprint(&(o.slot, &o.counters)),
                )
            })
            .collect();
        sample.ops.retain(|o| {
            self.ops.get(&(o.pid, o.ring, o.opcode)) != ops.get(&(o.pid, o.ring, o.opcode))
        });
        let rings: HashMap<_, _> = sample
            .rings
            .iter()
            .map(|r| (r.ring, fingerprint(&format!("{r:?}"))))
            .collect();
        sample
            .rings
            .retain(|r| self.rings.get(&r.ring) != rings.get(&r.ring));
        let processes: HashMap<_, _> = sample
            .processes
            .iter()
            .map(|p| (p.pid, fingerprint(&(&p.comm, &p.setup_refused))))
            .collect();
        sample
            .processes
            .retain(|p| self.processes.get(&p.pid) != processes.get(&p.pid));
        // What the maps no longer hold is dropped here too, so this stays as large as what is live.
        *self = Sent {
            ops,
            rings,
            processes,
        };
        sample
    }

    /// Forgets processes and rings that left, so that the same pid or ring id seen again is sent
    /// in full.
    pub fn forget(&mut self, pids: &BTreeSet<u32>, rings: &BTreeSet<u32>) {
        self.ops
            .retain(|&(pid, ring, _), _| !pids.contains(&pid) && !rings.contains(&ring));
        self.rings.retain(|ring, _| !rings.contains(ring));
        self.processes.retain(|pid, _| !pids.contains(pid));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uringtop_common::input::{OpCounters, OpSample, ProcessSample};

    fn op(pid: u32, submitted: u64) -> OpSample {
        OpSample {
            pid,
            ring: 1,
            opcode: 0,
            counters: OpCounters {
                submitted,
                ..OpCounters::default()
            },
            slot: 300,
        }
    }

    #[test]
    fn only_what_changed_is_sent_again() {
        let mut sent = Sent::default();
        let full = |a: u64, b: u64| Sample {
            ops: vec![op(1, a), op(2, b)],
            processes: vec![ProcessSample {
                pid: 1,
                comm: "a".into(),
                ..ProcessSample::default()
            }],
            ..Sample::default()
        };
        assert_eq!(sent.changes(full(5, 7)).ops.len(), 2);
        let second = sent.changes(full(5, 9));
        assert_eq!(second.ops, vec![op(2, 9)]);
        assert!(second.processes.is_empty());
        sent.forget(&BTreeSet::from([1]), &BTreeSet::new());
        let third = sent.changes(full(5, 9));
        assert_eq!(third.ops, vec![op(1, 5)]);
        assert_eq!(third.processes.len(), 1);
    }
}
