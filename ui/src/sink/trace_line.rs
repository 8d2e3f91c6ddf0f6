//! One completed request as a line of text (strace-like) or as a JSON object.

use serde::Serialize;
use std::fmt::Write as _;
use uringtop_common::input::Request;
use uringtop_common::names;
use uringtop_common::request_fields::{self as fields, Fd};
use uringtop_common::verdict::Action;

/// `12:00:01.123456 fio[4242] ring 1 READ fd=5 off=4096 len=4096 ud=0x7 = 4096 12.3µs inline`
pub fn text(r: &Request, utc_offset_s: i64) -> String {
    let mut line = String::with_capacity(120);
    fields::time(&mut line, r.time_ns, utc_offset_s);
    line.push(' ');
    fields::process(&mut line, &r.comm, r.pid);
    let _ = write!(line, " ring {} {}", r.ring, fields::opcode(r));
    let arguments = fields::arguments(r);
    if arguments.decoded() {
        // strace's shape: OPENAT(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC), the fd inside.
        let _ = write!(line, "({arguments})");
    } else {
        let fd = fields::fd(r);
        if fd != Fd::None {
            let _ = write!(line, " fd={fd}");
        }
        if !arguments.is_empty() {
            let _ = write!(line, " {arguments}");
        }
    }
    let flags = names::sqe_flag_names(r.sqe_flags);
    if !flags.is_empty() {
        let _ = write!(line, " flags={}", flags.join("|"));
    }
    let _ = write!(line, " ud={:#x} = ", r.user_data);
    fields::outcome(&mut line, r);
    if let Some(cqe) = fields::cqe(r) {
        // One of several CQEs of one request (multishot, SEND_ZC): F_MORE says more follow.
        let _ = write!(line, " cqe{cqe} {}", cqe.word());
    }
    if let Some(ns) = r.latency_ns {
        line.push(' ');
        fields::latency(&mut line, ns);
    }
    let _ = write!(line, " {}", fields::path(r));
    if let Some(v) = r.verdict.filter(|v| v.action != Action::Allow) {
        let _ = write!(line, " [{}", fields::verdict_word(&v));
        if v.rule.is_some() {
            line.push_str(" rule");
        }
        line.push(' ');
        fields::rule(&mut line, v.rule);
        line.push(']');
    }
    line
}

#[derive(Serialize)]
pub struct TraceJson<'a> {
    pub time_ns: u64,
    pub pid: u32,
    pub tid: u32,
    pub comm: &'a str,
    pub ring: u32,
    pub op: String,
    pub fd: Option<i32>,
    pub off: u64,
    pub addr: u64,
    pub len: u32,
    pub sqe_flags: Vec<&'static str>,
    pub user_data: u64,
    pub res: i32,
    pub errno: Option<String>,
    pub cflags: u32,
    pub latency_ns: Option<u64>,
    pub path: &'static str,
    /// With a policy: {"action": "deny", "rule": 1 (as users count, null for the default),
    /// "enforced": false}.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<VerdictJson>,
    /// For requests that post several CQEs: this CQE's number, from 1 (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cqe_index: Option<u32>,
    /// When the probe captured the request's arguments: `args` (every one by name, decoded),
    /// `args_source`, and what the result means (`res_fd`, `cqe_flags`, `buffer_id`).
    #[serde(flatten)]
    pub decoded: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
pub struct VerdictJson {
    pub action: &'static str,
    pub rule: Option<u32>,
    pub enforced: bool,
}

