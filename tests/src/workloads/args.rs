//! Requests whose every argument is known: paths, flags, socket addresses (IPv4, IPv6, AF_UNIX),
//! plain and registered fds, a path longer than the probe keeps, a pointer that cannot be read,
//! and an SQPOLL ring. Each request's arguments and result are written down as uringtop must show
//! them (strace's shape, see uringtop_common::args), from the values the workload used.

use std::ffi::CString;
use std::net::{TcpListener, UdpSocket};
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use io_uring::{opcode, squeue, types, IoUring};
use serde::{Deserialize, Serialize};

use super::expected::{Expected, SqeExpect};
use super::ring::WAIT_LIMIT;

/// The bytes of a path the probe keeps (URT_ARG_MEM - 1): longer ones are cut there.
pub const PATH_CUT: usize = 255;

/// How one request must read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArgsExpect {
    pub user_data: u64,
    pub op: String,
    /// The arguments as uringtop prints them between the parentheses.
    pub args: String,
    /// The result as uringtop prints it after `=`.
    pub result: String,
    /// Submitted through the SQPOLL ring.
    pub sqpoll: bool,
}

struct Run {
    /// The plain ring, which every step but the SQPOLL ring's goes through.
    ring: IoUring,
    expected: Expected,
    /// The next step's SQE is refused at submission (its prep fails).
    refuse_next: bool,
    reads: Vec<ArgsExpect>,
    next_ud: u64,
}

impl Run {
    /// Submits one SQE on the plain ring, waits for its CQE, and notes how it must read. Returns
    /// the result.
    ///
    /// # Safety
    /// The SQE's pointers must stay valid until this returns (it waits for the CQE).
    unsafe fn step(
        &mut self,
        entry: squeue::Entry,
        args: impl FnOnce(i32) -> String,
        result: impl FnOnce(i32) -> String,
    ) -> Result<i32> {
        // SAFETY: the caller's promise.
        unsafe { self.step_on(None, entry, args, result) }
    }

    /// [`Run::step`] on `other` ring when there is one.
    ///
    /// # Safety
    /// As [`Run::step`].
    unsafe fn step_on(
        &mut self,
        other: Option<&mut IoUring>,
        entry: squeue::Entry,
        args: impl FnOnce(i32) -> String,
        result: impl FnOnce(i32) -> String,
    ) -> Result<i32> {
        let ring = other.unwrap_or(&mut self.ring);
        let ud = self.next_ud;
        self.next_ud += 1;
        let entry = entry.user_data(ud);
        // The workloads' own table names only the opcodes the counting tests use.
        let op = uringtop_common::names::opcode_name(entry.get_opcode() as u8).into_owned();
        // SAFETY: the caller keeps the SQE's memory valid; we wait for its CQE below.
        unsafe { ring.submission().push(&entry) }.context("the SQ is full")?;
        ring.submitter()
            .submit_and_wait(1)
            .context("io_uring_enter")?;
        let cqe = wait_one(ring)?;
        ensure!(
            cqe.user_data() == ud,
            "CQE for {} instead of {ud}",
            cqe.user_data()
        );
        let res = cqe.result();
        self.expected.record(SqeExpect {
            op: op.clone(),
            flags: 0,
            fd: -1,
            off: 0,
            len: 0,
            user_data: ud,
            res,
            rejected: std::mem::take(&mut self.refuse_next),
        });
        self.reads.push(ArgsExpect {
            user_data: ud,
            op,
            args: args(res),
            result: result(res),
            sqpoll: ring.params().is_setup_sqpoll(),
        });
        Ok(res)
    }
}

impl Run {
    /// SOCKET(`domain`, `ty`, `protocol`), read as `args`, its fd as `result` says.
    fn socket(
        &mut self,
        (domain, ty, protocol): (i32, i32, i32),
        args: &str,
        result: impl FnOnce(i32) -> String,
    ) -> Result<i32> {
        let entry = opcode::Socket::new(domain, ty, protocol).build();
        // SAFETY: a SOCKET SQE points at no memory.
        unsafe { self.step(entry, |_| args.to_string(), result) }
    }

