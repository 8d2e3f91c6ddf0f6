//! Each ring's registered files and buffers (see `uringtop_common::registered`), read from
//! /proc/PID/fdinfo/FD of the ring's fd — the kernel's own listing, for rings created before
//! uringtop started too. No tracepoint carries them: IORING_REGISTER_FILES, direct descriptors
//! installed by OPENAT/ACCEPT/SOCKET with a file index, FILES_UPDATE and fixed-file CLOSE all
//! change the table, so the listing is read again after any register call on the ring and at
//! most every [`REFRESH`] otherwise, within a budget of [`READS_PER_SAMPLE`] files a sample.
//!
//! The ring's fd: the one its creation gave (the probe saw io_uring_setup return it), checked to
//! still be an io_uring fd; for a ring whose creation was not seen, the process's one io_uring
//! fd that no other known ring of it claims, when exactly one ring and one fd are left (never a
//! guess between several). A ring whose fd cannot be told keeps `registered` unset.
//!
//! Before 5.19 the kernel takes the ring's lock to list (a mutex_lock, later a trylock): a read
//! may then wait while the ring's owner holds it (IOPOLL reaping), delaying a sample, never
//! losing one.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uringtop_common::input::RingSample;
use uringtop_common::registered::Registered;

/// A ring's listing is read again at most this often without a register call on it.
const REFRESH: Duration = Duration::from_secs(5);
/// fdinfo files read per sample at most (about 10 µs each): thousands of rings refresh over
/// several samples instead of stalling one.
const READS_PER_SAMPLE: usize = 64;
/// An fdinfo larger than this is read only this far (a sparse table of a million slots lists
/// a line per slot on 5.x): the counts come first, the lists are then marked incomplete.
const MAX_FDINFO: u64 = 1 << 20;

const IO_URING_LINK: &str = "anon_inode:[io_uring]";

#[derive(Default)]
pub(crate) struct Registrations {
    rings: HashMap<u32, Known>,
    /// Rings whose fd could not be told apart, and when that was last tried: tried again after
    /// [`REFRESH`] (the process may have closed its other rings since).
    unresolved: HashMap<u32, Instant>,
}

struct Known {
    fd: Option<i32>,
    register_calls: u64,
    read_at: Option<Instant>,
    last: Option<Arc<Registered>>,
}

impl Registrations {
    /// Sets `registered` on every ring of `rings` (one sample's full list), reading the listings
    /// that are due: never read, register calls since, or older than [`REFRESH`].
    pub(crate) fn fill(&mut self, rings: &mut [RingSample], now: Instant) {
        self.resolve_fds(rings, now);
        let mut due: Vec<(u8, usize)> = Vec::new();
        for (i, ring) in rings.iter().enumerate() {
            let Some(k) = self.rings.get(&ring.ring) else {
                continue;
            };
            if k.fd.is_none() {
                continue;
            }
            let urgency = match k.read_at {
                None => 0,
                Some(_) if k.register_calls != ring.register_calls => 1,
                Some(at) if now.duration_since(at) >= REFRESH => 2,
                Some(_) => continue,
            };
            due.push((urgency, i));
        }
        due.sort_unstable();
        for &(_, i) in due.iter().take(READS_PER_SAMPLE) {
            let ring = &rings[i];
            let Some(k) = self.rings.get_mut(&ring.ring) else {
                continue;
            };
            k.read_at = Some(now);
            k.register_calls = ring.register_calls;
            match k.fd.and_then(|fd| read_listing(ring.pid, fd)) {
                // Unchanged listings keep their pointer, so the sample compares equal cheaply.
                Some(r) if k.last.as_deref() != Some(&r) => k.last = Some(Arc::new(r)),
                Some(_) => {}
                // Gone (closed ring, exited process) or not an io_uring fd any more: keep the
                // last listing, which is what the ring had, and stop reading that fd.
                None => k.fd = None,
            }
        }
        for ring in rings.iter_mut() {
            ring.registered = self.rings.get(&ring.ring).and_then(|k| k.last.clone());
        }
    }

