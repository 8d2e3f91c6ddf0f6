//! Recycling counter slots of process × ring × opcode keys that went quiet.
//!
//! The kernel never says when a ring is destroyed, and op_stats has a fixed number of slots, so a
//! process that keeps creating rings would use them all up. Here userspace picks keys idle for a
//! long time with nothing in flight and takes their slots back, in two steps a grace period
//! apart:
//!
//! 1. **retire**: delete the key from op_index and void every CPU's hot cache (which may still
//!    point at the slot); a new request of that key then gets a fresh slot.
//! 2. **free**, at least [`GRACE`] later: if the slot's counters did not move meanwhile, zero it
//!    and hand its index to the probe's free list. If they moved (a request raced the retirement),
//!    those counts are reported as lost and the slot waits for another quiet period.
//!
//! The model treats a key whose counters start again from zero as a restart, so totals stay
//! right across a recycle. This module only decides; [`crate::read`] carries the plan out.

use std::collections::HashMap;
use std::time::{Duration, Instant};
use uringtop_common::abi::OpKey;

/// How long a key must be idle, with nothing in flight, before its slot is recycled.
pub const IDLE: Duration = Duration::from_secs(60);
/// A key idle this long is recycled even with requests counted as in flight: their CQEs were
/// never seen (a ring torn down with requests pending), and would never come.
pub const ABANDONED: Duration = Duration::from_secs(3600);
/// Between retiring a key and freeing its slot: BPF programs that read the slot's index before
/// the retirement have long finished (they run in microseconds).
pub const GRACE: Duration = Duration::from_secs(1);

/// One slot as read now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotRead {
    /// Changes whenever any counter of the slot changes.
    pub fingerprint: u64,
    /// Every event counted in the slot (for reporting what a race lost).
    pub events: u64,
    /// Requests counted as submitted and not completed.
    pub inflight: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Delete these op_index keys, then void the hot caches (once, if any).
    pub retire: Vec<OpKey>,
    /// Zero these slots and push them onto the free list.
    pub free: Vec<u32>,
    /// Counter updates that landed on retired slots: add to lost_updates.
    pub lost: u64,
}

struct Quiet {
    fingerprint: u64,
    since: Instant,
}

struct Retired {
    fingerprint: u64,
    events: u64,
    at: Instant,
}

pub struct Reclaimer {
    idle: Duration,
    abandoned: Duration,
    live: HashMap<u32, Quiet>,
    retired: HashMap<u32, Retired>,
}

impl Default for Reclaimer {
    fn default() -> Self {
        Reclaimer::new(IDLE, ABANDONED)
    }
}

impl Reclaimer {
    pub fn new(idle: Duration, abandoned: Duration) -> Self {
        Reclaimer {
            idle,
            abandoned: abandoned.max(idle),
            live: HashMap::new(),
            retired: HashMap::new(),
        }
    }

    /// Retires a slot at once, whatever its idle time: its process exited or its ring closed, so
    /// its counts are final. It is freed like any retired slot, a grace period later if quiet.
    pub fn retire_now(&mut self, now: Instant, slot: u32, read: SlotRead) {
        self.live.remove(&slot);
        self.retired.insert(
            slot,
            Retired {
                fingerprint: read.fingerprint,
                events: read.events,
                at: now,
            },
        );
    }

