//! Conditions on an SQE's arguments: a SOCKET's address family and type, an OPENAT's flags. They
//! are the arguments Linux 7.0's io_uring BPF filters see too (`struct io_uring_bpf_ctx`), so a
//! rule on them can be refused by the kernel itself (`uringtop run`, see `kernel`).

use super::paths::{paths_hold_for, PathArg, PATH_OPS};
use super::peers::{peers_hold_for, Peer, PEER_OPS};
use super::Rule;
use crate::names::nearest_name;

/// IORING_OP_SOCKET, IORING_OP_OPENAT, IORING_OP_OPENAT2.
pub const OP_SOCKET: u8 = 45;
pub const OP_OPENAT: u8 = 18;
pub const OP_OPENAT2: u8 = 28;

/// The arguments of one SQE that rules can look at, as the kernel reads them from the SQE.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SqeArgs {
    /// Not known (not a SOCKET or OPENAT, or not read): rules with argument conditions do not
    /// match.
    #[default]
    Unknown,
    /// SOCKET: sqe->fd, sqe->off, sqe->len.
    Socket { domain: u32, kind: u32 },
    /// OPENAT (sqe->open_flags) or OPENAT2 (open_how.flags).
    Open { flags: u64 },
}

/// The opcodes a `fixed_buffers` condition judges: READ and WRITE (READ_FIXED/WRITE_FIXED
/// exist on every kernel uringtop judges), READV and WRITEV (READV_FIXED/WRITEV_FIXED: Linux
/// 6.15+), SEND_ZC (IORING_RECVSEND_FIXED_BUF, 6.0+) and SENDMSG_ZC (registered vectors, 6.15+).
/// On a kernel without the registered form, the probe reports no violation for that opcode.
pub const BUFFER_OPS: [u8; 6] = [1, 2, 22, 23, 47, 48];

/// What the probe read of an SQE for `paths`, `peers` and `fixed_buffers` rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemArgs {
    /// The paths the SQE names that could be read (none: no `paths` rule holds).
    pub paths: Vec<PathArg>,
    /// The socket address it names (None: none, or unreadable: no `peers` rule holds).
    pub peer: Option<Peer>,
    /// Its data goes through a buffer that is not registered, and the running kernel has the
    /// registered form of this operation.
    pub unregistered_buffer: bool,
}

impl MemArgs {
    /// What the probe judged, rebuilt from the arguments it captured for a streamed request (the
    /// same SQE and user memory: probe/bpf/policy_args.h mem_facts reads them the same way).
    /// `vectored_fixed`: the kernel has READV_FIXED (6.15+).
    pub fn from_captured(opcode: u8, args: &crate::args::OpArgs, vectored_fixed: bool) -> MemArgs {
        use super::paths::{OP_LINKAT, OP_RENAMEAT, OP_SYMLINKAT};
        use super::peers::{OP_SENDMSG_ZC, OP_SEND_ZC};
        use crate::args::Mem;
        const FIXED_BUF: u16 = 4; // IORING_RECVSEND_FIXED_BUF, in sqe->ioprio
        let mut out = MemArgs {
            unregistered_buffer: match opcode {
                22 | 23 => true,
                1 | 2 => vectored_fixed,
                OP_SEND_ZC => args.sqe.ioprio & FIXED_BUF == 0,
                OP_SENDMSG_ZC => vectored_fixed && args.sqe.ioprio & FIXED_BUF == 0,
                _ => false,
            },
            ..MemArgs::default()
        };
        let string = |m: &Mem| match m {
            Mem::Str { bytes, cut } => Some(PathArg {
                bytes: bytes.clone(),
                cut: *cut,
            }),
            _ => None,
        };
        if PATH_OPS.contains(&opcode) {
            let pieces = if matches!(opcode, OP_RENAMEAT | OP_SYMLINKAT | OP_LINKAT) {
                2
            } else {
                1
            };
            out.paths = args.mem[..pieces].iter().filter_map(string).collect();
        } else if PEER_OPS.contains(&opcode) {
            if let Mem::Bytes { bytes, .. } = &args.mem[0] {
                out.peer = Peer::from_sockaddr(bytes);
            }
        }
        out
    }
}

