//! Workloads for rules on rings and on SQE arguments: rings told apart by fd and setup flags,
//! SOCKET and OPENAT with arguments a policy names, and the command `uringtop run` starts.

use std::ffi::CString;
use std::os::fd::AsRawFd;

use anyhow::{bail, ensure, Context, Result};
use io_uring::{opcode, squeue, types, IoUring};

use super::basic::nop;

/// The fd [`rings_with_different_rules`] gives its first ring (a policy selects it by fd).
pub const SELECTED_RING_FD: i32 = 200;

/// Submits one SQE and returns its CQE's result.
///
/// # Safety
/// What the entry points to must stay valid until this returns.
pub unsafe fn one(ring: &mut IoUring, entry: squeue::Entry) -> Result<i32> {
    // SAFETY: forwarded from the caller.
    unsafe { ring.submission().push(&entry) }.map_err(|_| anyhow::anyhow!("SQ full"))?;
    ring.submit_and_wait(1).context("io_uring_enter")?;
    let cqe = ring.completion().next().context("no CQE")?;
    Ok(cqe.result())
}

fn nops(ring: &mut IoUring, n: u64) -> Result<()> {
    for i in 0..n {
        // SAFETY: a NOP points at no memory.
        let res = unsafe { one(ring, nop(i as usize))? };
        ensure!(res == 0, "NOP: {res}");
    }
    Ok(())
}

/// A ring created at fd `want`: every lower free fd is filled first, then closed again.
pub(crate) fn ring_at_fd(want: i32) -> Result<IoUring> {
    let mut fillers = Vec::new();
    for fd in 0..want {
        // SAFETY: F_GETFD only asks whether fd is open.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
            // SAFETY: duplicates stdin's description (or /dev/null's) onto a free fd.
            let got = unsafe { libc::fcntl(0, libc::F_DUPFD, fd) };
            ensure!(got == fd, "could not fill fd {fd} (got {got})");
            fillers.push(fd);
        }
    }
    // SAFETY: makes sure `want` is free (it may have been open).
    unsafe { libc::close(want) };
    let ring = IoUring::new(4).context("io_uring_setup");
    for fd in fillers {
        // SAFETY: closing the fillers we opened.
        unsafe { libc::close(fd) };
    }
    let ring = ring?;
    ensure!(
        ring.as_raw_fd() == want,
        "the ring got fd {}",
        ring.as_raw_fd()
    );
    Ok(ring)
}

/// One process, three rings: 3 NOPs on a ring at fd [`SELECTED_RING_FD`], 2 on a ring created
/// with IORING_SETUP_CLAMP, 4 on a plain ring. Every NOP completes with 0.
pub fn rings_with_different_rules() -> Result<()> {
    let mut selected = ring_at_fd(SELECTED_RING_FD)?;
    let mut clamped = IoUring::builder()
        .setup_clamp()
        .build(4)
        .context("io_uring_setup with CLAMP")?;
    let mut plain = IoUring::new(4).context("io_uring_setup")?;
    nops(&mut selected, 3)?;
    nops(&mut clamped, 2)?;
    nops(&mut plain, 4)?;
    Ok(())
}

/// SOCKET and OPENAT with the arguments the argument rules name, one SQE per submission (a
/// refused SQE stops a batch). Returns (label, CQE result) in order:
/// `socket-inet` (AF_INET, SOCK_STREAM), `socket-inet6` (AF_INET6, SOCK_STREAM), `socket-dgram`
/// (AF_INET, SOCK_DGRAM), `open-read` (O_RDONLY of /proc/self/stat), `open-create`
/// (O_CREAT|O_WRONLY of a new file in `dir`). Sockets and files it gets are closed.
pub fn socket_and_open(dir: &std::path::Path) -> Result<Vec<(&'static str, i32)>> {
    let mut ring = IoUring::new(4).context("io_uring_setup")?;
    let mut out = Vec::new();
    for (label, domain, kind) in [
        ("socket-inet", libc::AF_INET, libc::SOCK_STREAM),
        ("socket-inet6", libc::AF_INET6, libc::SOCK_STREAM),
        ("socket-dgram", libc::AF_INET, libc::SOCK_DGRAM),
    ] {
        let sqe = opcode::Socket::new(domain, kind, 0).build().user_data(1);
        // SAFETY: SOCKET points at no memory.
        out.push((label, unsafe { one(&mut ring, sqe)? }));
    }
    let stat = CString::new("/proc/self/stat")?;
    let created = CString::new(dir.join("created-by-openat").as_os_str().as_encoded_bytes())?;
    for (label, path, flags) in [
        ("open-read", &stat, libc::O_RDONLY),
        ("open-create", &created, libc::O_CREAT | libc::O_WRONLY),
    ] {
        let sqe = opcode::OpenAt::new(types::Fd(libc::AT_FDCWD), path.as_ptr())
            .flags(flags | libc::O_CLOEXEC)
            .mode(0o600)
            .build()
            .user_data(2);
        // SAFETY: `path` outlives the call.
        out.push((label, unsafe { one(&mut ring, sqe)? }));
    }
    for &(_, res) in &out {
        if res >= 0 {
            // SAFETY: a socket or file this workload got.
            unsafe { libc::close(res) };
        }
    }
    Ok(out)
}

