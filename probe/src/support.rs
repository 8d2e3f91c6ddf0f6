//! What uringtop can stand behind on the running kernel, feature by feature: exact, best-effort
//! (and why), or unavailable (and why). Decided from the programs the loader chose (each written
//! for one kernel's tracepoint arguments) and the tracepoints the kernel lacks.

use std::fmt;

/// What a user reads off uringtop, as `uringtop check` lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Feature {
    /// SQEs submitted and CQEs completed, per process, ring and opcode.
    Counts,
    /// Failed CQEs per opcode and error.
    ErrorsByOpcode,
    /// Time from submission to CQE.
    Latency,
    /// SQEs the kernel refused at submission (restrictions, filters, credentials).
    Denials,
    /// Requests punted to io-wq workers.
    AsyncPunts,
    /// Per-request records (trace, records in recordings).
    Records,
    /// A record's arguments: the SQE the program wrote and the user memory it points to.
    Arguments,
    /// The policy's log/deny/kill verdicts on every SQE.
    PolicyVerdicts,
    /// Killing a process on a `kill` verdict.
    Kill,
}

impl Feature {
    pub const ALL: [Feature; 9] = [
        Feature::Counts,
        Feature::ErrorsByOpcode,
        Feature::Latency,
        Feature::Denials,
        Feature::AsyncPunts,
        Feature::Records,
        Feature::Arguments,
        Feature::PolicyVerdicts,
        Feature::Kill,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Feature::Counts => "counts",
            Feature::ErrorsByOpcode => "errors by opcode",
            Feature::Latency => "latency",
            Feature::Denials => "denials",
            Feature::AsyncPunts => "async punts",
            Feature::Records => "request records",
            Feature::Arguments => "request arguments",
            Feature::PolicyVerdicts => "policy verdicts",
            Feature::Kill => "kill",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Exact,
    /// Shown, but not always right: why.
    BestEffort(&'static str),
    /// Not shown on this kernel: why.
    Unavailable(&'static str),
}

impl Level {
    pub fn is_exact(self) -> bool {
        self == Level::Exact
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Level::Exact => write!(f, "exact"),
            Level::BestEffort(why) => write!(f, "best-effort: {why}"),
            Level::Unavailable(why) => write!(f, "unavailable: {why}"),
        }
    }
}

/// The CQE pairing of kernels whose io_uring_complete passes no request (5.10-5.18).
pub(crate) const KEYED_COMPLETE: &str = "on_complete_keyed";
/// The submission program of kernels whose io_uring_submit_sqe starts with the ring (5.10-5.19):
/// it does not judge SQEs (the policy's loop needs bpf_loop, and those kernels' programs cannot
/// carry its callback).
pub(crate) const KEYED_SUBMIT: &str = "on_submit_sqe_ctx";

const PAIRED_BY_USER_DATA: &str = "this kernel's io_uring_complete passes no request (before \
     Linux 5.19), so each CQE is paired with its SQE by (ring, user_data): exact while the \
     requests in flight on a ring have distinct user_data; when a program reuses one for \
     requests of different opcodes in flight together, their CQEs may count under the later opcode";
const UNTIMED_WHEN_SHARED: &str = "CQEs are paired with SQEs by (ring, user_data) (before Linux \
     5.19): requests in flight together with the same user_data on a ring are not timed";
const NO_REQ_FAILED: &str = "needs the io_uring_req_failed tracepoint (Linux 5.16+): SQEs the \
     kernel refuses at submission show only as CQEs on their ring's no-request row (AUX_CQE), \
     with their error";
const NO_ASYNC_TRACEPOINT: &str = "needs the io_uring_queue_async_work tracepoint";
const NO_POLICY_HERE: &str =
    "needs Linux 6.0+: on older kernels uringtop cannot judge SQEs as they \
     are submitted (`--policy` is refused there)";

/// Every feature's level, given the programs the loader chose and the tracepoints it could not use.
pub fn levels(chosen: &[&str], degraded: &[(&str, &str)]) -> Vec<(Feature, Level)> {
    let keyed = chosen.contains(&KEYED_COMPLETE);
    let lacks = |tp: &str| degraded.iter().any(|(t, _)| *t == tp);
    let no_policy = chosen.contains(&KEYED_SUBMIT);
    Feature::ALL
        .iter()
        .map(|&f| {
            let level = match f {
                Feature::Counts | Feature::ErrorsByOpcode | Feature::Records if keyed => {
                    Level::BestEffort(PAIRED_BY_USER_DATA)
                }
                Feature::Latency if keyed => Level::BestEffort(UNTIMED_WHEN_SHARED),
                Feature::Denials if lacks("io_uring_req_failed") => {
                    Level::Unavailable(NO_REQ_FAILED)
                }
                Feature::AsyncPunts if lacks("io_uring_queue_async_work") => {
                    Level::Unavailable(NO_ASYNC_TRACEPOINT)
                }
                Feature::PolicyVerdicts | Feature::Kill if no_policy => {
                    Level::Unavailable(NO_POLICY_HERE)
                }
                // Arguments are the SQE read back from the SQ ring at submission, checked against
                // the request's opcode and user_data, on every kernel (5.10+): exact where the
                // record carrying them is shown (Records says how that record is paired).
                _ => Level::Exact,
            };
            (f, level)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_programs_are_exact_everywhere() {
        let all = levels(&["on_complete", "on_submit_req", "on_req_failed"], &[]);
        assert!(all.iter().all(|(_, l)| l.is_exact()), "{all:?}");
    }

    #[test]
    fn pairing_by_user_data_is_best_effort_and_old_kernels_lack_denials_and_policies() {
        let all = levels(
            &[KEYED_COMPLETE, KEYED_SUBMIT, "on_queue_async_work_ctx"],
            &[("io_uring_req_failed", "…")],
        );
        let level = |f| all.iter().find(|(g, _)| *g == f).unwrap().1;
        assert!(matches!(level(Feature::Counts), Level::BestEffort(_)));
        assert!(matches!(level(Feature::Latency), Level::BestEffort(_)));
        assert!(matches!(level(Feature::Denials), Level::Unavailable(_)));
        assert!(matches!(
            level(Feature::PolicyVerdicts),
            Level::Unavailable(_)
        ));
        assert!(matches!(level(Feature::Kill), Level::Unavailable(_)));
        assert_eq!(level(Feature::AsyncPunts), Level::Exact);
        assert_eq!(level(Feature::Arguments), Level::Exact);
    }
}
