//! Opcodes whose prep sets REQ_F_FORCE_ASYNC -- the IOSQE_ASYNC bit of io_kiocb.flags -- by itself:
//! STATX, and OPENAT with O_CREAT. The program sets no flag (except where it says so), and the
//! probe must report the flags the program set, not the kernel's.

use std::ffi::CString;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use io_uring::{opcode, register::Restriction, squeue, types, IoUring};

use super::expected::Expected;
use super::ring::{restricted_ring, run_plan, Planned};

/// user_data of the one STATX with IOSQE_ASYNC set by the program, in [`forced_async`].
pub const EXPLICIT_ASYNC_UD: u64 = 1000;

/// One round: `n` STATX of `dir` and `n` OPENAT(O_CREAT|O_EXCL) of a file in `dir` that exists
/// (each fails with -EEXIST, in io-wq), none with a flag; plus, with `explicit`, one STATX with
/// IOSQE_ASYNC (user_data [`EXPLICIT_ASYNC_UD`]).
fn round(
    ring: &mut IoUring,
    dir: &Path,
    n: usize,
    explicit: bool,
    expected: &mut Expected,
) -> Result<()> {
    let existing = dir.join("exists");
    std::fs::write(&existing, b"").context("creating the file OPENAT will not create")?;
    let dir_c = CString::new(dir.as_os_str().as_encoded_bytes())?;
    let file_c = CString::new(existing.as_os_str().as_encoded_bytes())?;
    // io_uring's `types::statx` is opaque: the kernel writes a `struct statx`.
    // SAFETY: statx is plain integers: all zeroes is a valid value.
    let mut statx_buf: Vec<libc::statx> = (0..=n).map(|_| unsafe { std::mem::zeroed() }).collect();
    let statx = |i: usize, buf: *mut libc::statx| {
        opcode::Statx::new(types::Fd(libc::AT_FDCWD), dir_c.as_ptr(), buf.cast())
            .mask(libc::STATX_BASIC_STATS)
            .build()
            .user_data(i as u64)
    };
    let mut plan: Vec<Planned> = Vec::new();
    let (bufs, explicit_buf) = statx_buf.split_at_mut(n);
    for (i, buf) in bufs.iter_mut().enumerate() {
        plan.push(Planned::issued(statx(i, buf), 0));
        let create = opcode::OpenAt::new(types::Fd(libc::AT_FDCWD), file_c.as_ptr())
            .flags(libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_CLOEXEC)
            .mode(0o600)
            .build()
            .user_data((n + i) as u64);
        plan.push(Planned::issued(create, -libc::EEXIST));
    }
    if explicit {
        let entry =
            statx(EXPLICIT_ASYNC_UD as usize, &mut explicit_buf[0]).flags(squeue::Flags::ASYNC);
        plan.push(Planned::issued(entry, 0));
    }
    // SAFETY: the paths and statx buffers outlive the call.
    unsafe { run_plan(ring, plan, expected) }
}

/// `n` flagless STATX and creating OPENATs, and one STATX with IOSQE_ASYNC, on one ring.
pub fn forced_async(dir: &Path, n: usize) -> Result<Expected> {
    let mut ring = IoUring::new(64).context("io_uring_setup")?;
    let mut expected = Expected::new(1, false);
    round(&mut ring, dir, n, true, &mut expected)?;
    Ok(expected)
}

/// Flagless rounds on one ring until the file `stop` exists or `limit` passed (for `advise`).
pub fn forced_async_until(dir: &Path, stop: &Path, limit: Duration) -> Result<Expected> {
    let mut ring = IoUring::new(16).context("io_uring_setup")?;
    let mut expected = Expected::new(1, false);
    let deadline = Instant::now() + limit;
    while !stop.exists() && Instant::now() < deadline {
        expected = Expected::new(1, false);
        round(&mut ring, dir, 2, false, &mut expected)?;
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(expected)
}

/// A ring restricted to `restrictions` runs flagless rounds: every CQE as on a plain ring.
pub fn forced_async_restricted(dir: &Path, restrictions: &mut [Restriction]) -> Result<Expected> {
    let mut ring = restricted_ring(16, restrictions)?;
    let mut expected = Expected::new(1, false);
    round(&mut ring, dir, 3, false, &mut expected)?;
    Ok(expected)
}
