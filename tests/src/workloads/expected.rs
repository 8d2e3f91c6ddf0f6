//! What a workload did, as the probe should see it.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, ensure, Result};
use serde::{Deserialize, Serialize};

use super::names::errno_name;

/// Everything a workload did: per-opcode counts, every SQE it handed to the
/// kernel with its result, and the rings it used.
///
/// Names are `String`s rather than `&'static str` so the value can travel
/// from a child process as JSON (see [`super::run_in_child`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    /// Counts per kernel opcode name ("NOP", "READ", ...).
    pub ops: BTreeMap<String, OpExpect>,
    /// Every SQE in the order it was handed to the kernel, refused ones too.
    pub sqes: Vec<SqeExpect>,
    /// How many rings the workload created.
    pub rings: usize,
    /// Whether its ring(s) used IORING_SETUP_SQPOLL (a kernel thread of the
    /// same process submitted the SQEs).
    pub setup_sqpoll: bool,
    /// CQEs beyond one per SQE, per opcode: a multishot request's CQEs before its last, CQEs
    /// posted with no request at all (the ring's "AUX_CQE" row). Counted in `completed` too.
    #[serde(default)]
    pub extra_cqes: BTreeMap<String, u64>,
    /// Child processes the workload forked (each with work the workload documents), in order.
    #[serde(default)]
    pub forked: Vec<u32>,
    /// How each request's decoded arguments and result must read (the arguments workload).
    #[serde(default)]
    pub args: Vec<super::args::ArgsExpect>,
}

/// The counters the probe keeps for one opcode.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpExpect {
    /// SQEs the kernel accepted and issued.
    pub submitted: u64,
    /// SQEs refused while being initialised (io_uring_req_failed at
    /// submission): they are never issued but still post a CQE.
    pub rejected: u64,
    /// Of `rejected`, those refused with EACCES or EPERM.
    pub denied: u64,
    /// CQEs posted for this opcode, refused SQEs included.
    pub completed: u64,
    /// CQEs with a negative result, by errno name ("ENOENT" -> count).
    pub errors: BTreeMap<String, u64>,
    /// Requests handed to io-wq, where the workload makes that deterministic;
    /// None where the kernel decides at run time (e.g. a buffered write that
    /// cannot be done without blocking).
    pub punted: Option<u64>,
}

/// One SQE as it was written to the submission queue, and its CQE's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqeExpect {
    /// Kernel opcode name.
    pub op: String,
    /// IOSQE_* flags (IO_LINK, ASYNC, ...).
    pub flags: u8,
    pub fd: i32,
    pub off: u64,
    pub len: u32,
    pub user_data: u64,
    /// The CQE's `res`: a count, 0, or a negated errno.
    pub res: i32,
    /// Refused at submission (never issued).
    pub rejected: bool,
}

impl Expected {
    pub(crate) fn new(rings: usize, setup_sqpoll: bool) -> Self {
        Expected {
            rings,
            setup_sqpoll,
            ..Expected::default()
        }
    }

    /// Adds another workload's counts and SQEs (run by the same process, on rings of its own).
    pub fn merge(&mut self, other: Expected) {
        self.rings += other.rings;
        self.setup_sqpoll |= other.setup_sqpoll;
        for (name, theirs) in other.ops {
            let ours = self.ops.entry(name).or_default();
            ours.submitted += theirs.submitted;
            ours.rejected += theirs.rejected;
            ours.denied += theirs.denied;
            ours.completed += theirs.completed;
            for (e, n) in theirs.errors {
                *ours.errors.entry(e).or_default() += n;
            }
            ours.punted = match (ours.punted, theirs.punted) {
                (Some(a), Some(b)) => Some(a + b),
                _ => None,
            };
        }
        self.sqes.extend(other.sqes);
        self.forked.extend(other.forked);
        self.args.extend(other.args);
        for (name, n) in other.extra_cqes {
            *self.extra_cqes.entry(name).or_default() += n;
        }
    }

    /// Counts `n` CQEs of `op` that no SQE of their own accounts for (see `extra_cqes`).
    pub(crate) fn record_extra_cqes(&mut self, op: &str, n: u64) {
        self.ops.entry(op.to_owned()).or_default().completed += n;
        *self.extra_cqes.entry(op.to_owned()).or_default() += n;
    }

    /// The counts for `op`, or all-zero counts when the workload never used it.
    pub fn op(&self, op: &str) -> OpExpect {
        self.ops.get(op).cloned().unwrap_or_default()
    }

    /// CQEs of every opcode together.
    pub fn total_completed(&self) -> u64 {
        self.ops.values().map(|op| op.completed).sum()
    }

    /// Counts one SQE whose CQE has been checked.
    pub(crate) fn record(&mut self, sqe: SqeExpect) {
        let op = self.ops.entry(sqe.op.clone()).or_default();
        if sqe.rejected {
            op.rejected += 1;
            if is_denial(sqe.res) {
                op.denied += 1;
            }
        } else {
            op.submitted += 1;
        }
        // Every SQE these workloads submit posts exactly one CQE.
        op.completed += 1;
        if sqe.res < 0 {
            *op.errors.entry(errno_name(-sqe.res)).or_default() += 1;
        }
        self.sqes.push(sqe);
    }

