//! Arithmetic on [`OpCounters`]: deltas between two kernel reads (with reset detection), sums
//! and saturating differences. Nothing here can underflow or panic.

use crate::input::{LatencyCounts, OpCounters};
use crate::latency::{add_buckets, sub_counts};

/// What happened between two reads of one op's counters, `old` then `new`.
///
/// An `op_stats` entry only grows, unless the kernel map evicted it and a fresh one started from
/// zero. So if any counter of the entry went down, the whole entry restarted and everything in
/// `new` is new. Errnos live in a separate map whose entries are evicted independently, so each
/// errno is judged on its own. `max_ns` of the result is `new`'s (a bound, not a count).
pub fn delta(old: &OpCounters, new: &OpCounters) -> OpCounters {
    let zero = OpCounters::default();
    let since = if went_backwards(old, new) { &zero } else { old };
    let mut d = difference(new, since);
    d.errnos = new
        .errnos
        .iter()
        .map(|(&e, &n)| {
            let before = old.errnos.get(&e).copied().unwrap_or(0);
            (e, if n < before { n } else { n - before })
        })
        .filter(|&(_, n)| n > 0)
        .collect();
    d.latency.max_ns = new.latency.max_ns;
    d
}

/// `new - old` field by field, saturating at zero, keeping only non-zero errnos and buckets.
/// `max_ns` is `new`'s.
pub fn difference(new: &OpCounters, old: &OpCounters) -> OpCounters {
    OpCounters {
        submitted: new.submitted.saturating_sub(old.submitted),
        rejected: new.rejected.saturating_sub(old.rejected),
        denied: new.denied.saturating_sub(old.denied),
        completed: new.completed.saturating_sub(old.completed),
        errors: new.errors.saturating_sub(old.errors),
        async_punts: new.async_punts.saturating_sub(old.async_punts),
        poll_arms: new.poll_arms.saturating_sub(old.poll_arms),
        unmatched: new.unmatched.saturating_sub(old.unmatched),
        extra_cqes: new.extra_cqes.saturating_sub(old.extra_cqes),
        errnos: sub_counts(&new.errnos, &old.errnos),
        verdicts: new.verdicts.saturating_sub(&old.verdicts),
        // Flag sets are not counts: a window has seen what the newer read has seen.
        sqe_flags_seen: new.sqe_flags_seen,
        sqe_flags_missing: new.sqe_flags_missing,
        latency: LatencyCounts {
            count: new.latency.count.saturating_sub(old.latency.count),
            sum_ns: new.latency.sum_ns.saturating_sub(old.latency.sum_ns),
            max_ns: new.latency.max_ns,
            buckets: sub_counts(&new.latency.buckets, &old.latency.buckets),
        },
    }
}

/// Adds `d` into `total`, saturating; `max_ns` becomes the larger of the two.
pub fn accumulate(total: &mut OpCounters, d: &OpCounters) {
    total.submitted = total.submitted.saturating_add(d.submitted);
    total.rejected = total.rejected.saturating_add(d.rejected);
    total.denied = total.denied.saturating_add(d.denied);
    total.completed = total.completed.saturating_add(d.completed);
    total.errors = total.errors.saturating_add(d.errors);
    total.async_punts = total.async_punts.saturating_add(d.async_punts);
    total.poll_arms = total.poll_arms.saturating_add(d.poll_arms);
    total.unmatched = total.unmatched.saturating_add(d.unmatched);
    total.extra_cqes = total.extra_cqes.saturating_add(d.extra_cqes);
    add_buckets(&mut total.errnos, &d.errnos);
    total.verdicts = total.verdicts.saturating_add(&d.verdicts);
    total.sqe_flags_seen |= d.sqe_flags_seen;
    total.sqe_flags_missing |= d.sqe_flags_missing;
    total.latency.count = total.latency.count.saturating_add(d.latency.count);
    total.latency.sum_ns = total.latency.sum_ns.saturating_add(d.latency.sum_ns);
    total.latency.max_ns = total.latency.max_ns.max(d.latency.max_ns);
    add_buckets(&mut total.latency.buckets, &d.latency.buckets);
}

