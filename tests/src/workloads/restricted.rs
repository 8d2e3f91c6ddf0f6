//! A ring whose restrictions refuse an opcode at submission.

use std::os::fd::AsRawFd;
use std::path::Path;

use anyhow::{Context, Result};
use io_uring::{opcode, register::Restriction, types, IoUring};

use super::basic::nop;
use super::expected::Expected;
use super::ring::{run_plan, Planned};

/// A ring created disabled (IORING_SETUP_R_DISABLED), restricted to the SQE
/// opcodes NOP and WRITE, then enabled. On it:
///
/// 1. three NOPs in one submission (user_data 0..3), each completing with 0;
/// 2. two READs of a real file in `dir` (user_data 3, 4), each in its own
///    io_uring_enter. The kernel refuses each while initialising it:
///    io_uring_req_failed fires, the READ is never issued, and its CQE
///    carries -EACCES.
///
/// One READ per submission because, without IORING_SETUP_SUBMIT_ALL, the
/// kernel stops consuming the SQ at the first refused SQE; the rest would
/// wait for the next io_uring_enter and the counts would depend on when
/// that comes.
pub fn restricted_read_denied(dir: &Path) -> Result<Expected> {
    let file = tempfile::tempfile_in(dir)
        .with_context(|| format!("creating a file in {}", dir.display()))?;
    let fd = types::Fd(file.as_raw_fd());
    let mut ring = IoUring::builder()
        .setup_r_disabled()
        .build(4)
        .context("io_uring_setup with R_DISABLED")?;
    let mut allowed = [
        Restriction::sqe_op(opcode::Nop::CODE),
        Restriction::sqe_op(opcode::Write::CODE),
    ];
    let submitter = ring.submitter();
    submitter
        .register_restrictions(&mut allowed)
        .context("IORING_REGISTER_RESTRICTIONS")?;
    submitter
        .register_enable_rings()
        .context("IORING_REGISTER_ENABLE_RINGS")?;
    let mut expected = Expected::new(1, false);

    let nops = (0..3).map(|i| Planned::issued(nop(i), 0)).collect();
    // SAFETY: NOPs point at no memory.
    unsafe { run_plan(&mut ring, nops, &mut expected)? };

    let mut buf = vec![0u8; 4096];
    for user_data in 3..5 {
        let read = opcode::Read::new(fd, buf.as_mut_ptr(), buf.len() as u32)
            .offset(0)
            .build()
            .user_data(user_data);
        let plan = vec![Planned::refused(read, -libc::EACCES)];
        // SAFETY: `buf` outlives the call (and the kernel never touches it).
        unsafe { run_plan(&mut ring, plan, &mut expected)? };
    }
    expected.set_punted("NOP", 0);
    expected.set_punted("READ", 0);
    drop(ring);
    Ok(expected)
}
