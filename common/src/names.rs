//! Symbolic names for the numbers the probe reports (x86_64 errnos; opcodes numbered as in Linux
//! 7.3, read from the `io_uring_op` and `io_uring_register_op` enums of the BTF of Debian's 7.2
//! and 7.3-rc7 kernels).
//! Tables are indexed by value, so a lookup is a bounds check; unknown values get a readable
//! fallback rather than a panic, because newer kernels add opcodes and flags.

use std::borrow::Cow;

/// IORING_OP_* without the prefix, indexed by opcode.
const OPCODES: [&str; 65] = [
    "NOP",
    "READV",
    "WRITEV",
    "FSYNC",
    "READ_FIXED",
    "WRITE_FIXED",
    "POLL_ADD",
    "POLL_REMOVE",
    "SYNC_FILE_RANGE",
    "SENDMSG",
    "RECVMSG",
    "TIMEOUT",
    "TIMEOUT_REMOVE",
    "ACCEPT",
    "ASYNC_CANCEL",
    "LINK_TIMEOUT",
    "CONNECT",
    "FALLOCATE",
    "OPENAT",
    "CLOSE",
    "FILES_UPDATE",
    "STATX",
    "READ",
    "WRITE",
    "FADVISE",
    "MADVISE",
    "SEND",
    "RECV",
    "OPENAT2",
    "EPOLL_CTL",
    "SPLICE",
    "PROVIDE_BUFFERS",
    "REMOVE_BUFFERS",
    "TEE",
    "SHUTDOWN",
    "RENAMEAT",
    "UNLINKAT",
    "MKDIRAT",
    "SYMLINKAT",
    "LINKAT",
    "MSG_RING",
    "FSETXATTR",
    "SETXATTR",
    "FGETXATTR",
    "GETXATTR",
    "SOCKET",
    "URING_CMD",
    "SEND_ZC",
    "SENDMSG_ZC",
    "READ_MULTISHOT",
    "WAITID",
    "FUTEX_WAIT",
    "FUTEX_WAKE",
    "FUTEX_WAITV",
    "FIXED_FD_INSTALL",
    "FTRUNCATE",
    "BIND",
    "LISTEN",
    "RECV_ZC",
    "EPOLL_WAIT",
    "READV_FIXED",
    "WRITEV_FIXED",
    "PIPE",
    "NOP128",
    "URING_CMD128",
];

/// Linux x86_64 errno names, indexed by errno; "" marks the two unassigned numbers (41, 58).
const ERRNOS: [&str; 134] = [
    "",
    "EPERM",
    "ENOENT",
    "ESRCH",
    "EINTR",
    "EIO",
    "ENXIO",
    "E2BIG",
    "ENOEXEC",
    "EBADF",
    "ECHILD",
    "EAGAIN",
    "ENOMEM",
    "EACCES",
    "EFAULT",
    "ENOTBLK",
    "EBUSY",
    "EEXIST",
    "EXDEV",
    "ENODEV",
    "ENOTDIR",
    "EISDIR",
    "EINVAL",
    "ENFILE",
    "EMFILE",
    "ENOTTY",
    "ETXTBSY",
    "EFBIG",
    "ENOSPC",
    "ESPIPE",
    "EROFS",
    "EMLINK",
    "EPIPE",
    "EDOM",
    "ERANGE",
    "EDEADLK",
    "ENAMETOOLONG",
    "ENOLCK",
    "ENOSYS",
    "ENOTEMPTY",
    "ELOOP",
    "",
    "ENOMSG",
    "EIDRM",
    "ECHRNG",
    "EL2NSYNC",
    "EL3HLT",
    "EL3RST",
    "ELNRNG",
    "EUNATCH",
    "ENOCSI",
    "EL2HLT",
    "EBADE",
    "EBADR",
    "EXFULL",
    "ENOANO",
    "EBADRQC",
    "EBADSLT",
    "",
    "EBFONT",
    "ENOSTR",
    "ENODATA",
    "ETIME",
    "ENOSR",
    "ENONET",
    "ENOPKG",
    "EREMOTE",
    "ENOLINK",
    "EADV",
    "ESRMNT",
    "ECOMM",
    "EPROTO",
    "EMULTIHOP",
    "EDOTDOT",
    "EBADMSG",
    "EOVERFLOW",
    "ENOTUNIQ",
    "EBADFD",
    "EREMCHG",
    "ELIBACC",
    "ELIBBAD",
    "ELIBSCN",
    "ELIBMAX",
    "ELIBEXEC",
    "EILSEQ",
    "ERESTART",
    "ESTRPIPE",
    "EUSERS",
    "ENOTSOCK",
    "EDESTADDRREQ",
    "EMSGSIZE",
    "EPROTOTYPE",
    "ENOPROTOOPT",
    "EPROTONOSUPPORT",
    "ESOCKTNOSUPPORT",
    "EOPNOTSUPP",
    "EPFNOSUPPORT",
    "EAFNOSUPPORT",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "ENETDOWN",
    "ENETUNREACH",
    "ENETRESET",
    "ECONNABORTED",
    "ECONNRESET",
    "ENOBUFS",
    "EISCONN",
    "ENOTCONN",
    "ESHUTDOWN",
    "ETOOMANYREFS",
    "ETIMEDOUT",
    "ECONNREFUSED",
    "EHOSTDOWN",
    "EHOSTUNREACH",
    "EALREADY",
    "EINPROGRESS",
    "ESTALE",
    "EUCLEAN",
    "ENOTNAM",
    "ENAVAIL",
    "EISNAM",
    "EREMOTEIO",
    "EDQUOT",
    "ENOMEDIUM",
    "EMEDIUMTYPE",
    "ECANCELED",
    "ENOKEY",
    "EKEYEXPIRED",
    "EKEYREVOKED",
    "EKEYREJECTED",
    "EOWNERDEAD",
    "ENOTRECOVERABLE",
    "ERFKILL",
    "EHWPOISON",
];

