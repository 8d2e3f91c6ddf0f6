//! The real probe judging real io_uring workloads against policies: every verdict counted exactly,
//! violations streamed with their rule, kills carried out only with --enforce and only on the
//! offender, register calls judged, and refused io_uring_setup calls shown as the kernel's doing.

mod support;

use std::collections::BTreeMap;
use std::ffi::CString;
use std::time::{Duration, Instant};
use support::{observe_with_policy, Observed};
use uringtop_common::policy::{self, Policy, SqeFacts};
use uringtop_common::verdict::{Action, VerdictCounts};
use uringtop_tests::privilege::require_root;
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

/// Verdicts per opcode name for the observed process, summed over its rings.
fn verdicts(o: &Observed) -> BTreeMap<String, VerdictCounts> {
    let mut out: BTreeMap<String, VerdictCounts> = BTreeMap::new();
    for ring in &o.process().rings {
        for op in &ring.ops {
            let v = op
                .verdicts
                .unwrap_or_else(|| panic!("{}: no verdicts with a policy loaded", op.op));
            let sum = out.entry(op.op.clone()).or_default();
            *sum = sum.saturating_add(&v);
        }
    }
    out
}

fn counts(allow: u64, log: u64, deny: u64, kill: u64) -> VerdictCounts {
    VerdictCounts {
        allow,
        log,
        deny,
        kill,
        denied_by_kernel: 0,
    }
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
    policy::parse(AUDIT_POLICY).expect("the test policy parses")
}

#[test]
fn every_action_is_counted_per_op_and_violations_stream_with_their_rule() {
    let policy = audit_policy();
    let Some(o) = observe_with_policy(
        "every_action_is_counted_per_op_and_violations_stream_with_their_rule",
        false,
        Some(policy.compile(false)),
        audited_workload,
    ) else {
        return;
    };
    o.assert_exact_counts();
    let v = verdicts(&o);
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
    let policy = audit_policy();
    let Some(o) = observe_with_policy(
        "the_probe_agrees_with_the_reference_evaluator_on_every_request",
        true,
        Some(policy.compile(false)),
        audited_workload,
    ) else {
        return;
    };
    assert_eq!(o.requests.len(), 31, "every request streamed");
    for r in &o.requests {
        let facts = SqeFacts {
            pid: r.pid,
            uid: 0,
            comm: r.comm.clone(),
            setup_flags: 0,
            opcode: r.opcode,
            sqe_flags: r.sqe_flags,
            personality: false,
            ring_fd: -1,
            args: Default::default(),
            mem: Default::default(),
        };
        assert_eq!(
            r.verdict,
            Some(policy.judge_sqe(&facts)),
            "{} flags {:#x}",
            uringtop_common::names::opcode_name(r.opcode),
            r.sqe_flags
        );
    }
}

