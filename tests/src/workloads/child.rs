//! Running a workload in a process of its own.
//!
//! The probe counts per process, so a workload run in a fresh child process
//! gives counts that hold that workload and nothing else: not the test
//! harness, not other tests running in parallel threads.
//!
//! Forking a multi-threaded test binary is safe enough because of what the
//! child does: only the forking thread exists in the child, and a lock that
//! another thread held at the fork stays locked there forever. glibc makes
//! malloc itself fork-safe, so the child may allocate; the workloads
//! otherwise make plain system calls (io_uring, files), and the child then
//! writes its report to a pipe and leaves with `_exit`, running no
//! destructors or atexit handlers of the parent's state. Workloads run this
//! way must not print to stdout/stderr or read the environment (std guards
//! both with process-wide locks): compute paths such as the temp directory
//! in the parent, before forking.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::expected::Expected;

/// How long [`run_in_child`] waits for the child's report before killing it (times
/// [`slowdown`]).
pub const CHILD_TIMEOUT: Duration = Duration::from_secs(60);

/// How many times slower than real hardware this machine runs, from `URINGTOP_TEST_SLOWDOWN`
/// (default 1): an emulated kernel (`.ci/test-other-kernel`, qemu TCG) sets it, so that wall-clock
/// limits sized for real hardware do not fail a workload that is merely emulated.
pub fn slowdown() -> u32 {
    std::env::var("URINGTOP_TEST_SLOWDOWN")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1)
        .max(1)
}

/// What the child sends back through the pipe.
#[derive(Serialize, Deserialize)]
enum Report {
    Done(Expected),
    Failed(String),
}

/// Runs `workload` in a forked child process and returns the child's pid
/// (the probe's tgid for everything the workload did) with its [`Expected`].
///
/// The child has exited and been reaped when this returns. A workload error
/// or panic in the child comes back as an error here.
pub fn run_in_child<F>(workload: F) -> Result<(u32, Expected)>
where
    F: FnOnce() -> Result<Expected>,
{
    run_in_child_with_timeout(CHILD_TIMEOUT * slowdown(), workload)
}

/// [`run_in_child`] with a chosen limit: a child that has not reported after
/// `timeout` is killed and the call fails.
pub fn run_in_child_with_timeout<F>(timeout: Duration, workload: F) -> Result<(u32, Expected)>
where
    F: FnOnce() -> Result<Expected>,
{
    start_in_child(workload)?.finish(timeout)
}

/// A workload running in a child process of its own, started by [`start_in_child`]: its pid is
/// known while it runs (to point the probe at it).
pub struct RunningChild {
    pid: libc::pid_t,
    report: OwnedFd,
}

/// Starts `workload` in a forked child process and returns at once; [`RunningChild::finish`]
/// waits for it. The same rules as [`run_in_child`] hold for the workload.
pub fn start_in_child<F>(workload: F) -> Result<RunningChild>
where
    F: FnOnce() -> Result<Expected>,
{
    let (read_end, write_end) = pipe()?;
    // SAFETY: the child only runs `workload` and `child_main`, within the
    // limits the module documentation sets out, and never returns.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error()).context("fork");
    }
    if pid == 0 {
        drop(read_end);
        child_main(write_end, workload);
    }
    drop(write_end);
    Ok(RunningChild {
        pid,
        report: read_end,
    })
}

impl RunningChild {
    /// The child's pid: the probe's tgid for everything the workload does.
    pub fn pid(&self) -> u32 {
        self.pid as u32
    }

    /// Waits up to `timeout` for the workload's report, then reaps the child (killed if it has
    /// not reported by then). A workload error or panic comes back as an error.
    pub fn finish(self, timeout: Duration) -> Result<(u32, Expected)> {
        let pid = self.pid;
        let report = read_report(File::from(self.report), timeout);
        if report.is_err() {
            // It may be hung; it must not outlive the test.
            // SAFETY: plain kill(2) of our own child, not yet reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        let status = reap(pid)?;
        let report = report.with_context(|| format!("reading the report of child {pid}"))?;
        if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
            bail!("child {pid} ended with wait status {status:#x}");
        }
        match report {
            Report::Done(expected) => Ok((pid as u32, expected)),
            Report::Failed(message) => bail!("workload in child {pid} failed: {message}"),
        }
    }
}