/// AF_* names by value (Linux, every architecture).
const DOMAINS: [(&str, u32); 18] = [
    ("AF_UNIX", 1),
    ("AF_LOCAL", 1),
    ("AF_INET", 2),
    ("AF_AX25", 3),
    ("AF_IPX", 4),
    ("AF_APPLETALK", 5),
    ("AF_INET6", 10),
    ("AF_KEY", 15),
    ("AF_NETLINK", 16),
    ("AF_PACKET", 17),
    ("AF_RDS", 21),
    ("AF_CAN", 29),
    ("AF_TIPC", 30),
    ("AF_BLUETOOTH", 31),
    ("AF_ALG", 38),
    ("AF_VSOCK", 40),
    ("AF_XDP", 44),
    ("AF_MCTP", 45),
];

/// SOCK_* names by value (the low 4 bits of socket(2)'s type; SOCK_NONBLOCK and SOCK_CLOEXEC
/// are flags above them).
const TYPES: [(&str, u32); 7] = [
    ("SOCK_STREAM", 1),
    ("SOCK_DGRAM", 2),
    ("SOCK_RAW", 3),
    ("SOCK_RDM", 4),
    ("SOCK_SEQPACKET", 5),
    ("SOCK_DCCP", 6),
    ("SOCK_PACKET", 10),
];

/// O_* bits (x86-64 and arm64 values, asm-generic). O_SYNC and O_TMPFILE stand for the one bit
/// that tells them apart (__O_SYNC, __O_TMPFILE): "any of" must not match every O_DSYNC or
/// O_DIRECTORY open.
const OPEN_FLAGS: [(&str, u32); 17] = [
    ("O_WRONLY", 0o1),
    ("O_RDWR", 0o2),
    ("O_CREAT", 0o100),
    ("O_EXCL", 0o200),
    ("O_NOCTTY", 0o400),
    ("O_TRUNC", 0o1000),
    ("O_APPEND", 0o2000),
    ("O_NONBLOCK", 0o4000),
    ("O_DSYNC", 0o10000),
    ("O_DIRECT", 0o40000),
    ("O_DIRECTORY", 0o200000),
    ("O_NOFOLLOW", 0o400000),
    ("O_NOATIME", 0o1000000),
    ("O_CLOEXEC", 0o2000000),
    ("O_SYNC", 0o4000000),
    ("O_PATH", 0o10000000),
    ("O_TMPFILE", 0o20000000),
];

