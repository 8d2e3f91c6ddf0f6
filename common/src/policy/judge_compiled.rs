//! Evaluation through the compiled tables, written the way the BPF program does it (one pass over
//! the rules for the identity mask, then table lookups and ANDs, lowest bit wins), so the
//! property tests can hold the tables to the reference evaluator in `judge`.

use super::judge::comm_bytes;
use super::paths::path_match;
use super::{glob_match, MemArgs, Peer, RegisterFacts, SqeArgs, SqeFacts};
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
    let hits = MemHits::of(p, &f.mem);
    while candidates != 0 {
        let i = candidates.trailing_zeros() as usize;
        if p.arg_rules & (1 << i) == 0 || compiled_args_hold(p, i, f.args, &hits) {
            break;
        }
        candidates &= candidates - 1;
    }
    verdict(p, candidates)
}

/// Which of the policy's path patterns match each path of the SQE, and which peer entries its
/// address (the probe's `mem_facts`).
struct MemHits {
    paths: Vec<u64>,
    peer: Option<u64>,
    unregistered_buffer: bool,
}

impl MemHits {
    fn of(p: &abi::Policy, mem: &MemArgs) -> MemHits {
        let npaths = (p.npaths as usize).min(abi::MAX_PATTERNS);
        let npeers = (p.npeers as usize).min(abi::MAX_PEERS);
        let paths = mem
            .paths
            .iter()
            .map(|path| {
                (0..npaths).fold(0u64, |m, j| {
                    let pat = &p.paths[j];
                    let text = &pat.text[..usize::from(pat.len).min(abi::PATTERN_LEN)];
                    let hit = path_match(
                        text,
                        pat.flags & abi::PATTERN_SUBTREE != 0,
                        pat.flags & abi::PATTERN_ANY != 0,
                        &path.bytes,
                        path.cut,
                    );
                    m | (u64::from(hit) << j)
                })
            })
            .collect();
        let peer = mem.peer.map(|peer| {
            (0..npeers).fold(0u64, |m, j| {
                m | (u64::from(peer_entry_matches(&p.peers[j], &peer)) << j)
            })
        });
        MemHits {
            paths,
            peer,
            unregistered_buffer: mem.unregistered_buffer,
        }
    }
}

fn peer_entry_matches(e: &abi::PeerEntry, peer: &Peer) -> bool {
    match *peer {
        Peer::Unix => e.family == abi::PEER_UNIX,
        Peer::Other(_) => false,
        Peer::Inet { v6, addr, port } => {
            let family_ok = match e.family {
                abi::PEER_INET => true,
                abi::PEER_V4 => !v6,
                abi::PEER_V6 => v6,
                _ => false,
            };
            family_ok
                && (e.port_lo..=e.port_hi).contains(&port)
                && (0..16).all(|k| addr[k] & e.mask[k] == e.net[k])
        }
    }
}

/// A list's masks hold for one entry's hits: a plain entry hit (or none exists), no negated one.
fn list_holds(pos: u64, neg: u64, hits: u64) -> bool {
    (pos == 0 || hits & pos != 0) && hits & neg == 0
}

/// `args::args_hold` on the compiled form of rule `i` (which has an argument condition).
fn compiled_args_hold(p: &abi::Policy, i: usize, args: SqeArgs, hits: &MemHits) -> bool {
    let r = &p.rules[i];
    if r.socket_domains != 0 || r.socket_types != 0 {
        let SqeArgs::Socket { domain, kind } = args else {
            return false;
        };
        if !((r.socket_domains == 0 || (domain < 64 && r.socket_domains >> domain & 1 != 0))
            && (r.socket_types == 0 || r.socket_types >> (kind & 0xf) & 1 != 0))
        {
            return false;
        }
    }
    if r.open_flags_any != 0 {
        let SqeArgs::Open { flags } = args else {
            return false;
        };
        if flags & u64::from(r.open_flags_any) == 0 {
            return false;
        }
    }
    (r.arg_kinds & abi::ARG_PATHS == 0
        || hits
            .paths
            .iter()
            .any(|&m| list_holds(p.path_pos[i], p.path_neg[i], m)))
        && (r.arg_kinds & abi::ARG_PEERS == 0
            || hits
                .peer
                .is_some_and(|m| list_holds(p.peer_pos[i], p.peer_neg[i], m)))
        && (r.arg_kinds & abi::ARG_FIXED_BUFFERS == 0 || hits.unregistered_buffer)
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