    /// CONNECT of `fd` to the first `len` bytes of `addr` (a sockaddr_in, _in6 or _un).
    fn connect<A>(
        &mut self,
        fd: i32,
        addr: &A,
        len: u32,
        args: impl FnOnce(i32) -> String,
    ) -> Result<i32> {
        let entry = opcode::Connect::new(types::Fd(fd), (addr as *const A).cast(), len).build();
        // SAFETY: `addr` is borrowed until the step has waited for the CQE.
        unsafe { self.step(entry, args, ok) }
    }
}

/// A socket not yet connected or listening is in no table of /proc/net: what its SOCKET record
/// resolves to depends on whether the CONNECT ran before the record arrived.
fn any_socket(res: i32) -> String {
    format!("{res}<*>")
}

/// Paths relative to the working directory.
const CWD: types::Fd = types::Fd(libc::AT_FDCWD);

fn wait_one(ring: &mut IoUring) -> Result<io_uring::cqueue::Entry> {
    let deadline = std::time::Instant::now() + WAIT_LIMIT;
    loop {
        if let Some(cqe) = ring.completion().next() {
            return Ok(cqe);
        }
        ensure!(
            std::time::Instant::now() < deadline,
            "no CQE in {WAIT_LIMIT:?}"
        );
        ring.submitter()
            .submit_and_wait(1)
            .context("io_uring_enter")?;
    }
}

fn ok(res: i32) -> String {
    res.to_string()
}

fn q(s: &str) -> String {
    format!("\"{s}\"")
}

fn sockaddr_in(port: u16) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as u16,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes([127, 0, 0, 1]),
        },
        sin_zero: [0; 8],
    }
}

/// [::1]:`port`.
fn sockaddr_in6(port: u16) -> libc::sockaddr_in6 {
    // SAFETY: all zeros is a valid sockaddr_in6 (no flow information, no scope).
    let mut addr: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
    addr.sin6_family = libc::AF_INET6 as u16;
    addr.sin6_port = port.to_be();
    addr.sin6_addr.s6_addr = std::net::Ipv6Addr::LOCALHOST.octets();
    addr
}

/// The AF_UNIX address of `path`, and its length as connect(2) takes it: the family, the path
/// and its NUL.
fn sockaddr_un(path: &str) -> (libc::sockaddr_un, u32) {
    // SAFETY: all zeros is a valid sockaddr_un (an empty path).
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as u16;
    for (dst, &src) in addr.sun_path.iter_mut().zip(path.as_bytes()) {
        *dst = src as libc::c_char;
    }
    (addr, (2 + path.len() + 1) as u32)
}