/// Other spellings glibc accepts for the same numbers.
const ERRNO_ALIASES: [(&str, u16); 3] = [("EWOULDBLOCK", 11), ("EDEADLOCK", 35), ("ENOTSUP", 95)];

/// IORING_SETUP_* by bit.
const SETUP_FLAGS: [&str; 19] = [
    "IOPOLL",
    "SQPOLL",
    "SQ_AFF",
    "CQSIZE",
    "CLAMP",
    "ATTACH_WQ",
    "R_DISABLED",
    "SUBMIT_ALL",
    "COOP_TASKRUN",
    "TASKRUN_FLAG",
    "SQE128",
    "CQE32",
    "SINGLE_ISSUER",
    "DEFER_TASKRUN",
    "NO_MMAP",
    "REGISTERED_FD_ONLY",
    "NO_SQARRAY",
    "HYBRID_IOPOLL",
    "CQE_MIXED",
];

/// IOSQE_* by bit.
const SQE_FLAGS: [&str; 7] = [
    "FIXED_FILE",
    "IO_DRAIN",
    "IO_LINK",
    "IO_HARDLINK",
    "ASYNC",
    "BUFFER_SELECT",
    "CQE_SKIP_SUCCESS",
];

/// IORING_CQE_F_MORE: more CQEs of this request follow.
pub const CQE_F_MORE: u32 = 1 << 1;

/// IORING_CQE_F_* by bit.
const CQE_FLAGS: [&str; 5] = ["BUFFER", "MORE", "SOCK_NONEMPTY", "NOTIF", "BUF_MORE"];

/// With IORING_CQE_F_BUFFER, the CQE flags' upper 16 bits are a buffer id, not flags.
const CQE_BUFFER_SHIFT: u32 = 16;

/// IORING_REGISTER_* / IORING_UNREGISTER_* without the IORING_ prefix, by opcode.
const REGISTER_OPCODES: [&str; 38] = [
    "REGISTER_BUFFERS",
    "UNREGISTER_BUFFERS",
    "REGISTER_FILES",
    "UNREGISTER_FILES",
    "REGISTER_EVENTFD",
    "UNREGISTER_EVENTFD",
    "REGISTER_FILES_UPDATE",
    "REGISTER_EVENTFD_ASYNC",
    "REGISTER_PROBE",
    "REGISTER_PERSONALITY",
    "UNREGISTER_PERSONALITY",
    "REGISTER_RESTRICTIONS",
    "REGISTER_ENABLE_RINGS",
    "REGISTER_FILES2",
    "REGISTER_FILES_UPDATE2",
    "REGISTER_BUFFERS2",
    "REGISTER_BUFFERS_UPDATE",
    "REGISTER_IOWQ_AFF",
    "UNREGISTER_IOWQ_AFF",
    "REGISTER_IOWQ_MAX_WORKERS",
    "REGISTER_RING_FDS",
    "UNREGISTER_RING_FDS",
    "REGISTER_PBUF_RING",
    "UNREGISTER_PBUF_RING",
    "REGISTER_SYNC_CANCEL",
    "REGISTER_FILE_ALLOC_RANGE",
    "REGISTER_PBUF_STATUS",
    "REGISTER_NAPI",
    "UNREGISTER_NAPI",
    "REGISTER_CLOCK",
    "REGISTER_CLONE_BUFFERS",
    "REGISTER_SEND_MSG_RING",
    "REGISTER_ZCRX_IFQ",
    "REGISTER_RESIZE_RINGS",
    "REGISTER_MEM_REGION",
    "REGISTER_QUERY",
    "REGISTER_ZCRX_CTRL",
    "REGISTER_BPF_FILTER",
];

