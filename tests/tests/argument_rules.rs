//! `paths`, `peers` and `fixed_buffers` rules judged by the real probe at submission: exact
//! verdict counts per opcode and per rule for real io_uring workloads, every streamed request's
//! verdict equal to the reference evaluator's on the arguments the probe captured, and two rings
//! of one process under different rules.

mod support;

use std::io::Write;

use support::{observe_with_policy, Observed};
use uringtop_common::policy::Policy;
use uringtop_common::verdict::VerdictCounts;
use uringtop_tests::policies::{counts, parsed, per_opcode};
use uringtop_tests::test_name;
use uringtop_tests::workloads::{self, SELECTED_RING_FD};

/// Observes `workload` with request records under `policy`, its counts exact.
fn observe_judged<F>(test: &str, policy: &Policy, workload: F) -> Option<Observed>
where
    F: FnOnce() -> anyhow::Result<workloads::Expected>,
{
    let o = observe_with_policy(test, true, Some(policy), workload)?;
    o.assert_exact_counts();
    Some(o)
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
    parsed(&text)
}

#[test]
fn path_rules_judge_every_path_opcode_with_negation_subtrees_and_relative_paths() {
    let policy = path_policy();
    let Some(o) = observe_judged(test_name!(), &policy, workloads::path_opcodes) else {
        return;
    };
    let v = per_opcode(o.verdicts());
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
    o.assert_probe_agrees(&policy);
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
    parsed(&text)
}

#[test]
fn peer_rules_judge_ipv4_ipv6_mapped_unix_and_ports() {
    let policy = peer_policy();
    let Some(o) = observe_judged(test_name!(), &policy, workloads::peer_opcodes) else {
        return;
    };
    let v = per_opcode(o.verdicts());
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
    o.assert_probe_agrees(&policy);
}

#[test]
fn fixed_buffer_rules_tell_two_rings_of_one_process_apart() {
    let policy = parsed(&format!(
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
    ));
    let Some(o) = observe_judged(
        test_name!(),
        &policy,
        workloads::plain_and_registered_buffers,
    ) else {
        return;
    };
    let v = o.verdicts();
    let readv = u64::from(uringtop_tests::kernel::vectored_fixed());
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
    o.assert_probe_agrees(&policy);
}
