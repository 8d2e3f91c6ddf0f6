//! The request stream: individual SQE/CQE pairs, on demand. Switching it on and off (which
//! requests: [`RequestFilter`]), and turning each item of the probe's ring buffer (the BPF map
//! `records`, one [`Record`] an item) into a [`Request`] with wall-clock times.

use uringtop_common::abi::{self, Record};
use uringtop_common::args::OpArgs;
use uringtop_common::input::{ExecPath, Request};
use uringtop_common::verdict::{Action, Verdict};

/// Which requests to stream. `None` fields mean "all".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestFilter {
    pub pid: Option<u32>,
    pub ring: Option<u32>,
}

impl RequestFilter {
    pub(crate) fn config(filter: Option<RequestFilter>) -> abi::Config {
        match filter {
            None => abi::Config::default(),
            Some(f) => abi::Config {
                records_enabled: 1,
                filter_tgid: f.pid.unwrap_or(0),
                filter_ring: f.ring.unwrap_or(0),
                _pad: 0,
            },
        }
    }
}

/// Converts CLOCK_MONOTONIC (what bpf_ktime_get_ns reads) to wall-clock ns, by an offset taken once.
#[derive(Clone, Copy, Debug)]
pub struct WallClock {
    offset_ns: i128,
}

impl WallClock {
    pub fn now() -> Self {
        let realtime = clock_ns(libc::CLOCK_REALTIME);
        let monotonic = clock_ns(libc::CLOCK_MONOTONIC);
        WallClock {
            offset_ns: realtime as i128 - monotonic as i128,
        }
    }

    pub fn wall_ns(&self, monotonic_ns: u64) -> u64 {
        (monotonic_ns as i128 + self.offset_ns).max(0) as u64
    }
}

pub fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Decodes one ring-buffer item: a record, followed by its user memory when it has some (see
/// `struct urt_record` in abi.h). None if it is not a whole record (cannot happen with this probe,
/// but a short read must not become a panic).
pub(crate) fn decode(bytes: &[u8], clock: &WallClock) -> Option<Request> {
    let size = std::mem::size_of::<Record>();
    if bytes.len() < size {
        return None;
    }
    // SAFETY: Record is plain old data of exactly this size; read_unaligned copes with alignment.
    let r: Record = unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast()) };
    let mem = bytes.get(size..abi::RECORD_WITH_MEM).unwrap_or_default();
    Some(request_of(&r, mem, clock))
}

fn request_of(r: &Record, mem: &[u8], clock: &WallClock) -> Request {
    let path = if r.path & abi::PATH_REJECTED != 0 {
        ExecPath::Rejected
    } else if r.path & abi::PATH_IOWQ != 0 {
        ExecPath::IoWq
    } else if r.path & abi::PATH_POLL != 0 {
        ExecPath::Poll
    } else {
        ExecPath::Inline
    };
    let timed = path != ExecPath::Rejected && r.submit_ns != 0 && r.complete_ns >= r.submit_ns;
    Request {
        time_ns: clock.wall_ns(r.complete_ns),
        latency_ns: timed.then(|| r.complete_ns - r.submit_ns),
        pid: r.tgid,
        tid: r.tid,
        comm: abi::comm_str(&r.comm),
        ring: r.ring,
        opcode: r.opcode,
        fd: r.fd,
        off: r.off,
        addr: r.addr,
        len: r.len,
        sqe_flags: r.sqe_flags,
        user_data: r.user_data,
        res: r.res,
        cflags: r.cflags,
        path,
        verdict: verdict_of(r),
        cqe_index: r.cqe_index,
        args: OpArgs::from_abi(&r.args, mem).map(Box::new),
    }
}

fn verdict_of(r: &Record) -> Option<Verdict> {
    if r.verdict & abi::VERDICT_PRESENT == 0 {
        return None;
    }
    Some(Verdict {
        action: Action::from_abi(r.verdict & abi::VERDICT_ACTION).unwrap_or_default(),
        rule: (r.rule != abi::NO_RULE).then_some(r.rule),
        enforced: r.verdict & abi::VERDICT_ENFORCED != 0,
    })
}
