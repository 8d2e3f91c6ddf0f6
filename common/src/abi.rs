//! The layout shared with the BPF programs: a field-for-field mirror of `probe/bpf/abi.h`.
//! Sizes are asserted here and in the C header, so an edit to one side alone fails the build.

/// See `URT_LAT_BUCKETS` in abi.h and [`crate::latency`] for the bucket boundaries.
pub const LAT_BUCKETS: usize = 160;

pub const STAT_LOST_RECORDS: u32 = 0;
pub const STAT_LOST_UPDATES: u32 = 1;
pub const STAT_UNMATCHED: u32 = 2;
pub const STAT_OPCODE_ROWS: u32 = 3;
pub const STAT_LOST_EXITS: u32 = 4;
/// SQEs submitted while another with the same (ring, user_data) and another opcode was in flight,
/// on kernels that pair CQEs by (ring, user_data) (5.10-5.18): their CQEs may count under the
/// other opcode.
pub const STAT_AMBIGUOUS: u32 = 5;
pub const NSTATS: u32 = 6;

/// First index of the per-key counter pool; below it, index `1 + op` is the opcode-only row of
/// op (see URT_FIRST_SLOT in abi.h).
pub const FIRST_SLOT: u32 = 257;

pub const PATH_POLL: u8 = 1;
pub const PATH_IOWQ: u8 = 2;
pub const PATH_REJECTED: u8 = 4;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpKey {
    pub tgid: u32,
    pub ring: u32,
    pub opcode: u32,
}

/// The per-CPU part of a key's counters.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct OpStats {
    pub submitted: u64,
    pub completed: u64,
    pub errors: u64,
    pub async_punts: u64,
    pub poll_arms: u64,
    pub unmatched: u64,
    pub extra_cqes: u64,
    pub lat_max: u64,
    // The probe's latency sampling state (see URT_SAMPLE_WINDOW in abi.h), not counters.
    pub sample_start_ns: u64,
    pub sample_rng: u64,
    pub sample_mask: u32,
    pub sample_seen: u16,
    pub sqe_flags_seen: u8,
    pub sqe_flags_missing: u8,
}

/// The shared part of a key's counters (atomic adds in the probe).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct OpShared {
    pub rejected: u64,
    pub denied: u64,
    pub lat_count: u64,
    pub lat_sum: u64,
    /// Log, deny, kill (allow is every other judged SQE).
    pub violations: [u64; 3],
    /// Deny verdicts the kernel carried out (refused with -EACCES).
    pub kernel_denied: u64,
    /// 32-bit: wraps, and the reader carries the wraps (see probe/src/read.rs).
    pub lat_hist: [u32; LAT_BUCKETS],
}

