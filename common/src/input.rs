//! What a source (the live probe, or a recording) feeds the model. Everything here is serializable,
//! free of kernel addresses, and enough to rebuild the model's state exactly: a replay of the same
//! inputs shows what live showed.

use crate::process_context::ProcessContext;
use crate::registered::Registered;
use crate::verdict::{Verdict, VerdictCounts};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Input {
    /// Cumulative counters since the probe was attached, read at one instant.
    Sample(Sample),
    /// One SQE/CQE pair, streamed on demand.
    Request(Request),
}

/// A read of every counter. All counts are cumulative since the probe was attached; the model
/// derives rates and windows from consecutive samples. Vectors are sorted by their keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// Wall-clock time of the read, ns since the Unix epoch.
    pub time_ns: u64,
    /// Request records dropped in the kernel (ring buffer or stash full).
    pub lost_records: u64,
    /// Counter updates dropped in the kernel: a map was full, or the kernel skipped one of the
    /// probe's programs because it was already running on that CPU (recursion_misses).
    pub lost_updates: u64,
    /// CQEs whose submission the probe did not see (submitted before attach, multishot, slot reuse).
    pub unmatched_cqes: u64,
    pub processes: Vec<ProcessSample>,
    pub rings: Vec<RingSample>,
    pub ops: Vec<OpSample>,
    /// With a policy loaded: verdicts (SQEs and register calls) per rule, by the rule's position
    /// in the policy (empty for a policy of only a default). None without a policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_hits: Option<Vec<u64>>,
    /// Processes (pids) that exited since the previous sample. Their counters are final: the
    /// probe never counts under those keys again (a reused pid starts from zero in fresh slots).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exited: Vec<u32>,
    /// Rings (ids) known to be gone since the previous sample: their context was freed (a new
    /// ring took its address) or every process using it exited. Their counters are final.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closed_rings: Vec<u32>,
}

impl Sample {
    /// Folds an earlier sample that a consumer skips (the TUI decimates samples) into this one.
    /// Samples carry only what changed since the sample before them, so what changed only in the
    /// skipped one must ride on: its ops, rings and processes that this one does not carry, and
    /// its exits and closed rings.
    pub fn absorb_earlier(&mut self, earlier: Sample) {
        fn merge<T>(mine: &mut Vec<T>, earlier: Vec<T>, key: impl Fn(&T) -> (u32, u32, u8)) {
            let have: std::collections::BTreeSet<_> = mine.iter().map(&key).collect();
            mine.extend(earlier.into_iter().filter(|t| !have.contains(&key(t))));
            mine.sort_by_key(key);
        }
        merge(&mut self.ops, earlier.ops, |o| (o.pid, o.ring, o.opcode));
        merge(&mut self.rings, earlier.rings, |r| (r.ring, 0, 0));
        merge(&mut self.processes, earlier.processes, |p| (p.pid, 0, 0));
        for (mine, theirs) in [
            (&mut self.exited, earlier.exited),
            (&mut self.closed_rings, earlier.closed_rings),
        ] {
            mine.extend(theirs);
            mine.sort_unstable();
            mine.dedup();
        }
    }
}

/// Ring id of the "other rings" row: counts of a process whose rings could not each get a
/// counter slot (the probe's capacity was exhausted) land on (pid, OTHER_RINGS, opcode), and,
/// when even that is full, on (0, OTHER_RINGS, opcode). Per process x opcode totals stay exact.
pub const OTHER_RINGS: u32 = u32::MAX;

