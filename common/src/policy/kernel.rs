//! The part of a policy the kernel itself can enforce (Linux 7.0+): compiled into what
//! `uringtop run` installs on the task before it execs the command — per-opcode classic-BPF
//! filters (IORING_REGISTER_BPF_FILTER with fd -1) for SQEs, and a task restriction
//! (IORING_REGISTER_RESTRICTIONS with fd -1) listing the io_uring_register opcodes allowed.
//!
//! A filter sees `struct io_uring_bpf_ctx` (include/uapi/linux/io_uring/bpf_filter.h, 7.0+):
//! user_data, opcode, the SQE's IOSQE bits and, for SOCKET, family/type/protocol, for
//! OPENAT/OPENAT2, flags/mode/resolve. It returns 0 to refuse (the SQE completes with -EACCES,
//! never issued) or non-zero to allow. So a rule whose conditions are all among those (opcode,
//! SQE flags, socket family and type, open flags) can be decided by the kernel; a rule on the
//! process (comm, pid, uid), the ring (setup flags, ring fd) or the personality cannot.
//!
//! Soundness: the kernel refuses an SQE only when the policy's verdict on it is `deny` whatever
//! the conditions the kernel cannot see. Rules are walked in file order as the probe walks them;
//! a rule the kernel cannot fully judge that might match stops the walk with "allow" unless its
//! action is deny (then the walk goes on: whether it matches or not, deny or a later rule decides).
//! `log` and `kill` are allowed by the kernel: uringtop counts and kills after submission.

use super::args::{arg_ops, OP_OPENAT, OP_OPENAT2, OP_SOCKET};
use super::{Policy, Rule};
use crate::names;
use crate::verdict::Action;

/// Opcodes the filters cover: IORING_OP_LAST of Linux 7.2 (the kernel refuses a filter for an
/// opcode it does not have with EINVAL; `run` stops there).
pub const FILTER_OPCODES: u8 = 64;
/// IORING_REGISTER_LAST of Linux 7.0-7.2: a register allow-list names opcodes below it.
pub const REGISTER_OPCODES: u8 = 38;

/// One classic-BPF instruction (`struct sock_filter`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SockFilter {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

// Classic BPF opcodes (linux/bpf_common.h).
const LD_W_ABS: u16 = 0x20; // BPF_LD (0) | BPF_W (0) | BPF_ABS (0x20)
const ALU_AND_K: u16 = 0x04 | 0x50; // BPF_ALU | BPF_AND | BPF_K
const JMP_JA: u16 = 0x05; // BPF_JMP | BPF_JA
const JMP_JEQ_K: u16 = 0x05 | 0x10; // BPF_JMP | BPF_JEQ | BPF_K
const JMP_JSET_K: u16 = 0x05 | 0x40; // BPF_JMP | BPF_JSET | BPF_K
const RET_K: u16 = 0x06; // BPF_RET | BPF_K

/// Offsets in `struct io_uring_bpf_ctx`: the word holding opcode (byte 8) and sqe_flags (byte
/// 9), little-endian as filters load it; the argument union at 16.
const CTX_OP_FLAGS: u32 = 8;
const CTX_SOCKET_FAMILY: u32 = 16;
const CTX_SOCKET_TYPE: u32 = 20;
const CTX_OPEN_FLAGS_LOW: u32 = 16;

const ALLOW: u32 = 1;
const DENY: u32 = 0;

/// What the kernel gets for one opcode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpProgram {
    /// Every SQE of this opcode is allowed: no filter.
    Allow,
    /// Every SQE of this opcode is refused.
    Deny,
    /// A filter decides per SQE.
    Filter(Vec<SockFilter>),
}

/// Who enforces one rule under `uringtop run`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Enforcer {
    /// The kernel refuses what the rule denies, before it runs.
    Kernel,
    /// The kernel refuses it except where an earlier rule it cannot judge may decide first
    /// (that rule's 1-based number); there uringtop judges.
    KernelExceptAfter(usize),
    /// uringtop: the kernel cannot see these conditions (policy keys).
    Uringtop(Vec<&'static str>),
    /// Not a refusal: allow, log or kill, carried out (or reported) by uringtop.
    NotARefusal,
}

/// What `run` installs, and for each rule who enforces it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelPlan {
    /// Per opcode 0..FILTER_OPCODES.
    pub ops: Vec<OpProgram>,
    /// Opcodes at or above FILTER_OPCODES (unknown to the policy): refused (a filter with
    /// IO_URING_BPF_FILTER_DENY_REST) or allowed.
    pub deny_rest: bool,
    /// `Some(list)`: a task restriction allowing only these register opcodes.
    pub register_allowed: Option<Vec<u8>>,
    pub rules: Vec<Enforcer>,
}

