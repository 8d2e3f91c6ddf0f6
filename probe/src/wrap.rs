//! The probe's latency buckets are 32-bit (half the kernel memory of 64-bit ones); a bucket can
//! wrap after 2^32 timed completions. Read at least once per wrap -- the sampler reads every
//! interval, and a bucket takes hours to wrap even at the sampling cap -- the differences modulo
//! 2^32 add up to exact 64-bit totals.

use std::collections::BTreeMap;
use uringtop_common::abi::LAT_BUCKETS;

/// One counter slot's buckets: the last raw values and the running totals (non-empty only).
#[derive(Clone, Debug, Default)]
pub struct HistCarry {
    last: BTreeMap<u16, u32>,
    total: BTreeMap<u16, u64>,
}

impl HistCarry {
    /// Takes a new read of the raw buckets; returns the 64-bit totals.
    pub fn carry(&mut self, raw: &[u32; LAT_BUCKETS]) -> BTreeMap<u16, u64> {
        for (bucket, &value) in raw.iter().enumerate() {
            let bucket = bucket as u16;
            let before = self.last.get(&bucket).copied().unwrap_or(0);
            if value == before {
                continue;
            }
            *self.total.entry(bucket).or_default() += u64::from(value.wrapping_sub(before));
            self.last.insert(bucket, value);
        }
        self.total.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_buckets_keep_counting() {
        let mut c = HistCarry::default();
        let mut raw = [0u32; LAT_BUCKETS];
        raw[3] = u32::MAX - 1;
        assert_eq!(
            c.carry(&raw),
            BTreeMap::from([(3, u64::from(u32::MAX - 1))])
        );
        raw[3] = 5; // wrapped: 7 more
        raw[9] = 2;
        assert_eq!(
            c.carry(&raw),
            BTreeMap::from([(3, u64::from(u32::MAX) + 6), (9, 2)])
        );
    }
}
