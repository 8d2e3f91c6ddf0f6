//! Names of the flags and enumerations io_uring opcodes take as arguments (x86-64 values, from the
//! uapi headers of Linux 6.18: fcntl, stat, socket, poll, eventpoll, io_uring itself). Beside
//! names.rs, which names what the probe counts. Unknown bits come out as one hex entry, unknown
//! values as their number: newer kernels add flags.

/// (mask, name) pairs: each name is printed when all of its mask's bits are set, in table order.
type Bits = &'static [(u64, &'static str)];
/// (value, name) pairs.
type Values = &'static [(u64, &'static str)];

/// The names of the set bits of `value`, then the bits no name covers as one hex entry; empty for 0.
pub fn flag_names(value: u64, table: Bits) -> Vec<String> {
    let mut names = Vec::new();
    let mut left = value;
    for &(mask, name) in table {
        if mask != 0 && value & mask == mask && left & mask != 0 {
            names.push(name.to_string());
            left &= !mask;
        }
    }
    if left != 0 {
        names.push(format!("{left:#x}"));
    }
    names
}

/// The name of `value`, or the value itself.
pub fn value_name(value: u64, table: Values) -> String {
    table
        .iter()
        .find(|&&(v, _)| v == value)
        .map(|&(_, n)| n.to_string())
        .unwrap_or_else(|| value.to_string())
}

/// open(2) flags: the access mode first (O_RDONLY is 0), then the rest.
pub fn open_flag_names(flags: u64) -> Vec<String> {
    let mode = match flags & 3 {
        0 => "O_RDONLY",
        1 => "O_WRONLY",
        2 => "O_RDWR",
        _ => "O_ACCMODE",
    };
    let mut names = vec![mode.to_string()];
    names.extend(flag_names(flags & !3, OPEN_FLAGS));
    names
}

const OPEN_FLAGS: Bits = &[
    (0o100, "O_CREAT"),
    (0o200, "O_EXCL"),
    (0o400, "O_NOCTTY"),
    (0o1000, "O_TRUNC"),
    (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"),
    (0o4010000, "O_SYNC"),
    (0o10000, "O_DSYNC"),
    (0o20000, "O_ASYNC"),
    (0o40000, "O_DIRECT"),
    (0o100000, "O_LARGEFILE"),
    (0o20200000, "O_TMPFILE"),
    (0o200000, "O_DIRECTORY"),
    (0o400000, "O_NOFOLLOW"),
    (0o1000000, "O_NOATIME"),
    (0o2000000, "O_CLOEXEC"),
    (0o10000000, "O_PATH"),
];

/// openat2's RESOLVE_* flags.
pub const RESOLVE_FLAGS: Bits = &[
    (0x01, "RESOLVE_NO_XDEV"),
    (0x02, "RESOLVE_NO_MAGICLINKS"),
    (0x04, "RESOLVE_NO_SYMLINKS"),
    (0x08, "RESOLVE_BENEATH"),
    (0x10, "RESOLVE_IN_ROOT"),
    (0x20, "RESOLVE_CACHED"),
];

/// AT_* flags of statx, unlinkat, linkat.
pub const AT_FLAGS: Bits = &[
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x200, "AT_REMOVEDIR"),
    (0x400, "AT_SYMLINK_FOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"),
    (0x1000, "AT_EMPTY_PATH"),
    (0x2000, "AT_STATX_FORCE_SYNC"),
    (0x4000, "AT_STATX_DONT_SYNC"),
    (0x8000, "AT_RECURSIVE"),
];