/// The opcode's name if this table knows it; "AUX_CQE" for the ring's row of CQEs posted without
/// a request ([`crate::input::AUX_OPCODE`]).
pub fn known_opcode_name(op: u8) -> Option<&'static str> {
    if op == crate::input::AUX_OPCODE {
        return Some("AUX_CQE");
    }
    OPCODES.get(usize::from(op)).copied()
}

/// What a ring id reads as for people: its number, or "other rings" for the row of a
/// process's rings that the probe could not count one by one ([`crate::input::OTHER_RINGS`]).
pub fn ring_name(ring: u32) -> Cow<'static, str> {
    if ring == crate::input::OTHER_RINGS {
        Cow::Borrowed("other rings")
    } else {
        Cow::Owned(ring.to_string())
    }
}

/// "READ", "OPENAT", ...; "OP_<n>" for opcodes newer than this table.
pub fn opcode_name(op: u8) -> Cow<'static, str> {
    match known_opcode_name(op) {
        Some(name) => Cow::Borrowed(name),
        None => Cow::Owned(format!("OP_{op}")),
    }
}

/// Inverse of [`opcode_name`]: case-insensitive, with or without "IORING_OP_", and also the
/// "OP_<n>" fallback form so every printed name parses back.
pub fn opcode_by_name(name: &str) -> Option<u8> {
    let upper = name.trim().to_ascii_uppercase();
    let bare = upper.strip_prefix("IORING_OP_").unwrap_or(&upper);
    if let Some(i) = OPCODES.iter().position(|&n| n == bare) {
        return u8::try_from(i).ok();
    }
    if known_opcode_name(crate::input::AUX_OPCODE) == Some(bare) {
        return Some(crate::input::AUX_OPCODE);
    }
    bare.strip_prefix("OP_").and_then(parse_decimal)
}

/// The known opcode name closest to `name` (for "did you mean ...?"), or None when nothing is
/// close enough to be a plausible typo. Ties go to the lower opcode, so the answer is stable.
pub fn nearest_opcode_name(name: &str) -> Option<&'static str> {
    nearest_name(name, "IORING_OP_", &OPCODES)
}

/// Inverse of [`register_opcode_name`]: case-insensitive, with or without "IORING_", and also
/// the "REGISTER_<n>" fallback form so every printed name parses back.
pub fn register_opcode_by_name(name: &str) -> Option<u32> {
    let upper = name.trim().to_ascii_uppercase();
    let bare = upper.strip_prefix("IORING_").unwrap_or(&upper);
    if let Some(i) = REGISTER_OPCODES.iter().position(|&n| n == bare) {
        return u32::try_from(i).ok();
    }
    bare.strip_prefix("REGISTER_").and_then(parse_decimal)
}

/// The register opcode name closest to `name`, as [`nearest_opcode_name`] does for opcodes.
pub fn nearest_register_opcode_name(name: &str) -> Option<&'static str> {
    nearest_name(name, "IORING_", &REGISTER_OPCODES)
}

/// The IORING_SETUP_* bit (as a mask) of a flag name: case-insensitive, prefix optional.
pub fn setup_flag_by_name(name: &str) -> Option<u32> {
    let bit = bit_by_name(name, "IORING_SETUP_", &SETUP_FLAGS)?;
    Some(1 << bit)
}

