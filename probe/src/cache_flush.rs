//! Running the probe's `invalidate_caches` program from userspace (BPF_PROG_TEST_RUN), to void
//! every CPU's hot cache after a counter slot was retired (see [`crate::reclaim`]). aya 0.14 has
//! no test-run call, so this is the bpf(2) syscall itself.

use aya::programs::ProgramFd;
use std::os::fd::{AsFd, AsRawFd};

const BPF_PROG_TEST_RUN: libc::c_long = 10;

/// The `test` member of `union bpf_attr` (include/uapi/linux/bpf.h), up to `batch_size`.
#[repr(C)]
#[derive(Default)]
struct TestRunAttr {
    prog_fd: u32,
    retval: u32,
    data_size_in: u32,
    data_size_out: u32,
    data_in: u64,
    data_out: u64,
    repeat: u32,
    duration: u32,
    ctx_size_in: u32,
    ctx_size_out: u32,
    ctx_in: u64,
    ctx_out: u64,
    flags: u32,
    cpu: u32,
    batch_size: u32,
    /// Explicit, so it is zero: the kernel refuses (EINVAL) an attr with non-zero bytes past
    /// the last field it knows.
    _pad: u32,
}

/// Runs the (loaded, unattached) raw_tp program once, with no context. raw_tp programs can be
/// test-run since Linux 5.10.
pub(crate) fn run_once(prog: &ProgramFd) -> std::io::Result<()> {
    let mut attr = TestRunAttr {
        prog_fd: prog.as_fd().as_raw_fd() as u32,
        ..TestRunAttr::default()
    };
    // SAFETY: no buffers: data, context and their sizes are all zero.
    unsafe { crate::sys_bpf::bpf(BPF_PROG_TEST_RUN, &mut attr) }
}
