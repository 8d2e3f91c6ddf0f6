//! A ring with registered files and buffers, held open while uringtop reads its listing.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::time::Duration;

use anyhow::{ensure, Context, Result};

use super::basic::nop;
use super::child::slowdown;
use super::expected::Expected;
use super::ring::{ring_for, run_plan, Planned};

/// Slots of the sparse file table [`registered_resources`] registers.
pub const FILE_SLOTS: u32 = 4;
/// Lengths of the buffers it registers, by index.
pub const BUFFER_LENS: [usize; 2] = [4096, 65536];
/// NOPs it submits once told to go.
pub const NOPS: usize = 4;

/// The files it puts in slots 0 and 2 (slots 1 and 3 stay empty): a plain path, and a temporary
/// file whose name has a space (the kernel escapes it in fdinfo), told apart by `tag`.
pub fn registered_paths(tag: u32) -> [String; 2] {
    [
        "/etc/hostname".to_string(),
        format!("/tmp/uringtop registered {tag}"),
    ]
}

/// The two ends of a pipe, as Files.
pub fn pipe() -> Result<(File, File)> {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid array of two ints.
    ensure!(
        unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } == 0,
        "pipe2: {}",
        std::io::Error::last_os_error()
    );
    // SAFETY: pipe2 just returned these fds; each is owned once.
    Ok(unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) })
}

/// Creates a ring, registers a sparse table of [`FILE_SLOTS`] with [`registered_paths`] in slots
/// 0 and 2 and buffers of [`BUFFER_LENS`], writes a byte to `ready`, waits for a byte on `go`,
/// submits [`NOPS`] NOPs (so that the probe sees the ring), then holds the ring until a byte or end
/// of file arrives on `done` (at most a minute, times [`slowdown`]).
pub fn registered_resources(
    tag: u32,
    mut ready: File,
    mut go: File,
    done: File,
) -> Result<Expected> {
    let [plain, spaced] = registered_paths(tag);
    let a = File::open(&plain).with_context(|| format!("opening {plain}"))?;
    let b = File::create(&spaced).with_context(|| format!("creating {spaced}"))?;
    let mut ring = ring_for(NOPS)?;
    let sub = ring.submitter();
    sub.register_files_sparse(FILE_SLOTS)
        .context("IORING_REGISTER_FILES2 (sparse)")?;
    sub.register_files_update(0, &[a.as_raw_fd()])
        .context("updating slot 0")?;
    sub.register_files_update(2, &[b.as_raw_fd()])
        .context("updating slot 2")?;
    let mut buffers: Vec<Vec<u8>> = BUFFER_LENS.iter().map(|&n| vec![0u8; n]).collect();
    let iovecs: Vec<libc::iovec> = buffers
        .iter_mut()
        .map(|b| libc::iovec {
            iov_base: b.as_mut_ptr().cast(),
            iov_len: b.len(),
        })
        .collect();
    // SAFETY: the buffers outlive the ring (dropped after it, below).
    unsafe { sub.register_buffers(&iovecs) }.context("IORING_REGISTER_BUFFERS")?;
    ready
        .write_all(b"r")
        .context("telling the test the ring is ready")?;
    let mut byte = [0u8; 1];
    go.read_exact(&mut byte).context("waiting for go")?;
    let mut expected = Expected::new(1, false);
    let plan = (0..NOPS).map(|i| Planned::issued(nop(i), 0)).collect();
    // SAFETY: NOPs point at no memory.
    unsafe { run_plan(&mut ring, plan, &mut expected)? };
    expected.set_punted("NOP", 0);
    wait_readable(&done, Duration::from_secs(60) * slowdown())?;
    drop(ring);
    drop(buffers);
    let _ = std::fs::remove_file(&spaced);
    Ok(expected)
}

/// Waits until `f` is readable (a byte or end of file) or `limit` passed.
fn wait_readable(f: &File, limit: Duration) -> Result<()> {
    let mut p = libc::pollfd {
        fd: f.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = i32::try_from(limit.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: one valid pollfd.
    unsafe { libc::poll(&mut p, 1, ms) };
    Ok(())
}
