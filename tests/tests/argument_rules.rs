//! `paths`, `peers` and `fixed_buffers` rules judged by the real probe at submission: exact
//! verdict counts per opcode and per rule for real io_uring workloads, every streamed request's
//! verdict equal to the reference evaluator's on the arguments the probe captured, and two rings
//! of one process under different rules.

mod support;

use std::collections::BTreeMap;
use std::io::Write;

use support::{observe_with_policy, Observed};
use uringtop_common::policy::{self, MemArgs, Policy, SqeArgs, SqeFacts};
use uringtop_common::verdict::VerdictCounts;
use uringtop_tests::workloads::{self, SELECTED_RING_FD};

fn counts(allow: u64, log: u64, deny: u64, kill: u64) -> VerdictCounts {
    VerdictCounts {
        allow,
        log,
        deny,
        kill,
        denied_by_kernel: 0,
    }
}

/// Verdicts per (ring fd, opcode name) of the observed process.
fn verdicts(o: &Observed) -> BTreeMap<(Option<i32>, String), VerdictCounts> {
    let mut out: BTreeMap<(Option<i32>, String), VerdictCounts> = BTreeMap::new();
    for ring in &o.process().rings {
        for op in &ring.ops {
            let v = op.verdicts.expect("verdicts with a policy loaded");
            let e = out.entry((ring.fd, op.op.clone())).or_default();
            *e = e.saturating_add(&v);
        }
    }
    out
}

/// Verdicts per opcode name, over every ring.
fn by_op(o: &Observed) -> BTreeMap<String, VerdictCounts> {
    let mut out: BTreeMap<String, VerdictCounts> = BTreeMap::new();
    for ((_, op), v) in verdicts(o) {
        let e = out.entry(op).or_default();
        *e = e.saturating_add(&v);
    }
    out
}

/// The kernel has registered-buffer forms of vectored I/O (READV_FIXED: Linux 6.15+).
fn vectored_fixed() -> bool {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut parts = release
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= (6, 15)
}

/// Every streamed request's verdict is the reference evaluator's, judged on the arguments the
/// probe captured for its record.
fn assert_probe_agrees(o: &Observed, policy: &Policy) {
    let fds: BTreeMap<u32, i32> = o
        .process()
        .rings
        .iter()
        .map(|r| (r.ring, r.fd.unwrap_or(-1)))
        .collect();
    assert!(!o.requests.is_empty(), "requests were streamed");
    for r in &o.requests {
        let args = r
            .args
            .as_deref()
            .unwrap_or_else(|| panic!("no arguments captured for {r:?}"));
        let open = matches!(r.opcode, 18 | 28).then(|| SqeArgs::Open {
            // Prep adds O_LARGEFILE, and the probe judges the flags after prep.
            flags: u64::from(args.sqe.op_flags) | 0o100000,
        });
        let facts = SqeFacts {
            pid: r.pid,
            uid: 0,
            comm: r.comm.clone(),
            opcode: r.opcode,
            sqe_flags: r.sqe_flags,
            ring_fd: fds.get(&r.ring).copied().unwrap_or(-1),
            args: open.unwrap_or_default(),
            mem: MemArgs::from_captured(r.opcode, args, vectored_fixed()),
            ..Default::default()
        };
        assert_eq!(
            r.verdict,
            Some(policy.judge_sqe(&facts)),
            "{} user_data {} {:?}",
            uringtop_common::names::opcode_name(r.opcode),
            r.user_data,
            facts.mem
        );
    }
}

