//! The probe's latency buckets and the percentiles computed from them.
//!
//! Bucketing (must match `latency_bucket` in probe/bpf/helpers.h): values below 8 ns get a bucket
//! each; above, the power of two `2^p <= ns < 2^(p+1)` is split into four equal sub-buckets, so
//! a bucket is at most 25 % wide; everything from 2^40 + 3 * 2^38 ns up lands in the last bucket.

use crate::abi::LAT_BUCKETS;
use crate::input::LatencyCounts;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Index of the catch-all bucket (159).
pub const LAST_BUCKET: u16 = (LAT_BUCKETS - 1) as u16;

/// Beyond this power of two everything is in [`LAST_BUCKET`].
const MAX_LOG2: u32 = 40;

/// The bucket the probe puts a latency of `ns` in.
pub fn bucket_of(ns: u64) -> u16 {
    if ns < 8 {
        return ns as u16; // < 8: lossless
    }
    let p = ns.ilog2();
    if p > MAX_LOG2 {
        return LAST_BUCKET;
    }
    // p <= 40, so the result is at most 8 + 37 * 4 + 3 = 159: lossless.
    (8 + (p - 3) * 4 + ((ns >> (p - 2)) & 3) as u32) as u16
}

/// The smallest and largest (inclusive) latency in bucket `b`. Indexes past the last bucket
/// (possible only in corrupt input) are treated as the last bucket, which is open-ended.
pub fn bucket_bounds(b: u16) -> (u64, u64) {
    if b < 8 {
        return (u64::from(b), u64::from(b));
    }
    let b = b.min(LAST_BUCKET);
    let k = u32::from(b - 8);
    let p = 3 + k / 4;
    let width = 1u64 << (p - 2);
    let lo = (1u64 << p) + u64::from(k % 4) * width;
    if b == LAST_BUCKET {
        (lo, u64::MAX)
    } else {
        (lo, lo + width - 1)
    }
}

/// The value a bucket's samples are assumed to have: its midpoint. The open-ended last bucket is
/// given the midpoint it would have at the regular width, so one outlier cannot push a
/// percentile to ~2^63 ns (percentiles are clamped to the observed max anyway).
pub fn representative(b: u16) -> u64 {
    let (lo, hi) = bucket_bounds(b);
    if b >= LAST_BUCKET {
        let regular_width = 1u64 << (MAX_LOG2 - 2);
        return lo + regular_width / 2;
    }
    lo + (hi - lo) / 2
}

/// Percentiles of a set of latencies, in ns. Always `p50 <= p90 <= p99 <= max`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencySummary {
    pub count: u64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub max: u64,
}

impl LatencySummary {
    /// Summary of a cumulative histogram: its max is exact.
    pub fn cumulative(counts: &LatencyCounts) -> Self {
        summarize(&counts.buckets, counts.max_ns)
    }

    /// Summary of bucket deltas between two reads. The exact max of the window is unknown: it is
    /// at most the top of the highest non-empty bucket, and at most the cumulative max.
    pub fn window(deltas: &BTreeMap<u16, u64>, cumulative_max_ns: u64) -> Self {
        summarize(deltas, window_max(deltas, cumulative_max_ns))
    }
}

/// Upper bound of the largest latency in a window of bucket deltas (0 if the window is empty).
pub fn window_max(deltas: &BTreeMap<u16, u64>, cumulative_max_ns: u64) -> u64 {
    deltas
        .iter()
        .rev()
        .find(|&(_, &n)| n > 0)
        .map_or(0, |(&b, _)| bucket_bounds(b).1.min(cumulative_max_ns))
}

/// Percentiles of `buckets`, each clamped to `max_ns` (which the summary reports as its max).
///
/// A percentile is the representative value of the first bucket whose running count reaches
/// `ceil(q * count)`: the rule `hdrhistogram`'s `value_at_quantile` applies to a histogram built
/// by [`histogram`], computed directly on the (at most 160) buckets. The HDR histogram gives the
/// same bucket (tests check it) but allocates and scans ~13k counters per call (~13 us in release,
/// ~0.4 ms in debug), and the model summarizes every op, ring and process on every sample.
pub fn summarize(buckets: &BTreeMap<u16, u64>, max_ns: u64) -> LatencySummary {
    let count = buckets.values().fold(0u64, |sum, &n| sum.saturating_add(n));
    if count == 0 {
        return LatencySummary::default();
    }
    let at = |q: f64| quantile(buckets, count, q).min(max_ns);
    LatencySummary {
        count,
        p50: at(0.50),
        p90: at(0.90),
        p99: at(0.99),
        max: max_ns,
    }
}

