//! Events the kernel never let the probe see. A tracing program runs with migration disabled but,
//! on preemptible kernels, can be preempted; if another task on the same CPU then hits a
//! tracepoint whose program is still running there, the kernel skips that run rather than nest it
//! and counts it in the program's `recursion_misses` (Linux 5.12+, bpf_prog_info). Each skipped
//! run is a submission or completion left uncounted, so the sample adds them to `lost_updates`:
//! the counts are short and uringtop says by how much.

use aya::programs::ProgramFd;
use aya::Ebpf;
use aya_obj::generated::bpf_prog_info;
use std::os::fd::{AsFd, AsRawFd};

const BPF_OBJ_GET_INFO_BY_FD: libc::c_long = 15;

/// The `info` member of `union bpf_attr`.
#[repr(C)]
struct InfoAttr {
    bpf_fd: u32,
    info_len: u32,
    info: u64,
}

/// Skipped runs of one program so far; 0 where the kernel does not say (before 5.12).
fn recursion_misses(prog: &ProgramFd) -> u64 {
    info(prog).map_or(0, |info| info.recursion_misses)
}

/// What the kernel says of a loaded program.
fn info(prog: &ProgramFd) -> Option<bpf_prog_info> {
    // SAFETY: bpf_prog_info is plain data; all-zero is a valid value.
    let mut info: bpf_prog_info = unsafe { std::mem::zeroed() };
    let mut attr = InfoAttr {
        bpf_fd: prog.as_fd().as_raw_fd() as u32,
        info_len: size_of::<bpf_prog_info>() as u32,
        info: &mut info as *mut bpf_prog_info as u64,
    };
    // SAFETY: the kernel writes at most info_len bytes into `info`; older kernels write fewer
    // and leave the rest zero.
    unsafe { crate::sys_bpf::bpf(BPF_OBJ_GET_INFO_BY_FD, &mut attr) }.ok()?;
    Some(info)
}

/// Skipped runs of every loaded program of the probe, summed.
pub(crate) fn total(ebpf: &Ebpf) -> u64 {
    ebpf.programs()
        .filter_map(|(_, p)| p.fd().ok())
        .map(recursion_misses)
        .sum()
}

/// Each program's id as read here and as aya reads it (for a test that this module reads the
/// kernel's own description of the probe's programs).
pub(crate) fn ids(ebpf: &Ebpf) -> Vec<(String, Option<u32>, Option<u32>)> {
    ebpf.programs()
        .filter_map(|(name, p)| {
            let fd = p.fd().ok()?;
            Some((
                name.to_string(),
                info(fd).map(|i| i.id),
                p.info().ok().map(|i| i.id()),
            ))
        })
        .collect()
}