fn lookup(table: &[(&'static str, u32)], name: &str, prefix: &str) -> Option<u32> {
    let upper = name.trim().to_ascii_uppercase();
    let full = if upper.starts_with(prefix) {
        upper
    } else {
        format!("{prefix}{upper}")
    };
    table.iter().find(|(n, _)| *n == full).map(|&(_, v)| v)
}

fn unknown(kind: &str, name: &str, prefix: &str, table: &[(&'static str, u32)]) -> String {
    let known: Vec<&'static str> = table.iter().map(|(n, _)| *n).collect();
    let bare: Vec<&'static str> = known
        .iter()
        .map(|n| n.strip_prefix(prefix).unwrap_or(n))
        .collect();
    match nearest_name(name, prefix, &bare) {
        Some(n) => format!("unknown {kind} \"{name}\" (did you mean \"{prefix}{n}\"?)"),
        None => format!("unknown {kind} \"{name}\"; known: {}", known.join(", ")),
    }
}

/// An AF_* name ("AF_" optional, any case) -> its bit in `Rule::socket_domains`.
pub(crate) fn socket_domain(name: &str) -> Result<u64, String> {
    lookup(&DOMAINS, name, "AF_")
        .map(|d| 1u64 << d)
        .ok_or_else(|| unknown("socket family", name, "AF_", &DOMAINS))
}

/// A SOCK_* name -> its bit in `Rule::socket_types`.
pub(crate) fn socket_type(name: &str) -> Result<u16, String> {
    lookup(&TYPES, name, "SOCK_")
        .map(|t| 1u16 << t)
        .ok_or_else(|| unknown("socket type", name, "SOCK_", &TYPES))
}

/// An O_* name -> its bits.
pub(crate) fn open_flag(name: &str) -> Result<u32, String> {
    lookup(&OPEN_FLAGS, name, "O_").ok_or_else(|| unknown("open flag", name, "O_", &OPEN_FLAGS))
}

fn names_of(table: &[(&'static str, u32)], set: impl Fn(u32) -> bool) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for &(n, v) in table {
        // AF_LOCAL is AF_UNIX: name each value once.
        if set(v) && !table.iter().any(|&(m, w)| w == v && out.contains(&m)) {
            out.push(n);
        }
    }
    out
}

/// The AF_* names of a `socket_domains` mask, by value.
pub fn socket_domain_names(mask: u64) -> Vec<&'static str> {
    names_of(&DOMAINS, |d| mask & (1u64 << d) != 0)
}

/// The SOCK_* names of a `socket_types` mask.
pub fn socket_type_names(mask: u16) -> Vec<&'static str> {
    names_of(&TYPES, |t| mask & (1u16 << t) != 0)
}

/// The O_* names of an `open_flags_any` mask.
pub fn open_flag_names(mask: u32) -> Vec<&'static str> {
    names_of(&OPEN_FLAGS, |f| mask & f == f)
}

/// The argument conditions of a rule, each with the opcodes it is about.
pub(crate) fn arg_conditions(rule: &Rule) -> Vec<(&'static str, &'static [u8])> {
    let mut out: Vec<(&'static str, &'static [u8])> = Vec::new();
    if rule.socket_domains != 0 {
        out.push(("socket_domains", &[OP_SOCKET]));
    }
    if rule.socket_types != 0 {
        out.push(("socket_types", &[OP_SOCKET]));
    }
    if rule.open_flags_any != 0 {
        out.push(("open_flags_any", &[OP_OPENAT, OP_OPENAT2]));
    }
    if !rule.paths.is_empty() {
        out.push(("paths", &PATH_OPS));
    }
    if !rule.peers.is_empty() {
        out.push(("peers", &PEER_OPS));
    }
    if rule.fixed_buffers {
        out.push(("fixed_buffers", &BUFFER_OPS));
    }
    out
}

/// The opcodes every argument condition of a rule is about (None: it has none; empty: they
/// have no opcode in common, which the parser refuses).
pub(crate) fn arg_ops(rule: &Rule) -> Option<Vec<u8>> {
    let conds = arg_conditions(rule);
    let (_, first) = conds.first()?;
    Some(
        first
            .iter()
            .copied()
            .filter(|op| conds.iter().all(|(_, ops)| ops.contains(op)))
            .collect(),
    )
}

/// The rule's argument conditions hold for `args` and `mem` (true for a rule without any).
pub(crate) fn args_hold(rule: &Rule, args: SqeArgs, mem: &MemArgs) -> bool {
    if !rule.has_arg_condition() {
        return true;
    }
    if rule.socket_domains != 0 || rule.socket_types != 0 {
        let SqeArgs::Socket { domain, kind } = args else {
            return false;
        };
        if !((rule.socket_domains == 0
            || (domain < 64 && rule.socket_domains & (1u64 << domain) != 0))
            && (rule.socket_types == 0 || rule.socket_types & (1u16 << (kind & 0xf)) != 0))
        {
            return false;
        }
    }
    if rule.open_flags_any != 0 {
        let SqeArgs::Open { flags } = args else {
            return false;
        };
        if flags & u64::from(rule.open_flags_any) == 0 {
            return false;
        }
    }
    (rule.paths.is_empty() || mem.paths.iter().any(|p| paths_hold_for(&rule.paths, p)))
        && (rule.peers.is_empty()
            || mem
                .peer
                .as_ref()
                .is_some_and(|p| peers_hold_for(&rule.peers, p)))
        && (!rule.fixed_buffers || mem.unregistered_buffer)
}