/// The setup flag name closest to `name` (see [`nearest_opcode_name`]).
pub fn nearest_setup_flag_name(name: &str) -> Option<&'static str> {
    nearest_name(name, "IORING_SETUP_", &SETUP_FLAGS)
}

/// Every IORING_SETUP_* name this table knows, by bit.
pub fn setup_flag_names_known() -> &'static [&'static str] {
    &SETUP_FLAGS
}

/// The IOSQE_* bit (as a mask) of a flag name: case-insensitive, prefix optional.
pub fn sqe_flag_by_name(name: &str) -> Option<u8> {
    let bit = bit_by_name(name, "IOSQE_", &SQE_FLAGS)?;
    Some(1 << bit)
}

/// The SQE flag name closest to `name` (see [`nearest_opcode_name`]).
pub fn nearest_sqe_flag_name(name: &str) -> Option<&'static str> {
    nearest_name(name, "IOSQE_", &SQE_FLAGS)
}

/// Every IOSQE_* name, by bit.
pub fn sqe_flag_names_known() -> &'static [&'static str] {
    &SQE_FLAGS
}

/// The closest of `candidates` to `query` (`prefix` stripped, any case) when it is a plausible
/// typo; None otherwise. Ties go to the earlier candidate, so the answer is stable.
pub fn nearest_name(
    query: &str,
    prefix: &str,
    candidates: &[&'static str],
) -> Option<&'static str> {
    let upper = query.trim().to_ascii_uppercase();
    let bare = upper.strip_prefix(prefix).unwrap_or(&upper);
    // Names here are at most ~25 characters; anything far longer is not a typo of one.
    if bare.is_empty() || bare.len() > 64 {
        return None;
    }
    let (best, distance) = candidates
        .iter()
        .map(|&candidate| {
            (
                candidate,
                edit_distance(bare, &candidate.to_ascii_uppercase()),
            )
        })
        .min_by_key(|&(_, d)| d)?;
    // Up to one edit per three characters: "REDA" -> READ, but "FOO" is not NOP.
    let longest = bare.chars().count().max(best.len());
    (distance * 3 <= longest).then_some(best)
}

/// Bit index of `name` in a flag table (case-insensitive, `prefix` optional).
fn bit_by_name(name: &str, prefix: &str, table: &[&str]) -> Option<u32> {
    let upper = name.trim().to_ascii_uppercase();
    let bare = upper.strip_prefix(prefix).unwrap_or(&upper);
    let i = table.iter().position(|&n| n == bare)?;
    u32::try_from(i).ok()
}

/// "ENOENT", "EAGAIN", ...; "E<n>" for numbers without a name.
pub fn errno_name(e: u16) -> Cow<'static, str> {
    match ERRNOS.get(usize::from(e)) {
        Some(&name) if !name.is_empty() => Cow::Borrowed(name),
        _ => Cow::Owned(format!("E{e}")),
    }
}

/// Inverse of [`errno_name`]: case-insensitive, accepts glibc aliases (EWOULDBLOCK, ...) and
/// the "E<n>" fallback form.
pub fn errno_by_name(name: &str) -> Option<u16> {
    let upper = name.trim().to_ascii_uppercase();
    if upper.is_empty() {
        return None;
    }
    if let Some(i) = ERRNOS.iter().position(|&n| n == upper) {
        return u16::try_from(i).ok();
    }
    if let Some(&(_, e)) = ERRNO_ALIASES.iter().find(|(alias, _)| *alias == upper) {
        return Some(e);
    }
    upper.strip_prefix('E').and_then(parse_decimal)
}

/// IORING_SETUP_* names of the set bits, lowest first; unknown bits as one "0x<hex>" entry.
pub fn setup_flag_names(flags: u32) -> Vec<&'static str> {
    bit_names(u64::from(flags), &SETUP_FLAGS)
}

/// IOSQE_* names of the set bits (unknown bits as "0x<hex>").
pub fn sqe_flag_names(flags: u8) -> Vec<&'static str> {
    bit_names(u64::from(flags), &SQE_FLAGS)
}

/// IORING_CQE_F_* names of the set bits in the low 16 bits (unknown ones as "0x<hex>"); the
/// upper 16 bits carry a buffer id (see [`cqe_buffer_id`]) and are not flags.
pub fn cqe_flag_names(flags: u32) -> Vec<&'static str> {
    bit_names(u64::from(flags & 0xffff), &CQE_FLAGS)
}