/// statx's mask: STATX_BASIC_STATS when all of its bits are there.
pub const STATX_MASK: Bits = &[
    (0x7ff, "STATX_BASIC_STATS"),
    (0x1, "STATX_TYPE"),
    (0x2, "STATX_MODE"),
    (0x4, "STATX_NLINK"),
    (0x8, "STATX_UID"),
    (0x10, "STATX_GID"),
    (0x20, "STATX_ATIME"),
    (0x40, "STATX_MTIME"),
    (0x80, "STATX_CTIME"),
    (0x100, "STATX_INO"),
    (0x200, "STATX_SIZE"),
    (0x400, "STATX_BLOCKS"),
    (0x800, "STATX_BTIME"),
    (0x1000, "STATX_MNT_ID"),
    (0x2000, "STATX_DIOALIGN"),
    (0x4000, "STATX_MNT_ID_UNIQUE"),
    (0x8000, "STATX_SUBVOL"),
    (0x10000, "STATX_WRITE_ATOMIC"),
    (0x20000, "STATX_DIO_READ_ALIGN"),
];

pub const RENAME_FLAGS: Bits = &[
    (1, "RENAME_NOREPLACE"),
    (2, "RENAME_EXCHANGE"),
    (4, "RENAME_WHITEOUT"),
];

pub const FSYNC_FLAGS: Bits = &[(1, "IORING_FSYNC_DATASYNC")];

pub const SYNC_FILE_RANGE_FLAGS: Bits = &[
    (1, "SYNC_FILE_RANGE_WAIT_BEFORE"),
    (2, "SYNC_FILE_RANGE_WRITE"),
    (4, "SYNC_FILE_RANGE_WAIT_AFTER"),
];

pub const FALLOCATE_MODE: Bits = &[
    (0x01, "FALLOC_FL_KEEP_SIZE"),
    (0x02, "FALLOC_FL_PUNCH_HOLE"),
    (0x04, "FALLOC_FL_NO_HIDE_STALE"),
    (0x08, "FALLOC_FL_COLLAPSE_RANGE"),
    (0x10, "FALLOC_FL_ZERO_RANGE"),
    (0x20, "FALLOC_FL_INSERT_RANGE"),
    (0x40, "FALLOC_FL_UNSHARE_RANGE"),
    (0x80, "FALLOC_FL_WRITE_ZEROES"),
];

pub const FADVISE_ADVICE: Values = &[
    (0, "POSIX_FADV_NORMAL"),
    (1, "POSIX_FADV_RANDOM"),
    (2, "POSIX_FADV_SEQUENTIAL"),
    (3, "POSIX_FADV_WILLNEED"),
    (4, "POSIX_FADV_DONTNEED"),
    (5, "POSIX_FADV_NOREUSE"),
];

pub const MADVISE_ADVICE: Values = &[
    (0, "MADV_NORMAL"),
    (1, "MADV_RANDOM"),
    (2, "MADV_SEQUENTIAL"),
    (3, "MADV_WILLNEED"),
    (4, "MADV_DONTNEED"),
    (8, "MADV_FREE"),
    (9, "MADV_REMOVE"),
    (10, "MADV_DONTFORK"),
    (11, "MADV_DOFORK"),
    (12, "MADV_MERGEABLE"),
    (13, "MADV_UNMERGEABLE"),
    (14, "MADV_HUGEPAGE"),
    (15, "MADV_NOHUGEPAGE"),
    (16, "MADV_DONTDUMP"),
    (17, "MADV_DODUMP"),
    (18, "MADV_WIPEONFORK"),
    (19, "MADV_KEEPONFORK"),
    (20, "MADV_COLD"),
    (21, "MADV_PAGEOUT"),
    (22, "MADV_POPULATE_READ"),
    (23, "MADV_POPULATE_WRITE"),
    (24, "MADV_DONTNEED_LOCKED"),
    (25, "MADV_COLLAPSE"),
    (100, "MADV_HWPOISON"),
    (101, "MADV_SOFT_OFFLINE"),
];

/// splice/tee flags; SPLICE_F_FD_IN_FIXED is io_uring's (the input fd is a registered file).
pub const SPLICE_FLAGS: Bits = &[
    (1, "SPLICE_F_MOVE"),
    (2, "SPLICE_F_NONBLOCK"),
    (4, "SPLICE_F_MORE"),
    (8, "SPLICE_F_GIFT"),
    (1 << 31, "SPLICE_F_FD_IN_FIXED"),
];

