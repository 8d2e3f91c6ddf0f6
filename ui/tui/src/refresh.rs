//! The refresh interval (`+`/`-`) and how it reaches the model.
//!
//! The live source samples at one fixed period chosen at start (`LiveControl` cannot change it).
//! Samples are cumulative counters, so skipping some loses nothing: the model, fed only every
//! k-th sample, computes its rates over exactly k periods. So the probe samples at a *base*
//! period and the UI applies one sample per chosen interval, a multiple of the base. The base is
//! 500 ms when the requested interval is a whole number of half seconds (so `-` can go down to
//! 0.5 s), else the requested interval itself (which is then the fastest choice).

use std::time::Duration;

const HALF_SECOND: Duration = Duration::from_millis(500);
/// Multiples of a 500 ms base: 0.5, 1, 2, 3, 5, 10, 30, 60 s.
const HALF_SECOND_STEPS: [u32; 8] = [1, 2, 4, 6, 10, 20, 60, 120];
/// Multiples of any other base.
const OTHER_STEPS: [u32; 7] = [1, 2, 3, 5, 10, 20, 60];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refresh {
    base: Duration,
    /// Allowed multiples of `base`, ascending; includes the requested one.
    steps: Vec<u32>,
    index: usize,
}

impl Refresh {
    /// Starts at `requested` (clamped to at least 1 ms).
    pub fn new(requested: Duration) -> Self {
        let requested = requested.max(Duration::from_millis(1));
        let whole_halves =
            requested >= HALF_SECOND && requested.as_nanos().is_multiple_of(HALF_SECOND.as_nanos());
        let (base, mut steps) = if whole_halves {
            (HALF_SECOND, HALF_SECOND_STEPS.to_vec())
        } else {
            (requested, OTHER_STEPS.to_vec())
        };
        let start = u32::try_from(requested.as_nanos() / base.as_nanos()).unwrap_or(u32::MAX);
        if let Err(at) = steps.binary_search(&start) {
            steps.insert(at, start);
        }
        let index = steps.iter().position(|&s| s == start).unwrap_or(0);
        Refresh { base, steps, index }
    }

    /// The period the live source must sample at.
    pub fn sampling(&self) -> Duration {
        self.base
    }

    /// The interval the model's rates are computed over, and the screen refreshed at.
    pub fn interval(&self) -> Duration {
        self.base.saturating_mul(self.steps[self.index])
    }

    /// One step shorter; false when already the shortest.
    pub fn faster(&mut self) -> bool {
        let moved = self.index > 0;
        self.index = self.index.saturating_sub(1);
        moved
    }

    /// One step longer; false when already the longest.
    pub fn slower(&mut self) -> bool {
        let moved = self.index + 1 < self.steps.len();
        if moved {
            self.index += 1;
        }
        moved
    }
}

/// Decides which of the source's samples the model gets, by the samples' own timestamps (so a
/// recording, replayed at any speed, is thinned the same way).
#[derive(Clone, Debug, Default)]
pub struct Decimator {
    last_applied_ns: Option<u64>,
    /// Samples skipped since the last one applied, folded together: samples carry only what
    /// changed, so what changed in a skipped one must reach the model with the next applied.
    held: Option<uringtop_common::input::Sample>,
}

impl Decimator {
    /// Whether the sample taken at `time_ns` should be applied. The first always is; later ones
    /// once `interval` has passed since the last applied one, with half a base period of slack for
    /// the sampler's jitter.
    /// The sample to apply now, if any: `sample` with whatever the samples skipped before it
    /// carried; or None, and `sample` is held for the next one.
    pub fn pass(
        &mut self,
        mut sample: uringtop_common::input::Sample,
        refresh: &Refresh,
    ) -> Option<uringtop_common::input::Sample> {
        if let Some(earlier) = self.held.take() {
            sample.absorb_earlier(earlier);
        }
        if self.accept(sample.time_ns, refresh) {
            Some(sample)
        } else {
            self.held = Some(sample);
            None
        }
    }

    pub fn accept(&mut self, time_ns: u64, refresh: &Refresh) -> bool {
        let interval = refresh.interval();
        let accept = match self.last_applied_ns {
            None => true,
            Some(_) if interval <= refresh.base => true,
            Some(last) => {
                let slack = refresh.base.as_nanos() / 2;
                u128::from(time_ns.saturating_sub(last)) + slack >= interval.as_nanos()
            }
        };
        if accept {
            self.last_applied_ns = Some(time_ns);
        }
        accept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    #[test]
    fn whole_half_seconds_sample_at_half_a_second() {
        let mut r = Refresh::new(Duration::from_secs(1));
        assert_eq!(r.sampling(), HALF_SECOND);
        assert_eq!(r.interval(), Duration::from_secs(1));
        assert!(r.faster());
        assert_eq!(r.interval(), HALF_SECOND);
        assert!(!r.faster());
        for _ in 0..20 {
            r.slower();
        }
        assert_eq!(r.interval(), Duration::from_secs(60));
        assert!(!r.slower());
    }

    #[test]
    fn an_odd_interval_is_its_own_base_and_kept_as_a_step() {
        let r = Refresh::new(Duration::from_millis(300));
        assert_eq!(r.sampling(), Duration::from_millis(300));
        assert_eq!(r.interval(), Duration::from_millis(300));
        let mut r = Refresh::new(Duration::from_secs(7));
        assert_eq!(r.sampling(), HALF_SECOND);
        assert_eq!(r.interval(), Duration::from_secs(7));
        r.slower();
        assert_eq!(r.interval(), Duration::from_secs(10));
        r.faster();
        r.faster();
        assert_eq!(r.interval(), Duration::from_secs(5));
    }

    #[test]
    fn decimation_applies_one_sample_per_interval() {
        let mut r = Refresh::new(Duration::from_secs(2)); // base 0.5 s, every 4th sample
        let mut d = Decimator::default();
        // Sampler jitter: each read is a little late.
        let times: Vec<u64> = (0..12).map(|i| i * S / 2 + i * 3_000_000).collect();
        let applied: Vec<usize> = (0..12).filter(|&i| d.accept(times[i], &r)).collect();
        assert_eq!(applied, vec![0, 4, 8]);
        r.faster();
        r.faster(); // 0.5 s: everything
        assert!(d.accept(times[11] + S / 2, &r));
        assert!(
            d.accept(times[11] + S / 2, &r),
            "equal times still count at the base rate"
        );
    }
}
