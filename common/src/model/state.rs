//! The model's per-process, per-ring and per-op state. Fields are public for reading: the model
//! hands out shared references only, so renderers cannot change them.

use super::interval::IntervalStats;
use crate::input::{OpCounters, RegisterOpSample, RingSample};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// How many per-sample completion rates a ring keeps (a minute at the default 1 s interval).
pub const RATE_HISTORY: usize = 60;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessState {
    pub pid: u32,
    /// Last non-empty name the probe reported ("" until one arrives).
    pub comm: String,
    /// User, cgroup and command line, once the probe's source read them.
    pub context: crate::process_context::ProcessContext,
    /// The container or unit the context's cgroup names (its `group()`, kept for the views).
    pub group: Option<String>,
    /// Rings this process has ops on, or created.
    pub rings: BTreeMap<u32, RingState>,
    /// All of this process's rings over the latest interval.
    pub interval: IntervalStats,
    /// The process exited during the latest interval (the sample listed it in
    /// [`crate::input::Sample::exited`]): its counts are final, and the next sample forgets it.
    pub exited: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RingState {
    /// Latest description of the ring (zeroes but `ring` and `pid` until the probe reports one).
    /// The same for every process that uses the ring.
    pub info: RingSample,
    /// This process's ops on the ring, by opcode.
    pub ops: BTreeMap<u8, OpState>,
    /// Completions per second of this process on this ring, one entry per sample, oldest first,
    /// at most [`RATE_HISTORY`].
    pub rate_history: VecDeque<f64>,
    /// All ops of this process on this ring over the latest interval.
    pub interval: IntervalStats,
    /// `info.cq_overflows` at the last rebase.
    pub base_cq_overflows: u64,
    /// `info.register_ops` at the last rebase.
    pub base_register_ops: Vec<RegisterOpSample>,
    /// The ring went away for this process during the latest interval: it was listed in
    /// [`crate::input::Sample::closed_rings`], or the process exited. Its counts are final, and
    /// the next sample forgets it.
    pub closed: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OpState {
    pub opcode: u8,
    /// Cumulative counts since the probe was attached. Equal to the kernel's counters unless the
    /// kernel restarted the entry: then this keeps growing where the kernel's went back to zero,
    /// so differences of `total`, `prev` and `base` never lose or invent counts.
    pub total: OpCounters,
    /// `total` at the previous sample.
    pub prev: OpCounters,
    /// `total` at the last rebase (zero before the first).
    pub base: OpCounters,
    /// The counters exactly as last read from the kernel, to detect restarts.
    pub raw: OpCounters,
    /// The kernel slot `raw` was read from (see [`crate::input::OpSample::slot`]).
    pub slot: u64,
    /// The latest interval (`prev` -> `total`).
    pub interval: IntervalStats,
}