/// Runs `workload` in a forked child named `name` and waits (at most 20 s) for it to end.
/// Returns the child's wait status: exit code 0 means the workload returned Ok.
fn run_named_child(name: &'static str, workload: fn() -> anyhow::Result<()>) -> (i32, i32) {
    // SAFETY: the child makes plain system calls (prctl, io_uring) and leaves with _exit, as
    // the workloads module documents for forked children of the test binary.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        let ok = set_process_name(name).and_then(|()| workload()).is_ok();
        // SAFETY: ends the child without running the parent's destructors.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut status = 0;
        // SAFETY: waits for our own child.
        let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if done == pid {
            return (pid, status);
        }
        if Instant::now() > deadline {
            // SAFETY: our own child, not reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("child {name} did not end");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Some NOPs, then an OPENAT (the victim's offence), then time for the signal to land.
fn nops_then_openat() -> anyhow::Result<()> {
    workloads::nops(1, 4)?;
    workloads::openat_missing(1)?;
    std::thread::sleep(Duration::from_millis(500));
    Ok(())
}

#[test]
fn an_enforced_kill_kills_the_offender_and_nothing_else() {
    if !require_root("an_enforced_kill_kills_the_offender_and_nothing_else") {
        return;
    }
    let policy =
        policy::parse("[[rule]]\ncomm = \"urt-victim\"\nops = [\"OPENAT\"]\naction = \"kill\"\n")
            .unwrap();
    let options = uringtop_probe::LoadOptions {
        policy: Some(Box::new(policy.compile(true))),
        ..Default::default()
    };
    let Some(mut probe) = support::load_or_refused(
        "an_enforced_kill_kills_the_offender_and_nothing_else",
        &options,
    ) else {
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
    let ops = |pid: u32| -> BTreeMap<u8, VerdictCounts> {
        sample
            .ops
            .iter()
            .filter(|o| o.pid == pid)
            .map(|o| (o.opcode, o.counters.verdicts))
            .fold(BTreeMap::new(), |mut m, (op, v)| {
                let e: &mut VerdictCounts = m.entry(op).or_default();
                *e = e.saturating_add(&v);
                m
            })
    };
    const NOP: u8 = 0;
    const OPENAT: u8 = 18;
    let victim_ops = ops(victim as u32);
    assert_eq!(victim_ops[&NOP], counts(4, 0, 0, 0));
    assert_eq!(victim_ops[&OPENAT], counts(0, 0, 0, 1));
    let bystander_ops = ops(bystander as u32);
    assert_eq!(bystander_ops[&NOP], counts(4, 0, 0, 0));
    assert_eq!(bystander_ops[&OPENAT], counts(1, 0, 0, 0));
    assert_eq!(sample.rule_hits, Some(vec![1]));
}

#[test]
fn register_calls_are_judged_and_counted_per_opcode() {
    let policy = policy::parse(
        "[[rule]]\ncomm = \"urt-register\"\nregister_ops = [\"REGISTER_FILES\"]\naction = \"deny\"\n",
    )
    .unwrap();
    let Some(o) = observe_with_policy(
        "register_calls_are_judged_and_counted_per_opcode",
        false,
        Some(policy.compile(false)),
        || {
            set_process_name("urt-register")?;
            workloads::register_files_twice()
        },
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
    if !require_root("a_refused_io_uring_setup_is_the_kernels_denial")
        || !uringtop_tests::kernel::has_io_uring_disabled_sysctl(
            "a_refused_io_uring_setup_is_the_kernels_denial",
        )
    {
        return;
    }
    let _disabled = IoUringDisabled::set("1");
    let Some(o) = observe_with_policy(
        "a_refused_io_uring_setup_is_the_kernels_denial",
        false,
        None,
        || {
            set_process_name("urt-refused")?;
            workloads::setup_refused_for_nobody()
        },
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
    let policy = policy::parse(
        "[[rule]]\ncomm = \"urt-persona\"\nops = [\"NOP\"]\npersonality = true\naction = \"log\"\n",
    )
    .unwrap();
    let Some(o) = observe_with_policy(
        "sqes_naming_a_personality_are_told_apart",
        false,
        Some(policy.compile(false)),
        || {
            set_process_name("urt-persona")?;
            workloads::nops_with_personality(6, 4)
        },
    ) else {
        return;
    };
    o.assert_exact_counts();
    assert_eq!(verdicts(&o)["NOP"], counts(6, 4, 0, 0));
    let logged: Vec<u64> = o.requests.iter().map(|r| r.user_data).collect();
    assert_eq!(logged, vec![6, 7, 8, 9], "the NOPs with a personality");
}

/// SQPOLL NOPs (submitted by the ring's iou-sqp kernel-side thread), then time for the signal.
fn sqpoll_nops_then_wait() -> anyhow::Result<()> {
    workloads::sqpoll_nops(8)?;
    std::thread::sleep(Duration::from_millis(500));
    Ok(())
}

#[test]
fn an_enforced_kill_reaches_a_process_through_its_sqpoll_thread() {
    if !require_root("an_enforced_kill_reaches_a_process_through_its_sqpoll_thread") {
        return;
    }
    let policy =
        policy::parse("[[rule]]\ncomm = \"urt-sqpoll\"\nops = [\"NOP\"]\naction = \"kill\"\n")
            .unwrap();
    let options = uringtop_probe::LoadOptions {
        policy: Some(Box::new(policy.compile(true))),
        ..Default::default()
    };
    let Some(_probe) = support::load_or_refused(
        "an_enforced_kill_reaches_a_process_through_its_sqpoll_thread",
        &options,
    ) else {
        return;
    };
    let (_, status) = run_named_child("urt-sqpoll", sqpoll_nops_then_wait);
    assert!(
        libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGKILL,
        "the SQPOLL ring's owner was killed (wait status {status:#x})"
    );
}
