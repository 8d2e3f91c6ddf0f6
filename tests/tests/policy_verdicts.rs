//! The real probe judging real io_uring workloads against policies: every verdict counted exactly,
//! violations streamed with their rule, kills carried out only with --enforce and only on the
//! offender, register calls judged, and refused io_uring_setup calls shown as the kernel's doing.

mod support;

use std::collections::BTreeMap;
use std::ffi::CString;
use std::time::Duration;
use support::{load_with_policy, observe_with_policy, Observed};
use uringtop_common::policy::Policy;
use uringtop_common::verdict::{Action, VerdictCounts};
use uringtop_tests::policies::{counts, parsed, per_opcode, sample_verdicts};
use uringtop_tests::privilege::require_root;
use uringtop_tests::test_name;
use uringtop_tests::workloads::{self, Expected};

/// Names the calling (forked, single-threaded) process, as rules match on the process name.
fn set_process_name(name: &str) -> anyhow::Result<()> {
    let name = CString::new(name)?;
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes.
    if unsafe { libc::prctl(libc::PR_SET_NAME, name.as_ptr(), 0, 0, 0) } != 0 {
        anyhow::bail!("prctl(PR_SET_NAME): {}", std::io::Error::last_os_error());
    }
    Ok(())
}

const AUDIT_POLICY: &str = r#"
default = "allow"

[[rule]]
name = "no opens"
comm = "urt-pol*"
ops = ["OPENAT"]
action = "deny"

[[rule]]
comm = "urt-pol?cy"
ops = ["NOP"]
sqe_flags_any = ["ASYNC"]
action = "log"

[[rule]]
comm = "urt-policy"
ops = ["TIMEOUT"]
action = "kill"

[[rule]]
comm = "someone-else"
action = "kill"
"#;

/// 16 plain NOPs, 5 async NOPs, 7 OPENATs and 3 TIMEOUTs, as process "urt-policy".
fn audited_workload() -> anyhow::Result<Expected> {
    set_process_name("urt-policy")?;
    let mut all = workloads::nops(2, 8)?;
    for more in [
        workloads::async_nops(5)?,
        workloads::openat_missing(7)?,
        workloads::timeouts(3)?,
    ] {
        all.merge(more);
    }
    Ok(all)
}

fn audit_policy() -> Policy {
    parsed(AUDIT_POLICY)
}

/// [`audited_workload`] observed under [`AUDIT_POLICY`], with request records when `records`.
fn observe_audited(test: &str, records: bool) -> Option<Observed> {
    observe_with_policy(test, records, Some(&audit_policy()), audited_workload)
}

/// Observes `workload` run as process `comm` (without request records), judged by the policy
/// `text` when there is one.
fn observe_as(
    test: &str,
    comm: &'static str,
    text: Option<&str>,
    workload: fn() -> anyhow::Result<Expected>,
) -> Option<Observed> {
    let policy = text.map(parsed);
    observe_with_policy(test, false, policy.as_ref(), move || {
        set_process_name(comm)?;
        workload()
    })
}

#[test]
fn every_action_is_counted_per_op_and_violations_stream_with_their_rule() {
    let Some(o) = observe_audited(test_name!(), false) else {
        return;
    };
    o.assert_exact_counts();
    let v = per_opcode(o.verdicts());
    assert_eq!(v["NOP"], counts(16, 5, 0, 0));
    assert_eq!(v["OPENAT"], counts(0, 0, 7, 0));
    // Without --enforce a kill is only reported: the process lived to finish its workload.
    assert_eq!(v["TIMEOUT"], counts(0, 0, 0, 3));

    // Records were not asked for, yet every violation streamed, with its rule.
    let mut by_rule: BTreeMap<(Action, Option<u16>, bool), usize> = BTreeMap::new();
    for r in &o.requests {
        let verdict = r.verdict.expect("a streamed violation carries its verdict");
        *by_rule
            .entry((verdict.action, verdict.rule, verdict.enforced))
            .or_default() += 1;
    }
    let want = BTreeMap::from([
        ((Action::Log, Some(1), false), 5),
        ((Action::Deny, Some(0), false), 7),
        ((Action::Kill, Some(2), false), 3),
    ]);
    assert_eq!(by_rule, want, "violations of pid {}", o.pid);
    assert_eq!(o.report.rule_hits.as_deref().map(|h| h[3]), Some(0));
}

