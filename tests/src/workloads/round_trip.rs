//! The workload of the `advise` round trip: NOP, WRITE and READ on one ring, without IOSQE
//! flags, first on a plain ring until told to stop (while `uringtop advise` watches), then on a
//! ring restricted to what was advised.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use io_uring::{opcode, register::Restriction, types, IoUring};

use super::basic::nop;
use super::expected::Expected;
use super::file_io::IO_SIZE;
use super::ring::{restricted_ring, run_plan, Planned};

/// Pause between rounds: enough rounds for any sampling interval, few enough SQEs to keep the
/// child's report small.
const ROUND_PAUSE: Duration = Duration::from_millis(20);

/// One round on `ring`: a NOP and a WRITE of [`IO_SIZE`] bytes at offset 0 of `file` in one
/// submission, then a READ of them back. Every CQE must succeed; no SQE carries a flag.
fn round(ring: &mut IoUring, file: &File, expected: &mut Expected) -> Result<()> {
    let fd = types::Fd(file.as_raw_fd());
    let data = vec![0x5au8; IO_SIZE as usize];
    let write = opcode::Write::new(fd, data.as_ptr(), IO_SIZE)
        .offset(0)
        .build()
        .user_data(1);
    let plan = vec![
        Planned::issued(nop(0), 0),
        Planned::issued(write, IO_SIZE as i32),
    ];
    // SAFETY: `data` outlives the call.
    unsafe { run_plan(ring, plan, expected)? };
    let mut back = vec![0u8; IO_SIZE as usize];
    let read = opcode::Read::new(fd, back.as_mut_ptr(), IO_SIZE)
        .offset(0)
        .build()
        .user_data(2);
    // SAFETY: `back` outlives the call.
    unsafe { run_plan(ring, vec![Planned::issued(read, IO_SIZE as i32)], expected)? };
    anyhow::ensure!(back == data, "the READ returned other bytes than written");
    Ok(())
}

/// Rounds on a plain ring (a file in `dir`) until the file `stop` exists or `limit` passed.
/// For a child process: computes nothing from the environment.
pub fn nop_write_read_until(dir: &Path, stop: &Path, limit: Duration) -> Result<Expected> {
    let file = tempfile::tempfile_in(dir).context("creating a file")?;
    let mut ring = IoUring::new(4).context("io_uring_setup")?;
    let mut expected = Expected::new(1, false);
    let deadline = Instant::now() + limit;
    while !stop.exists() && Instant::now() < deadline {
        // Only the last round's SQEs are kept: the counts are not what this workload is for.
        expected = Expected::new(1, false);
        round(&mut ring, &file, &mut expected)?;
        std::thread::sleep(ROUND_PAUSE);
    }
    Ok(expected)
}

/// A ring created disabled, restricted to `restrictions`, then enabled; on it `rounds` rounds,
/// each CQE succeeding, then one OPENAT, which must complete with -EACCES. The caller makes
/// sure OPENAT is not among the restrictions.
pub fn restricted_round_trip(
    dir: &Path,
    restrictions: &mut [Restriction],
    rounds: usize,
) -> Result<Expected> {
    let file = tempfile::tempfile_in(dir).context("creating a file")?;
    let mut ring = restricted_ring(4, restrictions)?;
    let mut expected = Expected::new(1, false);
    for _ in 0..rounds {
        round(&mut ring, &file, &mut expected)?;
    }
    let path = c"/";
    let openat = opcode::OpenAt::new(types::Fd(libc::AT_FDCWD), path.as_ptr())
        .build()
        .user_data(3);
    // SAFETY: `path` is static.
    unsafe {
        run_plan(
            &mut ring,
            vec![Planned::refused(openat, -libc::EACCES)],
            &mut expected,
        )
        .context("an OPENAT outside the restrictions")?
    };
    Ok(expected)
}
