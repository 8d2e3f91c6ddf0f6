//! One request as people read it: the one place that turns a [`Request`] into its fields (time,
//! process, ring, opcode, fd or fixed index, arguments, result with its errno name, latency, path,
//! CQE index, verdict). The trace's text and JSON, the TUI's request lists and detail, and the
//! Perfetto export show a request through these, so each field has one spelling everywhere.
//!
//! Writers append to a caller-owned `String` (a TUI frame reuses one buffer for every cell);
//! small values ([`Fd`], [`Cqe`]) implement `Display`.

use crate::args;
use crate::input::{ExecPath, Request};
use crate::names::{self, errno_name};
use crate::verdict::{Action, Verdict};
use std::borrow::Cow;
use std::fmt::{self, Write};

/// IOSQE_FIXED_FILE: the SQE's fd is an index into the ring's registered files.
const SQE_FIXED_FILE: u8 = 1;

/// `HH:MM:SS.micros` of a wall-clock time (ns since the epoch), shifted to local time by
/// `utc_offset_s`.
pub fn time(out: &mut String, time_ns: u64, utc_offset_s: i64) {
    let local_s = (time_ns / 1_000_000_000) as i64 + utc_offset_s;
    let day_s = local_s.rem_euclid(86_400);
    let micros = time_ns % 1_000_000_000 / 1000;
    let _ = write!(
        out,
        "{:02}:{:02}:{:02}.{micros:06}",
        day_s / 3600,
        day_s / 60 % 60,
        day_s % 60
    );
}

/// `fio[4242]`.
pub fn process(out: &mut String, comm: &str, pid: u32) {
    let _ = write!(out, "{comm}[{pid}]");
}

/// The opcode's name: `READ`, `OP_250` for one newer than the name table.
pub fn opcode(r: &Request) -> Cow<'static, str> {
    names::opcode_name(r.opcode)
}

/// The file a request names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fd {
    /// The opcode takes none.
    None,
    /// A file descriptor of the process: `5`.
    Number(i32),
    /// An index into the ring's registered files (IOSQE_FIXED_FILE): `f:5`.
    Fixed(i32),
}

impl Fd {
    /// The number as submitted, fixed index or not (None when the opcode takes no file).
    pub fn raw(self) -> Option<i32> {
        match self {
            Fd::None => None,
            Fd::Number(n) | Fd::Fixed(n) => Some(n),
        }
    }
}

impl fmt::Display for Fd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fd::None => f.write_str("-"),
            Fd::Number(n) => write!(f, "{n}"),
            Fd::Fixed(i) => write!(f, "f:{i}"),
        }
    }
}

pub fn fd(r: &Request) -> Fd {
    if r.fd < 0 {
        Fd::None
    } else if r.sqe_flags & SQE_FIXED_FILE != 0 {
        Fd::Fixed(r.fd)
    } else {
        Fd::Number(r.fd)
    }
}

/// The request's arguments. When the probe captured them (see [`crate::args`]): every one,
/// decoded, as strace prints a call's (`AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC`, the fd
/// among them); otherwise (a recording made before, an AUX_CQE) the SQE's offset and length as
/// `off=4096 len=4096`, when either is set.
#[derive(Clone, Copy, Debug)]
pub struct Arguments<'a> {
    r: &'a Request,
}

impl Arguments<'_> {
    /// True when the request has none to show.
    pub fn is_empty(&self) -> bool {
        !self.decoded() && self.r.off == 0 && self.r.len == 0
    }

    /// True when these are the decoded arguments (strace's shape, fd included).
    pub fn decoded(&self) -> bool {
        self.r.args.is_some()
    }

    /// Every argument by name with its value's text, for a detail view (empty when not decoded).
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        args::present::lines(self.r)
    }
}

impl fmt::Display for Arguments<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.decoded() {
            return f.write_str(&args::args_text(&args::present::decoded(self.r)));
        }
        if self.is_empty() {
            return Ok(());
        }
        write!(f, "off={} len={}", self.r.off, self.r.len)
    }
}

pub fn arguments(r: &Request) -> Arguments<'_> {
    Arguments { r }
}

/// The one argument that says most about a request, for a list row: its path, its socket
/// address, or what its fd is (nothing when its arguments were not captured).
pub fn telling_argument(out: &mut String, r: &Request) {
    args::present::telling(out, r);
}

/// The CQE's result as the request's opcode means it: the new fd and what it is
/// (`5</etc/passwd>`), a registered slot (`0 (fixed:3)`), `-2 ENOENT`, CQE flags
/// (`4096 [BUFFER(7)|MORE]`). Without captured arguments, as [`result`].
pub fn outcome(out: &mut String, r: &Request) {
    match r.args.as_deref() {
        Some(a) => {
            out.push_str(&args::result::decode_result(r.opcode, r.res, r.cflags, Some(a)).text())
        }
        None => result(out, r.res),
    }
}

/// The CQE's result: `4096`, or `-2 ENOENT`.
pub fn result(out: &mut String, res: i32) {
    let _ = write!(out, "{res}");
    if let Some(name) = errno(res) {
        let _ = write!(out, " {name}");
    }
}

/// The errno's name of a failed result (`ENOENT` for -2); None for a success.
pub fn errno(res: i32) -> Option<Cow<'static, str>> {
    (res < 0).then(|| errno_name(u16::try_from(res.unsigned_abs()).unwrap_or(u16::MAX)))
}