pub fn json(r: &Request) -> String {
    let j = TraceJson {
        time_ns: r.time_ns,
        pid: r.pid,
        tid: r.tid,
        comm: &r.comm,
        ring: r.ring,
        op: fields::opcode(r).into_owned(),
        fd: fields::fd(r).raw(),
        off: r.off,
        addr: r.addr,
        len: r.len,
        sqe_flags: names::sqe_flag_names(r.sqe_flags),
        user_data: r.user_data,
        res: r.res,
        errno: fields::errno(r.res).map(|e| e.into_owned()),
        cflags: r.cflags,
        latency_ns: r.latency_ns,
        path: fields::path(r),
        verdict: r.verdict.map(|v| VerdictJson {
            action: v.action.name(),
            rule: v.rule.map(|i| u32::from(i) + 1),
            enforced: v.enforced,
        }),
        cqe_index: fields::cqe(r).map(|c| c.index),
        decoded: {
            let mut m = serde_json::Map::new();
            uringtop_common::args::present::json_fields(r, &mut m);
            m
        },
    };
    serde_json::to_string(&j).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uringtop_common::verdict::Verdict;

    fn read() -> Request {
        Request {
            time_ns: 43_201_123_456_789, // 12:00:01.123456 UTC
            latency_ns: Some(12_345),
            pid: 4242,
            tid: 4243,
            comm: "fio".into(),
            ring: 1,
            opcode: 22,
            fd: 5,
            off: 4096,
            addr: 0x1000,
            len: 4096,
            user_data: 7,
            res: 4096,
            ..Request::default()
        }
    }

    #[test]
    fn a_read_reads_like_strace() {
        assert_eq!(
            text(&read(), 0),
            "12:00:01.123456 fio[4242] ring 1 READ fd=5 off=4096 len=4096 ud=0x7 = 4096 12.3µs inline"
        );
    }

    /// An OPENAT whose arguments the probe captured, as the live source hands it over.
    fn openat() -> Request {
        use uringtop_common::args::{FdFile, Mem, OpArgs, Sqe, SqeSource};
        Request {
            opcode: 18,
            fd: -1,
            off: 0,
            len: 0,
            res: 5,
            latency_ns: Some(25_700),
            args: Some(Box::new(OpArgs {
                source: SqeSource::Ring,
                sqe: Sqe {
                    fd: -100,
                    addr: 0x1000,
                    op_flags: 0o2000000,
                    ..Sqe::default()
                },
                mem: [
                    Mem::Str {
                        bytes: b"/etc/passwd".to_vec(),
                        cut: false,
                    },
                    Mem::None,
                ],
                files: vec![FdFile {
                    fd: 5,
                    what: "/etc/passwd".into(),
                }],
            })),
            ..read()
        }
    }

    #[test]
    fn captured_arguments_read_like_strace() {
        assert_eq!(
            text(&openat(), 0),
            "12:00:01.123456 fio[4242] ring 1 OPENAT(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) \
             ud=0x7 = 5</etc/passwd> 25.7µs inline"
        );
        let v: serde_json::Value = serde_json::from_str(&json(&openat())).unwrap();
        assert_eq!(v["op"], "OPENAT");
        assert_eq!(v["args"]["path"], "/etc/passwd");
        assert_eq!(
            v["args"]["flags"],
            serde_json::json!(["O_RDONLY", "O_CLOEXEC"])
        );
        assert_eq!(v["args"]["dirfd"]["name"], "AT_FDCWD");
        assert_eq!(
            v["res_fd"],
            serde_json::json!({"fd": 5, "file": "/etc/passwd"})
        );
        assert_eq!(v["args_source"], "ring");
        // Without captured arguments, nothing of them.
        let v: serde_json::Value = serde_json::from_str(&json(&read())).unwrap();
        assert!(v.get("args").is_none());
    }

    #[test]
    fn errors_name_their_errno_and_fdless_ops_show_no_fd() {
        let r = Request {
            opcode: 18,
            fd: -1,
            off: 0,
            len: 0,
            res: -2,
            latency_ns: None,
            ..read()
        };
        assert_eq!(
            text(&r, 0),
            "12:00:01.123456 fio[4242] ring 1 OPENAT ud=0x7 = -2 ENOENT inline"
        );
        let v: serde_json::Value = serde_json::from_str(&json(&r)).unwrap();
        assert_eq!(v["op"], "OPENAT");
        assert_eq!(v["errno"], "ENOENT");
        assert!(v["fd"].is_null());
    }

    #[test]
    fn violations_show_their_verdict_and_rule() {
        let judged = |action, rule, enforced| Request {
            verdict: Some(Verdict {
                action,
                rule,
                enforced,
            }),
            ..read()
        };
        let tail = |r: &Request| text(r, 0).rsplit(" inline").next().unwrap().to_string();
        assert_eq!(tail(&judged(Action::Allow, None, false)), "");
        assert_eq!(
            tail(&judged(Action::Deny, Some(1), false)),
            " [deny rule #2]"
        );
        assert_eq!(
            tail(&judged(Action::Kill, Some(0), false)),
            " [would-kill rule #1]"
        );
        assert_eq!(
            tail(&judged(Action::Kill, Some(0), true)),
            " [killed rule #1]"
        );
        assert_eq!(tail(&judged(Action::Log, None, false)), " [log default]");
        let v: serde_json::Value =
            serde_json::from_str(&json(&judged(Action::Deny, Some(1), false))).unwrap();
        assert_eq!(
            v["verdict"],
            serde_json::json!({"action": "deny", "rule": 2, "enforced": false})
        );
        assert!(
            serde_json::from_str::<serde_json::Value>(&json(&read())).unwrap()["verdict"].is_null()
        );
    }

    #[test]
    fn a_registered_file_reads_as_its_index() {
        let r = Request {
            sqe_flags: 1, // IOSQE_FIXED_FILE
            ..read()
        };
        assert_eq!(
            text(&r, 0),
            "12:00:01.123456 fio[4242] ring 1 READ fd=f:5 off=4096 len=4096 flags=FIXED_FILE ud=0x7 = 4096 12.3µs inline"
        );
    }

    #[test]
    fn durations_read_naturally() {
        let human_ns = |ns| fields::to_string(fields::latency, ns);
        assert_eq!(human_ns(850), "850ns");
        assert_eq!(human_ns(12_300), "12.3µs");
        assert_eq!(human_ns(4_560_000), "4.56ms");
        assert_eq!(human_ns(1_200_000_000), "1.20s");
    }
}
