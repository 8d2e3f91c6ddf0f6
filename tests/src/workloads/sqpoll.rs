//! NOPs submitted by an SQPOLL kernel thread.

use anyhow::{ensure, Context, Result};
use io_uring::IoUring;

use super::basic::nop;
use super::expected::Expected;
use super::ring::{entries_for, run_chunked, Planned};

/// How long the SQPOLL thread spins before sleeping: long enough that it
/// stays awake for the whole workload.
pub const SQPOLL_IDLE_MS: u32 = 2000;

/// `n` NOPs through a ring with IORING_SETUP_SQPOLL. The application only
/// fills the SQ (and wakes the thread if it sleeps); the ring's `iou-sqp`
/// thread, which belongs to this process, submits them.
pub fn sqpoll_nops(n: usize) -> Result<Expected> {
    let mut ring = IoUring::builder()
        .setup_sqpoll(SQPOLL_IDLE_MS)
        .build(entries_for(n))
        .context("io_uring_setup with SQPOLL")?;
    ensure!(ring.params().is_setup_sqpoll(), "the kernel ignored SQPOLL");
    let mut expected = Expected::new(1, true);
    let plan = (0..n).map(|i| Planned::issued(nop(i), 0)).collect();
    // SAFETY: NOPs point at no memory.
    unsafe { run_chunked(&mut ring, plan, &mut expected)? };
    expected.set_punted("NOP", 0);
    drop(ring);
    Ok(expected)
}