fn path_policy() -> Policy {
    let d = workloads::missing_dir();
    let text = format!(
        r#"
[[rule]]
name = "secrets"
paths = ["{d}/root/**", "!{d}/root/ok"]
action = "deny"

[[rule]]
name = "writes in the top directory"
paths = ["{d}/*"]
open_flags_any = ["O_WRONLY", "O_RDWR"]
action = "kill"

[[rule]]
name = "relative paths"
paths = ["!/**"]
action = "log"
"#
    );
    policy::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn path_rules_judge_every_path_opcode_with_negation_subtrees_and_relative_paths() {
    let policy = path_policy();
    let Some(o) = observe_with_policy(
        "path_rules_judge_every_path_opcode_with_negation_subtrees_and_relative_paths",
        true,
        Some(policy.compile(false)),
        workloads::path_opcodes,
    ) else {
        return;
    };
    o.assert_exact_counts();
    let v = by_op(&o);
    // Allowed: D/root/ok (negated), D/other read-only. Denied: D/root/secret, and the long
    // path, cut by the probe after its first 255 bytes, whose start decides. Would-kill: the
    // write-only open in D. Logged: the relative path.
    assert_eq!(v["OPENAT"], counts(2, 1, 2, 1));
    assert_eq!(v["STATX"], counts(0, 0, 1, 0), "D/root/** includes D/root");
    assert_eq!(v["RENAMEAT"], counts(0, 0, 2, 0), "either path decides");
    assert_eq!(v["UNLINKAT"], counts(1, 0, 0, 0));
    assert_eq!(v["MKDIRAT"], counts(0, 0, 1, 0));
    assert_eq!(v["SYMLINKAT"], counts(0, 0, 1, 0), "the link's target");
    assert_eq!(o.report.rule_hits, Some(vec![7, 1, 1]));
    // Violations stream without asking; here every request streamed: the probe and the
    // reference evaluator agree on each.
    assert_eq!(o.requests.len(), 12);
    assert_probe_agrees(&o, &policy);
}

fn peer_policy() -> Policy {
    let text = format!(
        r#"
[[rule]]
name = "unix sockets"
peers = ["unix"]
action = "allow"

[[rule]]
name = "the database"
peers = ["127.0.0.0/8:{db}"]
action = "log"

[[rule]]
name = "IPv6 loopback"
peers = ["[::1]:*"]
action = "deny"

[[rule]]
name = "beyond 127.0.0.0/24"
peers = ["!127.0.0.0/24"]
action = "kill"
"#,
        db = workloads::DB_PORT
    );
    policy::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn peer_rules_judge_ipv4_ipv6_mapped_unix_and_ports() {
    let policy = peer_policy();
    let Some(o) = observe_with_policy(
        "peer_rules_judge_ipv4_ipv6_mapped_unix_and_ports",
        true,
        Some(policy.compile(false)),
        workloads::peer_opcodes,
    ) else {
        return;
    };
    o.assert_exact_counts();
    let v = by_op(&o);
    // CONNECT: 127.0.0.1:9 and ::ffff:127.0.0.1 (matched as IPv4) allowed by default, AF_UNIX
    // allowed by rule #1; 127.0.0.1:5432 logged; [::1] denied; 127.1.0.1 would be killed.
    assert_eq!(v["CONNECT"], counts(3, 1, 1, 1));
    assert_eq!(v["SENDMSG"], counts(0, 1, 0, 1), "msg_name decides");
    assert_eq!(v["SEND_ZC"], counts(0, 0, 1, 0), "its destination decides");
    assert_eq!(v["SEND"], counts(0, 0, 1, 0), "its destination decides");
    if workloads::has_bind() {
        assert_eq!(v["BIND"], counts(1, 0, 0, 0), "the address bound");
    } else {
        assert!(!v.contains_key("BIND"));
        let _ = writeln!(
            std::io::stderr().lock(),
            "NOT RUN the BIND part of peer_rules_judge_ipv4_ipv6_mapped_unix_and_ports: \
             needs IORING_OP_BIND (Linux 6.11+)"
        );
    }
    assert_eq!(o.report.rule_hits, Some(vec![1, 2, 3, 2]));
    assert_probe_agrees(&o, &policy);
}

#[test]
fn fixed_buffer_rules_tell_two_rings_of_one_process_apart() {
    let policy = policy::parse(&format!(
        r#"
[[rule]]
name = "registered buffers only on the selected ring"
ring_fd = {SELECTED_RING_FD}
fixed_buffers = true
action = "deny"

[[rule]]
name = "elsewhere, report them"
fixed_buffers = true
action = "log"
"#
    ))
    .unwrap();
    let Some(o) = observe_with_policy(
        "fixed_buffer_rules_tell_two_rings_of_one_process_apart",
        true,
        Some(policy.compile(false)),
        workloads::plain_and_registered_buffers,
    ) else {
        return;
    };
    o.assert_exact_counts();
    let v = verdicts(&o);
    let readv = u64::from(vectored_fixed());
    let other_fd = o
        .process()
        .rings
        .iter()
        .map(|r| r.fd)
        .find(|&fd| fd != Some(SELECTED_RING_FD))
        .expect("a second ring");
    let denied: fn(u64) -> VerdictCounts = |n| counts(0, 0, n, 0);
    let logged: fn(u64) -> VerdictCounts = |n| counts(0, n, 0, 0);
    for (fd, plain) in [(Some(SELECTED_RING_FD), denied), (other_fd, logged)] {
        let at = |op: &str| v.get(&(fd, op.to_string())).copied();
        assert_eq!(at("READ"), Some(plain(2)), "ring fd {fd:?}");
        assert_eq!(at("WRITE"), Some(plain(1)), "ring fd {fd:?}");
        assert_eq!(at("READ_FIXED"), Some(counts(3, 0, 0, 0)), "ring fd {fd:?}");
        assert_eq!(
            at("WRITE_FIXED"),
            Some(counts(1, 0, 0, 0)),
            "ring fd {fd:?}"
        );
        let want_readv = counts(1 - readv, 0, 0, 0).saturating_add(&plain(readv));
        assert_eq!(at("READV"), Some(want_readv), "ring fd {fd:?}");
    }
    assert_eq!(o.report.rule_hits, Some(vec![3 + readv, 3 + readv]));
    assert_probe_agrees(&o, &policy);
}
