//! A linked chain whose head fails.

use std::ffi::CString;

use anyhow::Result;
use io_uring::squeue::Flags;

use super::basic::{ensure_missing, nop, open_missing, MISSING_PATH};
use super::expected::Expected;
use super::ring::{ring_for, run_plan, Planned};

/// One chain OPENAT(missing) -> NOP -> NOP joined with IOSQE_IO_LINK.
///
/// The head fails with -ENOENT; a failed link member cancels the rest of its
/// chain, so both NOPs complete with -ECANCELED without being issued. All
/// three are submitted (the kernel accepts a chain whole before running it).
pub fn failed_link_chain() -> Result<Expected> {
    ensure_missing()?;
    let path = CString::new(MISSING_PATH)?;
    let mut ring = ring_for(3)?;
    let mut expected = Expected::new(1, false);
    let plan = vec![
        Planned::issued(open_missing(&path, 0).flags(Flags::IO_LINK), -libc::ENOENT),
        Planned::issued(nop(1).flags(Flags::IO_LINK), -libc::ECANCELED),
        Planned::issued(nop(2), -libc::ECANCELED),
    ];
    // SAFETY: `path` outlives the call.
    unsafe { run_plan(&mut ring, plan, &mut expected)? };
    // Cancelled links are failed in place, never queued anywhere.
    expected.set_punted("NOP", 0);
    drop(ring);
    Ok(expected)
}
