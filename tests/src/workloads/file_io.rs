//! READ and WRITE on a regular file.

use std::os::fd::AsRawFd;
use std::path::Path;

use anyhow::{ensure, Context, Result};
use io_uring::{opcode, types};

use super::expected::Expected;
use super::ring::{ring_for, run_plan, Planned};

/// Bytes moved by each READ and WRITE SQE.
pub const IO_SIZE: u32 = 4096;

/// On a fresh file in `dir` (removed afterwards), through its real fd:
///
/// 1. two WRITEs of [`IO_SIZE`] bytes at offsets 0 and 4096 (user_data 0, 1),
///    submitted together; each returns 4096;
/// 2. after both completed, three READs of [`IO_SIZE`] at offsets 0, 4096
///    and 8192 (user_data 2, 3, 4), submitted together; they return 4096,
///    4096 and 0 (end of file), and the first two read back what was written.
///
/// Punts are left undetermined: a buffered write goes to io-wq or not
/// depending on the file system.
pub fn file_read_write(dir: &Path) -> Result<Expected> {
    let file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a file in {}", dir.display()))?;
    let fd = types::Fd(file.as_file().as_raw_fd());
    let size = IO_SIZE as usize;
    let mut ring = ring_for(3)?;
    let mut expected = Expected::new(1, false);

    // Distinct contents per block, so a read of the wrong block shows.
    let written: Vec<Vec<u8>> = (0..2u8).map(|block| vec![0xA0 | block; size]).collect();
    let writes = written
        .iter()
        .enumerate()
        .map(|(i, buf)| {
            let entry = opcode::Write::new(fd, buf.as_ptr(), IO_SIZE)
                .offset(i as u64 * IO_SIZE as u64)
                .build();
            Planned::issued(entry.user_data(i as u64), IO_SIZE as i32)
        })
        .collect();
    // SAFETY: `written` outlives the call.
    unsafe { run_plan(&mut ring, writes, &mut expected)? };

    let mut read = vec![vec![0u8; size]; 3];
    let reads = read
        .iter_mut()
        .enumerate()
        .map(|(i, buf)| {
            let entry = opcode::Read::new(fd, buf.as_mut_ptr(), IO_SIZE)
                .offset(i as u64 * IO_SIZE as u64)
                .build();
            let res = if i < 2 { IO_SIZE as i32 } else { 0 };
            Planned::issued(entry.user_data(2 + i as u64), res)
        })
        .collect();
    // SAFETY: `read` outlives the call.
    unsafe { run_plan(&mut ring, reads, &mut expected)? };
    drop(ring);

    ensure!(
        read[..2] == written[..],
        "the READs returned other bytes than the WRITEs wrote"
    );
    let len = file.as_file().metadata()?.len();
    ensure!(len == 2 * IO_SIZE as u64, "the file has {len} bytes");
    Ok(expected)
}
