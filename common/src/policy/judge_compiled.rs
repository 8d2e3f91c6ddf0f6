//! Evaluation through the compiled tables, written the way the BPF program does it (one pass over
//! the rules for the identity mask, then table lookups and ANDs, lowest bit wins), so the
//! property tests can hold the tables to the reference evaluator in `judge`.

use super::judge::comm_bytes;
use super::{glob_match, RegisterFacts, SqeArgs, SqeFacts};
use crate::abi;
use crate::verdict::{Action, Verdict};

/// The verdict the probe reaches for an SQE with this compiled policy.
pub fn judge_sqe_compiled(p: &abi::Policy, f: &SqeFacts) -> Verdict {
    let mut f_index = usize::from(f.sqe_flags & 0x7f);
    if f.personality {
        f_index |= abi::FLAG_PERSONALITY;
    }
    let mut candidates = identity_mask(p, f.pid, f.uid, &f.comm, f.ring_fd)
        & p.sqe_rules
        & p.sqe_ops[usize::from(f.opcode)]
        & !lacking_setup(p, f.setup_flags)
        & p.flags[f_index];
    // As the probe does: the lowest candidate wins unless it is an argument rule whose
    // arguments do not hold; then the next one is tried.
    while candidates != 0 {
        let i = candidates.trailing_zeros() as usize;
        if p.arg_rules & (1 << i) == 0 || compiled_args_hold(&p.rules[i], f.args) {
            break;
        }
        candidates &= candidates - 1;
    }
    verdict(p, candidates)
}

/// `args::args_hold` on the compiled form of a rule (which has an argument condition).
fn compiled_args_hold(r: &abi::Rule, args: SqeArgs) -> bool {
    match args {
        SqeArgs::Unknown => false,
        SqeArgs::Socket { domain, kind } => {
            (r.socket_domains != 0 || r.socket_types != 0)
                && (r.socket_domains == 0 || (domain < 64 && r.socket_domains >> domain & 1 != 0))
                && (r.socket_types == 0 || r.socket_types >> (kind & 0xf) & 1 != 0)
        }
        SqeArgs::Open { flags } => flags & u64::from(r.open_flags_any) != 0,
    }
}

/// The verdict the probe reaches for an io_uring_register call.
pub fn judge_register_compiled(p: &abi::Policy, f: &RegisterFacts) -> Verdict {
    let by_op = p
        .register_ops
        .get(usize::from(f.opcode))
        .copied()
        .unwrap_or(0);
    let candidates = identity_mask(p, f.pid, f.uid, &f.comm, f.ring_fd)
        & p.register_rules
        & by_op
        & !lacking_setup(p, f.setup_flags);
    verdict(p, candidates)
}

/// Rules whose pid, uid and comm glob accept the submitter.
fn identity_mask(p: &abi::Policy, pid: u32, uid: u32, comm: &str, ring_fd: i32) -> u64 {
    let name = comm_bytes(comm);
    let n = usize::try_from(p.nrules).map_or(0, |n| n.min(abi::MAX_RULES));
    let mut mask = 0u64;
    for (i, r) in p.rules.iter().enumerate().take(n) {
        let glob = &r.comm[..usize::from(r.comm_len).min(r.comm.len())];
        if (r.pid == 0 || r.pid == pid)
            && (r.uid == abi::ANY_UID || r.uid == uid)
            && (r.comm_len == 0 || glob_match(glob, name))
            && (r.ring_fd == abi::ANY_RING_FD || r.ring_fd == ring_fd)
        {
            mask |= 1 << i;
        }
    }
    mask
}

/// Rules that need an IORING_SETUP bit this ring does not have.
fn lacking_setup(p: &abi::Policy, setup_flags: u32) -> u64 {
    (0..32)
        .filter(|b| setup_flags & (1 << b) == 0)
        .fold(0, |m, b| m | p.setup_requires[b])
}

fn verdict(p: &abi::Policy, candidates: u64) -> Verdict {
    if candidates == 0 {
        return Verdict {
            action: Action::from_abi(p.default_action).unwrap_or_default(),
            rule: None,
            enforced: false,
        };
    }
    let i = candidates.trailing_zeros() as usize;
    Verdict {
        action: Action::from_abi(p.rules[i].action).unwrap_or_default(),
        rule: u16::try_from(i).ok(),
        enforced: false,
    }
}
