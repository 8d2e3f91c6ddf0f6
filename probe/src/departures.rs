//! Processes that exited and rings that closed, from the probe's queues to the sample that says
//! so.
//!
//! A departure is acted on a grace period after the probe saw it: CQEs of requests cancelled
//! while a process exits, or while a ring is torn down, can still arrive just after, and must be
//! counted under the keys before they are retired. The sample that reports a departure carries
//! the final counts of its keys; from then on the model may forget them.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use uringtop_common::abi::OpKey;

/// Between the probe seeing a departure and retiring its keys.
pub const GRACE: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct Departures {
    exits: Vec<(u32, Instant)>,
    closes: Vec<(u32, Instant)>,
}

/// What leaves with one sample.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Gone {
    pub pids: BTreeSet<u32>,
    pub rings: BTreeSet<u32>,
}

impl Gone {
    /// True when the key's counts are final: its process exited or its ring closed.
    pub fn covers(&self, key: &OpKey) -> bool {
        self.pids.contains(&key.tgid) || self.rings.contains(&key.ring)
    }
}

impl Departures {
    /// Departures the probe just reported.
    pub fn arrive(&mut self, now: Instant, exited: Vec<u32>, closed: Vec<u32>) {
        self.exits.extend(exited.into_iter().map(|pid| (pid, now)));
        self.closes
            .extend(closed.into_iter().map(|ring| (ring, now)));
    }

    /// The departures whose grace period is over, taken out.
    pub fn due(&mut self, now: Instant) -> Gone {
        fn take(list: &mut Vec<(u32, Instant)>, now: Instant) -> BTreeSet<u32> {
            let mut due = BTreeSet::new();
            list.retain(|&(id, at)| {
                let over = now.saturating_duration_since(at) >= GRACE;
                if over {
                    due.insert(id);
                }
                !over
            });
            due
        }
        Gone {
            pids: take(&mut self.exits, now),
            rings: take(&mut self.closes, now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn departures_wait_out_the_grace_period() {
        let t0 = Instant::now();
        let mut d = Departures::default();
        d.arrive(t0, vec![10, 11], vec![3]);
        assert_eq!(d.due(t0 + GRACE / 2), Gone::default());
        d.arrive(t0 + GRACE / 2, vec![12], vec![]);
        let gone = d.due(t0 + GRACE);
        assert_eq!(gone.pids, BTreeSet::from([10, 11]));
        assert_eq!(gone.rings, BTreeSet::from([3]));
        assert!(gone.covers(&OpKey {
            tgid: 99,
            ring: 3,
            opcode: 0
        }));
        assert_eq!(d.due(t0 + GRACE * 2).pids, BTreeSet::from([12]));
        assert_eq!(d.due(t0 + GRACE * 3), Gone::default());
    }
}