impl KernelPlan {
    /// Nothing for the kernel to refuse.
    pub fn is_empty(&self) -> bool {
        !self.deny_rest
            && self.register_allowed.is_none()
            && self.ops.iter().all(|p| *p == OpProgram::Allow)
    }

    /// The opcodes refused outright, and those with a filter.
    pub fn summary(&self) -> (Vec<u8>, Vec<u8>) {
        let mut denied = Vec::new();
        let mut filtered = Vec::new();
        for (op, p) in (0u8..).zip(&self.ops) {
            match p {
                OpProgram::Deny => denied.push(op),
                OpProgram::Filter(_) => filtered.push(op),
                OpProgram::Allow => {}
            }
        }
        (denied, filtered)
    }
}

/// The policy keys of a rule that the kernel cannot judge.
pub fn unseen_keys(rule: &Rule) -> Vec<&'static str> {
    let mut out = Vec::new();
    if rule.comm.is_some() {
        out.push("comm");
    }
    if rule.pid.is_some() {
        out.push("pid");
    }
    if rule.uid.is_some() {
        out.push("uid");
    }
    if rule.personality.is_some() {
        out.push("personality");
    }
    if rule.setup_flags != 0 {
        out.push("setup_flags");
    }
    if rule.ring_fd.is_some() {
        out.push("ring_fd");
    }
    // The kernel's filters read no user memory and do not see the buffer kind.
    if !rule.paths.is_empty() {
        out.push("paths");
    }
    if !rule.peers.is_empty() {
        out.push("peers");
    }
    if rule.fixed_buffers {
        out.push("fixed_buffers");
    }
    out
}

fn covers(list: Option<&[u8]>, op: u8) -> bool {
    list.is_none_or(|l| l.contains(&op))
}

impl Policy {
    /// The kernel's share of this policy.
    pub fn kernel_plan(&self) -> KernelPlan {
        let ops: Vec<OpProgram> = (0..FILTER_OPCODES)
            .map(|op| self.op_program(Some(op)))
            .collect();
        let deny_rest = self.op_program(None) == OpProgram::Deny;
        let register: Vec<bool> = (0..REGISTER_OPCODES)
            .map(|r| self.register_refused(r))
            .collect();
        let register_allowed = register.iter().any(|&d| d).then(|| {
            (0u8..)
                .zip(&register)
                .filter(|(_, &d)| !d)
                .map(|(r, _)| r)
                .collect()
        });
        let rules = (0..self.rules.len()).map(|i| self.enforcer(i)).collect();
        KernelPlan {
            ops,
            deny_rest,
            register_allowed,
            rules,
        }
    }

    /// The filter for `op` (None: an opcode no `ops` list names).
    fn op_program(&self, op: Option<u8>) -> OpProgram {
        let mut prog: Vec<SockFilter> = Vec::new();
        for rule in &self.rules {
            let covered = match op {
                Some(op) => covers(rule.ops.as_deref(), op),
                None => rule.ops.is_none(),
            };
            if !rule.judges_sqes() || !covered {
                continue;
            }
            let certain = unseen_keys(rule).is_empty();
            let verdict = match (certain, rule.action) {
                (true, Action::Deny) => DENY,
                (true, _) => ALLOW,
                // Might match: if it does, deny or a later rule decides; either way go on.
                (false, Action::Deny) => continue,
                (false, _) => ALLOW,
            };
            let conds = conditions(rule, op);
            if conds.is_empty() {
                prog.push(ret(verdict));
                return finish(prog);
            }
            prog.extend(block(&conds, verdict));
        }
        prog.push(ret(if self.default == Action::Deny {
            DENY
        } else {
            ALLOW
        }));
        finish(prog)
    }

    /// True when the kernel may refuse io_uring_register opcode `r` for every process and ring.
    fn register_refused(&self, r: u8) -> bool {
        for rule in &self.rules {
            if !rule.judges_register() || !covers(rule.register_ops.as_deref(), r) {
                continue;
            }
            let certain = unseen_keys(rule).is_empty();
            match (certain, rule.action) {
                (true, a) => return a == Action::Deny,
                (false, Action::Deny) => continue,
                (false, _) => return false,
            }
        }
        self.default == Action::Deny
    }

