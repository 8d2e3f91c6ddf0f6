//! Single-opcode workloads on a plain ring: NOPs, failing OPENATs, TIMEOUTs.

use std::ffi::CString;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use io_uring::{opcode, squeue, types};

use super::expected::Expected;
use super::ring::{ring_for, run_chunked, run_plan, Planned, MAX_ENTRIES};

/// A path no machine has: its top-level directory does not exist.
pub const MISSING_PATH: &str = "/nonexistent-uringtop-workload/missing";

/// How long each [`timeouts`] SQE waits.
const TIMEOUT: Duration = Duration::from_millis(1);

/// `batches` submissions of `batch` NOPs each, user_data = 0, 1, 2, ... in
/// submission order. Every NOP completes inline with 0.
pub fn nops(batches: usize, batch: usize) -> Result<Expected> {
    ensure!(
        (1..=MAX_ENTRIES).contains(&batch),
        "batch must be 1..={MAX_ENTRIES}"
    );
    let mut ring = ring_for(batch)?;
    let mut expected = Expected::new(1, false);
    for first in (0..batches).map(|b| b * batch) {
        let plan = (first..first + batch)
            .map(|i| Planned::issued(nop(i), 0))
            .collect();
        // SAFETY: NOPs point at no memory.
        unsafe { run_plan(&mut ring, plan, &mut expected)? };
    }
    expected.set_punted("NOP", 0);
    drop(ring);
    Ok(expected)
}

/// `n` NOPs with IOSQE_ASYNC: the flag makes the kernel hand each one to
/// io-wq instead of issuing it inline, so exactly `n` are punted.
pub fn async_nops(n: usize) -> Result<Expected> {
    let mut ring = ring_for(n)?;
    let mut expected = Expected::new(1, false);
    let plan = (0..n)
        .map(|i| Planned::issued(nop(i).flags(squeue::Flags::ASYNC), 0))
        .collect();
    // SAFETY: NOPs point at no memory.
    unsafe { run_chunked(&mut ring, plan, &mut expected)? };
    expected.set_punted("NOP", n as u64);
    drop(ring);
    Ok(expected)
}

/// `n` OPENATs of [`MISSING_PATH`] relative to AT_FDCWD; each fails with
/// -ENOENT. Whether the kernel resolves the path inline or in io-wq is its
/// own choice, so punts are left undetermined.
pub fn openat_missing(n: usize) -> Result<Expected> {
    ensure_missing()?;
    let path = CString::new(MISSING_PATH)?;
    let mut ring = ring_for(n)?;
    let mut expected = Expected::new(1, false);
    let plan = (0..n)
        .map(|i| Planned::issued(open_missing(&path, i), -libc::ENOENT))
        .collect();
    // SAFETY: `path` outlives the call.
    unsafe { run_chunked(&mut ring, plan, &mut expected)? };
    drop(ring);
    Ok(expected)
}

/// `n` TIMEOUTs of 1 ms with count 0 (a pure timer, no completion count);
/// each expires with -ETIME.
pub fn timeouts(n: usize) -> Result<Expected> {
    let timespec = types::Timespec::from(TIMEOUT);
    let mut ring = ring_for(n)?;
    let mut expected = Expected::new(1, false);
    let plan = (0..n)
        .map(|i| {
            let entry = opcode::Timeout::new(&timespec).count(0).build();
            Planned::issued(entry.user_data(i as u64), -libc::ETIME)
        })
        .collect();
    // SAFETY: `timespec` outlives the call.
    unsafe { run_chunked(&mut ring, plan, &mut expected)? };
    // A timeout is an hrtimer armed inline, never an io-wq job.
    expected.set_punted("TIMEOUT", 0);
    drop(ring);
    Ok(expected)
}

/// NOPs as fast as one ring goes, `batch` per io_uring_enter, until
/// `duration` has passed; returns how many completed. For benchmarks, so it
/// keeps no per-SQE record.
pub fn nop_flood(duration: Duration, batch: usize) -> Result<u64> {
    let entries = vec![opcode::Nop::new().build(); check_batch(batch)?];
    // SAFETY: NOPs point at no memory.
    unsafe { flood(&entries, 0, "NOP", duration) }
}

