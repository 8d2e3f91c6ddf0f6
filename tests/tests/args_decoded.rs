//! The real probe captures every argument of real requests, and uringtop decodes them exactly:
//! paths (one longer than the probe keeps, one that cannot be read), open flags, socket addresses
//! (IPv4, IPv6, AF_UNIX), plain and registered fds and what they are, CLOSE's fd, a timeout, and
//! a path submitted by an SQPOLL ring's kernel thread.

mod support;

use std::time::Duration;
use support::observe;
use uringtop_common::args::result::decode_result;
use uringtop_common::args::{args_json, args_text, SqeSource};
use uringtop_common::input::ExecPath;
use uringtop_tests::test_name;
use uringtop_tests::workloads::{self, PATH_CUT};

/// `want` with `<*>` standing for "what this fd was, whichever state it was caught in" (a socket
/// before its connect is in no /proc/net table): `<anything>` or nothing.
fn matches(got: &str, want: &str) -> bool {
    match want.split_once("<*>") {
        None => got == want,
        Some((pre, post)) => {
            got.len() >= pre.len() + post.len() && got.starts_with(pre) && got.ends_with(post) && {
                let mid = &got[pre.len()..got.len() - post.len()];
                mid.is_empty() || (mid.starts_with('<') && mid.ends_with('>'))
            }
        }
    }
}

#[test]
fn every_argument_is_decoded_exactly() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().to_path_buf();
    let Some(o) = observe(test_name!(), true, move || {
        workloads::decoded_args(&path, Duration::from_secs(1))
    }) else {
        return;
    };
    o.assert_exact_counts();
    assert_eq!(o.report.lost_records, 0, "records were lost");
    assert!(o.expected.args.len() > 40, "{}", o.expected.args.len());
    let mut failures = Vec::new();
    for want in &o.expected.args {
        let got: Vec<_> = o
            .requests
            .iter()
            .filter(|r| r.user_data == want.user_data)
            .collect();
        assert_eq!(got.len(), 1, "records of {want:?}");
        let r = got[0];
        let args = r
            .args
            .as_deref()
            .unwrap_or_else(|| panic!("no arguments captured for {want:?}"));
        let source = if r.path == ExecPath::Rejected {
            SqeSource::Failed
        } else {
            SqeSource::Ring
        };
        assert_eq!(args.source, source, "{want:?}");
        let text = args_text(&args.decode(r.opcode, r.sqe_flags));
        let result = decode_result(r.opcode, r.res, r.cflags, Some(args)).text();
        if !matches(&text, &want.args) || !matches(&result, &want.result) {
            failures.push(format!(
                "{} ud={}:\n   got  ({text}) = {result}\n   want ({}) = {}",
                want.op, want.user_data, want.args, want.result
            ));
        }
        if want.sqpoll {
            assert_ne!(
                r.tid, o.pid,
                "an SQPOLL ring's SQE is submitted by its kernel thread"
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The JSON forms of a cut path, an unreadable pointer and an IPv6 address.
    let json_of = |op: &str, nth: usize| {
        let want = o
            .expected
            .args
            .iter()
            .filter(|a| a.op == op)
            .nth(nth)
            .unwrap();
        let r = o
            .requests
            .iter()
            .find(|r| r.user_data == want.user_data)
            .unwrap();
        let a = r.args.as_deref().unwrap();
        args_json(&a.decode(r.opcode, r.sqe_flags))
    };
    let long = json_of("OPENAT", 1);
    assert_eq!(long["path"]["cut"], true);
    assert_eq!(long["path"]["text"].as_str().unwrap().len(), PATH_CUT);
    assert_eq!(json_of("OPENAT", 2)["path"]["unreadable"], "EFAULT");
    let v6 = json_of("CONNECT", 1);
    assert_eq!(v6["addr"]["family"], "AF_INET6");
    assert_eq!(v6["addr"]["addr"], "::1");
}