/// Opcode of the "no request" row of a ring: CQEs posted on the ring without a request the probe
/// could name (MSG_RING's CQE on its target ring, other auxiliary CQEs).
pub const AUX_OPCODE: u8 = 0xff;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessSample {
    pub pid: u32,
    pub comm: String,
    /// io_uring_setup calls this process made that the kernel refused, by positive errno
    /// (EPERM: io_uring_disabled, or not in io_uring_group).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub setup_refused: BTreeMap<u16, u64>,
    /// User, cgroup and command line, read at the process's first sight (empty in recordings
    /// made before uringtop read them).
    #[serde(default, skip_serializing_if = "ProcessContext::is_empty")]
    pub context: ProcessContext,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RingSample {
    /// Small stable id, in order of first sight.
    pub ring: u32,
    /// Creator, or the first process seen using the ring.
    pub pid: u32,
    /// The ring's fd in its creator, when the creation was seen.
    pub fd: Option<i32>,
    /// IORING_SETUP_* bits.
    pub setup_flags: u32,
    pub sq_entries: u32,
    pub cq_entries: u32,
    pub cq_overflows: u64,
    pub register_calls: u64,
    pub register_failed: u64,
    pub register_denied: u64,
    /// io_uring_register calls by register opcode (IORING_REGISTER_*), sorted by opcode.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub register_ops: Vec<RegisterOpSample>,
    /// The ring's registered files and buffers, from its fdinfo while the ring lives (None: not
    /// read: the ring's fd is unknown or gone, or a recording made before uringtop read them).
    /// Shared: the reader hands every ring's listing to each sample, which compares and clones
    /// the pointer, not the lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<Arc<Registered>>,
}

/// io_uring_register calls on one ring with one register opcode.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterOpSample {
    pub opcode: u8,
    pub calls: u64,
    /// ret < 0
    pub failed: u64,
    /// ret == -EACCES or -EPERM: refused by the ring's restrictions (or credentials).
    pub denied: u64,
    /// Policy verdicts (all zero without a policy).
    #[serde(default)]
    pub verdicts: VerdictCounts,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpSample {
    pub pid: u32,
    pub ring: u32,
    pub opcode: u8,
    pub counters: OpCounters,
    /// Which kernel counter slot holds these counts (0: not said). When it changes, the counters
    /// started again from zero in a new slot (the probe recycles the slots of quiet keys), even
    /// if they have since grown past the old ones.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub slot: u64,
}

impl ProcessSample {
    /// A process known by its pid and name only (nothing refused, no context read): the sample
    /// tests, benchmarks and synthetic streams start from.
    pub fn named(pid: u32, comm: impl Into<String>) -> Self {
        ProcessSample {
            pid,
            comm: comm.into(),
            ..ProcessSample::default()
        }
    }
}

impl OpSample {
    /// `n` requests of `opcode` submitted and completed on (`pid`, `ring`), nothing else counted
    /// and no slot said: the sample tests, benchmarks and demos start from.
    pub fn completed(pid: u32, ring: u32, opcode: u8, n: u64) -> Self {
        OpSample {
            pid,
            ring,
            opcode,
            counters: OpCounters {
                submitted: n,
                completed: n,
                ..OpCounters::default()
            },
            slot: 0,
        }
    }
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

#[derive(Clone, Debug, Default, PartialEq, Hash, Eq, Serialize, Deserialize)]
pub struct OpCounters {
    pub submitted: u64,
    pub rejected: u64,
    pub denied: u64,
    pub completed: u64,
    pub errors: u64,
    pub async_punts: u64,
    pub poll_arms: u64,
    /// CQEs whose submission the probe did not see: requests already in flight when it attached,
    /// the extra CQEs of multishot requests. Counted in `completed`; left out of in-flight counts.
    #[serde(default)]
    pub unmatched: u64,
    /// CQEs that end no request: those with IORING_CQE_F_MORE (a multishot request's CQEs before
    /// its last, SEND_ZC's first) and those posted with no request at all (the AUX_CQE row).
    /// Counted in `completed`; left out of in-flight counts.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub extra_cqes: u64,
    /// CQEs with res < 0, by positive errno.
    pub errnos: BTreeMap<u16, u64>,
    pub latency: LatencyCounts,
    /// Policy verdicts on this op's SQEs, submitted or rejected (all zero without a policy).
    #[serde(default)]
    pub verdicts: VerdictCounts,
    /// IOSQE_* bits set on at least one SQE (OR over every SQE seen).
    #[serde(default)]
    pub sqe_flags_seen: u8,
    /// IOSQE_* bits clear on at least one SQE: the bits set on every SQE are
    /// `!sqe_flags_missing & 0x7f` (when any SQE was seen).
    #[serde(default)]
    pub sqe_flags_missing: u8,
}

/// Counter arithmetic the probe and the model share.
impl OpCounters {
    /// True when nothing at all was counted (`max_ns`, a bound, is ignored).
    pub fn is_zero(&self) -> bool {
        self.submitted == 0
            && self.rejected == 0
            && self.denied == 0
            && self.completed == 0
            && self.errors == 0
            && self.async_punts == 0
            && self.poll_arms == 0
            && self.unmatched == 0
            && self.extra_cqes == 0
            && self.verdicts.is_zero()
            && self.latency.count == 0
            && self.latency.sum_ns == 0
            && self.errnos.values().all(|&n| n == 0)
            && self.latency.buckets.values().all(|&n| n == 0)
    }

    /// Requests submitted (or refused) and not yet completed, by cumulative counts. Completions
    /// that end no request seen submitted (in flight at attach) or end no request at all (a
    /// multishot's CQEs with F_MORE, CQEs posted without a request) do not offset it.
    pub fn inflight(&self) -> u64 {
        let ending = self
            .completed
            .saturating_sub(self.unmatched)
            .saturating_sub(self.extra_cqes);
        self.submitted
            .saturating_add(self.rejected)
            .saturating_sub(ending)
    }
}

/// A submit->complete latency histogram in the probe's buckets (see [`crate::latency`]).
#[derive(Clone, Debug, Default, PartialEq, Hash, Eq, Serialize, Deserialize)]
pub struct LatencyCounts {
    pub count: u64,
    pub sum_ns: u64,
    /// Largest latency ever seen (cumulative; not a per-window maximum).
    pub max_ns: u64,
    /// Non-empty buckets only: bucket index -> count.
    pub buckets: BTreeMap<u16, u64>,
}

/// How a request reached its completion.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExecPath {
    /// Completed without leaving the submitting context.
    #[default]
    Inline,
    /// Armed a poll, completed when the file became ready.
    Poll,
    /// Punted to an io-wq worker thread.
    IoWq,
    /// Refused at submission; never issued.
    Rejected,
}

impl ExecPath {
    /// The name users see in trace lines, the UI and JSON (as serde writes it).
    pub fn name(self) -> &'static str {
        match self {
            ExecPath::Inline => "inline",
            ExecPath::Poll => "poll",
            ExecPath::IoWq => "io-wq",
            ExecPath::Rejected => "rejected",
        }
    }
}