/// A latency in full: `850ns`, `12.3µs`, `4.56ms`, `1.20s`.
pub fn latency(out: &mut String, ns: u64) {
    let _ = match ns {
        0..=999 => write!(out, "{ns}ns"),
        1_000..=999_999 => write!(out, "{:.1}µs", ns as f64 / 1e3),
        1_000_000..=999_999_999 => write!(out, "{:.2}ms", ns as f64 / 1e6),
        _ => write!(out, "{:.2}s", ns as f64 / 1e9),
    };
}

/// How the request executed: `inline`, `poll`, `io-wq`, `rejected`.
pub fn path(r: &Request) -> &'static str {
    r.path.name()
}

/// What a path means, for a reader who does not know io_uring's internals.
pub fn path_meaning(p: ExecPath) -> &'static str {
    match p {
        ExecPath::Inline => "completed in the submitting task",
        ExecPath::Poll => "armed a poll, completed when the file was ready",
        ExecPath::IoWq => "punted to an io-wq worker thread",
        ExecPath::Rejected => "refused at submission, never issued",
    }
}

/// The n-th CQE of a request that posts several (multishot, SEND_ZC's notification).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cqe {
    /// From 1.
    pub index: u32,
    /// IORING_CQE_F_MORE: more CQEs of this request follow.
    pub more: bool,
}

impl Cqe {
    /// `more` or `last`.
    pub fn word(self) -> &'static str {
        if self.more {
            "more"
        } else {
            "last"
        }
    }
}

/// `#3`.
impl fmt::Display for Cqe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.index)
    }
}

/// None for a request that posts one CQE.
pub fn cqe(r: &Request) -> Option<Cqe> {
    (r.cqe_index != 0).then_some(Cqe {
        index: r.cqe_index,
        more: r.cflags & names::CQE_F_MORE != 0,
    })
}

/// What a verdict did, in one word: `allow`, `log`, `deny`, `killed`, `would-kill` for a
/// kill without `--enforce` (so nobody reads that a process was killed when it was not), and
/// `refused` for a deny the kernel carried out (-EACCES at submission, e.g. under `uringtop run`).
pub fn verdict_word(v: &Verdict) -> &'static str {
    match v.action {
        Action::Kill if !v.enforced => "would-kill",
        Action::Kill => "killed",
        Action::Deny if v.enforced => "refused",
        a => a.name(),
    }
}

/// What a verdict meant for the request.
pub fn verdict_meaning(v: &Verdict) -> &'static str {
    match v.action {
        Action::Allow => "allowed",
        Action::Log => "logged; the request ran",
        // A tracepoint cannot fail an SQE: only the kernel's own restrictions refuse one.
        Action::Deny if v.enforced => "refused by the kernel (EACCES): the request never ran",
        Action::Deny => "audit: the request still ran",
        Action::Kill if v.enforced => "enforced: SIGKILL sent to the process",
        Action::Kill => "audit, no --enforce: not killed",
    }
}

/// The rule that decided, as users count them: `#2` (the second rule of the file), or `default`
/// when none matched.
pub fn rule(out: &mut String, rule: Option<u16>) {
    match rule {
        Some(r) => {
            let _ = write!(out, "#{}", u32::from(r) + 1);
        }
        None => out.push_str("default"),
    }
}

/// Convenience for one-off texts: runs a writer into a new `String`.
pub fn to_string<T>(f: fn(&mut String, T), value: T) -> String {
    let mut s = String::new();
    f(&mut s, value);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read() -> Request {
        Request {
            time_ns: 43_201_123_456_789,
            fd: 5,
            res: 4096,
            ..Request::default()
        }
    }

    #[test]
    fn one_spelling_per_fd() {
        assert_eq!(fd(&read()).to_string(), "5");
        let fixed = Request {
            sqe_flags: SQE_FIXED_FILE,
            ..read()
        };
        assert_eq!(fd(&fixed).to_string(), "f:5");
        assert_eq!(fd(&fixed).raw(), Some(5));
        let none = Request { fd: -1, ..read() };
        assert_eq!(fd(&none), Fd::None);
        assert_eq!(fd(&none).to_string(), "-");
    }

    #[test]
    fn one_word_per_verdict() {
        let v = |action, enforced| Verdict {
            action,
            rule: None,
            enforced,
        };
        assert_eq!(verdict_word(&v(Action::Allow, false)), "allow");
        assert_eq!(verdict_word(&v(Action::Log, false)), "log");
        assert_eq!(verdict_word(&v(Action::Deny, false)), "deny");
        assert_eq!(verdict_word(&v(Action::Deny, true)), "refused");
        assert_eq!(verdict_word(&v(Action::Kill, false)), "would-kill");
        assert_eq!(verdict_word(&v(Action::Kill, true)), "killed");
    }

    #[test]
    fn results_times_and_latencies() {
        assert_eq!(to_string(result, 4096), "4096");
        assert_eq!(to_string(result, -2), "-2 ENOENT");
        assert_eq!(errno(0), None);
        let mut s = String::new();
        time(&mut s, read().time_ns, 0);
        assert_eq!(s, "12:00:01.123456");
        let l = |ns| to_string(latency, ns);
        assert_eq!(l(850), "850ns");
        assert_eq!(l(12_300), "12.3µs");
        assert_eq!(l(4_560_000), "4.56ms");
        assert_eq!(l(1_200_000_000), "1.20s");
        assert_eq!(to_string(rule, Some(1)), "#2");
        assert_eq!(to_string(rule, None), "default");
    }
}
