//! [`Policy`] -> `abi::Policy`: the bitmap tables the probe evaluates, filled exactly as the
//! comments on `struct urt_policy` in probe/bpf/abi.h define them. Bit i of every mask is
//! `rules[i]`, so the lowest bit left after ANDing the masks that apply is the first match.

use super::peers::{prefix_mask, PeerFamily};
use super::{PathPattern, PeerPattern, Policy, Rule};
use crate::abi;

/// Every value of the 8-bit index into `abi::Policy::flags`: IOSQE bits 0..6 plus
/// `abi::FLAG_PERSONALITY`.
const FLAG_INDEXES: usize = 256;

impl Policy {
    /// The probe's form of this policy. `enforce`: kill verdicts send SIGKILL (`--enforce`).
    /// Rules past `abi::MAX_RULES` cannot occur ([`super::parse`] refuses them) and are ignored.
    pub fn compile(&self, enforce: bool) -> abi::Policy {
        let mut out = abi::Policy {
            default_action: self.default.abi(),
            enforce: u8::from(enforce),
            ..abi::Policy::default()
        };
        for (i, rule) in self.rules.iter().take(abi::MAX_RULES).enumerate() {
            let bit = 1u64 << i;
            out.nrules += 1;
            out.rules[i] = compile_rule(rule);
            if rule.has_sqe_condition() {
                out.conditional |= bit;
            }
            if rule.has_arg_condition() {
                out.arg_rules |= bit;
            }
            if rule.has_mem_condition() {
                out.mem_rules |= bit;
            }
            compile_entries(&mut out, i, rule);
            for (b, requires) in out.setup_requires.iter_mut().enumerate() {
                if rule.setup_flags & (1 << b) != 0 {
                    *requires |= bit;
                }
            }
            if rule.judges_sqes() {
                out.sqe_rules |= bit;
                for (op, mask) in out.sqe_ops.iter_mut().enumerate() {
                    if covers(rule.ops.as_deref(), op) {
                        *mask |= bit;
                    }
                }
            }
            if rule.judges_register() {
                out.register_rules |= bit;
                for (op, mask) in out.register_ops.iter_mut().enumerate() {
                    if covers(rule.register_ops.as_deref(), op) {
                        *mask |= bit;
                    }
                }
            }
            for (f, mask) in out.flags.iter_mut().enumerate().take(FLAG_INDEXES) {
                if flags_hold(rule, f) {
                    *mask |= bit;
                }
            }
        }
        out
    }
}

/// Appends a rule's `paths` and `peers` entries to the policy's tables and marks them in its
/// masks.
fn compile_entries(out: &mut abi::Policy, i: usize, rule: &Rule) {
    let owner = u8::try_from(i).unwrap_or(u8::MAX);
    let paths = rule.paths.iter().map(|p| (p.negated, path_slot(p, owner)));
    let masks = (&mut out.path_pos[i], &mut out.path_neg[i]);
    append(paths, &mut out.paths, &mut out.npaths, masks);
    let peers = rule.peers.iter().map(|p| (p.negated, peer_entry(p, owner)));
    let masks = (&mut out.peer_pos[i], &mut out.peer_neg[i]);
    append(peers, &mut out.peers, &mut out.npeers, masks);
}

/// Appends (negated, entry) pairs to a table of which `used` slots are taken, setting entry
/// `j`'s bit in the rule's plain or negated mask. The parser keeps a policy within the tables'
/// sizes; anything past them is dropped.
fn append<E>(
    entries: impl Iterator<Item = (bool, E)>,
    table: &mut [E],
    used: &mut u32,
    (plain, negated): (&mut u64, &mut u64),
) {
    for (is_negated, entry) in entries {
        let j = *used as usize;
        if j >= table.len() {
            break;
        }
        table[j] = entry;
        let mask = if is_negated {
            &mut *negated
        } else {
            &mut *plain
        };
        *mask |= 1 << j;
        *used += 1;
    }
}

/// A `paths` pattern in the probe's slot; `rule`: the index of the rule it belongs to.
fn path_slot(pat: &PathPattern, rule: u8) -> abi::PathPattern {
    let len = pat.text.len().min(abi::PATTERN_LEN);
    let mut slot = abi::PathPattern {
        rule,
        len: u8::try_from(len).unwrap_or(u8::MAX),
        flags: (if pat.subtree { abi::PATTERN_SUBTREE } else { 0 })
            | (if pat.any { abi::PATTERN_ANY } else { 0 }),
        ..abi::PathPattern::default()
    };
    slot.text[..len].copy_from_slice(&pat.text[..len]);
    slot
}

/// A `peers` entry in the probe's form (its mask from the prefix; none for `*` and `unix`).
fn peer_entry(peer: &PeerPattern, rule: u8) -> abi::PeerEntry {
    abi::PeerEntry {
        rule,
        family: match peer.family {
            PeerFamily::Inet => abi::PEER_INET,
            PeerFamily::V4 => abi::PEER_V4,
            PeerFamily::V6 => abi::PEER_V6,
            PeerFamily::Unix => abi::PEER_UNIX,
        },
        port_lo: peer.port_lo,
        port_hi: peer.port_hi,
        _pad: [0; 2],
        net: peer.net,
        mask: match peer.family {
            PeerFamily::V4 | PeerFamily::V6 => prefix_mask(peer.prefix),
            PeerFamily::Inet | PeerFamily::Unix => [0; 16],
        },
    }
}

/// A rule's opcode list covers `op`; no list covers every opcode.
fn covers(list: Option<&[u8]>, op: usize) -> bool {
    list.is_none_or(|ops| ops.iter().any(|&o| usize::from(o) == op))
}

/// The rule's SQE conditions hold for flag index `f` (IOSQE bits | FLAG_PERSONALITY); true for
/// rules without such conditions.
pub(crate) fn flags_hold(rule: &Rule, f: usize) -> bool {
    let sqe = f & 0x7f;
    let any = usize::from(rule.sqe_flags_any);
    let missing = usize::from(rule.sqe_flags_missing);
    let named = f & abi::FLAG_PERSONALITY != 0;
    (any == 0 || sqe & any != 0)
        && (missing == 0 || sqe & missing != missing)
        && rule.personality.is_none_or(|p| p == named)
}

fn compile_rule(rule: &Rule) -> abi::Rule {
    let mut out = abi::Rule {
        pid: rule.pid.unwrap_or(0),
        uid: rule.uid.unwrap_or(abi::ANY_UID),
        setup_flags: rule.setup_flags,
        action: rule.action.abi(),
        ring_fd: rule
            .ring_fd
            .and_then(|fd| i32::try_from(fd).ok())
            .unwrap_or(abi::ANY_RING_FD),
        open_flags_any: rule.open_flags_any,
        socket_domains: rule.socket_domains,
        socket_types: rule.socket_types,
        arg_kinds: (if rule.paths.is_empty() {
            0
        } else {
            abi::ARG_PATHS
        }) | (if rule.peers.is_empty() {
            0
        } else {
            abi::ARG_PEERS
        }) | (if rule.fixed_buffers {
            abi::ARG_FIXED_BUFFERS
        } else {
            0
        }),
        ..abi::Rule::default()
    };
    if let Some(glob) = &rule.comm {
        let bytes = &glob.as_bytes()[..glob.len().min(out.comm.len())];
        out.comm[..bytes.len()].copy_from_slice(bytes);
        // At most 16 bytes (checked by the parser), so this fits a u8.
        out.comm_len = u8::try_from(bytes.len()).unwrap_or(u8::MAX);
    }
    out
}