/// One SQE and its CQE.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Wall-clock time of the completion, ns since the Unix epoch.
    pub time_ns: u64,
    /// Submit->complete; None for rejected SQEs.
    pub latency_ns: Option<u64>,
    pub pid: u32,
    pub tid: u32,
    pub comm: String,
    pub ring: u32,
    pub opcode: u8,
    /// As submitted: a fixed-file index when sqe_flags has IOSQE_FIXED_FILE.
    pub fd: i32,
    /// File offset for read/write opcodes; the SQE's off field for rejected ones; else 0.
    pub off: u64,
    pub addr: u64,
    pub len: u32,
    /// IOSQE_* bits.
    pub sqe_flags: u8,
    pub user_data: u64,
    pub res: i32,
    pub cflags: u32,
    pub path: ExecPath,
    /// The policy's verdict on this SQE (None without a policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// 0: the request's only CQE. n >= 1: its n-th CQE, for requests that post several (multishot
    /// ACCEPT/RECV/POLL_ADD/READ: every CQE is a record; SEND_ZC: the result, then the
    /// notification). The last one has no IORING_CQE_F_MORE in `cflags`.
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub cqe_index: u32,
    /// The request's arguments as the probe captured them at submission (None: not captured, or
    /// a recording made before uringtop captured them). Decoded by [`crate::args`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Box<crate::args::OpArgs>>,
}

fn is_zero_u32(v: &u32) -> bool {
    *v == 0
}
