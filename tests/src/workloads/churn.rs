//! A process that keeps creating short-lived rings, as some servers do per connection.

use std::time::Duration;

use anyhow::Result;

use std::ffi::CString;

use super::basic::{ensure_missing, nops, open_missing, MISSING_PATH};
use super::expected::Expected;
use super::ring::{ring_for, run_plan, Planned};

/// `rings` rings one after another, each doing `nops_per_ring` NOPs in one batch and closed
/// before the next, with `pause` between them.
pub fn ring_churn(rings: usize, nops_per_ring: usize, pause: Duration) -> Result<Expected> {
    let mut all = nops(1, nops_per_ring)?;
    for _ in 1..rings {
        std::thread::sleep(pause);
        all.merge(nops(1, nops_per_ring)?);
    }
    Ok(all)
}

/// One ring: `first` failing OPENATs (ENOENT), `pause`, then `second` more (user_data 0..
/// throughout): a key that goes quiet long enough for its counter slot to be recycled, then
/// comes back. Errors make it telling: errno counts are compared one by one, so only the slot
/// can say that a count of `second` follows one of `first` from zero.
pub fn ring_pause_resume(first: usize, pause: Duration, second: usize) -> Result<Expected> {
    ensure_missing()?;
    let path = CString::new(MISSING_PATH)?;
    let mut ring = ring_for(first.max(second))?;
    let mut expected = Expected::new(1, false);
    let plan = |from: usize, n: usize| {
        (from..from + n)
            .map(|i| Planned::issued(open_missing(&path, i), -libc::ENOENT))
            .collect()
    };
    // SAFETY: `path` outlives both calls.
    unsafe { run_plan(&mut ring, plan(0, first), &mut expected)? };
    std::thread::sleep(pause);
    // SAFETY: as above.
    unsafe { run_plan(&mut ring, plan(first, second), &mut expected)? };
    drop(ring);
    Ok(expected)
}

/// `rings` rings one after another in one process, each closed before the next, each running a
/// NOP, an OPENAT of [`MISSING_PATH`] (-ENOENT) and an ASYNC_CANCEL of nothing (-ENOENT): three
/// (process, ring, opcode) keys per ring, 30,000 for 10,000 rings.
pub fn ring_churn_mixed(rings: usize) -> Result<Expected> {
    ensure_missing()?;
    let path = CString::new(MISSING_PATH)?;
    let mut all = Expected::default();
    for _ in 0..rings {
        let mut ring = ring_for(3)?;
        let mut expected = Expected::new(1, false);
        let cancel = io_uring::opcode::AsyncCancel::new(u64::MAX)
            .build()
            .user_data(2);
        let plan = vec![
            Planned::issued(super::basic::nop(0), 0),
            Planned::issued(open_missing(&path, 1), -libc::ENOENT),
            Planned::issued(cancel, -libc::ENOENT),
        ];
        // SAFETY: `path` outlives the call.
        unsafe { run_plan(&mut ring, plan, &mut expected)? };
        drop(ring);
        all.merge(expected);
    }
    Ok(all)
}

/// `processes` child processes one after another, each creating a ring of its own, running
/// `nops_each` NOPs and exiting; their pids are in `forked`. The forking process itself submits
/// nothing. (Fork-safe as [`super::run_in_child`] explains: the children make plain system calls.)
pub fn process_churn(processes: usize, nops_each: usize) -> Result<Expected> {
    let mut all = Expected::default();
    for i in 0..processes {
        // SAFETY: the child runs a workload of plain system calls and leaves with _exit.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let code = i32::from(nops(1, nops_each).is_err());
            // SAFETY: ends the child without running the parent's destructors.
            unsafe { libc::_exit(code) };
        }
        anyhow::ensure!(pid > 0, "fork failed for child {i}");
        let mut status = 0;
        // SAFETY: waits for the child we just forked.
        let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
        anyhow::ensure!(
            waited == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "child {i} (pid {pid}) failed: status {status}"
        );
        all.forked.push(pid as u32);
    }
    Ok(all)
}