/// Representative value of the bucket holding the `q`-quantile of `count` samples.
fn quantile(buckets: &BTreeMap<u16, u64>, count: u64, q: f64) -> u64 {
    // As hdrhistogram: the rank is rounded up, and at least the first sample.
    let rank = ((q * count as f64).ceil() as u64).clamp(1, count);
    let mut seen = 0u64;
    for (&b, &n) in buckets {
        seen = seen.saturating_add(n);
        if seen >= rank {
            return representative(b);
        }
    }
    buckets.keys().next_back().map_or(0, |&b| representative(b))
}

/// An HDR histogram (3 significant digits, auto-resizing) with each bucket's count recorded at
/// its representative value, for callers that want its API (merging, arbitrary quantiles).
/// None only if the histogram cannot be created, which does not happen for these parameters.
pub fn histogram(buckets: &BTreeMap<u16, u64>) -> Option<Histogram<u64>> {
    let mut histogram = Histogram::<u64>::new(3).ok()?;
    for (&b, &n) in buckets {
        if n > 0 {
            // Representatives are below 2^42, well inside the auto-resize range, so this
            // cannot fail; ignoring the error keeps corrupt input from panicking.
            let _ = histogram.record_n(representative(b), n);
        }
    }
    Some(histogram)
}

/// Adds `other`'s buckets into `into`, saturating.
pub fn add_buckets(into: &mut BTreeMap<u16, u64>, other: &BTreeMap<u16, u64>) {
    for (&b, &n) in other {
        if n > 0 {
            let slot = into.entry(b).or_insert(0);
            *slot = slot.saturating_add(n);
        }
    }
}