#[test]
fn the_probe_agrees_with_the_reference_evaluator_on_every_request() {
    let Some(o) = observe_audited(test_name!(), true) else {
        return;
    };
    assert_eq!(o.requests.len(), 31, "every request streamed");
    o.assert_probe_agrees(&audit_policy());
}

/// The probe enforcing the policy `text`: it kills what the policy says to kill. None when the
/// test cannot run (see [`load_with_policy`]).
fn enforcing(test: &str, text: &str) -> Option<uringtop_probe::Probe> {
    if !require_root(test) {
        return None;
    }
    load_with_policy(test, &parsed(text), true)
}

/// Runs `workload` in a forked child named `name`, gives a kill it earned time to land (0.5 s),
/// and waits (at most 20 s) for the child to end. Returns the child's pid and wait status: exit
/// code 0 means the workload returned Ok and the child lived.
fn run_named_child(name: &'static str, workload: fn() -> anyhow::Result<()>) -> (u32, i32) {
    workloads::wait_status_in_child(Duration::from_secs(20), || {
        set_process_name(name)?;
        workload()?;
        std::thread::sleep(Duration::from_millis(500));
        Ok(())
    })
    .unwrap_or_else(|e| panic!("child {name}: {e:#}"))
}

/// Some NOPs, then an OPENAT (the victim's offence).
fn nops_then_openat() -> anyhow::Result<()> {
    workloads::nops(1, 4)?;
    workloads::openat_missing(1)?;
    Ok(())
}

#[test]
fn an_enforced_kill_kills_the_offender_and_nothing_else() {
    let victim_rule = "[[rule]]\ncomm = \"urt-victim\"\nops = [\"OPENAT\"]\naction = \"kill\"\n";
    let Some(mut probe) = enforcing(test_name!(), victim_rule) else {
        return;
    };
    let (victim, victim_status) = run_named_child("urt-victim", nops_then_openat);
    let (bystander, bystander_status) = run_named_child("urt-bystander", nops_then_openat);
    assert!(
        libc::WIFSIGNALED(victim_status) && libc::WTERMSIG(victim_status) == libc::SIGKILL,
        "the victim was killed (wait status {victim_status:#x})"
    );
    assert!(
        libc::WIFEXITED(bystander_status) && libc::WEXITSTATUS(bystander_status) == 0,
        "the bystander, same opcodes under another name, finished (wait status {bystander_status:#x})"
    );
    let sample = probe.sample().expect("sample");
    let ops =
        |pid: u32| -> BTreeMap<u8, VerdictCounts> { per_opcode(sample_verdicts(&sample, pid)) };
    const NOP: u8 = 0;
    const OPENAT: u8 = 18;
    let victim_ops = ops(victim);
    assert_eq!(victim_ops[&NOP], counts(4, 0, 0, 0));
    assert_eq!(victim_ops[&OPENAT], counts(0, 0, 0, 1));
    let bystander_ops = ops(bystander);
    assert_eq!(bystander_ops[&NOP], counts(4, 0, 0, 0));
    assert_eq!(bystander_ops[&OPENAT], counts(1, 0, 0, 0));
    assert_eq!(sample.rule_hits, Some(vec![1]));
}