pub const MSG_FLAGS: Bits = &[
    (0x1, "MSG_OOB"),
    (0x2, "MSG_PEEK"),
    (0x4, "MSG_DONTROUTE"),
    (0x8, "MSG_CTRUNC"),
    (0x10, "MSG_PROXY"),
    (0x20, "MSG_TRUNC"),
    (0x40, "MSG_DONTWAIT"),
    (0x80, "MSG_EOR"),
    (0x100, "MSG_WAITALL"),
    (0x200, "MSG_FIN"),
    (0x400, "MSG_SYN"),
    (0x800, "MSG_CONFIRM"),
    (0x1000, "MSG_RST"),
    (0x2000, "MSG_ERRQUEUE"),
    (0x4000, "MSG_NOSIGNAL"),
    (0x8000, "MSG_MORE"),
    (0x10000, "MSG_WAITFORONE"),
    (0x40000, "MSG_BATCH"),
    (0x2000000, "MSG_SOCK_DEVMEM"),
    (0x4000000, "MSG_ZEROCOPY"),
    (0x20000000, "MSG_FASTOPEN"),
    (0x40000000, "MSG_CMSG_CLOEXEC"),
];

/// io_uring's own send/recv flags, in the SQE's ioprio field.
pub const RECVSEND_FLAGS: Bits = &[
    (1, "IORING_RECVSEND_POLL_FIRST"),
    (2, "IORING_RECV_MULTISHOT"),
    (4, "IORING_RECVSEND_FIXED_BUF"),
    (8, "IORING_SEND_ZC_REPORT_USAGE"),
    (16, "IORING_RECVSEND_BUNDLE"),
    (32, "IORING_SEND_VECTORIZED"),
];

/// accept4's flags (SOCK_NONBLOCK, SOCK_CLOEXEC).
pub const ACCEPT_FLAGS: Bits = &[(0o4000, "SOCK_NONBLOCK"), (0o2000000, "SOCK_CLOEXEC")];

/// io_uring's accept flags, in ioprio.
pub const ACCEPT_IOPRIO: Bits = &[
    (1, "IORING_ACCEPT_MULTISHOT"),
    (2, "IORING_ACCEPT_DONTWAIT"),
    (4, "IORING_ACCEPT_POLL_FIRST"),
];

pub const SHUTDOWN_HOW: Values = &[(0, "SHUT_RD"), (1, "SHUT_WR"), (2, "SHUT_RDWR")];

pub const POLL_EVENTS: Bits = &[
    (0x1, "POLLIN"),
    (0x2, "POLLPRI"),
    (0x4, "POLLOUT"),
    (0x8, "POLLERR"),
    (0x10, "POLLHUP"),
    (0x20, "POLLNVAL"),
    (0x40, "POLLRDNORM"),
    (0x80, "POLLRDBAND"),
    (0x100, "POLLWRNORM"),
    (0x200, "POLLWRBAND"),
    (0x400, "POLLMSG"),
    (0x1000, "POLLREMOVE"),
    (0x2000, "POLLRDHUP"),
    (1 << 28, "EPOLLEXCLUSIVE"),
    (1 << 29, "EPOLLWAKEUP"),
    (1 << 30, "EPOLLONESHOT"),
    (1 << 31, "EPOLLET"),
];

/// POLL_ADD's and POLL_REMOVE's flags (in the SQE's len).
pub const POLL_ADD_FLAGS: Bits = &[
    (1, "IORING_POLL_ADD_MULTI"),
    (2, "IORING_POLL_UPDATE_EVENTS"),
    (4, "IORING_POLL_UPDATE_USER_DATA"),
    (8, "IORING_POLL_ADD_LEVEL"),
];

