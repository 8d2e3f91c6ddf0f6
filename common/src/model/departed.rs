//! What left the live state: processes that exited and rings that closed. The live state
//! forgets them one sample after they went (so every screen shows their last interval, marked,
//! and then no more); the report window still owes their counts until the next rebase, so a
//! model that reports keeps here what they did within the window, and nothing else.

use super::{counters, RingState};
use std::collections::BTreeMap;

/// A ring that went (it closed, or its process exited), as it was when it went.
#[derive(Clone, Debug, PartialEq)]
pub struct DepartedRing {
    pub pid: u32,
    /// The process's name when the ring went ("" if never reported).
    pub comm: String,
    /// The ring's state at its last sample; `rate_history`, `prev` and `raw` are dropped.
    pub ring: RingState,
}

/// Marked departed by the latest sample: forgotten at the start of the next one.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Leaving {
    /// Processes that exited (with every ring they had).
    pub pids: Vec<u32>,
    /// (pid, ring) entries of rings that closed.
    pub rings: Vec<(u32, u32)>,
    /// Rings that closed: their description goes too.
    pub closed: Vec<u32>,
}

impl Leaving {
    pub fn is_empty(&self) -> bool {
        self.pids.is_empty() && self.rings.is_empty() && self.closed.is_empty()
    }
}

/// What departed since the last rebase, kept for the report window.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Departed {
    /// In the order they went.
    pub rings: Vec<DepartedRing>,
    /// io_uring_setup refusals of exited processes within the window: pid -> (comm, errno -> n).
    pub setup_refused: BTreeMap<u32, (String, BTreeMap<u16, u64>)>,
}

impl Departed {
    /// Keeps `ring` if it did anything within the window (since its base); a ring that did
    /// nothing since the last rebase adds nothing to the report, so it is not kept.
    pub fn keep_ring(&mut self, pid: u32, comm: &str, mut ring: RingState) {
        if !did_something(pid, &ring) {
            return;
        }
        ring.rate_history = Default::default();
        for op in ring.ops.values_mut() {
            op.prev = Default::default();
            op.raw = Default::default();
        }
        self.rings.push(DepartedRing {
            pid,
            comm: comm.to_string(),
            ring,
        });
    }

    /// Keeps the refusals of an exited process counted since the last rebase (`base`).
    pub fn keep_setup_refused(
        &mut self,
        pid: u32,
        comm: &str,
        now: &BTreeMap<u16, u64>,
        base: Option<&BTreeMap<u16, u64>>,
    ) {
        let mut window = now
            .iter()
            .map(|(&e, &n)| {
                let before = base.and_then(|b| b.get(&e)).copied().unwrap_or(0);
                (e, n.saturating_sub(before))
            })
            .filter(|&(_, n)| n > 0)
            .peekable();
        if window.peek().is_none() {
            return;
        }
        let entry = self
            .setup_refused
            .entry(pid)
            .or_insert_with(|| (comm.to_string(), BTreeMap::new()));
        for (e, n) in window {
            let slot = entry.1.entry(e).or_insert(0);
            *slot = slot.saturating_add(n);
        }
    }
}

/// Whether the window (since the ring's base) holds anything of `pid` on this ring.
fn did_something(pid: u32, ring: &RingState) -> bool {
    let owned = ring.info.pid == pid;
    let overflowed = owned && ring.info.cq_overflows > ring.base_cq_overflows;
    let registered = owned
        && ring.info.register_ops.iter().any(|now| {
            let before = ring
                .base_register_ops
                .iter()
                .find(|b| b.opcode == now.opcode)
                .map_or(0, |b| b.calls);
            now.calls > before
        });
    overflowed
        || registered
        || ring
            .ops
            .values()
            .any(|op| !counters::is_zero(&counters::difference(&op.total, &op.base)))
}
