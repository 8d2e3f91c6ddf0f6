//! Workloads for the policy tests: io_uring_register calls, and an io_uring_setup the kernel
//! refuses.

use std::os::fd::AsRawFd;

use anyhow::{bail, Context, Result};
use io_uring::IoUring;

use super::basic::nop;
use super::expected::Expected;
use super::ring::{ring_for, run_plan, Planned};

/// One ring (no SQEs): IORING_REGISTER_FILES of one file, IORING_UNREGISTER_FILES, twice over.
pub fn register_files_twice() -> Result<Expected> {
    let file = std::fs::File::open("/dev/null").context("opening /dev/null")?;
    let ring = IoUring::new(4).context("io_uring_setup")?;
    for _ in 0..2 {
        ring.submitter()
            .register_files(&[file.as_raw_fd()])
            .context("IORING_REGISTER_FILES")?;
        ring.submitter()
            .unregister_files()
            .context("IORING_UNREGISTER_FILES")?;
    }
    drop(ring);
    Ok(Expected::new(1, false))
}

/// Becomes user nobody, then tries io_uring_setup once: with the kernel.io_uring_disabled
/// sysctl at 1 (the caller sets it), only CAP_SYS_ADMIN or io_uring_group may create rings, so
/// the kernel refuses with EPERM. The process is left without privileges: run it in a child.
pub fn setup_refused_for_nobody() -> Result<Expected> {
    const NOBODY: libc::uid_t = 65534;
    // SAFETY: plain set*id calls on this (child) process.
    if unsafe { libc::setgid(NOBODY) } != 0 || unsafe { libc::setuid(NOBODY) } != 0 {
        bail!("dropping to nobody: {}", std::io::Error::last_os_error());
    }
    match IoUring::new(4) {
        Ok(_) => bail!("io_uring_setup succeeded for nobody (is kernel.io_uring_disabled 1?)"),
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => Ok(Expected::new(0, false)),
        Err(e) => bail!("io_uring_setup failed, but not with EPERM: {e}"),
    }
}

/// On one ring: `plain` NOPs, then `with` NOPs naming a registered personality (the caller's own
/// credentials, IORING_REGISTER_PERSONALITY), user_data 0.. in that order.
pub fn nops_with_personality(plain: usize, with: usize) -> Result<Expected> {
    let mut ring = ring_for(plain + with)?;
    let personality = ring
        .submitter()
        .register_personality()
        .context("IORING_REGISTER_PERSONALITY")?;
    let mut expected = Expected::new(1, false);
    let plan = (0..plain + with)
        .map(|i| {
            let entry = nop(i);
            let entry = if i >= plain {
                entry.personality(personality)
            } else {
                entry
            };
            Planned::issued(entry, 0)
        })
        .collect();
    // SAFETY: NOPs point at no memory.
    unsafe { run_plan(&mut ring, plan, &mut expected)? };
    drop(ring);
    Ok(expected)
}