impl Default for OpShared {
    fn default() -> Self {
        OpShared {
            rejected: 0,
            denied: 0,
            lat_count: 0,
            lat_sum: 0,
            violations: [0; 3],
            kernel_denied: 0,
            lat_hist: [0; LAT_BUCKETS],
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ErrKey {
    /// Counter index of the key the CQE counted under.
    pub stats: u32,
    pub err: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RingInfo {
    pub id: u32,
    pub owner_tgid: u32,
    pub fd: i32,
    pub setup_flags: u32,
    pub sq_entries: u32,
    pub cq_entries: u32,
    pub cq_overflows: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Proc {
    pub comm: [u8; 16],
    /// Real uid of the task first seen; [`ANY_UID`] when unknown.
    pub uid: u32,
    pub _pad: u32,
    /// cgroup v2 id (the cgroup directory's inode number); 0 when unknown.
    pub cgroup_id: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub records_enabled: u32,
    pub filter_tgid: u32,
    pub filter_ring: u32,
    pub _pad: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Record {
    pub submit_ns: u64,
    pub complete_ns: u64,
    pub user_data: u64,
    pub off: u64,
    pub addr: u64,
    pub len: u32,
    pub tgid: u32,
    pub tid: u32,
    pub ring: u32,
    pub fd: i32,
    pub res: i32,
    pub cflags: u32,
    pub sqe_flags: u8,
    pub opcode: u8,
    pub path: u8,
    pub verdict: u8,
    pub rule: u16,
    pub _pad: u16,
    pub comm: [u8; 16],
    pub cqe_index: u32,
    pub _pad2: u32,
    pub args: Args,
}

/// Bytes per piece of user memory an argument part carries (`URT_ARG_MEM`).
pub const ARG_MEM: usize = 256;
/// Where [`Args::sqe`] came from (`URT_SQE_*`).
pub const SQE_NONE: u8 = 0;
pub const SQE_RING: u8 = 1;
pub const SQE_FAILED: u8 = 2;
pub const SQE_REQUEST: u8 = 3;
/// [`Mem::state`] (`URT_MEM_*`): the low bits say what the piece is, [`MEM_CUT`] that it was cut.
pub const MEM_NONE: u8 = 0;
pub const MEM_STR: u8 = 1;
pub const MEM_BYTES: u8 = 2;
pub const MEM_UNREADABLE: u8 = 3;
pub const MEM_CUT: u8 = 0x80;

/// One piece of user memory of [`Args`]: `len` bytes (or -errno when unreadable).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mem {
    pub len: i16,
    pub state: u8,
    pub _pad: u8,
}

/// The argument part of a [`Record`] (`struct urt_args`): the SQE's 64 bytes, and how the
/// [`ARG_MEM`]-byte pieces of user memory that follow the record (when any is present) are filled.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Args {
    pub sqe: [u8; 64],
    pub source: u8,
    pub _pad: [u8; 3],
    pub mem: [Mem; 2],
    pub _pad2: u32,
}

impl Default for Args {
    fn default() -> Self {
        Args {
            sqe: [0; 64],
            source: SQE_NONE,
            _pad: [0; 3],
            mem: [Mem::default(); 2],
            _pad2: 0,
        }
    }
}

/// Size of a record with its user memory (`struct urt_stashed`).
pub const RECORD_WITH_MEM: usize = core::mem::size_of::<Record>() + 2 * ARG_MEM;

pub const MAX_RULES: usize = 64;
pub const ANY_UID: u32 = u32::MAX;
pub const NO_RULE: u16 = 0xffff;
/// `Rule::ring_fd` of a rule without a ring selector.
pub const ANY_RING_FD: i32 = -1;
/// Bit of an index into [`Policy::flags`]: the SQE named a personality.
pub const FLAG_PERSONALITY: usize = 0x80;
pub const VERDICT_ACTION: u8 = 3;
pub const VERDICT_PRESENT: u8 = 4;
pub const VERDICT_ENFORCED: u8 = 8;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegisterKey {
    pub ring: u32,
    pub opcode: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RegisterStats {
    pub calls: u64,
    pub failed: u64,
    pub denied: u64,
    pub verdicts: [u64; 4],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SetupKey {
    pub tgid: u32,
    pub err: u32,
}

/// One compiled rule (see `struct urt_rule` in abi.h).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// 0: any process.
    pub pid: u32,
    /// [`ANY_UID`]: any user.
    pub uid: u32,
    /// The ring must have all of these IORING_SETUP_* bits.
    pub setup_flags: u32,
    pub action: u8,
    /// 0: any process name; else the glob's length in `comm`.
    pub comm_len: u8,
    pub _pad: [u8; 2],
    pub comm: [u8; 16],
    /// [`ANY_RING_FD`]: every ring; else rings created with this fd.
    pub ring_fd: i32,
    /// OPENAT/OPENAT2 with one of these O_* bits (0: no condition).
    pub open_flags_any: u32,
    /// SOCKET with address family d, bit d (0: no condition).
    pub socket_domains: u64,
    /// SOCKET of type t (low 4 bits), bit t (0: no condition).
    pub socket_types: u16,
    /// `ARG_*`: conditions on user memory or the buffer kind.
    pub arg_kinds: u8,
    pub _pad2: [u8; 5],
}

/// `Rule::arg_kinds` bits (see abi.h).
pub const ARG_PATHS: u8 = 1;
pub const ARG_PEERS: u8 = 2;
pub const ARG_FIXED_BUFFERS: u8 = 4;

pub const MAX_PATTERNS: usize = 64;
pub const PATTERN_LEN: usize = 96;
pub const PATTERN_SUBTREE: u8 = 1;
pub const PATTERN_ANY: u8 = 2;

/// One compiled `paths` pattern (see `struct urt_path_pattern` in abi.h).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathPattern {
    pub rule: u8,
    pub len: u8,
    pub flags: u8,
    pub _pad: u8,
    pub text: [u8; PATTERN_LEN],
}

impl Default for PathPattern {
    fn default() -> Self {
        PathPattern {
            rule: 0,
            len: 0,
            flags: 0,
            _pad: 0,
            text: [0; PATTERN_LEN],
        }
    }
}

pub const MAX_PEERS: usize = 64;
pub const PEER_INET: u8 = 0;
pub const PEER_V4: u8 = 1;
pub const PEER_V6: u8 = 2;
pub const PEER_UNIX: u8 = 3;

/// One compiled `peers` entry (see `struct urt_peer_entry` in abi.h).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeerEntry {
    pub rule: u8,
    pub family: u8,
    pub port_lo: u16,
    pub port_hi: u16,
    pub _pad: [u8; 2],
    pub net: [u8; 16],
    pub mask: [u8; 16],
}

impl Default for Rule {
    fn default() -> Self {
        Rule {
            pid: 0,
            uid: 0,
            setup_flags: 0,
            action: 0,
            comm_len: 0,
            _pad: [0; 2],
            comm: [0; 16],
            ring_fd: ANY_RING_FD,
            open_flags_any: 0,
            socket_domains: 0,
            socket_types: 0,
            arg_kinds: 0,
            _pad2: [0; 5],
        }
    }
}

/// The compiled policy: bitmaps over rules (bit i = `rules[i]`), see `struct urt_policy` in abi.h.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub nrules: u32,
    pub default_action: u8,
    pub enforce: u8,
    pub _pad: [u8; 2],
    pub sqe_rules: u64,
    pub register_rules: u64,
    pub conditional: u64,
    /// Rules with a condition on the SQE's arguments (also in `conditional`).
    pub arg_rules: u64,
    /// 0: every process; else only descendants of this process (`uringtop run`).
    pub scope_tgid: u32,
    pub _pad2: u32,
    pub setup_requires: [u64; 32],
    pub sqe_ops: [u64; 256],
    pub register_ops: [u64; 64],
    pub flags: [u64; 256],
    pub rules: [Rule; MAX_RULES],
    /// Rules with an `ARG_*` condition.
    pub mem_rules: u64,
    pub npaths: u32,
    pub npeers: u32,
    /// [rule]: bit j = `paths[j]` is one of its plain (pos) or negated (neg) patterns.
    pub path_pos: [u64; MAX_RULES],
    pub path_neg: [u64; MAX_RULES],
    pub peer_pos: [u64; MAX_RULES],
    pub peer_neg: [u64; MAX_RULES],
    pub paths: [PathPattern; MAX_PATTERNS],
    pub peers: [PeerEntry; MAX_PEERS],
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            nrules: 0,
            default_action: 0,
            enforce: 0,
            _pad: [0; 2],
            sqe_rules: 0,
            register_rules: 0,
            conditional: 0,
            arg_rules: 0,
            scope_tgid: 0,
            _pad2: 0,
            setup_requires: [0; 32],
            sqe_ops: [0; 256],
            register_ops: [0; 64],
            flags: [0; 256],
            rules: [Rule::default(); MAX_RULES],
            mem_rules: 0,
            npaths: 0,
            npeers: 0,
            path_pos: [0; MAX_RULES],
            path_neg: [0; MAX_RULES],
            peer_pos: [0; MAX_RULES],
            peer_neg: [0; MAX_RULES],
            paths: [PathPattern::default(); MAX_PATTERNS],
            peers: [PeerEntry::default(); MAX_PEERS],
        }
    }
}

