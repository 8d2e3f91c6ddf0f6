//! Workloads for `paths`, `peers` and `fixed_buffers` rules: path opcodes on paths under a
//! directory no machine has (every one fails the same way everywhere, so its result is exact),
//! socket-address opcodes on loopback UDP and AF_UNIX sockets, and plain versus registered
//! buffers on two rings of one process.

use std::ffi::CString;
use std::mem::size_of;
use std::os::fd::AsRawFd;

use anyhow::{ensure, Context, Result};
use io_uring::{opcode, squeue, types, IoUring};

use super::arguments::{ring_at_fd, SELECTED_RING_FD};
use super::basic::{ensure_missing, MISSING_PATH};
use super::expected::Expected;
use super::ring::{describe, run_plan, wait_for, Planned};

/// The directory the path workload names: [`MISSING_PATH`]'s parent, which does not exist.
pub fn missing_dir() -> &'static str {
    MISSING_PATH
        .rsplit_once('/')
        .map_or(MISSING_PATH, |(dir, _)| dir)
}

/// The length of the long component in [`path_opcodes`]: past what the probe reads of a path.
pub const LONG_COMPONENT: usize = 300;

fn cstr(s: &str) -> Result<CString> {
    CString::new(s).context("a path with a NUL")
}

/// One SQE per submission, in this order (D = [`missing_dir`]), each completing with -ENOENT
/// unless said otherwise:
///  0 OPENAT D/root/secret (O_RDONLY)        6 RENAMEAT D/other -> D/root/moved
///  1 OPENAT D/root/ok (O_RDONLY)            7 RENAMEAT D/root/moved -> D/other
///  2 OPENAT D/other (O_WRONLY)              8 UNLINKAT D/unlinked
///  3 OPENAT D/other (O_RDONLY)              9 MKDIRAT D/root/newdir
///  4 OPENAT "relative/secret" (AT_FDCWD)   10 SYMLINKAT D/root/secret at D/link
///  5 STATX D/root                          11 OPENAT D/root/<300 x 'a'> (cut by the probe)
/// (user_data is the number).
pub fn path_opcodes() -> Result<Expected> {
    ensure_missing()?;
    ensure!(
        !std::path::Path::new("relative").exists(),
        "./relative exists, so opening relative/secret would not fail"
    );
    let d = missing_dir();
    let p = |rest: &str| cstr(&format!("{d}/{rest}"));
    let (secret, ok, other) = (p("root/secret")?, p("root/ok")?, p("other")?);
    let relative = cstr("relative/secret")?;
    let (root, moved, unlinked) = (p("root")?, p("root/moved")?, p("unlinked")?);
    let (newdir, link) = (p("root/newdir")?, p("link")?);
    let long = p(&format!("root/{}", "a".repeat(LONG_COMPONENT)))?;
    let mut statx = std::mem::MaybeUninit::<libc::statx>::zeroed();
    let cwd = types::Fd(libc::AT_FDCWD);
    let open = |path: &CString, flags: i32| {
        opcode::OpenAt::new(cwd, path.as_ptr())
            .flags(flags | libc::O_CLOEXEC)
            .build()
    };
    let enoent = -libc::ENOENT;
    let plan: Vec<(squeue::Entry, i32)> = vec![
        (open(&secret, libc::O_RDONLY), enoent),
        (open(&ok, libc::O_RDONLY), enoent),
        (open(&other, libc::O_WRONLY), enoent),
        (open(&other, libc::O_RDONLY), enoent),
        (open(&relative, libc::O_RDONLY), enoent),
        (
            opcode::Statx::new(cwd, root.as_ptr(), statx.as_mut_ptr().cast()).build(),
            enoent,
        ),
        (
            opcode::RenameAt::new(cwd, other.as_ptr(), cwd, moved.as_ptr()).build(),
            enoent,
        ),
        (
            opcode::RenameAt::new(cwd, moved.as_ptr(), cwd, other.as_ptr()).build(),
            enoent,
        ),
        (
            opcode::UnlinkAt::new(cwd, unlinked.as_ptr()).build(),
            enoent,
        ),
        (
            opcode::MkDirAt::new(cwd, newdir.as_ptr())
                .mode(0o700)
                .build(),
            enoent,
        ),
        (
            opcode::SymlinkAt::new(cwd, secret.as_ptr(), link.as_ptr()).build(),
            enoent,
        ),
        (open(&long, libc::O_RDONLY), enoent),
    ];
    let mut ring = IoUring::new(4).context("io_uring_setup")?;
    let mut expected = Expected::new(1, false);
    for (i, (entry, res)) in plan.into_iter().enumerate() {
        let planned = Planned::issued(entry.user_data(i as u64), res);
        // SAFETY: every path and the statx buffer outlive the call.
        unsafe { run_plan(&mut ring, vec![planned], &mut expected)? };
    }
    Ok(expected)
}

fn sockaddr_in(ip: [u8; 4], port: u16) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes(ip),
        },
        sin_zero: [0; 8],
    }
}