/// The provided-buffer id of a CQE, when IORING_CQE_F_BUFFER is set.
pub fn cqe_buffer_id(flags: u32) -> Option<u16> {
    (flags & 1 != 0).then(|| u16::try_from(flags >> CQE_BUFFER_SHIFT).unwrap_or(u16::MAX))
}

/// "REGISTER_BUFFERS", ...; "REGISTER_<n>" for opcodes newer than this table.
pub fn register_opcode_name(op: u32) -> Cow<'static, str> {
    match usize::try_from(op)
        .ok()
        .and_then(|i| REGISTER_OPCODES.get(i))
    {
        Some(&name) => Cow::Borrowed(name),
        None => Cow::Owned(format!("REGISTER_{op}")),
    }
}

/// Names of the set bits of `flags` from `table`, then any remaining bits as one hex entry.
/// The hex text is leaked once per distinct value so the result can stay `&'static str`. That is
/// bounded: the unknown bits of a u32 setup mask above bit 18 allow 2^13 combinations at most, the
/// CQE and SQE masks fewer, and real kernels produce a handful.
fn bit_names(flags: u64, table: &[&'static str]) -> Vec<&'static str> {
    let mut names = Vec::new();
    let mut unknown = flags;
    for (bit, &name) in table.iter().enumerate() {
        let mask = 1u64 << bit;
        if flags & mask != 0 {
            names.push(name);
            unknown &= !mask;
        }
    }
    if unknown != 0 {
        names.push(unknown_bits_text(unknown));
    }
    names
}

/// Interns "0x<hex>" strings: each distinct value is allocated (and leaked) once.
fn unknown_bits_text(bits: u64) -> &'static str {
    use std::collections::BTreeMap;
    use std::sync::{Mutex, OnceLock};
    static INTERNED: OnceLock<Mutex<BTreeMap<u64, &'static str>>> = OnceLock::new();
    let table = INTERNED.get_or_init(|| Mutex::new(BTreeMap::new()));
    // A poisoned lock only means another thread panicked mid-insert; the map is still valid.
    let mut table = table
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    table
        .entry(bits)
        .or_insert_with(|| Box::leak(format!("{bits:#x}").into_boxed_str()))
}

/// Plain decimal digits only (no sign, no spaces), as printed by the fallbacks.
fn parse_decimal<T: std::str::FromStr>(digits: &str) -> Option<T> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent
/// transpositions each cost 1, so the common "REDA" typo is one edit from READ.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    // rows[i * width + j] = distance between a[..i] and b[..j]
    let mut rows = vec![0usize; (a.len() + 1) * width];
    for (i, row) in rows.chunks_mut(width).enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[(i - 1) * width + j] + 1)
                .min(rows[i * width + j - 1] + 1)
                .min(rows[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[(i - 2) * width + j - 2] + 1);
            }
            rows[i * width + j] = d;
        }
    }
    rows[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcode_names_match_the_kernel_numbering() {
        assert_eq!(opcode_name(0), "NOP");
        assert_eq!(opcode_name(18), "OPENAT");
        assert_eq!(opcode_name(22), "READ");
        assert_eq!(opcode_name(46), "URING_CMD");
        assert_eq!(opcode_name(62), "PIPE");
        assert_eq!(opcode_name(65), "OP_65");
        assert_eq!(opcode_name(254), "OP_254");
        // Not an SQE opcode: the ring's row of CQEs that no request posted.
        assert_eq!(opcode_name(crate::input::AUX_OPCODE), "AUX_CQE");
        assert_eq!(ring_name(7), "7");
        assert_eq!(ring_name(u32::MAX), "other rings");
    }

    #[test]
    fn opcodes_of_linux_6_19_to_7_3_are_named() {
        // Numbers from the io_uring_op enum in the BTF of Debian's 7.2.13 and 7.3-rc7 kernels.
        assert_eq!(opcode_name(63), "NOP128");
        assert_eq!(opcode_name(64), "URING_CMD128");
        assert_eq!(opcode_by_name("IORING_OP_NOP128"), Some(63));
        assert_eq!(opcode_by_name("uring_cmd128"), Some(64));
        assert_eq!(opcode_by_name("AUX_CQE"), Some(crate::input::AUX_OPCODE));
    }

    #[test]
    fn opcode_names_round_trip() {
        for op in 0..=u8::MAX {
            assert_eq!(opcode_by_name(&opcode_name(op)), Some(op), "opcode {op}");
        }
        assert_eq!(opcode_by_name("read"), Some(22));
        assert_eq!(opcode_by_name("IORING_OP_OPENAT"), Some(18));
        assert_eq!(opcode_by_name("ioring_op_send_zc"), Some(47));
        assert_eq!(opcode_by_name(" Nop "), Some(0));
        assert_eq!(opcode_by_name("OP_256"), None);
        assert_eq!(opcode_by_name("OP_+1"), None);
        assert_eq!(opcode_by_name("OP_"), None);
        assert_eq!(opcode_by_name(""), None);
        assert_eq!(opcode_by_name("IORING_OP_"), None);
        assert_eq!(opcode_by_name("READING"), None);
    }

    #[test]
    fn nearest_opcode_suggests_typos_only() {
        assert_eq!(nearest_opcode_name("REDA"), Some("READ"));
        assert_eq!(nearest_opcode_name("opnat"), Some("OPENAT"));
        assert_eq!(nearest_opcode_name("IORING_OP_SENDMG"), Some("SENDMSG"));
        assert_eq!(nearest_opcode_name("read"), Some("READ"));
        assert_eq!(nearest_opcode_name("futex_wiat"), Some("FUTEX_WAIT"));
        assert_eq!(nearest_opcode_name("FOO"), None);
        assert_eq!(nearest_opcode_name("completely-unrelated"), None);
        assert_eq!(nearest_opcode_name(""), None);
        assert_eq!(nearest_opcode_name("ÄÖÜ"), None);
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("", "ABC"), 3);
        assert_eq!(edit_distance("ABC", ""), 3);
        assert_eq!(edit_distance("KITTEN", "SITTING"), 3);
        assert_eq!(edit_distance("AB", "BA"), 1);
    }

    #[test]
    fn errno_names_and_gaps() {
        assert_eq!(errno_name(1), "EPERM");
        assert_eq!(errno_name(2), "ENOENT");
        assert_eq!(errno_name(11), "EAGAIN");
        assert_eq!(errno_name(13), "EACCES");
        assert_eq!(errno_name(62), "ETIME");
        assert_eq!(errno_name(110), "ETIMEDOUT");
        assert_eq!(errno_name(125), "ECANCELED");
        assert_eq!(errno_name(133), "EHWPOISON");
        assert_eq!(errno_name(0), "E0");
        assert_eq!(errno_name(41), "E41");
        assert_eq!(errno_name(58), "E58");
        assert_eq!(errno_name(134), "E134");
        assert_eq!(errno_name(u16::MAX), "E65535");
    }

    #[test]
    fn errno_names_round_trip() {
        for e in 0..=u16::MAX {
            assert_eq!(errno_by_name(&errno_name(e)), Some(e), "errno {e}");
        }
        assert_eq!(errno_by_name("enoent"), Some(2));
        assert_eq!(errno_by_name("EWOULDBLOCK"), Some(11));
        assert_eq!(errno_by_name("EDEADLOCK"), Some(35));
        assert_eq!(errno_by_name("ENOTSUP"), Some(95));
        assert_eq!(errno_by_name("E"), None);
        assert_eq!(errno_by_name("E65536"), None);
        assert_eq!(errno_by_name("NOENT"), None);
        assert_eq!(errno_by_name(""), None);
    }

    #[test]
    fn errno_names_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for name in ERRNOS.iter().filter(|n| !n.is_empty()) {
            assert!(seen.insert(name), "duplicate {name}");
        }
        assert_eq!(seen.len(), 131);
    }

    #[test]
    fn setup_flags() {
        assert!(setup_flag_names(0).is_empty());
        assert_eq!(setup_flag_names(1 << 1), ["SQPOLL"]);
        assert_eq!(
            setup_flag_names((1 << 12) | (1 << 13)),
            ["SINGLE_ISSUER", "DEFER_TASKRUN"]
        );
        assert_eq!(setup_flag_names(1 << 18), ["CQE_MIXED"]);
        assert_eq!(
            setup_flag_names((1 << 0) | (1 << 20) | (1 << 31)),
            ["IOPOLL", "0x80100000"]
        );
        assert_eq!(setup_flag_names(u32::MAX).len(), 20);
    }

    #[test]
    fn sqe_flags() {
        assert!(sqe_flag_names(0).is_empty());
        assert_eq!(sqe_flag_names(1), ["FIXED_FILE"]);
        assert_eq!(
            sqe_flag_names(0b101_0100),
            ["IO_LINK", "ASYNC", "CQE_SKIP_SUCCESS"]
        );
        assert_eq!(sqe_flag_names(0x80), ["0x80"]);
    }

    #[test]
    fn cqe_flags_ignore_the_buffer_id() {
        assert!(cqe_flag_names(0).is_empty());
        assert_eq!(cqe_flag_names(0b10), ["MORE"]);
        assert_eq!(cqe_flag_names(0b1_1000), ["NOTIF", "BUF_MORE"]);
        assert_eq!(cqe_flag_names((7 << 16) | 1), ["BUFFER"]);
        assert_eq!(cqe_flag_names(1 << 15), ["0x8000"]);
        assert_eq!(cqe_buffer_id((7 << 16) | 1), Some(7));
        assert_eq!(cqe_buffer_id(7 << 16), None);
        assert_eq!(cqe_buffer_id(u32::MAX), Some(u16::MAX));
    }

    #[test]
    fn register_opcodes() {
        assert_eq!(register_opcode_name(0), "REGISTER_BUFFERS");
        assert_eq!(register_opcode_name(1), "UNREGISTER_BUFFERS");
        assert_eq!(register_opcode_name(22), "REGISTER_PBUF_RING");
        assert_eq!(register_opcode_name(34), "REGISTER_MEM_REGION");
        assert_eq!(register_opcode_name(38), "REGISTER_38");
        assert_eq!(register_opcode_name(u32::MAX), "REGISTER_4294967295");
    }

    #[test]
    fn register_opcodes_of_linux_6_19_to_7_3_are_named() {
        // Numbers from the io_uring_register_op enum in the BTF of Debian's 7.2.13 and 7.3-rc7
        // kernels (IORING_REGISTER_LAST = 38 in both).
        assert_eq!(register_opcode_name(35), "REGISTER_QUERY");
        assert_eq!(register_opcode_name(36), "REGISTER_ZCRX_CTRL");
        assert_eq!(register_opcode_name(37), "REGISTER_BPF_FILTER");
        assert_eq!(
            register_opcode_by_name("IORING_REGISTER_BPF_FILTER"),
            Some(37)
        );
        assert_eq!(
            nearest_register_opcode_name("REGISTER_BPF_FILTR"),
            Some("REGISTER_BPF_FILTER")
        );
    }

    #[test]
    fn register_opcode_names_round_trip() {
        for op in 0..200 {
            assert_eq!(
                register_opcode_by_name(&register_opcode_name(op)),
                Some(op),
                "register opcode {op}"
            );
        }
        assert_eq!(register_opcode_by_name("IORING_REGISTER_FILES"), Some(2));
        assert_eq!(register_opcode_by_name("register_files"), Some(2));
        assert_eq!(register_opcode_by_name("REGISTER_"), None);
        assert_eq!(register_opcode_by_name("FILES"), None);
        assert_eq!(
            nearest_register_opcode_name("REGISTER_FILEZ"),
            Some("REGISTER_FILES")
        );
        assert_eq!(nearest_register_opcode_name("xyz"), None);
    }

    #[test]
    fn flag_names_parse_back() {
        for (bit, name) in SETUP_FLAGS.iter().enumerate() {
            assert_eq!(setup_flag_by_name(name), Some(1 << bit));
        }
        for (bit, name) in SQE_FLAGS.iter().enumerate() {
            assert_eq!(sqe_flag_by_name(name), Some(1 << bit));
        }
        assert_eq!(setup_flag_by_name("ioring_setup_sqpoll"), Some(2));
        assert_eq!(sqe_flag_by_name("IOSQE_ASYNC"), Some(16));
        assert_eq!(sqe_flag_by_name("0x80"), None);
        assert_eq!(nearest_sqe_flag_name("ASYNK"), Some("ASYNC"));
        assert_eq!(nearest_setup_flag_name("SQPOL"), Some("SQPOLL"));
        assert_eq!(nearest_setup_flag_name("banana"), None);
    }

    #[test]
    fn unknown_bit_text_is_interned() {
        let a = setup_flag_names(1 << 30);
        let b = setup_flag_names(1 << 30);
        assert!(std::ptr::eq(a[0], b[0]));
    }
}
