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
        "this kernel has no io_uring (built without CONFIG_IO_URING): no program can use io_uring \
         here, so there is nothing for uringtop to observe. Run uringtop on the machines whose \
         programs use io_uring; `uringtop replay` opens their recordings here"
    )]
    NoIoUring,
    #[error(
        "io_uring is disabled on this machine (kernel.io_uring_disabled = 2): no process can create \
         a ring, so there is nothing for uringtop to observe. To allow io_uring again: `sysctl -w \
         kernel.io_uring_disabled=0` (or =1 to allow it only to root and kernel.io_uring_group)"
    )]
    IoUringDisabled,
    #[error(
        "policies need Linux 6.0 or newer: on this kernel uringtop observes io_uring but cannot \
         judge SQEs as they are submitted. Run without --policy here (`uringtop check` lists what \
         works on this kernel), or enforce the policy on a newer kernel"
    )]
    PolicyUnavailable,
    /// Found in the kernel's BTF before any program is loaded, so that the verifier's log of a
    /// program written for another kernel never reaches the user.
    #[error("{}", unsupported(.0))]
    Unsupported(Vec<MissingTracepoint>),
    /// A tracepoint uringtop cannot work without is there, but the kernel refused every program
    /// written for it.
    #[error(
        "this kernel is not supported yet: it refused each of uringtop's programs for the io_uring \
         tracepoint `{tracepoint}` (they are written for the arguments other kernels pass there). \
         Run uringtop on a kernel it supports (`uringtop check` lists what this one has); if this \
         kernel is newer than this uringtop, please report it with that list. The kernel said \
         about {detail}"
    )]
    NoProgramFits {
        tracepoint: &'static str,
        program: &'static str,
        detail: String,
    },
    #[error("the kernel refused uringtop's probe program `{program}`: {detail}")]
    Rejected {
        program: &'static str,
        detail: String,
    },
    #[error("cannot set up the probe: {0}")]
    Setup(String),
}

/// An io_uring tracepoint uringtop cannot work without, absent from the kernel's BTF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingTracepoint {
    /// The tracepoint's names across kernels (io_uring_submit_req, and io_uring_submit_sqe
    /// before 6.5): the kernel has none of them.
    pub tracepoints: Vec<&'static str>,
    /// What uringtop cannot see without it.
    pub loses: &'static str,
    /// The first Linux release with it (or the older tracepoint uringtop also reads), if known.
    pub since: Option<&'static str>,
}

/// "this kernel is not supported: it lacks …", and what to do.
fn unsupported(missing: &[MissingTracepoint]) -> String {
    let what: Vec<String> = missing
        .iter()
        .map(|m| {
            let names: Vec<String> = m.tracepoints.iter().map(|t| format!("`{t}`")).collect();
            let (noun, which) = match names.len() {
                1 => ("tracepoint", "it"),
                _ => ("tracepoints", "one of them"),
            };
            let since = m.since.map_or(String::new(), |v| {
                format!(" (Linux {v} and newer have {which})")
            });
            format!(
                "the io_uring {noun} {}{since}, without which uringtop {}",
                names.join(" or "),
                m.loses
            )
        })
        .collect();
    format!(
        "this kernel is not supported: it lacks {}. Run uringtop on a kernel that has {}; \
         `uringtop check` lists what this kernel has, and recordings made on such a kernel \
         (`uringtop record`) open anywhere with `uringtop replay`",
        what.join(", and "),
        if missing.len() == 1 { "it" } else { "them" },
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    fn submit_req() -> MissingTracepoint {
        MissingTracepoint {
            tracepoints: vec!["io_uring_submit_req", "io_uring_submit_sqe"],
            loses: "sees no request being submitted",
            since: Some("5.10"),
        }
    }

    #[test]
    fn an_unsupported_kernel_hears_what_is_missing_and_what_to_do() {
        let text = ProbeError::Unsupported(vec![submit_req()]).to_string();
        assert_eq!(
            text,
            "this kernel is not supported: it lacks the io_uring tracepoints \
             `io_uring_submit_req` or `io_uring_submit_sqe` (Linux 5.10 and newer have one of \
             them), without which uringtop sees no request being submitted. Run uringtop on a \
             kernel that has it; `uringtop check` lists what this kernel has, and recordings made on such a kernel (`uringtop record`) \
             open anywhere with `uringtop replay`"
        );
    }

    #[test]
    fn several_missing_tracepoints_are_all_named() {
        let complete = MissingTracepoint {
            tracepoints: vec!["io_uring_complete"],
            loses: "sees no request completing",
            since: None,
        };
        let text = ProbeError::Unsupported(vec![complete, submit_req()]).to_string();
        assert!(text.contains("lacks the io_uring tracepoint `io_uring_complete`, without which"));
        assert!(text.contains(", and the io_uring tracepoints `io_uring_submit_req` or `io_uring_submit_sqe` (Linux 5.10 and newer have one of them), without"));
        assert!(text.contains("on a kernel that has them;"));
    }

    #[test]
    fn a_kernel_without_io_uring_or_with_it_disabled_is_told_what_to_do() {
        let none = ProbeError::NoIoUring.to_string();
        assert!(none.contains("CONFIG_IO_URING"), "{none}");
        let disabled = ProbeError::IoUringDisabled.to_string();
        assert!(disabled.contains("io_uring_disabled = 2"), "{disabled}");
        assert!(
            disabled.contains("sysctl -w kernel.io_uring_disabled=0"),
            "{disabled}"
        );
    }
}