/// `new - old` per key (a histogram's bucket, an errno), without underflow, keeping only
/// non-empty keys.
pub fn sub_counts<K: Ord + Copy>(
    new: &BTreeMap<K, u64>,
    old: &BTreeMap<K, u64>,
) -> BTreeMap<K, u64> {
    new.iter()
        .map(|(&k, &n)| (k, n.saturating_sub(old.get(&k).copied().unwrap_or(0))))
        .filter(|&(_, n)| n > 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The C code, transcribed literally (shift-based log2 included), as an oracle.
    fn c_latency_bucket(ns: u64) -> u32 {
        fn log2_u64(mut v: u64) -> u32 {
            let mut r = 0;
            for shift in [32, 16, 8, 4, 2] {
                if v >> shift != 0 {
                    v >>= shift;
                    r += shift;
                }
            }
            if v >> 1 != 0 {
                r += 1;
            }
            r
        }
        if ns < 8 {
            return ns as u32;
        }
        let p = log2_u64(ns);
        if p > 40 {
            return LAT_BUCKETS as u32 - 1;
        }
        8 + (p - 3) * 4 + ((ns >> (p - 2)) & 3) as u32
    }

    /// Values around every power of two and quarter boundary, plus a pseudo-random spread.
    fn interesting_values() -> Vec<u64> {
        let mut values: Vec<u64> = (0..64).collect();
        for p in 0..64 {
            let base = 1u64 << p;
            for quarter in 0..4u64 {
                let v = base.saturating_add(quarter.saturating_mul(base / 4));
                values.extend([v.saturating_sub(1), v, v.saturating_add(1)]);
            }
        }
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(x >> (x % 64)); // all magnitudes
        }
        values.push(u64::MAX);
        values
    }

    #[test]
    fn matches_the_c_code() {
        for v in interesting_values() {
            assert_eq!(u32::from(bucket_of(v)), c_latency_bucket(v), "ns = {v}");
        }
    }

    #[test]
    fn every_value_lies_within_its_bucket() {
        for v in interesting_values() {
            let b = bucket_of(v);
            assert!(usize::from(b) < LAT_BUCKETS);
            let (lo, hi) = bucket_bounds(b);
            assert!(lo <= v && v <= hi, "ns = {v}, bucket {b} = {lo}..={hi}");
        }
    }

    #[test]
    fn buckets_are_contiguous_and_monotonic() {
        assert_eq!(bucket_bounds(0), (0, 0));
        for b in 1..=LAST_BUCKET {
            let (prev_lo, prev_hi) = bucket_bounds(b - 1);
            let (lo, hi) = bucket_bounds(b);
            assert!(prev_lo <= prev_hi && lo <= hi);
            assert_eq!(lo, prev_hi + 1, "gap or overlap before bucket {b}");
            assert_eq!(bucket_of(lo), b);
            assert_eq!(bucket_of(hi), b);
            let r = representative(b);
            assert!(lo <= r && r <= hi);
            assert!(r > representative(b - 1));
        }
        assert_eq!(
            bucket_bounds(LAST_BUCKET),
            ((1 << 40) + 3 * (1 << 38), u64::MAX)
        );
        assert_eq!(bucket_bounds(u16::MAX), bucket_bounds(LAST_BUCKET));
    }

    #[test]
    fn small_buckets() {
        assert_eq!(bucket_of(7), 7);
        assert_eq!(bucket_bounds(8), (8, 9));
        assert_eq!(bucket_bounds(11), (14, 15));
        assert_eq!(bucket_bounds(12), (16, 19));
        assert_eq!(bucket_of(1_000), bucket_of(1_023));
        assert_eq!(representative(12), 17);
    }

    #[test]
    fn empty_summary_is_zero() {
        assert_eq!(summarize(&BTreeMap::new(), 123), LatencySummary::default());
        let zeros = BTreeMap::from([(10, 0)]);
        assert_eq!(LatencySummary::window(&zeros, 5), LatencySummary::default());
    }

    #[test]
    fn percentiles_are_ordered_and_clamped() {
        let mut x = 42u64;
        for _ in 0..500 {
            let mut buckets = BTreeMap::new();
            let mut max = 0;
            for _ in 0..(x % 7 + 1) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let v = x >> (x % 50);
                max = max.max(v);
                *buckets.entry(bucket_of(v)).or_insert(0) += x % 1000 + 1;
            }
            for s in [
                summarize(&buckets, max),
                LatencySummary::window(&buckets, max),
                LatencySummary::window(&buckets, u64::MAX),
                summarize(&buckets, 0),
            ] {
                assert!(s.count > 0);
                assert!(s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.max, "{s:?}");
            }
        }
    }

    #[test]
    fn percentiles_agree_with_hdrhistogram() {
        let mut x = 7u64;
        for round in 0..300 {
            let mut buckets = BTreeMap::new();
            for _ in 0..(round % 9 + 1) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *buckets.entry((x % 160) as u16).or_insert(0) += x % 5000 + 1;
            }
            let h = histogram(&buckets).expect("histogram");
            let s = summarize(&buckets, u64::MAX);
            assert_eq!(s.count, h.len());
            for (ours, q) in [(s.p50, 0.5), (s.p90, 0.9), (s.p99, 0.99)] {
                let theirs = h.value_at_quantile(q);
                assert!(
                    h.equivalent(ours, theirs),
                    "q {q}: {ours} vs {theirs} in {buckets:?}"
                );
                assert_eq!(bucket_of(ours), bucket_of(theirs));
            }
        }
    }

    #[test]
    fn percentiles_land_in_the_right_buckets() {
        // 90 fast (~1 us) and 10 slow (~1 ms) completions.
        let buckets = BTreeMap::from([(bucket_of(1_000), 90), (bucket_of(1_000_000), 10)]);
        let s = summarize(&buckets, 1_100_000);
        assert_eq!(s.count, 100);
        assert_eq!(bucket_of(s.p50), bucket_of(1_000));
        assert_eq!(bucket_of(s.p90), bucket_of(1_000));
        assert_eq!(bucket_of(s.p99), bucket_of(1_000_000));
        assert_eq!(s.max, 1_100_000);
    }

    #[test]
    fn window_max_is_bounded_by_bucket_and_cumulative_max() {
        let deltas = BTreeMap::from([(bucket_of(100), 3), (bucket_of(5_000), 1), (150, 0)]);
        let (_, hi) = bucket_bounds(bucket_of(5_000));
        assert_eq!(window_max(&deltas, u64::MAX), hi);
        assert_eq!(window_max(&deltas, 4_200), 4_200);
        assert_eq!(window_max(&BTreeMap::new(), 4_200), 0);
        let last = BTreeMap::from([(LAST_BUCKET, 1)]);
        assert_eq!(LatencySummary::window(&last, 1 << 50).max, 1 << 50);
        assert!(LatencySummary::window(&last, 1 << 50).p99 <= 1 << 50);
    }

    #[test]
    fn bucket_arithmetic_saturates() {
        let a = BTreeMap::from([(1, 5), (2, 1)]);
        let b = BTreeMap::from([(1, 7), (3, 2)]);
        assert_eq!(sub_counts(&b, &a), BTreeMap::from([(1, 2), (3, 2)]));
        assert_eq!(sub_counts(&a, &b), BTreeMap::from([(2, 1)]));
        let mut sum = BTreeMap::from([(1, u64::MAX)]);
        add_buckets(&mut sum, &b);
        assert_eq!(sum, BTreeMap::from([(1, u64::MAX), (3, 2)]));
    }
}