    fn enforcer(&self, i: usize) -> Enforcer {
        let rule = &self.rules[i];
        if rule.action != Action::Deny {
            return Enforcer::NotARefusal;
        }
        let unseen = unseen_keys(rule);
        if !unseen.is_empty() {
            return Enforcer::Uringtop(unseen);
        }
        // An earlier rule the kernel cannot judge, allowing (or logging, killing) some of the
        // same requests, stops the kernel's walk there.
        let shadow = self.rules[..i].iter().position(|e| {
            e.action != Action::Deny && !unseen_keys(e).is_empty() && overlaps(e, rule)
        });
        match shadow {
            Some(j) => Enforcer::KernelExceptAfter(j + 1),
            None => Enforcer::Kernel,
        }
    }
}

/// Two rules can judge a common SQE or register call (by opcode alone).
fn overlaps(a: &Rule, b: &Rule) -> bool {
    let lists = |x: Option<&[u8]>, y: Option<&[u8]>| match (x, y) {
        (Some(x), Some(y)) => x.iter().any(|o| y.contains(o)),
        _ => true,
    };
    (a.judges_sqes() && b.judges_sqes() && lists(a.ops.as_deref(), b.ops.as_deref()))
        || (a.judges_register()
            && b.judges_register()
            && lists(a.register_ops.as_deref(), b.register_ops.as_deref()))
}

/// One condition a filter tests.
enum Cond {
    /// The SQE has at least one of these IOSQE bits.
    FlagsAny(u8),
    /// The SQE lacks at least one of these.
    FlagsMissing(u8),
    /// The word at `offset` (masked) is one of `values`.
    OneOf {
        offset: u32,
        mask: Option<u32>,
        values: Vec<u32>,
    },
    /// The word at `offset` has one of these bits.
    AnyBit { offset: u32, bits: u32 },
    /// Never holds (an argument condition on an opcode it is not about).
    Never,
}

/// What a filter for `op` must test of `rule` (its kernel-visible conditions).
fn conditions(rule: &Rule, op: Option<u8>) -> Vec<Cond> {
    let mut out = Vec::new();
    if rule.sqe_flags_any != 0 {
        out.push(Cond::FlagsAny(rule.sqe_flags_any));
    }
    if rule.sqe_flags_missing != 0 {
        out.push(Cond::FlagsMissing(rule.sqe_flags_missing));
    }
    if let Some(about) = arg_ops(rule) {
        if !op.is_some_and(|o| about.contains(&o)) {
            return vec![Cond::Never];
        }
    }
    if rule.socket_domains != 0 && op == Some(OP_SOCKET) {
        out.push(Cond::OneOf {
            offset: CTX_SOCKET_FAMILY,
            mask: None,
            values: (0..64)
                .filter(|d| rule.socket_domains >> d & 1 != 0)
                .collect(),
        });
    }
    if rule.socket_types != 0 && op == Some(OP_SOCKET) {
        out.push(Cond::OneOf {
            offset: CTX_SOCKET_TYPE,
            mask: Some(0xf),
            values: (0..16)
                .filter(|t| rule.socket_types >> t & 1 != 0)
                .collect(),
        });
    }
    if rule.open_flags_any != 0 && matches!(op, Some(OP_OPENAT | OP_OPENAT2)) {
        out.push(Cond::AnyBit {
            offset: CTX_OPEN_FLAGS_LOW,
            bits: rule.open_flags_any,
        });
    }
    out
}

/// Where a conditional jump goes: on to the next instruction, or out of the block (the rule
/// does not match: the next rule's block).
#[derive(Clone, Copy)]
enum To {
    On,
    Out,
    /// Jump this many instructions past the next one (the jump offset itself).
    Skip(u8),
}

fn ret(k: u32) -> SockFilter {
    SockFilter {
        code: RET_K,
        jt: 0,
        jf: 0,
        k,
    }
}

fn ld(offset: u32) -> (SockFilter, To, To) {
    (
        SockFilter {
            code: LD_W_ABS,
            jt: 0,
            jf: 0,
            k: offset,
        },
        To::On,
        To::On,
    )
}

fn op_k(code: u16, k: u32, jt: To, jf: To) -> (SockFilter, To, To) {
    (
        SockFilter {
            code,
            jt: 0,
            jf: 0,
            k,
        },
        jt,
        jf,
    )
}