pub const TIMEOUT_FLAGS: Bits = &[
    (0x01, "IORING_TIMEOUT_ABS"),
    (0x02, "IORING_TIMEOUT_UPDATE"),
    (0x04, "IORING_TIMEOUT_BOOTTIME"),
    (0x08, "IORING_TIMEOUT_REALTIME"),
    (0x10, "IORING_LINK_TIMEOUT_UPDATE"),
    (0x20, "IORING_TIMEOUT_ETIME_SUCCESS"),
    (0x40, "IORING_TIMEOUT_MULTISHOT"),
];

pub const EPOLL_CTL_OP: Values = &[
    (1, "EPOLL_CTL_ADD"),
    (2, "EPOLL_CTL_DEL"),
    (3, "EPOLL_CTL_MOD"),
];

pub const CANCEL_FLAGS: Bits = &[
    (0x01, "IORING_ASYNC_CANCEL_ALL"),
    (0x02, "IORING_ASYNC_CANCEL_FD"),
    (0x04, "IORING_ASYNC_CANCEL_ANY"),
    (0x08, "IORING_ASYNC_CANCEL_FD_FIXED"),
    (0x10, "IORING_ASYNC_CANCEL_USERDATA"),
    (0x20, "IORING_ASYNC_CANCEL_OP"),
];

pub const RW_FLAGS: Bits = &[
    (0x01, "RWF_HIPRI"),
    (0x02, "RWF_DSYNC"),
    (0x04, "RWF_SYNC"),
    (0x08, "RWF_NOWAIT"),
    (0x10, "RWF_APPEND"),
    (0x20, "RWF_NOAPPEND"),
    (0x40, "RWF_ATOMIC"),
    (0x80, "RWF_DONTCACHE"),
];

pub const XATTR_FLAGS: Bits = &[(1, "XATTR_CREATE"), (2, "XATTR_REPLACE")];

pub const MSG_RING_CMD: Values = &[(0, "IORING_MSG_DATA"), (1, "IORING_MSG_SEND_FD")];

pub const MSG_RING_FLAGS: Bits = &[
    (1, "IORING_MSG_RING_CQE_SKIP"),
    (2, "IORING_MSG_RING_FLAGS_PASS"),
];

/// futex2 flags: the size in the low two bits, then the rest.
pub fn futex2_flag_names(flags: u64) -> Vec<String> {
    let size = [
        "FUTEX2_SIZE_U8",
        "FUTEX2_SIZE_U16",
        "FUTEX2_SIZE_U32",
        "FUTEX2_SIZE_U64",
    ];
    let mut names = vec![size[(flags & 3) as usize].to_string()];
    names.extend(flag_names(
        flags & !3,
        &[
            (4, "FUTEX2_NUMA"),
            (8, "FUTEX2_MPOL"),
            (128, "FUTEX2_PRIVATE"),
        ],
    ));
    names
}

pub const WAITID_IDTYPE: Values = &[(0, "P_ALL"), (1, "P_PID"), (2, "P_PGID"), (3, "P_PIDFD")];

pub const WAITID_OPTIONS: Bits = &[
    (1, "WNOHANG"),
    (2, "WSTOPPED"),
    (4, "WEXITED"),
    (8, "WCONTINUED"),
    (0x1000000, "WNOWAIT"),
    (0x20000000, "__WNOTHREAD"),
    (0x40000000, "__WALL"),
    (0x80000000, "__WCLONE"),
];

pub const FIXED_FD_INSTALL_FLAGS: Bits = &[(1, "IORING_FIXED_FD_NO_CLOEXEC")];

const ADDRESS_FAMILIES: Values = &[
    (0, "AF_UNSPEC"),
    (1, "AF_UNIX"),
    (2, "AF_INET"),
    (3, "AF_AX25"),
    (4, "AF_IPX"),
    (5, "AF_APPLETALK"),
    (6, "AF_NETROM"),
    (7, "AF_BRIDGE"),
    (8, "AF_ATMPVC"),
    (9, "AF_X25"),
    (10, "AF_INET6"),
    (15, "AF_KEY"),
    (16, "AF_NETLINK"),
    (17, "AF_PACKET"),
    (21, "AF_RDS"),
    (29, "AF_CAN"),
    (30, "AF_TIPC"),
    (31, "AF_BLUETOOTH"),
    (38, "AF_ALG"),
    (40, "AF_VSOCK"),
    (44, "AF_XDP"),
    (45, "AF_MCTP"),
];