/// OPENATs of [`MISSING_PATH`] (each fails with -ENOENT, inline) as fast as one ring goes,
/// `batch` per io_uring_enter, until `duration` has passed; returns how many completed. For
/// benchmarks of what path rules cost per OPENAT.
pub fn openat_flood(duration: Duration, batch: usize) -> Result<u64> {
    let batch = check_batch(batch)?;
    ensure_missing()?;
    let path = CString::new(MISSING_PATH)?;
    let entries: Vec<_> = (0..batch).map(|i| open_missing(&path, i)).collect();
    // SAFETY: `path` outlives the flood.
    unsafe { flood(&entries, -libc::ENOENT, "OPENAT", duration) }
}

fn check_batch(batch: usize) -> Result<usize> {
    ensure!(
        (1..=MAX_ENTRIES).contains(&batch),
        "batch must be 1..={MAX_ENTRIES}"
    );
    Ok(batch)
}

/// Submits `entries` on one ring of their size and waits for all of them, over and over until
/// `duration` has passed; each must complete with `res`. Returns how many completed.
///
/// # Safety
/// The memory the entries point at must outlive the call.
unsafe fn flood(entries: &[squeue::Entry], res: i32, op: &str, duration: Duration) -> Result<u64> {
    let mut ring = ring_for(entries.len())?;
    let start = Instant::now();
    let mut completed = 0u64;
    while start.elapsed() < duration {
        // SAFETY: the caller keeps what the entries point at alive.
        unsafe { ring.submission().push_multiple(entries) }.context("the SQ is not empty")?;
        ring.submit_and_wait(entries.len())
            .context("io_uring_enter")?;
        for cqe in ring.completion() {
            ensure!(
                cqe.result() == res,
                "{op} completed with {}, expected {res}",
                cqe.result()
            );
            completed += 1;
        }
    }
    Ok(completed)
}

pub(crate) fn nop(user_data: usize) -> squeue::Entry {
    opcode::Nop::new().build().user_data(user_data as u64)
}

pub(crate) fn open_missing(path: &CString, user_data: usize) -> squeue::Entry {
    opcode::OpenAt::new(types::Fd(libc::AT_FDCWD), path.as_ptr())
        .flags(libc::O_RDONLY | libc::O_CLOEXEC)
        .build()
        .user_data(user_data as u64)
}

/// The ENOENT the workloads promise depends on this.
pub(crate) fn ensure_missing() -> Result<()> {
    ensure!(
        !Path::new(MISSING_PATH).exists(),
        "{MISSING_PATH} exists, so opening it would not fail"
    );
    Ok(())
}

/// `rounds` submissions of one TIMEOUT (1 ms) and `nops` NOPs that all carry user_data 0, so that
/// requests of two opcodes with the same user_data are in flight together: what programs that
/// ignore user_data do, and the worst case of kernels that pair CQEs by (ring, user_data)
/// (before 5.19). The counts are exact; the SQE list is left empty, as user_data identifies no
/// SQE here.
pub fn shared_user_data(rounds: usize, nops: usize) -> Result<Expected> {
    let timespec = types::Timespec::from(TIMEOUT);
    let mut ring = ring_for(nops + 1)?;
    let mut batch = vec![opcode::Timeout::new(&timespec)
        .count(0)
        .build()
        .user_data(0)];
    batch.extend((0..nops).map(|_| nop(0)));
    for _ in 0..rounds {
        // SAFETY: `timespec` outlives the call; NOPs point at no memory.
        unsafe { ring.submission().push_multiple(&batch) }.context("the SQ is not empty")?;
        ring.submit_and_wait(batch.len())
            .context("io_uring_enter")?;
        for cqe in ring.completion() {
            let res = cqe.result();
            ensure!(res == 0 || res == -libc::ETIME, "a CQE with {res}");
        }
    }
    drop(ring);
    let mut expected = Expected::new(1, false);
    let nop = expected.ops.entry("NOP".into()).or_default();
    (nop.submitted, nop.completed) = ((rounds * nops) as u64, (rounds * nops) as u64);
    let timeout = expected.ops.entry("TIMEOUT".into()).or_default();
    (timeout.submitted, timeout.completed) = (rounds as u64, rounds as u64);
    timeout.errors.insert("ETIME".into(), rounds as u64);
    Ok(expected)
}