    pub(crate) fn forget(&mut self, ring: u32) {
        self.rings.remove(&ring);
        self.unresolved.remove(&ring);
    }

    /// Gives each ring not yet known its fd: its creation's, or the only one left in its process.
    fn resolve_fds(&mut self, rings: &[RingSample], now: Instant) {
        let mut unknown_by_pid: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for ring in rings {
            let tried = self.unresolved.get(&ring.ring);
            if self.rings.contains_key(&ring.ring)
                || tried.is_some_and(|&at| now.duration_since(at) < REFRESH)
            {
                continue;
            }
            match ring.fd {
                Some(fd) => {
                    let fd = is_io_uring_fd(ring.pid, fd).then_some(fd);
                    self.rings.insert(ring.ring, Known::new(fd));
                }
                None => unknown_by_pid.entry(ring.pid).or_default().push(ring.ring),
            }
        }
        for (pid, unknown) in unknown_by_pid {
            let claimed: Vec<i32> = rings
                .iter()
                .filter(|r| r.pid == pid)
                .filter_map(|r| self.rings.get(&r.ring).and_then(|k| k.fd))
                .collect();
            let free: Vec<i32> = io_uring_fds(pid)
                .into_iter()
                .filter(|fd| !claimed.contains(fd))
                .collect();
            // One ring and one fd left: they are each other. Otherwise no guess: tried again
            // later.
            if let ([ring], [fd]) = (unknown.as_slice(), free.as_slice()) {
                self.unresolved.remove(ring);
                self.rings.insert(*ring, Known::new(Some(*fd)));
            } else {
                self.unresolved
                    .extend(unknown.into_iter().map(|r| (r, now)));
            }
        }
    }
}

impl Known {
    fn new(fd: Option<i32>) -> Self {
        Known {
            fd,
            register_calls: 0,
            read_at: None,
            last: None,
        }
    }
}

fn is_io_uring_fd(pid: u32, fd: i32) -> bool {
    std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).is_ok_and(|l| l.as_os_str() == IO_URING_LINK)
}

/// The process's fds that are io_uring rings, in fd order.
fn io_uring_fds(pid: u32) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    let mut fds: Vec<i32> = dir
        .flatten()
        .filter(|e| std::fs::read_link(e.path()).is_ok_and(|l| l.as_os_str() == IO_URING_LINK))
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    fds.sort_unstable();
    fds
}

/// The ring's listing, None when the fd is gone or is not an io_uring fd any more.
fn read_listing(pid: u32, fd: i32) -> Option<Registered> {
    if !is_io_uring_fd(pid, fd) {
        return None;
    }
    let file = std::fs::File::open(format!("/proc/{pid}/fdinfo/{fd}")).ok()?;
    let mut text = String::new();
    let cut = file.take(MAX_FDINFO).read_to_string(&mut text).ok()? as u64 >= MAX_FDINFO;
    let mut reg = Registered::from_fdinfo(&text)?;
    reg.complete &= !cut;
    Some(reg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    fn ring(id: u32, fd: Option<i32>) -> RingSample {
        RingSample {
            ring: id,
            pid: std::process::id(),
            fd,
            ..RingSample::default()
        }
    }

    #[test]
    fn a_rings_files_and_buffers_are_read_from_its_fdinfo() {
        let uring = io_uring::IoUring::new(4).expect("io_uring_setup");
        let file = std::fs::File::open("/proc/self/exe").expect("exe");
        uring
            .submitter()
            .register_files(&[file.as_raw_fd()])
            .expect("register files");
        let mut rings = [ring(1, Some(uring.as_raw_fd()))];
        let mut reg = Registrations::default();
        reg.fill(&mut rings, Instant::now());
        let got = rings[0].registered.clone().expect("read");
        assert_eq!(got.file_slots, 1);
        assert_eq!(got.buffer_count, 0);
        assert!(got.complete, "{got:?}");
        assert_eq!(got.files.len(), 1, "{got:?}");
    }
}
