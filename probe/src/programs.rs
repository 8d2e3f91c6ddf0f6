//! Which BPF program goes on which tracepoint, and what is lost when a tracepoint is missing.

/// One tracepoint and the programs that can serve it, newest argument list first: the loader keeps
/// the first one the verifier accepts (each checks its arguments against the kernel's BTF).
pub struct Attachment {
    pub tracepoint: &'static str,
    pub programs: &'static [&'static str],
    /// None: uringtop cannot work without it. Some: what degrades when it is missing.
    pub degrades: Option<&'static str>,
}

/// Attached in this order. io_uring_submit_req comes last: a request whose submission is counted
/// must have its completion seen too, or it would look in flight forever. (The reverse, a CQE of a
/// request submitted before attach, is counted as unmatched.)
pub const ATTACHMENTS: &[Attachment] = &[
    Attachment {
        tracepoint: "io_uring_complete",
        programs: &["on_complete", "on_complete_legacy"],
        degrades: None,
    },
    Attachment {
        tracepoint: "io_uring_req_failed",
        programs: &["on_req_failed"],
        degrades: Some(
            "SQEs refused at submission (rejected, denied) are not counted (needs Linux 5.16+)",
        ),
    },
    Attachment {
        tracepoint: "io_uring_queue_async_work",
        programs: &["on_queue_async_work"],
        degrades: Some("punts to io-wq are not counted and requests are not marked io-wq"),
    },
    Attachment {
        tracepoint: "io_uring_poll_arm",
        programs: &["on_poll_arm"],
        degrades: Some("poll arms are not counted and requests are not marked poll"),
    },
    Attachment {
        tracepoint: "io_uring_create",
        programs: &["on_create"],
        degrades: Some("ring fds are unknown and reused ring addresses may merge two rings"),
    },
    Attachment {
        tracepoint: "io_uring_register",
        programs: &["on_register"],
        degrades: Some("io_uring_register calls and their denials are not counted"),
    },
    Attachment {
        tracepoint: "io_uring_cqe_overflow",
        programs: &["on_cqe_overflow"],
        degrades: Some("CQ overflows are not counted"),
    },
    Attachment {
        tracepoint: "sched_process_exit",
        programs: &["on_process_exit"],
        degrades: Some(
            "exited processes are noticed only once their counters stay idle for a minute",
        ),
    },
    Attachment {
        tracepoint: "io_uring_submit_req",
        programs: &["on_submit_req"],
        degrades: None,
    },
];
