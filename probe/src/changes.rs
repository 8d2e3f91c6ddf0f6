//! Samples carry what changed since the previous sample, not every key ever counted: the model
//! keeps what it was told, so an op, ring or process left out did nothing new. This keeps the
//! stream (and recordings) in proportion to activity, however many keys are live.

use std::collections::{BTreeSet, HashMap};
use uringtop_common::input::{ProcessSample, RingSample, Sample};

/// What the previous samples carried of each ring and process still live. Ops are compared
/// where they are read (only the slots the probe marked changed are, see [`crate::dirty`]).
#[derive(Default)]
pub struct Sent {
    rings: HashMap<u32, RingSample>,
    processes: HashMap<u32, ProcessSample>,
}

impl Sent {
    /// `sample` (with every live ring and process) without those the previous sample already
    /// carried unchanged.
    pub fn changes(&mut self, mut sample: Sample) -> Sample {
        let rings: HashMap<u32, RingSample> =
            sample.rings.iter().map(|r| (r.ring, r.clone())).collect();
        sample.rings.retain(|r| self.rings.get(&r.ring) != Some(r));
        let processes: HashMap<u32, ProcessSample> = sample
            .processes
            .iter()
            .map(|p| (p.pid, p.clone()))
            .collect();
        sample
            .processes
            .retain(|p| self.processes.get(&p.pid) != Some(p));
        // What the maps no longer hold is dropped here too, so this stays as large as what is live.
        *self = Sent { rings, processes };
        sample
    }

    /// Forgets processes and rings that left, so that the same pid or ring id seen again is sent
    /// in full.
    pub fn forget(&mut self, pids: &BTreeSet<u32>, rings: &BTreeSet<u32>) {
        self.rings.retain(|ring, _| !rings.contains(ring));
        self.processes.retain(|pid, _| !pids.contains(pid));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(ring: u32, cq_overflows: u64) -> RingSample {
        RingSample {
            ring,
            pid: 1,
            cq_overflows,
            ..RingSample::default()
        }
    }

    #[test]
    fn only_what_changed_is_sent_again() {
        let mut sent = Sent::default();
        let full = |a: u64, b: u64| Sample {
            rings: vec![ring(1, a), ring(2, b)],
            processes: vec![ProcessSample::named(1, "a")],
            ..Sample::default()
        };
        assert_eq!(sent.changes(full(5, 7)).rings.len(), 2);
        let second = sent.changes(full(5, 9));
        assert_eq!(second.rings, vec![ring(2, 9)]);
        assert!(second.processes.is_empty());
        sent.forget(&BTreeSet::from([1]), &BTreeSet::from([1]));
        let third = sent.changes(full(5, 9));
        assert_eq!(third.rings, vec![ring(1, 5)]);
        assert_eq!(third.processes.len(), 1);
    }
}