/// What the command `uringtop run` starts does (see tests/tests/kernel_policy.rs): on one ring
/// a NOP, a READ of /dev/zero, an io_uring_register(REGISTER_PERSONALITY), then
/// [`socket_and_open`]; then a forked child does a READ and a NOP on a ring of its own. Returns
/// (label, result) for each, the child's as `child-read`, `child-nop`, and the pids as `pid`
/// and `child-pid`.
pub fn command_under_policy(dir: &std::path::Path) -> Result<Vec<(&'static str, i32)>> {
    let mut ring = IoUring::new(4).context("io_uring_setup")?;
    let mut out = vec![("pid", std::process::id() as i32)];
    // SAFETY: a NOP points at no memory.
    out.push(("nop", unsafe { one(&mut ring, nop(0))? }));
    let zero = std::fs::File::open("/dev/zero").context("/dev/zero")?;
    let mut buf = vec![0u8; 64];
    let read = opcode::Read::new(types::Fd(zero.as_raw_fd()), buf.as_mut_ptr(), 64)
        .build()
        .user_data(3);
    // SAFETY: `buf` outlives the call.
    out.push(("read", unsafe { one(&mut ring, read)? }));
    let personality = match ring.submitter().register_personality() {
        Ok(id) => i32::from(id),
        Err(e) => -e.raw_os_error().unwrap_or(libc::EIO),
    };
    out.push(("personality", personality));
    drop(ring);
    out.extend(socket_and_open(dir)?);
    // The child: a ring created after fork, in a process uringtop never touched.
    let mut pipe = [0i32; 2];
    // SAFETY: pipe writes two fds.
    ensure!(unsafe { libc::pipe(pipe.as_mut_ptr()) } == 0, "pipe");
    // SAFETY: the child makes system calls only and leaves with _exit.
    let pid = unsafe { libc::fork() };
    ensure!(pid >= 0, "fork");
    if pid == 0 {
        let results = child_reads(&zero);
        let bytes = [results.0.to_ne_bytes(), results.1.to_ne_bytes()].concat();
        // SAFETY: writes 8 bytes to our pipe, then ends the child.
        unsafe {
            libc::write(pipe[1], bytes.as_ptr().cast(), bytes.len());
            libc::_exit(0);
        }
    }
    // SAFETY: our end of the pipe we made.
    unsafe { libc::close(pipe[1]) };
    let mut bytes = [0u8; 8];
    // SAFETY: reads at most 8 bytes into `bytes`.
    let got = unsafe { libc::read(pipe[0], bytes.as_mut_ptr().cast(), 8) };
    let mut status = 0;
    // SAFETY: waits for our child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    if got != 8 {
        bail!("the child sent {got} bytes");
    }
    let word = |i: usize| i32::from_ne_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    out.push(("child-read", word(0)));
    out.push(("child-nop", word(4)));
    out.push(("child-pid", pid));
    Ok(out)
}

/// In the forked child: a READ and a NOP on a new ring; errors as -EIO.
fn child_reads(zero: &std::fs::File) -> (i32, i32) {
    let Ok(mut ring) = IoUring::new(2) else {
        return (-libc::EIO, -libc::EIO);
    };
    let mut buf = [0u8; 64];
    let read = opcode::Read::new(types::Fd(zero.as_raw_fd()), buf.as_mut_ptr(), 64)
        .build()
        .user_data(4);
    // SAFETY: `buf` outlives the calls; a NOP points at no memory.
    let r = unsafe { one(&mut ring, read) }.unwrap_or(-libc::EIO);
    // SAFETY: as above.
    let n = unsafe { one(&mut ring, nop(5)) }.unwrap_or(-libc::EIO);
    (r, n)
}