fn sockaddr_in6(ip: std::net::Ipv6Addr, port: u16) -> libc::sockaddr_in6 {
    libc::sockaddr_in6 {
        sin6_family: libc::AF_INET6 as libc::sa_family_t,
        sin6_port: port.to_be(),
        sin6_flowinfo: 0,
        sin6_addr: libc::in6_addr {
            s6_addr: ip.octets(),
        },
        sin6_scope_id: 0,
    }
}

fn socket(domain: i32, kind: i32) -> Result<std::os::fd::OwnedFd> {
    // SAFETY: socket(2) returns a new fd or -1.
    let fd = unsafe { libc::socket(domain, kind | libc::SOCK_CLOEXEC, 0) };
    ensure!(
        fd >= 0,
        "socket({domain}, {kind}): {}",
        std::io::Error::last_os_error()
    );
    // SAFETY: a fresh fd we own.
    Ok(unsafe { std::os::fd::FromRawFd::from_raw_fd(fd) })
}

/// Port numbers with nothing listening on loopback: UDP sends there still succeed.
pub const DISCARD_PORT: u16 = 9;
pub const DB_PORT: u16 = 5432;
/// The AF_UNIX address the workload connects to (abstract, and never bound: ECONNREFUSED).
pub const UNIX_NAME: &[u8] = b"\0uringtop-test-no-listener";

/// Whether the running kernel has IORING_OP_BIND (Linux 6.11+), which [`peer_opcodes`] submits
/// only there.
pub fn has_bind() -> bool {
    crate::kernel::version() >= (6, 11)
}

/// Socket-address opcodes on UDP sockets (user_data in order; results exact on any machine with
/// loopback IPv4 and IPv6):
///  0 CONNECT 127.0.0.1:9            5 CONNECT AF_UNIX (abstract, unbound): -ECONNREFUSED
///  1 CONNECT 127.0.0.1:5432         6 SENDMSG to 127.0.0.1:5432: 4 bytes
///  2 CONNECT 127.1.0.1:9            7 SENDMSG to 127.1.0.1:9: 4 bytes
///  3 CONNECT [::1]:9                8 SEND_ZC to [::1]:9: 4 bytes, then its notification
///  4 CONNECT [::ffff:127.0.0.1]:9   9 BIND 127.0.0.1:0
///  10 SEND to [::1]:9: 4 bytes (a destination in addr2, 6.10+)
pub fn peer_opcodes() -> Result<Expected> {
    let v4 = socket(libc::AF_INET, libc::SOCK_DGRAM)?;
    let v6 = socket(libc::AF_INET6, libc::SOCK_DGRAM)?;
    let unconnected4 = socket(libc::AF_INET, libc::SOCK_DGRAM)?;
    let unconnected6 = socket(libc::AF_INET6, libc::SOCK_DGRAM)?;
    let unbound = socket(libc::AF_INET, libc::SOCK_DGRAM)?;
    let unix = socket(libc::AF_UNIX, libc::SOCK_DGRAM)?;
    let a_discard = sockaddr_in([127, 0, 0, 1], DISCARD_PORT);
    let a_db = sockaddr_in([127, 0, 0, 1], DB_PORT);
    let a_far = sockaddr_in([127, 1, 0, 1], DISCARD_PORT);
    let a_v6 = sockaddr_in6(std::net::Ipv6Addr::LOCALHOST, DISCARD_PORT);
    let a_mapped = sockaddr_in6(
        "::ffff:127.0.0.1".parse().expect("an address"),
        DISCARD_PORT,
    );
    let a_bind = sockaddr_in([127, 0, 0, 1], 0);
    // SAFETY: sockaddr_un is plain integers; zero is a valid value.
    let mut a_unix: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    a_unix.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (dst, &src) in a_unix.sun_path.iter_mut().zip(UNIX_NAME) {
        *dst = src as libc::c_char;
    }
    let unix_len = (size_of::<libc::sa_family_t>() + UNIX_NAME.len()) as libc::socklen_t;
    let payload = *b"ping";
    let mut iov = libc::iovec {
        iov_base: payload.as_ptr() as *mut _,
        iov_len: payload.len(),
    };
    let msg_to = |addr: &libc::sockaddr_in, iov: &mut libc::iovec| {
        // SAFETY: msghdr is plain integers and pointers; zero is valid.
        let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
        m.msg_name = addr as *const _ as *mut _;
        m.msg_namelen = size_of::<libc::sockaddr_in>() as u32;
        m.msg_iov = iov;
        m.msg_iovlen = 1;
        m
    };
    let m_db = msg_to(&a_db, &mut iov);
    let m_far = msg_to(&a_far, &mut iov);
    let in4 = size_of::<libc::sockaddr_in>() as u32;
    let in6 = size_of::<libc::sockaddr_in6>() as u32;
    let ptr4 = |a: &libc::sockaddr_in| a as *const _ as *const libc::sockaddr;
    let ptr6 = |a: &libc::sockaddr_in6| a as *const _ as *const libc::sockaddr;
    let fd = |s: &std::os::fd::OwnedFd| types::Fd(s.as_raw_fd());
    let len = payload.len() as i32;
    let plan: Vec<(squeue::Entry, i32)> = vec![
        (
            opcode::Connect::new(fd(&v4), ptr4(&a_discard), in4).build(),
            0,
        ),
        (opcode::Connect::new(fd(&v4), ptr4(&a_db), in4).build(), 0),
        (opcode::Connect::new(fd(&v4), ptr4(&a_far), in4).build(), 0),
        (opcode::Connect::new(fd(&v6), ptr6(&a_v6), in6).build(), 0),
        (
            opcode::Connect::new(fd(&v6), ptr6(&a_mapped), in6).build(),
            0,
        ),
        (
            opcode::Connect::new(fd(&unix), &a_unix as *const _ as *const _, unix_len).build(),
            -libc::ECONNREFUSED,
        ),
        (opcode::SendMsg::new(fd(&unconnected4), &m_db).build(), len),
        (opcode::SendMsg::new(fd(&unconnected4), &m_far).build(), len),
    ];
    let mut ring = IoUring::new(4).context("io_uring_setup")?;
    let mut expected = Expected::new(1, false);
    for (i, (entry, res)) in plan.into_iter().enumerate() {
        let planned = Planned::issued(entry.user_data(i as u64), res);
        // SAFETY: every address, message and buffer outlives the call.
        unsafe { run_plan(&mut ring, vec![planned], &mut expected)? };
    }
    // SEND_ZC posts its result, then a notification (IORING_CQE_F_NOTIF) with the same user_data.
    let zc = opcode::SendZc::new(fd(&unconnected6), payload.as_ptr(), payload.len() as u32)
        .dest_addr(ptr6(&a_v6))
        .dest_addr_len(in6)
        .build()
        .user_data(8);
    // SAFETY: the payload and address outlive the wait below.
    unsafe { ring.submission().push(&zc) }.map_err(|_| anyhow::anyhow!("SQ full"))?;
    ring.submit().context("io_uring_enter")?;
    let mut cqes = wait_for(&mut ring, 2)?;
    cqes.sort_unstable();
    ensure!(
        cqes == [(8, 0), (8, len)],
        "SEND_ZC: CQEs {cqes:?}, expected its result {len} and a notification"
    );
    expected.record(describe(&zc, len, false)?);
    expected.record_extra_cqes("SEND_ZC", 1);
    let mut tail: Vec<(squeue::Entry, i32)> = Vec::new();
    // IORING_OP_BIND came in Linux 6.11 (the kernel matrix boots 6.1 too).
    if has_bind() {
        tail.push((
            opcode::Bind::new(fd(&unbound), ptr4(&a_bind), in4).build(),
            0,
        ));
    }
    tail.push((
        opcode::Send::new(fd(&unconnected6), payload.as_ptr(), payload.len() as u32)
            .dest_addr(ptr6(&a_v6))
            .dest_addr_len(in6)
            .build(),
        len,
    ));
    for (i, (entry, res)) in tail.into_iter().enumerate() {
        let planned = Planned::issued(entry.user_data(9 + i as u64), res);
        // SAFETY: as above.
        unsafe { run_plan(&mut ring, vec![planned], &mut expected)? };
    }
    Ok(expected)
}