/// A scratch directory's worth of requests on a plain ring, then an OPENAT through an SQPOLL ring.
/// `dir` must exist and be empty of the names used here. The process pauses (`settle`) before
/// closing the files it opened, so that the observer has resolved what their fds are.
pub fn decoded_args(dir: &Path, settle: Duration) -> Result<Expected> {
    let mut run = Run {
        ring: IoUring::new(8).context("io_uring_setup")?,
        expected: Expected::new(2, true),
        reads: Vec::new(),
        next_ud: 1,
        refuse_next: false,
    };
    let d = dir.to_str().context("a UTF-8 temp dir")?.to_string();
    let c = |s: &str| CString::new(s).expect("no NUL");

    // Files: create, write, sync, an attribute, a path that is too long, one that cannot be read.
    let file = format!("{d}/args-a");
    let file_c = c(&file);
    // SAFETY (every step): the pointers are to locals that outlive the step.
    let fd_a = unsafe {
        run.step(
            opcode::OpenAt::new(CWD, file_c.as_ptr())
                .flags(libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC | libc::O_CLOEXEC)
                .mode(0o640)
                .build(),
            |_| {
                format!(
                    "AT_FDCWD, {}, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0640",
                    q(&file)
                )
            },
            |res| format!("{res}<{file}>"),
        )?
    };
    ensure!(fd_a >= 0, "OPENAT of {file}: {fd_a}");
    let hello = b"hello";
    unsafe {
        run.step(
            opcode::Write::new(types::Fd(fd_a), hello.as_ptr(), 5).build(),
            |_| format!("{fd_a}<{file}>, {:#x}, 5, 0", hello.as_ptr() as u64),
            ok,
        )?;
        run.step(
            opcode::Fsync::new(types::Fd(fd_a))
                .flags(types::FsyncFlags::DATASYNC)
                .build(),
            |_| format!("{fd_a}<{file}>, IORING_FSYNC_DATASYNC"),
            ok,
        )?;
    }
    let name = c("user.uringtop");
    let value = b"v1";
    unsafe {
        run.step(
            opcode::FSetXattr::new(types::Fd(fd_a), name.as_ptr(), value.as_ptr().cast(), 2)
                .flags(libc::XATTR_CREATE)
                .build(),
            |_| format!("{fd_a}<{file}>, \"user.uringtop\", 2, XATTR_CREATE"),
            result_text,
        )?;
    }
    let mut got = [0u8; 16];
    unsafe {
        run.step(
            opcode::GetXattr::new(name.as_ptr(), got.as_mut_ptr().cast(), file_c.as_ptr(), 16)
                .build(),
            |_| format!("{}, \"user.uringtop\", 16", q(&file)),
            result_text,
        )?;
    }
    let mut statx: libc::statx = unsafe { std::mem::zeroed() };
    unsafe {
        run.step(
            opcode::Statx::new(
                CWD,
                file_c.as_ptr(),
                (&mut statx as *mut libc::statx).cast(),
            )
            .flags(libc::AT_SYMLINK_NOFOLLOW)
            .mask(libc::STATX_SIZE | libc::STATX_MODE)
            .build(),
            |_| {
                format!(
                    "AT_FDCWD, {}, AT_SYMLINK_NOFOLLOW, STATX_MODE|STATX_SIZE",
                    q(&file)
                )
            },
            ok,
        )?;
    }
    let how = types::OpenHow::new()
        .flags(libc::O_RDONLY as u64)
        .resolve(0x02); // RESOLVE_NO_MAGICLINKS
    let fd_b = unsafe {
        run.step(
            opcode::OpenAt2::new(CWD, file_c.as_ptr(), &how).build(),
            |_| format!("AT_FDCWD, {}, O_RDONLY, 0, RESOLVE_NO_MAGICLINKS", q(&file)),
            |res| format!("{res}<{file}>"),
        )?
    };
    ensure!(fd_b >= 0, "OPENAT2: {fd_b}");
    // Longer than the probe keeps: shown cut at PATH_CUT bytes, marked as cut.
    let long = format!("{d}/{}", "deep/".repeat(80));
    let long_c = c(&long);
    unsafe {
        run.step(
            opcode::OpenAt::new(CWD, long_c.as_ptr()).build(),
            |_| format!("AT_FDCWD, {}..., O_RDONLY", q(&long[..PATH_CUT])),
            result_text,
        )?;
    }
    // A pointer into nothing: the kernel refuses the SQE (EFAULT), uringtop says it could not read it.
    let bad = 0x10usize as *const libc::c_char;
    run.refuse_next = true;
    unsafe {
        run.step(
            opcode::OpenAt::new(CWD, bad).build(),
            |_| "AT_FDCWD, 0x10 <unreadable: EFAULT>, O_RDONLY".to_string(),
            result_text,
        )?;
    }

    // Directory entries: mkdir, rename, symlink, link, unlink.
    let sub = format!("{d}/args-dir");
    let (sub_c, b_old, b_new) = (c(&sub), format!("{d}/args-b"), format!("{sub}/b2"));
    std::fs::write(&b_old, b"b").context("args-b")?;
    let (b_old_c, b_new_c) = (c(&b_old), c(&b_new));
    let (link, hard) = (format!("{sub}/link"), format!("{sub}/hard"));
    let (link_c, hard_c, target_c) = (c(&link), c(&hard), c("b2"));
    unsafe {
        run.step(
            opcode::MkDirAt::new(CWD, sub_c.as_ptr())
                .mode(0o750)
                .build(),
            |_| format!("AT_FDCWD, {}, 0750", q(&sub)),
            ok,
        )?;
        run.step(
            opcode::RenameAt::new(CWD, b_old_c.as_ptr(), CWD, b_new_c.as_ptr())
                .flags(libc::RENAME_NOREPLACE)
                .build(),
            |_| {
                format!(
                    "AT_FDCWD, {}, AT_FDCWD, {}, RENAME_NOREPLACE",
                    q(&b_old),
                    q(&b_new)
                )
            },
            ok,
        )?;
        run.step(
            opcode::SymlinkAt::new(CWD, target_c.as_ptr(), link_c.as_ptr()).build(),
            |_| format!("\"b2\", AT_FDCWD, {}", q(&link)),
            ok,
        )?;
        run.step(
            opcode::LinkAt::new(CWD, b_new_c.as_ptr(), CWD, hard_c.as_ptr()).build(),
            |_| format!("AT_FDCWD, {}, AT_FDCWD, {}, 0", q(&b_new), q(&hard)),
            ok,
        )?;
        for gone in [&hard_c, &link_c, &b_new_c] {
            let text = gone.to_str().unwrap_or_default().to_string();
            run.step(
                opcode::UnlinkAt::new(CWD, gone.as_ptr()).build(),
                |_| format!("AT_FDCWD, {}, 0", q(&text)),
                ok,
            )?;
        }
        run.step(
            opcode::UnlinkAt::new(CWD, sub_c.as_ptr())
                .flags(libc::AT_REMOVEDIR)
                .build(),
            |_| format!("AT_FDCWD, {}, AT_REMOVEDIR", q(&sub)),
            ok,
        )?;
    }

    // Sockets: TCP over IPv4, UDP over IPv6 and IPv4 (SENDMSG's msg_name), AF_UNIX, bind + listen.
    // A SOCKET's own record reads `<*>` (see [`any_socket`]); everything after a connect reads
    // as it stays until the CLOSE.
    let tcp = TcpListener::bind("127.0.0.1:0").context("a TCP listener")?;
    let tcp_port = tcp.local_addr()?.port();
    let fd_s = run.socket(
        (
            libc::AF_INET,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
            libc::IPPROTO_TCP,
        ),
        "AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP",
        any_socket,
    )?;
    ensure!(fd_s >= 0, "SOCKET: {fd_s}");
    let to_tcp = sockaddr_in(tcp_port);
    let tcp_peer = |fd| inet_what(fd, "TCP", "127.0.0.1", &format!("->127.0.0.1:{tcp_port}"));
    run.connect(fd_s, &to_tcp, 16, |_| {
        format!("{}, {{AF_INET, 127.0.0.1:{tcp_port}}}, 16", tcp_peer(fd_s))
    })?;
    let ping = b"ping";
    unsafe {
        run.step(
            opcode::Send::new(types::Fd(fd_s), ping.as_ptr(), 4)
                .flags(libc::MSG_NOSIGNAL)
                .build(),
            |_| {
                format!(
                    "{}, {:#x}, 4, MSG_NOSIGNAL",
                    tcp_peer(fd_s),
                    ping.as_ptr() as u64
                )
            },
            ok,
        )?;
        run.step(
            opcode::Shutdown::new(types::Fd(fd_s), libc::SHUT_WR).build(),
            |_| format!("{}, SHUT_WR", tcp_peer(fd_s)),
            ok,
        )?;
    }
    let tcp_what = tcp_peer(fd_s);

    let udp6 = UdpSocket::bind("[::1]:0").context("a UDP socket on ::1")?;
    let udp6_port = udp6.local_addr()?.port();
    let fd_6 = run.socket(
        (libc::AF_INET6, libc::SOCK_DGRAM, 0),
        "AF_INET6, SOCK_DGRAM, IPPROTO_IP",
        any_socket,
    )?;
    let to6 = sockaddr_in6(udp6_port);
    let udp6_what = |fd| inet_what(fd, "UDPv6", "[::1]", &format!("->[::1]:{udp6_port}"));
    run.connect(fd_6, &to6, 28, |_| {
        format!("{}, {{AF_INET6, [::1]:{udp6_port}}}, 28", udp6_what(fd_6))
    })?;
    let udp6_what = udp6_what(fd_6);

    let udp = UdpSocket::bind("127.0.0.1:0").context("a UDP socket")?;
    let udp_port = udp.local_addr()?.port();
    let fd_d = run.socket(
        (libc::AF_INET, libc::SOCK_DGRAM, libc::IPPROTO_UDP),
        "AF_INET, SOCK_DGRAM, IPPROTO_UDP",
        any_socket,
    )?;
    let mut to_udp = sockaddr_in(udp_port);
    let mut iov = libc::iovec {
        iov_base: ping.as_ptr() as *mut libc::c_void,
        iov_len: 4,
    };
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = (&mut to_udp as *mut libc::sockaddr_in).cast();
    msg.msg_namelen = std::mem::size_of::<libc::sockaddr_in>() as u32;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    let msg_ptr = &msg as *const libc::msghdr as u64;
    // SENDMSG binds the socket to a port of its own, unconnected.
    let udp_what = |fd| inet_what(fd, "UDP", "0.0.0.0", "");
    unsafe {
        run.step(
            opcode::SendMsg::new(types::Fd(fd_d), &msg).build(),
            |_| {
                format!(
                    "{}, {msg_ptr:#x}, {{AF_INET, 127.0.0.1:{udp_port}}}, 0",
                    udp_what(fd_d)
                )
            },
            ok,
        )?;
    }
    let udp_what = udp_what(fd_d);

    let sock_path = format!("{d}/args.sock");
    let unix = UnixListener::bind(&sock_path).context("a unix socket")?;
    // Unix sockets are all in /proc/net/unix, from their creation on.
    let unix_what = |fd| format!("{fd}<UNIX:[{}]>", socket_inode(fd).unwrap_or_default());
    let fd_u = run.socket(
        (libc::AF_UNIX, libc::SOCK_STREAM, 0),
        "AF_UNIX, SOCK_STREAM, 0",
        unix_what,
    )?;
    let (to_unix, unix_len) = sockaddr_un(&sock_path);
    run.connect(fd_u, &to_unix, unix_len, |_| {
        format!(
            "{}, {{AF_UNIX, {}}}, {unix_len}",
            unix_what(fd_u),
            q(&sock_path)
        )
    })?;
    let unix_what = unix_what(fd_u);

    let fd_l = run.socket(
        (libc::AF_INET, libc::SOCK_STREAM, 0),
        "AF_INET, SOCK_STREAM, IPPROTO_IP",
        any_socket,
    )?;
    let any_port = sockaddr_in(0);
    let listen_what = |fd| inet_what(fd, "TCP", "127.0.0.1", "");
    unsafe {
        // Bound but not yet listening: in no table either, until LISTEN.
        run.step(
            opcode::Bind::new(
                types::Fd(fd_l),
                (&any_port as *const libc::sockaddr_in).cast(),
                16,
            )
            .build(),
            |_| format!("{fd_l}<*>, {{AF_INET, 127.0.0.1:0}}, 16"),
            ok,
        )?;
        run.step(
            opcode::Listen::new(types::Fd(fd_l), 7).build(),
            |_| format!("{}, 7", listen_what(fd_l)),
            ok,
        )?;
    }
    let listen_what = listen_what(fd_l);

    // Registered files: a file registered at slot 0, a file opened straight into slot 1.
    run.ring
        .submitter()
        .register_files_sparse(4)
        .context("IORING_REGISTER_FILES (sparse)")?;
    run.ring
        .submitter()
        .register_files_update(0, &[fd_b])
        .context("IORING_REGISTER_FILES_UPDATE")?;
    let mut buf = [0u8; 8];
    unsafe {
        run.step(
            opcode::Read::new(types::Fixed(0), buf.as_mut_ptr(), 8).build(),
            |_| format!("fixed:0, {:#x}, 8, 0", buf.as_ptr() as u64),
            ok,
        )?;
        run.step(
            opcode::OpenAt::new(CWD, file_c.as_ptr())
                .file_index(Some(
                    types::DestinationSlot::try_from_slot_target(1).expect("slot 1"),
                ))
                .build(),
            |_| format!("AT_FDCWD, {}, O_RDONLY, 1", q(&file)),
            |res| format!("{res} (fixed:1)"),
        )?;
        run.step(
            opcode::Close::new(types::Fixed(1)).build(),
            |_| "fixed:1".to_string(),
            ok,
        )?;
    }
    // A timeout: its timespec, count and flags.
    let ts = types::Timespec::new().sec(0).nsec(1_000_000);
    unsafe {
        run.step(
            opcode::Timeout::new(&ts).build(),
            |_| "{tv_sec=0, tv_nsec=1000000}, 0, 0".to_string(),
            result_text,
        )?;
    }

    // The same path through an SQPOLL ring: read in the kernel's iou-sqp thread, which shares
    // this process's memory.
    let mut sqpoll = IoUring::builder()
        .setup_sqpoll(super::SQPOLL_IDLE_MS)
        .build(4)
        .context("io_uring_setup with SQPOLL")?;
    let fd_p = unsafe {
        run.step_on(
            Some(&mut sqpoll),
            opcode::OpenAt::new(CWD, file_c.as_ptr())
                .flags(libc::O_RDONLY)
                .build(),
            |_| format!("AT_FDCWD, {}, O_RDONLY", q(&file)),
            |res| format!("{res}<{file}>"),
        )?
    };

    // Let the observer resolve what every fd is before they close.
    std::thread::sleep(settle);
    for what in [
        format!("{fd_a}<{file}>"),
        format!("{fd_b}<{file}>"),
        format!("{fd_p}<{file}>"),
        tcp_what,
        udp6_what,
        udp_what,
        unix_what,
        listen_what,
    ] {
        let fd: i32 = what.split('<').next().unwrap_or_default().parse()?;
        // CLOSE's fd is named from the last record that named it (it is gone when its record
        // arrives).
        unsafe {
            run.step(
                opcode::Close::new(types::Fd(fd)).build(),
                |_| what.clone(),
                ok,
            )?;
        }
    }
    let Run {
        ring,
        mut expected,
        reads,
        ..
    } = run;
    drop((tcp, udp, udp6, unix, sqpoll, ring));
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_file(&sock_path);
    expected.args = reads;
    Ok(expected)
}

