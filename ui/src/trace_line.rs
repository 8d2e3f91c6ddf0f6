//! One completed request as a line of text (strace-like) or as a JSON object.

use serde::Serialize;
use std::fmt::Write as _;
use uringtop_common::input::Request;
use uringtop_common::names;
use uringtop_common::verdict::{Action, Verdict};

/// `12:00:01.123456 fio[4242] ring 1 READ fd=5 off=4096 len=4096 ud=0x7 = 4096 12.3µs inline`
pub fn text(r: &Request, utc_offset_s: i64) -> String {
    let mut line = String::with_capacity(120);
    let _ = write!(
        line,
        "{} {}[{}] ring {} {}",
        clock_time(r.time_ns, utc_offset_s),
        r.comm,
        r.pid,
        r.ring,
        names::opcode_name(r.opcode)
    );
    if r.fd >= 0 {
        let fixed = if r.sqe_flags & 1 != 0 { "fixed:" } else { "" };
        let _ = write!(line, " fd={fixed}{}", r.fd);
    }
    if r.off != 0 || r.len != 0 {
        let _ = write!(line, " off={} len={}", r.off, r.len);
    }
    let flags = names::sqe_flag_names(r.sqe_flags);
    if !flags.is_empty() {
        let _ = write!(line, " flags={}", flags.join("|"));
    }
    let _ = write!(line, " ud={:#x} = {}", r.user_data, r.res);
    if r.res < 0 {
        let _ = write!(line, " {}", names::errno_name(r.res.unsigned_abs() as u16));
    }
    if r.cqe_index != 0 {
        // One of several CQEs of one request (multishot, SEND_ZC): F_MORE says more follow.
        let more = if r.cflags & names::CQE_F_MORE != 0 {
            "more"
        } else {
            "last"
        };
        let _ = write!(line, " cqe#{} {more}", r.cqe_index);
    }
    if let Some(ns) = r.latency_ns {
        let _ = write!(line, " {}", human_ns(ns));
    }
    let _ = write!(line, " {}", r.path.name());
    if let Some(v) = r.verdict.filter(|v| v.action != Action::Allow) {
        let _ = write!(line, " [{}", verdict_word(&v));
        match v.rule {
            Some(rule) => {
                let _ = write!(line, " rule #{}]", u32::from(rule) + 1);
            }
            None => line.push_str(" default]"),
        }
    }
    line
}

/// What a verdict did, in one word: a kill without --enforce only would have.
pub fn verdict_word(v: &Verdict) -> &'static str {
    match v.action {
        Action::Kill if !v.enforced => "would-kill",
        Action::Kill => "killed",
        a => a.name(),
    }
}

/// 850ns, 12.3µs, 4.56ms, 1.20s
pub fn human_ns(ns: u64) -> String {
    match ns {
        0..=999 => format!("{ns}ns"),
        1_000..=999_999 => format!("{:.1}µs", ns as f64 / 1e3),
        1_000_000..=999_999_999 => format!("{:.2}ms", ns as f64 / 1e6),
        _ => format!("{:.2}s", ns as f64 / 1e9),
    }
}

/// HH:MM:SS.micros of a wall-clock time, shifted to local time by `utc_offset_s`.
pub fn clock_time(time_ns: u64, utc_offset_s: i64) -> String {
    let local_s = (time_ns / 1_000_000_000) as i64 + utc_offset_s;
    let day_s = local_s.rem_euclid(86_400);
    format!(
        "{:02}:{:02}:{:02}.{:06}",
        day_s / 3600,
        day_s / 60 % 60,
        day_s % 60,
        time_ns % 1_000_000_000 / 1000
    )
}

/// The local time zone's offset from UTC now, in seconds (0 if it cannot be known).
pub fn local_utc_offset_s() -> i64 {
    // SAFETY: time and localtime_r write into values we own.
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            return 0;
        }
        tm.tm_gmtoff
    }
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
        op: names::opcode_name(r.opcode).into_owned(),
        fd: (r.fd >= 0).then_some(r.fd),
        off: r.off,
        addr: r.addr,
        len: r.len,
        sqe_flags: names::sqe_flag_names(r.sqe_flags),
        user_data: r.user_data,
        res: r.res,
        errno: (r.res < 0).then(|| names::errno_name(r.res.unsigned_abs() as u16).into_owned()),
        cflags: r.cflags,
        latency_ns: r.latency_ns,
        path: r.path.name(),
        verdict: r.verdict.map(|v| VerdictJson {
            action: v.action.name(),
            rule: v.rule.map(|i| u32::from(i) + 1),
            enforced: v.enforced,
        }),
        cqe_index: (r.cqe_index != 0).then_some(r.cqe_index),
    };
    serde_json::to_string(&j).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uringtop_common::input::ExecPath;

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
            sqe_flags: 0,
            user_data: 7,
            res: 4096,
            cflags: 0,
            path: ExecPath::Inline,
            verdict: None,
            cqe_index: 0,
            args: None,
        }
    }

    #[test]
    fn a_read_reads_like_strace() {
        assert_eq!(
            text(&read(), 0),
            "12:00:01.123456 fio[4242] ring 1 READ fd=5 off=4096 len=4096 ud=0x7 = 4096 12.3µs inline"
        );
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
    fn durations_read_naturally() {
        assert_eq!(human_ns(850), "850ns");
        assert_eq!(human_ns(12_300), "12.3µs");
        assert_eq!(human_ns(4_560_000), "4.56ms");
        assert_eq!(human_ns(1_200_000_000), "1.20s");
    }
}
