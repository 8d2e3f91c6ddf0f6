//! The bpf(2) syscall, for the few commands aya 0.14 does not expose (test runs, batch lookups,
//! program info). Each caller owns its `union bpf_attr` member as a `#[repr(C)]` struct.

/// Runs bpf(2) command `cmd` with `attr` (the command's member of `union bpf_attr`, every byte
/// initialised: the kernel refuses non-zero bytes past the fields it knows).
///
/// # Safety
/// Every pointer in `attr` must point at memory the kernel may read or write as `cmd` defines
/// (buffers at least as large as the sizes and counts `attr` states).
pub(crate) unsafe fn bpf<A>(cmd: libc::c_long, attr: &mut A) -> std::io::Result<()> {
    // SAFETY: `attr` is a valid, initialised struct of the stated size; what it points at is the
    // caller's promise.
    let rc = unsafe { libc::syscall(libc::SYS_bpf, cmd, attr as *mut A, size_of::<A>()) };
    if rc < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