/// The instructions of one rule: every condition, each jumping out of the block when it fails,
/// then `ret verdict`. Jump offsets are resolved once the block's length is known.
fn block(conds: &[Cond], verdict: u32) -> Vec<SockFilter> {
    let mut raw: Vec<(SockFilter, To, To)> = Vec::new();
    for c in conds {
        match c {
            Cond::FlagsAny(m) => {
                raw.push(ld(CTX_OP_FLAGS));
                raw.push(op_k(JMP_JSET_K, u32::from(*m) << 8, To::On, To::Out));
            }
            Cond::FlagsMissing(m) => {
                let bits = u32::from(*m) << 8;
                raw.push(ld(CTX_OP_FLAGS));
                raw.push(op_k(ALU_AND_K, bits, To::On, To::On));
                raw.push(op_k(JMP_JEQ_K, bits, To::Out, To::On));
            }
            Cond::OneOf {
                offset,
                mask,
                values,
            } => {
                raw.push(ld(*offset));
                if let Some(m) = mask {
                    raw.push(op_k(ALU_AND_K, *m, To::On, To::On));
                }
                let n = values.len();
                for (j, v) in values.iter().enumerate() {
                    // A match skips the remaining tests and the final jump out.
                    let skip = u8::try_from(n - j).unwrap_or(u8::MAX);
                    raw.push(op_k(JMP_JEQ_K, *v, To::Skip(skip), To::On));
                }
                raw.push(op_k(JMP_JA, 0, To::Out, To::Out));
            }
            Cond::AnyBit { offset, bits } => {
                raw.push(ld(*offset));
                raw.push(op_k(JMP_JSET_K, *bits, To::On, To::Out));
            }
            Cond::Never => return Vec::new(),
        }
    }
    let len = raw.len() + 1; // and the ret
    let resolve = |i: usize, to: To| -> u32 {
        match to {
            To::On => 0,
            To::Skip(n) => u32::from(n),
            To::Out => u32::try_from(len - (i + 1)).unwrap_or(u32::MAX),
        }
    };
    let mut out: Vec<SockFilter> = raw
        .iter()
        .enumerate()
        .map(|(i, &(mut insn, jt, jf))| {
            if insn.code == JMP_JA {
                insn.k = resolve(i, To::Out);
            } else if insn.code & 0x07 == 0x05 {
                // Blocks are a few dozen instructions at most (64 families, 16 types).
                insn.jt = u8::try_from(resolve(i, jt)).unwrap_or(u8::MAX);
                insn.jf = u8::try_from(resolve(i, jf)).unwrap_or(u8::MAX);
            }
            insn
        })
        .collect();
    out.push(ret(verdict));
    out
}

/// A program whose every `ret` returns the same is that constant (every path ends in one).
fn finish(prog: Vec<SockFilter>) -> OpProgram {
    let mut rets = prog.iter().filter(|i| i.code == RET_K).map(|i| i.k == DENY);
    match rets.next() {
        Some(first) if rets.all(|d| d == first) => {
            if first {
                OpProgram::Deny
            } else {
                OpProgram::Allow
            }
        }
        _ => OpProgram::Filter(prog),
    }
}

/// What the kernel's filter context holds for one SQE (for tests and `run`'s dry view).
#[derive(Clone, Copy, Debug, Default)]
pub struct FilterInput {
    pub opcode: u8,
    pub sqe_flags: u8,
    pub socket_family: u32,
    pub socket_type: u32,
    pub open_flags: u64,
}

/// Runs a filter as the kernel does (the subset of classic BPF the compiler emits): true when
/// the SQE is allowed. Used to hold the compiled filters to the reference evaluator.
pub fn run_filter(prog: &[SockFilter], input: &FilterInput) -> bool {
    let word = |k: u32| -> u32 {
        match k {
            CTX_OP_FLAGS => u32::from(input.opcode) | u32::from(input.sqe_flags) << 8,
            16 => {
                if input.opcode == OP_SOCKET {
                    input.socket_family
                } else {
                    input.open_flags as u32
                }
            }
            20 => {
                if input.opcode == OP_SOCKET {
                    input.socket_type
                } else {
                    (input.open_flags >> 32) as u32
                }
            }
            _ => 0,
        }
    };
    let mut a = 0u32;
    let mut pc = 0usize;
    while let Some(insn) = prog.get(pc) {
        pc += 1;
        match insn.code {
            LD_W_ABS => a = word(insn.k),
            ALU_AND_K => a &= insn.k,
            JMP_JA => pc += insn.k as usize,
            JMP_JEQ_K | JMP_JSET_K => {
                let hit = if insn.code == JMP_JEQ_K {
                    a == insn.k
                } else {
                    a & insn.k != 0
                };
                pc += usize::from(if hit { insn.jt } else { insn.jf });
            }
            RET_K => return insn.k != 0,
            _ => return false,
        }
    }
    false
}

/// Names for `run`'s plan: "NOP, READ".
pub fn op_list(ops: &[u8]) -> String {
    ops.iter()
        .map(|&o| names::opcode_name(o).into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}
