//! Which counter slots changed since the last sample: the probe stores 1 in `op_dirty[index]`
//! whenever it counts at `index` (see mark_dirty in probe/bpf/helpers.h), and this takes those
//! marks back through a shared mapping of the map, one atomic swap per marked word and no
//! syscall at all. A sample then reads only the slots that changed, however many keys are live.

use aya::maps::MapData;
use std::os::fd::{AsFd, AsRawFd};
use std::sync::atomic::{AtomicU64, Ordering};

pub(crate) struct DirtySlots {
    words: *mut AtomicU64,
    len: usize,
    bytes: usize,
    /// Marked last time: read once more, in case an update landed just after that read (the
    /// probe marks a slot before it updates it).
    previous: Vec<u32>,
    /// Keeps the map (and so the mapping's backing memory) alive.
    _map: MapData,
}

// SAFETY: the mapping is owned by this value and only touched through atomics.
unsafe impl Send for DirtySlots {}

impl DirtySlots {
    /// Maps `op_dirty` (an array of `entries` u64, created BPF_F_MMAPABLE).
    pub(crate) fn new(map: MapData, entries: u32) -> std::io::Result<DirtySlots> {
        let len = entries as usize;
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as usize;
        let bytes = (len * 8).div_ceil(page) * page;
        // SAFETY: a fresh shared mapping of the map's fd; the kernel checks size and flags.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                map.fd().as_fd().as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(DirtySlots {
            words: ptr.cast(),
            len,
            bytes,
            previous: Vec::new(),
            _map: map,
        })
    }

    /// Indexes marked since the last call, and those marked before it (see `previous`), sorted.
    pub(crate) fn take(&mut self) -> Vec<u32> {
        let mut marked = Vec::new();
        for i in 0..self.len {
            // SAFETY: i < len, within the mapping; the probe stores whole u64 words.
            let word = unsafe { &*self.words.add(i) };
            // A plain load first: most words are clear, and a swap would dirty their lines.
            if word.load(Ordering::Relaxed) != 0 && word.swap(0, Ordering::AcqRel) != 0 {
                marked.push(i as u32);
            }
        }
        let mut out = std::mem::replace(&mut self.previous, marked.clone());
        out.extend(marked);
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl Drop for DirtySlots {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `new`.
        unsafe { libc::munmap(self.words.cast(), self.bytes) };
    }
}