    /// Declares how many `op` requests went to io-wq, for workloads where
    /// that is deterministic.
    pub(crate) fn set_punted(&mut self, op: &str, punted: u64) {
        self.ops.entry(op.to_owned()).or_default().punted = Some(punted);
    }

    /// Checks that the counts agree with the SQE list and with each other, so
    /// a probe test can trust either view.
    pub fn validate(&self) -> Result<()> {
        ensure!(
            self.rings >= 1 || self.ops.is_empty(),
            "a workload with SQEs uses at least one ring"
        );
        let mut user_data = BTreeSet::new();
        for sqe in &self.sqes {
            // user_data identifies a request within its ring only.
            ensure!(
                self.rings > 1 || user_data.insert(sqe.user_data),
                "user_data {} is used twice, so CQEs cannot be matched to SQEs",
                sqe.user_data
            );
            ensure!(self.ops.contains_key(&sqe.op), "SQE {sqe:?} has no counts");
        }
        for (name, op) in &self.ops {
            let sqes: Vec<&SqeExpect> = self.sqes.iter().filter(|s| &s.op == name).collect();
            let issued = sqes.iter().filter(|s| !s.rejected).count() as u64;
            let refused: Vec<&&SqeExpect> = sqes.iter().filter(|s| s.rejected).collect();
            let denied = refused.iter().filter(|s| is_denial(s.res)).count() as u64;
            let mut errors: BTreeMap<String, u64> = BTreeMap::new();
            for sqe in sqes.iter().filter(|s| s.res < 0) {
                *errors.entry(errno_name(-sqe.res)).or_default() += 1;
            }
            let wrong = |what: &str, counted: u64, listed: u64| -> Result<()> {
                if counted != listed {
                    bail!("{name}: {what} is {counted} but the SQE list says {listed}");
                }
                Ok(())
            };
            wrong("submitted", op.submitted, issued)?;
            wrong("rejected", op.rejected, refused.len() as u64)?;
            wrong("denied", op.denied, denied)?;
            let extra = self.extra_cqes.get(name).copied().unwrap_or(0);
            wrong("completed", op.completed, sqes.len() as u64 + extra)?;
            ensure!(
                op.errors == errors,
                "{name}: errors {:?} but the SQE list says {errors:?}",
                op.errors
            );
            ensure!(
                op.denied <= op.rejected,
                "{name}: more denied than rejected"
            );
            ensure!(
                op.errors.values().sum::<u64>() <= op.completed,
                "{name}: more errors than CQEs"
            );
            if let Some(punted) = op.punted {
                ensure!(punted <= op.submitted, "{name}: more punted than submitted");
            }
        }
        Ok(())
    }
}

fn is_denial(res: i32) -> bool {
    res == -libc::EACCES || res == -libc::EPERM
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqe(op: &str, user_data: u64, res: i32, rejected: bool) -> SqeExpect {
        SqeExpect {
            op: op.to_owned(),
            flags: 0,
            fd: -1,
            off: 0,
            len: 0,
            user_data,
            res,
            rejected,
        }
    }

    #[test]
    fn record_counts_rejections_denials_and_errors() {
        let mut expected = Expected::new(1, false);
        expected.record(sqe("NOP", 0, 0, false));
        expected.record(sqe("READ", 1, -libc::EACCES, true));
        expected.record(sqe("READ", 2, -libc::EINVAL, true));
        let read = expected.op("READ");
        assert_eq!((read.submitted, read.rejected, read.denied), (0, 2, 1));
        assert_eq!(read.completed, 2);
        assert_eq!(read.errors["EACCES"], 1);
        assert_eq!(read.errors["EINVAL"], 1);
        assert_eq!(expected.op("NOP").submitted, 1);
        assert_eq!(expected.op("WRITE"), OpExpect::default());
        assert_eq!(expected.total_completed(), 3);
        expected.validate().unwrap();
    }

    #[test]
    fn validate_catches_counts_that_disagree_with_the_sqes() {
        let mut expected = Expected::new(1, false);
        expected.record(sqe("NOP", 0, 0, false));
        expected.ops.get_mut("NOP").unwrap().submitted = 2;
        assert!(expected.validate().is_err());
    }

    #[test]
    fn validate_catches_reused_user_data() {
        let mut expected = Expected::new(1, false);
        expected.record(sqe("NOP", 7, 0, false));
        expected.record(sqe("NOP", 7, 0, false));
        assert!(expected.validate().is_err());
    }

    #[test]
    fn survives_a_json_round_trip() {
        let mut expected = Expected::new(1, true);
        expected.record(sqe("OPENAT", 3, -libc::ENOENT, false));
        expected.set_punted("OPENAT", 0);
        let json = serde_json::to_string(&expected).unwrap();
        assert_eq!(serde_json::from_str::<Expected>(&json).unwrap(), expected);
    }
}