/// The result as uringtop prints it, for results the workload does not decide (EFAULT, ETIME,
/// ENAMETOOLONG, or an xattr call the filesystem may refuse).
fn result_text(res: i32) -> String {
    if res < 0 {
        format!("{res} {}", super::names::errno_name(-res))
    } else {
        res.to_string()
    }
}

/// How an inet socket reads once the observer found it in /proc/net: `fd<KIND:[ip:port]>`, the
/// port its own (0 if it has none), then `peer` (`->ip:port` when connected).
fn inet_what(fd: i32, kind: &str, ip: &str, peer: &str) -> String {
    let port = local_port(fd).unwrap_or(0);
    format!("{fd}<{kind}:[{ip}:{port}{peer}]>")
}

fn local_port(fd: i32) -> Result<u16> {
    let mut addr: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as u32;
    // SAFETY: getsockname writes at most `len` bytes into storage we own.
    let rc = unsafe {
        libc::getsockname(
            fd,
            (&mut addr as *mut libc::sockaddr_storage).cast(),
            &mut len,
        )
    };
    ensure!(rc == 0, "getsockname: {}", std::io::Error::last_os_error());
    // sin_port and sin6_port sit at the same offset.
    let sin = unsafe { &*(&addr as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
    Ok(u16::from_be(sin.sin_port))
}

fn socket_inode(fd: i32) -> Result<String> {
    let link = std::fs::read_link(format!("/proc/self/fd/{fd}"))?;
    let link = link.to_string_lossy().into_owned();
    link.strip_prefix("socket:[")
        .and_then(|r| r.strip_suffix(']'))
        .map(str::to_string)
        .with_context(|| format!("fd {fd} is {link}, not a socket"))
}
