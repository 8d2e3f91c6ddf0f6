//! The reference evaluator: decides straight from the rules, in file order, what the probe
//! decides through bitmaps. It is the specification; `judge_compiled` must agree with it.

use super::args::args_hold;
use super::{glob_match, MemArgs, Policy, Rule, SqeArgs};
use crate::verdict::Verdict;

/// What the probe knows about a submitted SQE when it judges it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SqeFacts {
    pub pid: u32,
    /// Real uid of the submitting task.
    pub uid: u32,
    /// Process name (kernel comm; only its first 15 bytes count, as in the kernel).
    pub comm: String,
    /// IORING_SETUP_* of the ring.
    pub setup_flags: u32,
    pub opcode: u8,
    /// IOSQE_* (bit 7 is not a flag and is ignored).
    pub sqe_flags: u8,
    /// The SQE named a personality (sqe->personality != 0).
    pub personality: bool,
    /// The ring's fd as created; -1 when its creation was not seen (no `ring_fd` rule matches).
    pub ring_fd: i32,
    /// Its arguments, where rules can look at them.
    pub args: SqeArgs,
    /// Its paths, socket address and buffer kind, where rules can look at them.
    pub mem: MemArgs,
}

/// What the probe knows about an io_uring_register call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegisterFacts {
    pub pid: u32,
    pub uid: u32,
    pub comm: String,
    pub setup_flags: u32,
    /// The ring's fd as created; -1 when unknown.
    pub ring_fd: i32,
    /// IORING_REGISTER_*; opcodes >= 64 have no place in the compiled table and get the default.
    pub opcode: u8,
}

/// The bytes of a process name as the probe sees them: the kernel's 16-byte buffer holds at
/// most 15 bytes before its NUL.
pub(crate) fn comm_bytes(comm: &str) -> &[u8] {
    let b = comm.as_bytes();
    let b = &b[..b.len().min(15)];
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    &b[..end]
}

impl Policy {
    /// The verdict on an SQE: the first rule that judges SQEs and whose every condition holds,
    /// else the default. `enforced` is always false here (enforcement is the probe's act).
    pub fn judge_sqe(&self, f: &SqeFacts) -> Verdict {
        self.first_match(|r| {
            r.judges_sqes()
                && identity(r, f.pid, f.uid, &f.comm, f.setup_flags, f.ring_fd)
                && r.ops.as_ref().is_none_or(|ops| ops.contains(&f.opcode))
                && sqe_conditions(r, f.sqe_flags, f.personality)
                && args_hold(r, f.args, &f.mem)
        })
    }

    /// The verdict on an io_uring_register call (SQE flag and personality conditions do not
    /// apply: a register call has neither).
    pub fn judge_register(&self, f: &RegisterFacts) -> Verdict {
        self.first_match(|r| {
            r.judges_register()
                && f.opcode < 64
                && identity(r, f.pid, f.uid, &f.comm, f.setup_flags, f.ring_fd)
                && r.register_ops
                    .as_ref()
                    .is_none_or(|ops| ops.contains(&f.opcode))
        })
    }

    fn first_match(&self, matches: impl Fn(&Rule) -> bool) -> Verdict {
        match self.rules.iter().position(matches) {
            Some(i) => Verdict {
                action: self.rules[i].action,
                rule: u16::try_from(i).ok(),
                enforced: false,
            },
            None => Verdict {
                action: self.default,
                rule: None,
                enforced: false,
            },
        }
    }
}

/// Who submitted, and on what ring: pid, uid, comm glob, required setup flags, ring fd.
fn identity(r: &Rule, pid: u32, uid: u32, comm: &str, setup_flags: u32, ring_fd: i32) -> bool {
    r.pid.is_none_or(|p| p == pid)
        && r.uid.is_none_or(|u| u == uid)
        && r.comm
            .as_ref()
            .is_none_or(|g| glob_match(g.as_bytes(), comm_bytes(comm)))
        && setup_flags & r.setup_flags == r.setup_flags
        && r.ring_fd
            .is_none_or(|fd| i64::from(fd) == i64::from(ring_fd))
}

/// "Has at least one of `any`", "lacks at least one of `missing`", personality as required.
fn sqe_conditions(r: &Rule, sqe_flags: u8, personality: bool) -> bool {
    let flags = sqe_flags & 0x7f;
    (r.sqe_flags_any == 0 || flags & r.sqe_flags_any != 0)
        && (r.sqe_flags_missing == 0 || flags & r.sqe_flags_missing != r.sqe_flags_missing)
        && r.personality.is_none_or(|p| p == personality)
}
