//! What left the live state: processes that exited and rings that closed. The live state
//! forgets them one sample after they went (so every screen shows their last interval, marked,
//! and then no more); the report window still owes their counts until the next rebase, so a
//! model that reports keeps here what they did within the window, and nothing else.

use super::{counters, RingState};
use crate::input::{OpCounters, RegisterOpSample, RingSample};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A ring that went (it closed, or its process exited): what one process did on it within the
/// report window, and nothing more (a window count per opcode is a fraction of an [`OpState`]'s
/// four counter sets and interval, which matters when a window holds 100,000 rings).
///
/// [`OpState`]: super::OpState
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DepartedRing {
    pub pid: u32,
    /// The process's name when the ring went ("" if never reported).
    pub comm: String,
    /// The ring's description when it went; its `register_ops` are left empty (see below).
    pub info: RingSample,
    /// Counts within the window, by opcode (only those with any); `latency.max_ns` is the
    /// largest latency ever seen and the flag sets are all that were seen, as in a window of a
    /// live op.
    pub ops: Vec<(u8, OpCounters)>,
    /// CQ overflows within the window (0 unless `pid` owned the ring).
    pub cq_overflows: u64,
    /// io_uring_register calls within the window, by opcode (none unless `pid` owned the ring).
    pub register_ops: Vec<RegisterOpSample>,
}

/// Marked departed by the latest sample: forgotten at the start of the next one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Departed {
    /// In the order they went.
    pub rings: Vec<DepartedRing>,
    /// io_uring_setup refusals of exited processes within the window: pid -> (comm, errno -> n).
    pub setup_refused: BTreeMap<u32, (String, BTreeMap<u16, u64>)>,
    /// User, cgroup and command line of processes that left, for reports of the window.
    pub contexts: BTreeMap<u32, crate::process_context::ProcessContext>,
}

impl Departed {
    /// Keeps what `pid` did on `ring` within the window (since its base), if anything.
    pub fn keep_ring(&mut self, pid: u32, comm: &str, ring: RingState) {
        let owned = ring.info.pid == pid;
        let ops: Vec<(u8, OpCounters)> = ring
            .ops
            .values()
            .map(|op| (op.opcode, counters::difference(&op.total, &op.base)))
            .filter(|(_, w)| !w.is_zero())
            .collect();
        let cq_overflows = if owned {
            ring.info
                .cq_overflows
                .saturating_sub(ring.base_cq_overflows)
        } else {
            0
        };
        let register_ops = if owned {
            register_window(&ring.info.register_ops, &ring.base_register_ops)
        } else {
            Vec::new()
        };
        if ops.is_empty() && cq_overflows == 0 && register_ops.is_empty() {
            return;
        }
        let mut info = ring.info;
        info.register_ops = Vec::new();
        self.rings.push(DepartedRing {
            pid,
            comm: comm.to_string(),
            info,
            ops,
            cq_overflows,
            register_ops,
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

/// Register calls since `base`, by opcode: only opcodes with calls in the window.
pub(super) fn register_window(
    now: &[RegisterOpSample],
    base: &[RegisterOpSample],
) -> Vec<RegisterOpSample> {
    let zero = RegisterOpSample::default();
    now.iter()
        .filter_map(|now| {
            let base = base
                .iter()
                .find(|b| b.opcode == now.opcode)
                .unwrap_or(&zero);
            let calls = now.calls.saturating_sub(base.calls);
            (calls > 0).then(|| RegisterOpSample {
                opcode: now.opcode,
                calls,
                failed: now.failed.saturating_sub(base.failed),
                denied: now.denied.saturating_sub(base.denied),
                verdicts: now.verdicts.saturating_sub(&base.verdicts),
            })
        })
        .collect()
}
