//! Policy files: a seccomp-style list of rules over io_uring operations (see README "Policy
//! files"). This module parses them with errors that point at the offending text, compiles them to
//! the bitmap tables the probe evaluates (`abi::Policy`), and holds a reference evaluator: the
//! specification the probe must agree with, checked against the compiled form by property tests.

mod args;
mod compile;
mod error;
mod glob;
mod judge;
mod judge_compiled;
pub mod kernel;
mod negatable;
mod parse;
pub mod paths;
pub mod peers;
mod render;

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_args;

pub use args::{open_flag_names, socket_domain_names, socket_type_names, MemArgs, SqeArgs};
pub use error::PolicyError;
pub use glob::glob_match;
pub use judge::{RegisterFacts, SqeFacts};
pub use judge_compiled::{judge_register_compiled, judge_sqe_compiled};
pub use parse::{parse, parse_all};
pub use paths::{PathArg, PathPattern};
pub use peers::{Peer, PeerPattern};
pub use render::{toml_array, toml_string};

use crate::verdict::Action;

/// The longest `comm` glob: the size of the kernel's task name buffer.
pub const MAX_COMM_GLOB: usize = 16;

/// Register opcodes a policy can name: the size of the probe's table (urt_policy.register_ops).
pub const MAX_REGISTER_OPCODES: usize = 64;

/// A parsed policy file.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// The action when no rule matches.
    pub default: Action,
    /// In file order: the first matching rule wins.
    pub rules: Vec<Rule>,
    /// The text this policy was parsed from, kept so recordings can carry it verbatim.
    pub source: String,
}

/// One `[[rule]]`. Every condition that is present must hold for the rule to match. The
/// default is a rule with no condition at all that allows (what a `[[rule]]` holds before its
/// keys are read).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rule {
    /// 1-based line of the rule's `[[rule]]` header in the source.
    pub line: usize,
    pub name: Option<String>,
    /// Glob over the process name (see [`glob_match`]).
    pub comm: Option<String>,
    pub pid: Option<u32>,
    /// Real uid of the submitting task.
    pub uid: Option<u32>,
    /// IORING_OP_* values; None: every opcode (if the rule judges SQEs at all).
    pub ops: Option<Vec<u8>>,
    /// IORING_REGISTER_* values (< 64); None: every one (if the rule judges register calls).
    pub register_ops: Option<Vec<u8>>,
    /// IOSQE_* mask: the SQE must have at least one of these (0: no condition).
    pub sqe_flags_any: u8,
    /// IOSQE_* mask: the SQE must lack at least one of these (0: no condition).
    pub sqe_flags_missing: u8,
    /// The SQE must name (true) / not name (false) a personality.
    pub personality: Option<bool>,
    /// IORING_SETUP_* mask: the ring must have all of these.
    pub setup_flags: u32,
    /// The ring's file descriptor, as created (a ring selector: two rings of one process can
    /// have different rules).
    pub ring_fd: Option<u32>,
    /// Bit d: SOCKET SQEs for address family d (AF_*, < 64). 0: no condition.
    pub socket_domains: u64,
    /// Bit t: SOCKET SQEs of type t (SOCK_*, the low 4 bits of the type). 0: no condition.
    pub socket_types: u16,
    /// OPENAT/OPENAT2 SQEs with at least one of these O_* bits. 0: no condition.
    pub open_flags_any: u32,
    /// Path globs of path opcodes (see [`paths`]); empty: no condition.
    pub paths: Vec<PathPattern>,
    /// Socket addresses of CONNECT, BIND, SENDMSG(_ZC), SEND(_ZC) (see [`peers`]); empty: no
    /// condition.
    pub peers: Vec<PeerPattern>,
    /// Requests that move data through a buffer that is not registered, where the running
    /// kernel has a registered-buffer form (see [`args::BUFFER_OPS`]).
    pub fixed_buffers: bool,
    pub action: Action,
}

impl Rule {
    /// Has a condition that only SQEs have (flags or personality).
    pub fn has_sqe_condition(&self) -> bool {
        self.sqe_flags_any != 0
            || self.sqe_flags_missing != 0
            || self.personality.is_some()
            || self.has_arg_condition()
    }

    /// Has a condition on an SQE's arguments (socket family or type, open flags, paths, peers,
    /// fixed buffers).
    pub fn has_arg_condition(&self) -> bool {
        self.socket_domains != 0
            || self.socket_types != 0
            || self.open_flags_any != 0
            || self.has_mem_condition()
    }

    /// Has a condition the kernel's io_uring BPF filters cannot see (they read no user memory
    /// and no buffer kind): paths, peers, fixed buffers.
    pub fn has_mem_condition(&self) -> bool {
        !self.paths.is_empty() || !self.peers.is_empty() || self.fixed_buffers
    }

    /// Judges SQEs: it lists `ops`, or lists neither `ops` nor `register_ops`.
    pub fn judges_sqes(&self) -> bool {
        self.ops.is_some() || self.register_ops.is_none()
    }

    /// Judges io_uring_register calls: it lists `register_ops`, or lists neither opcode list
    /// and has no SQE-only condition.
    pub fn judges_register(&self) -> bool {
        self.register_ops.is_some() || (self.ops.is_none() && !self.has_sqe_condition())
    }
}
