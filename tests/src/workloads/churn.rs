//! A process that keeps creating short-lived rings, as some servers do per connection.

use std::time::Duration;

use anyhow::Result;

use super::basic::nops;
use super::expected::Expected;

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