/// On each of two rings — the first at fd [`SELECTED_RING_FD`], the second wherever it lands —
/// with one 64-byte buffer registered: READ x2, READ_FIXED x3 of /dev/zero, WRITE x1,
/// WRITE_FIXED x1 to /dev/null, READV x1 of /dev/zero; each moves 64 bytes.
pub fn plain_and_registered_buffers() -> Result<Expected> {
    let zero = std::fs::File::open("/dev/zero").context("/dev/zero")?;
    let null = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/null")
        .context("/dev/null")?;
    let mut expected = Expected::new(2, false);
    let selected = ring_at_fd(SELECTED_RING_FD)?;
    let other = IoUring::new(8).context("io_uring_setup")?;
    for mut ring in [selected, other] {
        let mut buf = vec![0u8; 64];
        let iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        // SAFETY: `buf` outlives the ring's use of it (the ring is dropped below, first).
        unsafe { ring.submitter().register_buffers(&[iov]) }.context("register_buffers")?;
        let (z, n) = (types::Fd(zero.as_raw_fd()), types::Fd(null.as_raw_fd()));
        let p = buf.as_mut_ptr();
        let mut entries = vec![
            opcode::Read::new(z, p, 64).build(),
            opcode::Read::new(z, p, 64).build(),
        ];
        entries.extend((0..3).map(|_| opcode::ReadFixed::new(z, p, 64, 0).build()));
        entries.push(opcode::Write::new(n, p, 64).build());
        entries.push(opcode::WriteFixed::new(n, p, 64, 0).build());
        entries.push(opcode::Readv::new(z, &iov, 1).build());
        for (i, e) in entries.into_iter().enumerate() {
            let planned = Planned::issued(e.user_data(i as u64), 64);
            // SAFETY: `buf` and `iov` outlive the call.
            unsafe { run_plan(&mut ring, vec![planned], &mut expected)? };
        }
        drop(ring);
    }
    Ok(expected)
}