/// Runs `workload` in a forked child that reports nothing back, and returns its pid and wait
/// status: for a child that may not live to report (one an enforced policy kills). The child
/// exits 0 when the workload returned Ok, else 1 with its error on stderr. A child still running
/// after `timeout` is killed, and the call fails.
pub fn wait_status_in_child<F>(timeout: Duration, workload: F) -> Result<(u32, libc::c_int)>
where
    F: FnOnce() -> Result<()>,
{
    // SAFETY: the child only runs `workload` within the limits the module documentation sets
    // out, and leaves with _exit.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error()).context("fork");
    }
    if pid == 0 {
        let code = match workload() {
            Ok(()) => 0,
            Err(e) => {
                // Straight to fd 2: std's stderr lock may have been held by another thread at
                // the fork.
                let text = format!("workload: {e:#}\n");
                // SAFETY: writes our own buffer to fd 2.
                unsafe { libc::write(2, text.as_ptr().cast(), text.len()) };
                1
            }
        };
        // SAFETY: ends the child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    let deadline = Instant::now() + timeout;
    loop {
        let mut status = 0;
        // SAFETY: waits for our own child into a valid int.
        if unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } == pid {
            return Ok((pid as u32, status));
        }
        if Instant::now() > deadline {
            // SAFETY: our own child, not yet reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let _ = reap(pid);
            bail!("child {pid} did not end in {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn child_main<F>(pipe: OwnedFd, workload: F) -> !
where
    F: FnOnce() -> Result<Expected>,
{
    let report = match panic::catch_unwind(AssertUnwindSafe(workload)) {
        Ok(Ok(expected)) => Report::Done(expected),
        Ok(Err(err)) => Report::Failed(format!("{err:#}")),
        Err(panic) => Report::Failed(panic_message(panic.as_ref())),
    };
    let code = match write_report(File::from(pipe), &report) {
        Ok(()) => 0,
        Err(_) => 2,
    };
    // SAFETY: ends the child at once, as fork requires of a child that
    // shares the parent's state.
    unsafe { libc::_exit(code) }
}

/// Frames the report as a little-endian u64 length and JSON, so the parent
/// knows when it has all of it without waiting for end of file (other
/// children forked meanwhile by parallel tests may hold copies of the pipe).
fn write_report(mut pipe: File, report: &Report) -> Result<()> {
    let json = serde_json::to_vec(report)?;
    let mut frame = (json.len() as u64).to_le_bytes().to_vec();
    frame.extend_from_slice(&json);
    pipe.write_all(&frame)?;
    Ok(())
}

fn read_report(mut pipe: File, timeout: Duration) -> Result<Report> {
    let deadline = Instant::now() + timeout;
    let mut frame = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        if frame.len() >= 8 {
            let len = u64::from_le_bytes(frame[..8].try_into().unwrap()) as usize;
            if frame.len() >= 8 + len {
                return Ok(serde_json::from_slice(&frame[8..8 + len])?);
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || !readable(&pipe, left)? {
            bail!("no report after {timeout:?}");
        }
        match pipe.read(&mut chunk) {
            Ok(0) => bail!("the child exited before reporting"),
            Ok(n) => frame.extend_from_slice(&chunk[..n]),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err.into()),
        }
    }
}

/// Waits up to `left` for data (or end of file) on `pipe`.
fn readable(pipe: &File, left: Duration) -> Result<bool> {
    let mut poll = libc::pollfd {
        fd: pipe.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = left.as_millis().clamp(1, i32::MAX as u128) as i32;
    // SAFETY: one valid pollfd.
    match unsafe { libc::poll(&mut poll, 1, ms) } {
        -1 if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted => Ok(true),
        -1 => Err(io::Error::last_os_error()).context("poll"),
        0 => Ok(false),
        _ => Ok(true),
    }
}

fn reap(pid: libc::pid_t) -> Result<libc::c_int> {
    let mut status = 0;
    loop {
        // SAFETY: waits for our own child into a valid int.
        if unsafe { libc::waitpid(pid, &mut status, 0) } == pid {
            return Ok(status);
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err).with_context(|| format!("waitpid({pid})"));
        }
    }
}

/// A pipe whose ends are closed on exec, so programs other tests spawn do
/// not keep it open.
fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills the two ints on success.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error()).context("pipe2");
    }
    // SAFETY: both fds are fresh and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned());
    format!(
        "panicked: {}",
        text.unwrap_or_else(|| anyhow!("non-string panic").to_string())
    )
}