fn went_backwards(old: &OpCounters, new: &OpCounters) -> bool {
    new.submitted < old.submitted
        || new.rejected < old.rejected
        || new.denied < old.denied
        || new.completed < old.completed
        || new.errors < old.errors
        || new.async_punts < old.async_punts
        || new.poll_arms < old.poll_arms
        || new.unmatched < old.unmatched
        || new.extra_cqes < old.extra_cqes
        || new.verdicts.any_below(&old.verdicts)
        || new.latency.count < old.latency.count
        || new.latency.sum_ns < old.latency.sum_ns
        || old
            .latency
            .buckets
            .iter()
            .any(|(b, &n)| new.latency.buckets.get(b).copied().unwrap_or(0) < n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn counters(submitted: u64, completed: u64, enoent: u64, bucket10: u64) -> OpCounters {
        OpCounters {
            submitted,
            completed,
            errors: enoent,
            errnos: BTreeMap::from([(2, enoent)]),
            latency: LatencyCounts {
                count: bucket10,
                sum_ns: bucket10 * 12,
                max_ns: 13,
                buckets: BTreeMap::from([(10, bucket10)]),
            },
            ..OpCounters::default()
        }
    }

    #[test]
    fn growth_is_a_plain_difference() {
        let d = delta(&counters(10, 8, 1, 8), &counters(15, 14, 3, 14));
        assert_eq!((d.submitted, d.completed, d.errors), (5, 6, 2));
        assert_eq!(d.errnos, BTreeMap::from([(2, 2)]));
        assert_eq!(d.latency.buckets, BTreeMap::from([(10, 6)]));
        assert_eq!(d.latency.count, 6);
    }

    #[test]
    fn a_decrease_restarts_the_whole_entry() {
        // completed fell: the entry was recreated, so all of `new` is new, even `submitted`,
        // which happens to be larger than before.
        let d = delta(&counters(10, 8, 1, 8), &counters(12, 3, 0, 3));
        assert_eq!((d.submitted, d.completed), (12, 3));
        assert_eq!(d.latency.buckets, BTreeMap::from([(10, 3)]));
    }

    #[test]
    fn errnos_restart_on_their_own() {
        let mut old = counters(10, 8, 5, 8);
        old.errnos.insert(11, 4);
        let mut new = counters(11, 9, 6, 9);
        new.errnos = BTreeMap::from([(2, 1), (11, 6)]); // ENOENT entry recreated
        let d = delta(&old, &new);
        assert_eq!(d.submitted, 1);
        assert_eq!(d.errnos, BTreeMap::from([(2, 1), (11, 2)]));
    }

    #[test]
    fn accumulate_then_difference_round_trips() {
        let mut total = counters(3, 2, 1, 2);
        let d = counters(4, 4, 0, 4);
        accumulate(&mut total, &d);
        assert_eq!(total.submitted, 7);
        let back = difference(&total, &counters(3, 2, 1, 2));
        assert_eq!(back.submitted, 4);
        assert_eq!(back.latency.buckets, BTreeMap::from([(10, 4)]));
        assert!(back.errnos.is_empty());
        assert!(difference(&total, &total).is_zero());
        assert!(!d.is_zero());
    }

    #[test]
    fn inflight_saturates() {
        assert_eq!(counters(10, 7, 0, 0).inflight(), 3);
        assert_eq!(counters(1, 7, 0, 0).inflight(), 0);
        let rejected = OpCounters {
            rejected: 2,
            completed: 1,
            ..OpCounters::default()
        };
        assert_eq!(rejected.inflight(), 1);
        let huge = OpCounters {
            submitted: u64::MAX,
            rejected: 5,
            ..OpCounters::default()
        };
        assert_eq!(huge.inflight(), u64::MAX);
    }

    #[test]
    fn unmatched_completions_do_not_hide_requests_in_flight() {
        let inflight = |submitted, rejected, completed, unmatched| {
            OpCounters {
                submitted,
                rejected,
                completed,
                unmatched,
                ..OpCounters::default()
            }
            .inflight()
        };
        // 10 CQEs of requests submitted before the probe attached, then 40 submitted of which
        // 30 completed: 10 are in flight, not 0.
        assert_eq!(inflight(40, 0, 40, 10), 10);
        // Multishot: its first CQE counts it done; the four later ones are unmatched and change
        // nothing (they do not make other requests look finished).
        assert_eq!(inflight(1, 0, 5, 4), 0);
        // A refused SQE posts its CQE: nothing in flight.
        assert_eq!(inflight(0, 2, 2, 0), 0);
    }
}
