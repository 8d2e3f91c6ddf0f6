//! Which BPF program goes on which tracepoint, and what is lost when a tracepoint is missing.

/// One thing the probe observes, and the programs that can observe it on the kernels uringtop
/// supports: (tracepoint, program), newest argument list first. The loader keeps the first program
/// whose tracepoint the kernel has and whose arguments the verifier accepts against the kernel's
/// BTF (each program reads its arguments as the kernels it is written for pass them).
pub struct Attachment {
    /// What is observed, named after the newest kernels' tracepoint.
    pub tracepoint: &'static str,
    pub programs: &'static [(&'static str, &'static str)],
    /// None: uringtop cannot work without it. Some: what degrades when it is missing.
    pub degrades: Option<&'static str>,
}

impl Attachment {
    /// The tracepoints that can serve this attachment, newest first, each once.
    pub fn tracepoints(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Vec::new();
        for (tp, _) in self.programs {
            if !names.contains(tp) {
                names.push(tp);
            }
        }
        names
    }
}

/// Attached in this order. Submission comes last: a request whose submission is counted must have
/// its completion seen too, or it would look in flight forever. (The reverse, a CQE of a request
/// submitted before attach, is counted as unmatched.)
pub const ATTACHMENTS: &[Attachment] = &[
    Attachment {
        tracepoint: "io_uring_complete",
        programs: &[
            ("io_uring_complete", "on_complete"), // 6.9+: (ctx, req, cqe)
            ("io_uring_complete", "on_complete_legacy"), // 5.19-6.8: (ctx, req, user_data, ...)
            ("io_uring_complete", "on_complete_keyed"), // 5.10-5.18: (ctx, user_data, res, cflags)
        ],
        degrades: None,
    },
    Attachment {
        tracepoint: "io_uring_req_failed",
        programs: &[("io_uring_req_failed", "on_req_failed")],
        degrades: Some(
            "SQEs refused at submission (rejected, denied) are not counted (needs Linux 5.16+)",
        ),
    },
    Attachment {
        tracepoint: "io_uring_queue_async_work",
        programs: &[
            ("io_uring_queue_async_work", "on_queue_async_work"), // 5.19+: (req, rw)
            ("io_uring_queue_async_work", "on_queue_async_work_ctx"), // 5.10-5.18
        ],
        degrades: Some("punts to io-wq are not counted and requests are not marked io-wq"),
    },
    Attachment {
        tracepoint: "io_uring_poll_arm",
        programs: &[
            ("io_uring_poll_arm", "on_poll_arm"), // 5.19+: (req, mask, events)
            ("io_uring_poll_arm", "on_poll_arm_ctx"), // 5.10-5.18
        ],
        degrades: Some("poll arms are not counted and requests are not marked poll"),
    },
    Attachment {
        tracepoint: "io_uring_create",
        programs: &[("io_uring_create", "on_create")],
        degrades: Some("ring fds are unknown and reused ring addresses may merge two rings"),
    },
    Attachment {
        tracepoint: "io_uring_register",
        programs: &[
            ("io_uring_register", "on_register"),         // 5.19+
            ("io_uring_register", "on_register_eventfd"), // 5.10-5.18: an eventfd flag before ret
        ],
        degrades: Some("io_uring_register calls and their denials are not counted"),
    },
    Attachment {
        tracepoint: "io_uring_cqe_overflow",
        programs: &[("io_uring_cqe_overflow", "on_cqe_overflow")],
        degrades: Some("CQ overflows are not counted (needs Linux 5.19+)"),
    },
    Attachment {
        tracepoint: "sched_process_exit",
        programs: &[("sched_process_exit", "on_process_exit")],
        degrades: Some(
            "exited processes are noticed only once their counters stay idle for a minute",
        ),
    },
    Attachment {
        tracepoint: "io_uring_submit_req",
        programs: &[
            ("io_uring_submit_req", "on_submit_req"),     // 6.5+: (req)
            ("io_uring_submit_sqe", "on_submit_sqe"),     // 6.0-6.4: (req, force_nonblock)
            ("io_uring_submit_sqe", "on_submit_sqe_ctx"), // 5.10-5.19: (ctx, req, opcode, ...)
        ],
        degrades: None,
    },
];
