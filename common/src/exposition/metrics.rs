//! The table of metrics: one entry per family, with what it counts. The renderer walks it, the
//! README documents it, and the tests check the dashboard against it.

use crate::input::OpCounters;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Counter,
    Gauge,
    Histogram,
    Info,
}

/// A metric family: its name (without `_total` / `_info`), type and help text.
#[derive(Clone, Copy, Debug)]
pub(super) struct Family {
    pub name: &'static str,
    pub kind: Kind,
    pub help: &'static str,
}

/// The units the families' names end in.
const UNITS: [&str; 2] = ["seconds", "bytes"];

impl Family {
    /// The unit for OpenMetrics' `# UNIT` ("" for none): read from the name, whose last word
    /// OpenMetrics requires the unit to be, so the two cannot disagree.
    pub fn unit(&self) -> &'static str {
        let in_name = |unit: &&str| {
            self.name
                .strip_suffix(unit)
                .is_some_and(|rest| rest.ends_with('_'))
        };
        UNITS.into_iter().find(in_name).unwrap_or("")
    }
}

const fn counter(name: &'static str, help: &'static str) -> Family {
    Family {
        name,
        kind: Kind::Counter,
        help,
    }
}

const fn gauge(name: &'static str, help: &'static str) -> Family {
    Family {
        name,
        kind: Kind::Gauge,
        help,
    }
}

/// Reads one count of an op's counters.
pub(super) type Read = fn(&OpCounters) -> u64;

/// Per identity and opcode: a count read straight from the op's counters.
pub(super) const OP_COUNTERS: [(Family, Read); 6] = [
    (
        counter(
            "uringtop_sqes_submitted",
            "SQEs the kernel accepted (tracepoint io_uring_submit_req).",
        ),
        |c| c.submitted,
    ),
    (
        counter(
            "uringtop_sqes_rejected",
            "SQEs the kernel refused at submission (restrictions, BPF filters, credentials); they never ran.",
        ),
        |c| c.rejected,
    ),
    (
        counter(
            "uringtop_sqes_denied",
            "Of the rejected SQEs, those refused for permission (EACCES/EPERM).",
        ),
        |c| c.denied,
    ),
    (
        counter(
            "uringtop_cqes_completed",
            "CQEs posted (tracepoint io_uring_complete), failed ones included.",
        ),
        |c| c.completed,
    ),
    (
        counter(
            "uringtop_async_punts",
            "Requests punted to an io-wq worker thread.",
        ),
        |c| c.async_punts,
    ),
    (
        counter(
            "uringtop_poll_arms",
            "Requests that armed a poll and waited for their file to become ready.",
        ),
        |c| c.poll_arms,
    ),
];

pub(super) const CQE_ERRORS: Family = counter(
    "uringtop_cqe_errors",
    "CQEs with a negative result, by errno name.",
);

pub(super) const VERDICTS: Family = counter(
    "uringtop_policy_verdicts",
    "The policy's verdicts on SQEs, by action (only with --policy).",
);

pub(super) const LATENCY: Family = Family {
    name: "uringtop_request_latency_seconds",
    kind: Kind::Histogram,
    help: "Submit to complete, per request (sampled above ~16k requests/s per opcode and CPU). Requests completed inline in a batch complete at the batch's flush.",
};

pub(super) const CQ_OVERFLOWS: Family = counter(
    "uringtop_cq_overflows",
    "CQEs that found the completion queue full (under the ring's creator).",
);

pub(super) const RINGS: Family = gauge("uringtop_rings", "Live rings, by IORING_SETUP flags.");

pub(super) const RING_INFO: Family = Family {
    name: "uringtop_ring",
    kind: Kind::Info,
    help: "A live ring's setup: IORING_SETUP flags and queue sizes (only with --labels ring).",
};

pub(super) const LOST_RECORDS: Family = counter(
    "uringtop_probe_lost_records",
    "Request records the probe dropped (ring buffer full); counts stay exact.",
);

pub(super) const LOST_UPDATES: Family = counter(
    "uringtop_probe_lost_updates",
    "Counter updates the probe dropped (a map was full): the counts missed them.",
);

pub(super) const UNMATCHED: Family = counter(
    "uringtop_probe_unmatched_cqes",
    "CQEs whose submission the probe did not see (in flight at attach, multishot, aux CQEs).",
);

pub(super) const KEYS: Family = gauge(
    "uringtop_probe_keys",
    "Live process x ring x opcode keys the probe counts.",
);

pub(super) const KEY_SLOTS: Family = gauge(
    "uringtop_probe_key_slots",
    "Counter slots for keys; past them a process's rings are counted together (ring=\"other\").",
);

pub(super) const MAP_MEMORY: Family = gauge(
    "uringtop_probe_map_memory_bytes",
    "Kernel memory the probe's maps pin.",
);

pub(super) const RULE_HITS: Family = counter(
    "uringtop_policy_rule_hits",
    "Verdicts per policy rule, by the rule's position from 1 (only with --policy).",
);

pub(super) const IDENTITIES: Family = gauge(
    "uringtop_exposition_identities",
    "Label sets (by --labels) in this exposition, the \"other\" one included.",
);

pub(super) const FOLDED: Family = gauge(
    "uringtop_exposition_folded_rings",
    "Live (process, ring) pairs counted under \"other\" because --limit was reached.",
);

pub(super) const LAST_SAMPLE: Family = gauge(
    "uringtop_last_sample_timestamp_seconds",
    "When the probe's counters were last read (Unix time).",
);

/// Upper bounds of the latency histogram's buckets (`le`), in ns: powers of four from 256 ns to
/// 17.2 s, then +Inf. Each is a boundary of the probe's own buckets (which split every power of
/// two in four), so the merge is exact: `le` = 2^k ns counts the latencies below 2^k ns.
pub fn latency_bucket_bounds_ns() -> impl Iterator<Item = u64> {
    (8..=34).step_by(2).map(|k| 1u64 << k)
}

/// Every sample name the exposition can hold, for documentation and for checking dashboards.
pub const METRIC_NAMES: [&str; 24] = [
    "uringtop_sqes_submitted_total",
    "uringtop_sqes_rejected_total",
    "uringtop_sqes_denied_total",
    "uringtop_cqes_completed_total",
    "uringtop_async_punts_total",
    "uringtop_poll_arms_total",
    "uringtop_cqe_errors_total",
    "uringtop_policy_verdicts_total",
    "uringtop_request_latency_seconds_bucket",
    "uringtop_request_latency_seconds_sum",
    "uringtop_request_latency_seconds_count",
    "uringtop_cq_overflows_total",
    "uringtop_rings",
    "uringtop_ring_info",
    "uringtop_probe_lost_records_total",
    "uringtop_probe_lost_updates_total",
    "uringtop_probe_unmatched_cqes_total",
    "uringtop_probe_keys",
    "uringtop_probe_key_slots",
    "uringtop_probe_map_memory_bytes",
    "uringtop_policy_rule_hits_total",
    "uringtop_exposition_identities",
    "uringtop_exposition_folded_rings",
    "uringtop_last_sample_timestamp_seconds",
];
