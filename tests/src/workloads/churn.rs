//! A process that keeps creating short-lived rings, as some servers do per connection.

use std::time::Duration;

use anyhow::Result;

use std::ffi::CString;

use super::basic::{ensure_missing, nops, open_missing, MISSING_PATH};
use super::expected::Expected;
use super::ring::{ring_for, run_plan, Planned};

/// `rings` rings one after another, each doing `nops_per_ring` NOPs in one batch and closed
/// before the next, with `pause` between them.
pub fn ring_churn(rings: usize, nops_per_ring: usize, pause: Duration) -> Result<Expected> {
    let mut all = nops(1, nops_per_ring)?;
    for _ in 1..rings {
        std::thread::sleep(pause);
        all.merge(nops(1, nops_per_ring)?);
    }
    Ok(all)
}

/// One ring: `first` failing OPENATs (ENOENT), `pause`, then `second` more (user_data 0..
/// throughout): a key that goes quiet long enough for its counter slot to be recycled, then
/// comes back. Errors make it telling: errno counts are compared one by one, so only the slot
/// can say that a count of `second` follows one of `first` from zero.
pub fn ring_pause_resume(first: usize, pause: Duration, second: usize) -> Result<Expected> {
    ensure_missing()?;
    let path = CString::new(MISSING_PATH)?;
    let mut ring = ring_for(first.max(second))?;
    let mut expected = Expected::new(1, false);
    let plan = |from: usize, n: usize| {
        (from..from + n)
            .map(|i| Planned::issued(open_missing(&path, i), -libc::ENOENT))
            .collect()
    };
    // SAFETY: `path` outlives both calls.
    unsafe { run_plan(&mut ring, plan(0, first), &mut expected)? };
    std::thread::sleep(pause);
    // SAFETY: as above.
    unsafe { run_plan(&mut ring, plan(first, second), &mut expected)? };
    drop(ring);
    Ok(expected)
}
