//! Per-interval figures (rates, percentages, latency) computed once per sample so that renderers
//! only read them.

use super::counters::accumulate;
use crate::input::OpCounters;
use crate::latency::{summarize, window_max, LatencySummary};
use serde::{Deserialize, Serialize};

/// What happened between the previous sample and the latest one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IntervalStats {
    /// Length of the interval: 1 s for the first sample, or when time did not advance.
    pub seconds: f64,
    /// SQEs seen (submitted + rejected) per second.
    pub req_per_s: f64,
    /// CQEs per second.
    pub cqe_per_s: f64,
    /// CQEs with res < 0 per second.
    pub err_per_s: f64,
    /// io-wq punts as a share of submissions, 0..=100 (0 when nothing was submitted).
    pub async_pct: f64,
    /// Submitted + rejected - completed, cumulative, at the end of the interval.
    pub inflight: u64,
    /// Latencies of the interval's completions.
    pub latency: LatencySummary,
    pub submitted: u64,
    pub rejected: u64,
    pub denied: u64,
    pub completed: u64,
    pub errors: u64,
    pub async_punts: u64,
    pub poll_arms: u64,
}

/// Interval deltas of one or more ops, summed before any ratio or percentile is taken (a
/// percentile of merged histograms, not an average of percentiles).
#[derive(Clone, Debug, Default)]
pub(crate) struct IntervalAccum {
    /// The ops' deltas, summed by [`accumulate`] like every other sum of counters. Its
    /// `latency.max_ns` bounds the ops' whole lives, not the interval: `max_ns` below does.
    delta: OpCounters,
    inflight: u64,
    /// Upper bound of the largest latency in the interval over every op added.
    max_ns: u64,
}

impl IntervalAccum {
    /// One op: `delta` happened during the interval, leaving the cumulative counts at `total`.
    pub fn add_op(&mut self, delta: &OpCounters, total: &OpCounters) {
        accumulate(&mut self.delta, delta);
        self.inflight = self.inflight.saturating_add(total.inflight());
        let op_max = window_max(&delta.latency.buckets, total.latency.max_ns);
        self.max_ns = self.max_ns.max(op_max);
    }

    pub fn merge(&mut self, other: &IntervalAccum) {
        accumulate(&mut self.delta, &other.delta);
        self.inflight = self.inflight.saturating_add(other.inflight);
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    pub fn finish(&self, seconds: f64) -> IntervalStats {
        let d = &self.delta;
        let per_s = |n: u64| n as f64 / seconds;
        let async_pct = if d.submitted == 0 {
            0.0
        } else {
            // A request can be punted more than once; a share above 100 % would only confuse.
            (d.async_punts as f64 / d.submitted as f64 * 100.0).min(100.0)
        };
        IntervalStats {
            seconds,
            req_per_s: per_s(d.submitted.saturating_add(d.rejected)),
            cqe_per_s: per_s(d.completed),
            err_per_s: per_s(d.errors),
            async_pct,
            inflight: self.inflight,
            latency: summarize(&d.latency.buckets, self.max_ns),
            submitted: d.submitted,
            rejected: d.rejected,
            denied: d.denied,
            completed: d.completed,
            errors: d.errors,
            async_punts: d.async_punts,
            poll_arms: d.poll_arms,
        }
    }
}

#[cfg(test)]
impl IntervalAccum {
    fn buckets(&self) -> &std::collections::BTreeMap<u16, u64> {
        &self.delta.latency.buckets
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::LatencyCounts;
    use crate::latency::bucket_of;
    use std::collections::BTreeMap;

    fn op(submitted: u64, completed: u64, punts: u64, latency_ns: u64) -> OpCounters {
        OpCounters {
            submitted,
            completed,
            async_punts: punts,
            latency: LatencyCounts {
                count: completed,
                sum_ns: completed * latency_ns,
                max_ns: latency_ns,
                buckets: BTreeMap::from([(bucket_of(latency_ns), completed)]),
            },
            ..OpCounters::default()
        }
    }

    #[test]
    fn rates_and_shares() {
        let mut acc = IntervalAccum::default();
        let d = op(20, 10, 5, 1_000);
        acc.add_op(&d, &op(100, 90, 5, 1_000));
        let s = acc.finish(2.0);
        assert_eq!(s.req_per_s, 10.0);
        assert_eq!(s.cqe_per_s, 5.0);
        assert_eq!(s.async_pct, 25.0);
        assert_eq!(s.inflight, 10);
        assert_eq!(s.latency.count, 10);
        assert_eq!(s.latency.max, 1_000);
    }

    #[test]
    fn merge_sums_histograms_and_inflight() {
        let mut a = IntervalAccum::default();
        a.add_op(&op(10, 10, 0, 1_000), &op(12, 10, 0, 1_000));
        let mut b = IntervalAccum::default();
        b.add_op(&op(1, 1, 2, 1_000_000), &op(5, 4, 2, 1_000_000));
        a.merge(&b);
        assert_eq!(a.buckets().values().sum::<u64>(), 11);
        let s = a.finish(1.0);
        assert_eq!(s.inflight, 3);
        assert_eq!(s.submitted, 11);
        assert_eq!(s.latency.max, 1_000_000);
        assert!(s.latency.p50 <= 1_100, "{:?}", s.latency);
        assert_eq!(s.async_pct, 2.0 / 11.0 * 100.0);
    }

    #[test]
    fn empty_interval_is_all_zero_but_seconds() {
        let s = IntervalAccum::default().finish(1.0);
        assert_eq!(
            s,
            IntervalStats {
                seconds: 1.0,
                ..IntervalStats::default()
            }
        );
    }
}