pub fn address_family_name(family: u32) -> String {
    value_name(u64::from(family), ADDRESS_FAMILIES)
}

const SOCKET_TYPES: Values = &[
    (1, "SOCK_STREAM"),
    (2, "SOCK_DGRAM"),
    (3, "SOCK_RAW"),
    (4, "SOCK_RDM"),
    (5, "SOCK_SEQPACKET"),
    (6, "SOCK_DCCP"),
    (10, "SOCK_PACKET"),
];

/// socket(2)'s type: the type, then SOCK_NONBLOCK / SOCK_CLOEXEC.
pub fn socket_type_names(ty: u64) -> Vec<String> {
    let mut names = vec![value_name(ty & 0xf, SOCKET_TYPES)];
    names.extend(flag_names(ty & !0xf, ACCEPT_FLAGS));
    names
}

const IP_PROTOCOLS: Values = &[
    (0, "IPPROTO_IP"),
    (1, "IPPROTO_ICMP"),
    (6, "IPPROTO_TCP"),
    (17, "IPPROTO_UDP"),
    (41, "IPPROTO_IPV6"),
    (58, "IPPROTO_ICMPV6"),
    (132, "IPPROTO_SCTP"),
    (136, "IPPROTO_UDPLITE"),
    (255, "IPPROTO_RAW"),
    (262, "IPPROTO_MPTCP"),
];

/// The protocol of a socket of `domain`: IPPROTO_* names for AF_INET/AF_INET6, else the number.
pub fn socket_protocol_name(domain: u32, protocol: u64) -> String {
    if domain == 2 || domain == 10 {
        value_name(protocol, IP_PROTOCOLS)
    } else {
        protocol.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_flags_read_as_strace_prints_them() {
        assert_eq!(open_flag_names(0o2000000), ["O_RDONLY", "O_CLOEXEC"]);
        assert_eq!(open_flag_names(0o1101), ["O_WRONLY", "O_CREAT", "O_TRUNC"]);
        // O_SYNC includes O_DSYNC's bit: one name, not two.
        assert_eq!(open_flag_names(0o4010002), ["O_RDWR", "O_SYNC"]);
        assert_eq!(open_flag_names(0o10000), ["O_RDONLY", "O_DSYNC"]);
        assert_eq!(open_flag_names(0o20200000), ["O_RDONLY", "O_TMPFILE"]);
        assert_eq!(open_flag_names(1 << 40), ["O_RDONLY", "0x10000000000"]);
    }

    #[test]
    fn statx_basic_stats_is_one_name_and_values_fall_back_to_numbers() {
        assert_eq!(
            flag_names(0xfff, STATX_MASK),
            ["STATX_BASIC_STATS", "STATX_BTIME"]
        );
        assert_eq!(flag_names(0x201, STATX_MASK), ["STATX_TYPE", "STATX_SIZE"]);
        assert_eq!(value_name(4, FADVISE_ADVICE), "POSIX_FADV_DONTNEED");
        assert_eq!(value_name(99, FADVISE_ADVICE), "99");
        assert_eq!(
            socket_type_names(0o2000001),
            ["SOCK_STREAM", "SOCK_CLOEXEC"]
        );
        assert_eq!(socket_protocol_name(10, 6), "IPPROTO_TCP");
        assert_eq!(socket_protocol_name(1, 0), "0");
        assert_eq!(
            futex2_flag_names(0x82),
            ["FUTEX2_SIZE_U32", "FUTEX2_PRIVATE"]
        );
    }
}