#[test]
fn register_calls_are_judged_and_counted_per_opcode() {
    let Some(o) = observe_as(
        test_name!(),
        "urt-register",
        Some("[[rule]]\ncomm = \"urt-register\"\nregister_ops = [\"REGISTER_FILES\"]\naction = \"deny\"\n"),
        workloads::register_files_twice,
    ) else {
        return;
    };
    let ring = &o.process().rings[0];
    let by_op: BTreeMap<&str, _> = ring.register.iter().map(|r| (r.op.as_str(), r)).collect();
    let files = by_op["REGISTER_FILES"];
    assert_eq!((files.calls, files.failed, files.denied), (2, 0, 0));
    assert_eq!(files.verdicts, Some(counts(0, 0, 2, 0)));
    let unregister = by_op["UNREGISTER_FILES"];
    assert_eq!(unregister.calls, 2);
    assert_eq!(unregister.verdicts, Some(counts(2, 0, 0, 0)));
    assert_eq!(o.report.rule_hits, Some(vec![2]));
}

/// Sets kernel.io_uring_disabled for as long as it lives, then puts the old value back. At 1,
/// root (CAP_SYS_ADMIN) may still create rings, so tests running alongside are unaffected.
struct IoUringDisabled(Option<String>);

impl IoUringDisabled {
    const PATH: &'static str = "/proc/sys/kernel/io_uring_disabled";

    fn set(value: &str) -> Self {
        let old = std::fs::read_to_string(Self::PATH).ok();
        if old.is_some() {
            std::fs::write(Self::PATH, value).expect("writing kernel.io_uring_disabled");
        }
        IoUringDisabled(old)
    }
}

impl Drop for IoUringDisabled {
    fn drop(&mut self) {
        if let Some(old) = &self.0 {
            let _ = std::fs::write(Self::PATH, old.trim());
        }
    }
}

#[test]
fn a_refused_io_uring_setup_is_the_kernels_denial() {
    if !require_root(test_name!())
        || !uringtop_tests::kernel::has_io_uring_disabled_sysctl(test_name!())
    {
        return;
    }
    let _disabled = IoUringDisabled::set("1");
    let Some(o) = observe_as(
        test_name!(),
        "urt-refused",
        None,
        workloads::setup_refused_for_nobody,
    ) else {
        return;
    };
    let refused = o
        .report
        .setup_refused
        .iter()
        .find(|r| r.pid == o.pid)
        .unwrap_or_else(|| panic!("no refusal for pid {}: {:?}", o.pid, o.report.setup_refused));
    assert_eq!(refused.errors, BTreeMap::from([("EPERM".to_string(), 1)]));
    assert_eq!(refused.comm, "urt-refused");
}

#[test]
fn sqes_naming_a_personality_are_told_apart() {
    let Some(o) = observe_as(
        test_name!(),
        "urt-persona",
        Some("[[rule]]\ncomm = \"urt-persona\"\nops = [\"NOP\"]\npersonality = true\naction = \"log\"\n"),
        || workloads::nops_with_personality(6, 4),
    ) else {
        return;
    };
    o.assert_exact_counts();
    assert_eq!(per_opcode(o.verdicts())["NOP"], counts(6, 4, 0, 0));
    let logged: Vec<u64> = o.requests.iter().map(|r| r.user_data).collect();
    assert_eq!(logged, vec![6, 7, 8, 9], "the NOPs with a personality");
}

#[test]
fn an_enforced_kill_reaches_a_process_through_its_sqpoll_thread() {
    let sqpoll_rule = "[[rule]]\ncomm = \"urt-sqpoll\"\nops = [\"NOP\"]\naction = \"kill\"\n";
    let Some(_probe) = enforcing(test_name!(), sqpoll_rule) else {
        return;
    };
    // SQPOLL NOPs, submitted by the ring's iou-sqp kernel-side thread.
    let (_, status) = run_named_child("urt-sqpoll", || workloads::sqpoll_nops(8).map(drop));
    assert!(
        libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGKILL,
        "the SQPOLL ring's owner was killed (wait status {status:#x})"
    );
}
