//! Errors a person can act on: each says what is wrong and what to do.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ProbeError {
    #[error(
        "permission denied loading the eBPF probe: run uringtop as root, or give it CAP_BPF and CAP_PERFMON \
         (e.g. `sudo setcap cap_bpf,cap_perfmon+ep $(which uringtop)`)"
    )]
    NotPermitted,
    #[error(
        "this kernel has no BTF (/sys/kernel/btf/vmlinux is missing): uringtop needs a kernel built with \
         CONFIG_DEBUG_INFO_BTF=y (Linux 5.5+; most distribution kernels since 2021 have it)"
    )]
    NoBtf,
    #[error(
        "this kernel lacks the io_uring tracepoint `{0}`, which uringtop cannot work without \
         (it needs Linux 6.5 or newer); `uringtop check` lists what this kernel has"
    )]
    MissingTracepoint(&'static str),
    #[error("the kernel refused uringtop's probe program `{program}`: {detail}")]
    Rejected {
        program: &'static str,
        detail: String,
    },
    #[error("cannot set up the probe: {0}")]
    Setup(String),
}

/// True when loading failed for want of privileges: EPERM/EACCES from the bpf() syscall while this
/// process lacks CAP_BPF+CAP_PERFMON (or root). With them, EACCES is the verifier refusing a program.
pub(crate) fn is_permission_error(err: &(dyn std::error::Error + 'static)) -> bool {
    !crate::check::has_bpf_privileges() && is_eperm_or_eacces(err)
}

fn is_eperm_or_eacces(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if matches!(io.raw_os_error(), Some(libc::EPERM) | Some(libc::EACCES)) {
                return true;
            }
        }
        cur = e.source();
    }
    let text = err.to_string();
    text.contains("Operation not permitted") || text.contains("Permission denied")
}