const _: () = {
    assert!(core::mem::size_of::<OpKey>() == 12);
    assert!(core::mem::size_of::<OpStats>() == 88);
    assert!(core::mem::size_of::<OpShared>() == 64 + 4 * LAT_BUCKETS);
    assert!(core::mem::size_of::<RegisterKey>() == 8);
    assert!(core::mem::size_of::<RegisterStats>() == 56);
    assert!(core::mem::size_of::<SetupKey>() == 8);
    assert!(core::mem::size_of::<Rule>() == 56);
    assert!(core::mem::size_of::<PathPattern>() == 100);
    assert!(core::mem::size_of::<PeerEntry>() == 40);
    assert!(
        core::mem::size_of::<Policy>()
            == 48
                + 8 * (32 + 256 + 64 + 256)
                + 56 * MAX_RULES
                + 16
                + 8 * 4 * MAX_RULES
                + 100 * MAX_PATTERNS
                + 40 * MAX_PEERS
    );
    assert!(core::mem::size_of::<ErrKey>() == 8);
    assert!(core::mem::size_of::<RingInfo>() == 32);
    assert!(core::mem::size_of::<Config>() == 16);
    assert!(core::mem::size_of::<Mem>() == 4);
    assert!(core::mem::size_of::<Args>() == 80);
    assert!(core::mem::size_of::<Record>() == 184);
};

/// The bytes of a NUL-padded kernel `comm` as text.
pub fn comm_str(comm: &[u8; 16]) -> String {
    let end = comm.iter().position(|&b| b == 0).unwrap_or(comm.len());
    String::from_utf8_lossy(&comm[..end]).into_owned()
}

// SAFETY: plain-old-data: repr(C), integers and byte arrays only, no padding (sizes asserted above).
#[cfg(feature = "aya")]
mod pod {
    unsafe impl aya::Pod for super::OpKey {}
    unsafe impl aya::Pod for super::OpStats {}
    unsafe impl aya::Pod for super::OpShared {}
    unsafe impl aya::Pod for super::ErrKey {}
    unsafe impl aya::Pod for super::RingInfo {}
    unsafe impl aya::Pod for super::Proc {}
    unsafe impl aya::Pod for super::Config {}
    unsafe impl aya::Pod for super::Record {}
    unsafe impl aya::Pod for super::RegisterKey {}
    unsafe impl aya::Pod for super::RegisterStats {}
    unsafe impl aya::Pod for super::SetupKey {}
    unsafe impl aya::Pod for super::Policy {}
}