    /// One pass: `keys` are every op_index entry (key, slot) with the slot as read now; `read`
    /// reads any slot (for retired ones, which no key points at any more).
    pub fn step(
        &mut self,
        now: Instant,
        keys: &[(OpKey, u32, SlotRead)],
        mut read: impl FnMut(u32) -> Option<SlotRead>,
    ) -> Plan {
        let mut plan = Plan::default();
        let mut present = HashMap::with_capacity(keys.len());
        for &(key, slot, r) in keys {
            present.insert(slot, ());
            let quiet = self.live.entry(slot).or_insert(Quiet {
                fingerprint: r.fingerprint,
                since: now,
            });
            if quiet.fingerprint != r.fingerprint {
                *quiet = Quiet {
                    fingerprint: r.fingerprint,
                    since: now,
                };
                continue;
            }
            let idle = now.saturating_duration_since(quiet.since);
            if (idle >= self.idle && r.inflight == 0) || idle >= self.abandoned {
                plan.retire.push(key);
                self.live.remove(&slot);
                self.retired.insert(
                    slot,
                    Retired {
                        fingerprint: r.fingerprint,
                        events: r.events,
                        at: now,
                    },
                );
            }
        }
        // Slots whose key vanished some other way (never, today) are forgotten.
        self.live.retain(|slot, _| present.contains_key(slot));
        let due: Vec<u32> = self
            .retired
            .iter()
            .filter(|(_, r)| now.saturating_duration_since(r.at) >= GRACE)
            .map(|(&slot, _)| slot)
            .collect();
        for slot in due {
            let Some(r) = read(slot) else { continue };
            let Some(retired) = self.retired.get_mut(&slot) else {
                continue;
            };
            if r.fingerprint == retired.fingerprint {
                self.retired.remove(&slot);
                plan.free.push(slot);
            } else {
                plan.lost += r.events.saturating_sub(retired.events);
                *retired = Retired {
                    fingerprint: r.fingerprint,
                    events: r.events,
                    at: now,
                };
            }
        }
        plan.free.sort_unstable();
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(ring: u32) -> OpKey {
        OpKey {
            tgid: 1,
            ring,
            opcode: 0,
        }
    }

    fn read(fingerprint: u64, events: u64, inflight: u64) -> SlotRead {
        SlotRead {
            fingerprint,
            events,
            inflight,
        }
    }

    /// A reclaimer that retires keys quiet for 10 s and gives up on requests in flight after
    /// 100 s, and a clock in whole seconds from now to drive it.
    fn ten_seconds_quiet_hundred_in_flight() -> (impl Fn(u64) -> Instant, Reclaimer) {
        let t0 = Instant::now();
        let at = move |secs: u64| t0 + Duration::from_secs(secs);
        let reclaimer = Reclaimer::new(Duration::from_secs(10), Duration::from_secs(100));
        (at, reclaimer)
    }

    #[test]
    fn a_quiet_key_is_retired_then_freed_after_the_grace_period() {
        let (s, mut r) = ten_seconds_quiet_hundred_in_flight();
        let busy = [(key(1), 5, read(1, 10, 0)), (key(2), 6, read(7, 3, 0))];
        assert_eq!(r.step(s(0), &busy, |_| None), Plan::default());
        // Key 1 keeps changing; key 2 stays put.
        let later = [(key(1), 5, read(2, 11, 0)), (key(2), 6, read(7, 3, 0))];
        assert_eq!(r.step(s(9), &later, |_| None), Plan::default());
        let plan = r.step(s(10), &later, |_| None);
        assert_eq!(plan.retire, vec![key(2)]);
        assert!(plan.free.is_empty());
        // Retired: no longer in op_index. Freed once the grace period has passed, unchanged.
        let only_1 = [(key(1), 5, read(3, 12, 0))];
        assert!(r
            .step(s(10), &only_1, |_| Some(read(7, 3, 0)))
            .free
            .is_empty());
        let plan = r.step(s(11), &only_1, |_| Some(read(7, 3, 0)));
        assert_eq!(plan.free, vec![6]);
        assert_eq!(plan.lost, 0);
        // Freed slots are not looked at again.
        assert_eq!(
            r.step(s(20), &only_1, |_| panic!("read")).free,
            Vec::<u32>::new()
        );
    }

    #[test]
    fn requests_in_flight_hold_a_slot_until_abandoned() {
        let (s, mut r) = ten_seconds_quiet_hundred_in_flight();
        let pending = [(key(1), 5, read(1, 4, 2))];
        r.step(s(0), &pending, |_| None);
        assert!(r.step(s(50), &pending, |_| None).retire.is_empty());
        assert_eq!(r.step(s(100), &pending, |_| None).retire, vec![key(1)]);
    }

    #[test]
    fn counts_that_race_a_retirement_are_lost_and_the_slot_waits() {
        let (s, mut r) = ten_seconds_quiet_hundred_in_flight();
        let quiet = [(key(1), 5, read(1, 4, 0))];
        r.step(s(0), &quiet, |_| None);
        assert_eq!(r.step(s(10), &quiet, |_| None).retire, vec![key(1)]);
        // Three events landed on the slot after its key was deleted.
        let plan = r.step(s(12), &[], |_| Some(read(2, 7, 0)));
        assert_eq!((plan.free.len(), plan.lost), (0, 3));
        // Quiet again for a grace period: freed, nothing more lost.
        let plan = r.step(s(14), &[], |_| Some(read(2, 7, 0)));
        assert_eq!((plan.free, plan.lost), (vec![5], 0));
    }
}
