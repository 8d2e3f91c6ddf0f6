//! Rules that select rings and look at SQE arguments, judged by the real probe with exact
//! counts; and `uringtop run`, which on Linux 7.0+ makes the kernel refuse what a policy denies
//! (for the command and the processes it starts), and on older kernels says why it cannot and
//! runs the command with uringtop judging instead. This suite runs on the host and on every
//! kernel of the CI matrix (.ci/test-other-kernel): each kernel checks what it can do.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use support::{load_with_policy, NO_POLICY_HERE};
use uringtop_common::input::Sample;
use uringtop_common::report::{OpReport, ProcessReport, Report};
use uringtop_common::verdict::VerdictCounts;
use uringtop_tests::kernel;
use uringtop_tests::policies::{counts, parsed, per_opcode, sample_verdicts};
use uringtop_tests::privilege::{require_root, skip};
use uringtop_tests::test_name;
use uringtop_tests::workloads::{self, SELECTED_RING_FD};

/// Set in the command `uringtop run` starts (this test binary again): where the command writes
/// its results. Without it, [`command_started_by_run`] does nothing.
const RESULTS_ENV: &str = "URINGTOP_TEST_RUN_RESULTS";

const EACCES: i32 = -libc::EACCES;

/// The rules here match any process (AF_INET6, O_CREAT, NOP on a clamped ring, ...) and a
/// probe counts rule hits for the whole machine, so a test's probe must not judge another
/// test's workload: the tests take turns (the CI matrix runs two at a time).
static ONE_POLICY_AT_A_TIME: Mutex<()> = Mutex::new(());

fn alone() -> MutexGuard<'static, ()> {
    // A test that panicked holding the turn leaves nothing behind to repair.
    ONE_POLICY_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `workload` in a forked child and waits (at most 20 s); true when it returned Ok.
fn in_child(workload: impl FnOnce() -> anyhow::Result<()>) -> (u32, bool) {
    let timeout = Duration::from_secs(20 * u64::from(workloads::slowdown()));
    let (pid, status) = workloads::wait_status_in_child(timeout, workload)
        .unwrap_or_else(|e| panic!("the workload: {e:#}"));
    (
        pid,
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
    )
}

/// Loads the probe with `text` as policy, runs `workload` in a child, and returns the child's
/// pid and a sample taken after it ended; None on a kernel whose probe refuses policies.
fn judged(
    test: &str,
    text: &str,
    workload: impl FnOnce() -> anyhow::Result<()>,
) -> Option<(u32, Sample)> {
    let mut probe = load_with_policy(test, &parsed(text), false)?;
    let (pid, ok) = in_child(workload);
    assert!(ok, "the workload failed (its error is above)");
    Some((pid, probe.sample().expect("sample")))
}

const NOP: u8 = 0;
const OPENAT: u8 = 18;
const SOCKET: u8 = 45;
const SETUP_CLAMP: u32 = 1 << 4;

#[test]
fn two_rings_of_one_process_get_different_rules() {
    if !require_root(test_name!()) {
        return;
    }
    let _turn = alone();
    let text = format!(
        "[[rule]]\nname = \"the selected ring\"\nring_fd = {SELECTED_RING_FD}\nops = [\"NOP\"]\naction = \"deny\"\n\n\
         [[rule]]\nname = \"clamped rings\"\nsetup_flags = [\"CLAMP\"]\nops = [\"NOP\"]\naction = \"log\"\n"
    );
    let Some((pid, sample)) = judged(test_name!(), &text, workloads::rings_with_different_rules)
    else {
        return;
    };
    let rings: Vec<_> = sample.rings.iter().filter(|r| r.pid == pid).collect();
    assert_eq!(rings.len(), 3, "{rings:#?}");
    let v = sample_verdicts(&sample, pid);
    for ring in rings {
        let want = if ring.fd == Some(SELECTED_RING_FD) {
            counts(0, 0, 3, 0)
        } else if ring.setup_flags & SETUP_CLAMP != 0 {
            counts(0, 2, 0, 0)
        } else {
            counts(4, 0, 0, 0)
        };
        assert_eq!(v.get(&(ring.ring, NOP)), Some(&want), "{ring:?}");
    }
    assert_eq!(sample.rule_hits, Some(vec![3, 2]));
}

/// The rules on SQE arguments: judged by the probe in [`socket_and_open_arguments_are_judged`],
/// and part of [`RUN_POLICY`], which the kernel enforces on 7.0+. A macro because `concat!`,
/// which puts each policy together, takes literals and not constants.
macro_rules! argument_rules {
    () => {
        r#"
[[rule]]
name = "no IPv6"
socket_domains = ["AF_INET6"]
action = "deny"

[[rule]]
name = "no creating files"
open_flags_any = ["O_CREAT"]
action = "deny"
"#
    };
}

const ARGUMENT_POLICY: &str = concat!(
    argument_rules!(),
    r#"
[[rule]]
name = "datagrams"
socket_types = ["SOCK_DGRAM"]
action = "log"
"#
);

#[test]
fn socket_and_open_arguments_are_judged() {
    if !require_root(test_name!()) {
        return;
    }
    let _turn = alone();
    let dir = tempfile::tempdir().expect("tempdir");
    let Some((pid, sample)) = judged(test_name!(), ARGUMENT_POLICY, || {
        let results = workloads::socket_and_open(dir.path())?;
        // Nothing is installed in the kernel here: the probe only judges.
        anyhow::ensure!(results.iter().all(|&(_, res)| res != EACCES), "{results:?}");
        Ok(())
    }) else {
        return;
    };
    let by_op = per_opcode(sample_verdicts(&sample, pid));
    assert_eq!(by_op.get(&SOCKET), Some(&counts(1, 1, 1, 0)));
    assert_eq!(by_op.get(&OPENAT), Some(&counts(1, 0, 1, 0)));
    assert_eq!(sample.rule_hits, Some(vec![1, 1, 1]));
}

const RUN_POLICY: &str = concat!(
    r#"
default = "allow"

[[rule]]
name = "no reads"
ops = ["READ"]
action = "deny"
"#,
    argument_rules!(),
    r#"
[[rule]]
name = "no personalities"
register_ops = ["REGISTER_PERSONALITY"]
action = "deny"
"#
);

/// The command `uringtop run` starts in [`run_enforces_in_the_kernel_or_says_why_not`]: this
/// binary again, running only this test, with RESULTS_ENV set. Elsewhere it does nothing.
#[test]
#[ignore = "the command `run_enforces_in_the_kernel_or_says_why_not` starts under `uringtop run`"]
fn command_started_by_run() {
    let Some(path) = std::env::var_os(RESULTS_ENV) else {
        return;
    };
    let path = PathBuf::from(path);
    let dir = path.parent().expect("a results file in a directory");
    match workloads::command_under_policy(dir) {
        Ok(results) => {
            let text: String = results
                .iter()
                .map(|(label, res)| format!("{label} {res}\n"))
                .collect();
            std::fs::write(&path, text).expect("writing the results");
        }
        Err(e) => {
            eprintln!("command under policy: {e:#}");
            std::process::exit(3);
        }
    }
}

/// The uringtop binary: beside this test binary (the CI matrix's VM) or one directory up
/// (target/debug/deps -> target/debug).
fn uringtop_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    [dir.join("uringtop"), dir.parent()?.join("uringtop")]
        .into_iter()
        .find(|p| p.is_file())
}

struct RunOutcome {
    status: std::process::ExitStatus,
    stderr: String,
    results: BTreeMap<String, i32>,
    report: Option<Report>,
}

/// `uringtop run [extra] --policy P --report R -- <this binary's command_started_by_run>`.
fn uringtop_run(uringtop: &Path, dir: &Path, extra: &[&str], command: &[&str]) -> RunOutcome {
    let policy = dir.join("policy.toml");
    std::fs::write(&policy, RUN_POLICY).expect("policy file");
    let report = dir.join("report.json");
    let results = dir.join("results");
    let _ = std::fs::remove_file(&report);
    let exe = std::env::current_exe().expect("current_exe");
    let self_command = [
        exe.to_string_lossy().into_owned(),
        "--exact".into(),
        "command_started_by_run".into(),
        "--ignored".into(),
        "--test-threads=1".into(),
        "--quiet".into(),
    ];
    let command: Vec<String> = if command.is_empty() {
        self_command.to_vec()
    } else {
        command.iter().map(|s| s.to_string()).collect()
    };
    let out = Command::new(uringtop)
        .arg("run")
        .args(extra)
        .arg("--policy")
        .arg(&policy)
        .arg("--report")
        .arg(&report)
        .arg("--")
        .args(&command)
        .env(RESULTS_ENV, &results)
        .output()
        .expect("starting uringtop run");
    let results = std::fs::read_to_string(&results)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect();
    RunOutcome {
        status: out.status,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        results,
        report: std::fs::read_to_string(&report)
            .ok()
            .map(|t| serde_json::from_str(&t).expect("the report is the JSON contract")),
    }
}

fn process(report: &Report, pid: u32) -> &ProcessReport {
    report
        .processes
        .iter()
        .find(|p| p.pid == pid)
        .unwrap_or_else(|| panic!("no process {pid} in {report:#?}"))
}

/// A process's ops by name, summed over its rings.
fn ops(p: &ProcessReport) -> BTreeMap<String, OpReport> {
    let mut out: BTreeMap<String, OpReport> = BTreeMap::new();
    for op in p.rings.iter().flat_map(|r| &r.ops) {
        let e = out.entry(op.op.clone()).or_default();
        e.submitted += op.submitted;
        e.rejected += op.rejected;
        e.denied += op.denied;
        let v = e.verdicts.get_or_insert_with(VerdictCounts::default);
        *v = v.saturating_add(&op.verdicts.expect("verdicts with a policy"));
    }
    out
}

/// (submitted, rejected by the kernel, verdicts) of one op.
fn op_line(ops: &BTreeMap<String, OpReport>, name: &str) -> (u64, u64, VerdictCounts) {
    let o = ops
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {ops:#?}"));
    (o.submitted, o.rejected, o.verdicts.unwrap_or_default())
}

#[test]
fn run_enforces_in_the_kernel_or_says_why_not() {
    let test = test_name!();
    if !require_root(test) {
        return;
    }
    let _turn = alone();
    let Some(uringtop) = uringtop_binary() else {
        skip(
            test,
            "needs the uringtop binary",
            "build it first: cargo build -p uringtop (cargo test --workspace does)",
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let kernel_enforces = kernel::version() >= (7, 0);
    if !kernel_enforces {
        // It says why, names the way out, and starts nothing.
        let refused = uringtop_run(&uringtop, dir.path(), &[], &["true"]);
        assert_eq!(refused.status.code(), Some(1), "{}", refused.stderr);
        for says in [
            "came in Linux 7.0",
            "Nothing was started",
            "uringtop run --audit",
        ] {
            assert!(refused.stderr.contains(says), "{says}: {}", refused.stderr);
        }
        assert!(refused.report.is_none());
        if load_with_policy(test, &parsed(RUN_POLICY), false).is_none() {
            // Nor can uringtop judge SQEs here: `run --audit` says so and starts nothing.
            let audit = uringtop_run(&uringtop, dir.path(), &["--audit"], &[]);
            assert_eq!(audit.status.code(), Some(1), "{}", audit.stderr);
            assert!(audit.stderr.contains(NO_POLICY_HERE), "{}", audit.stderr);
            assert!(
                audit.results.is_empty(),
                "the command ran: {:?}",
                audit.results
            );
            assert!(audit.report.is_none());
            return;
        }
    }
    let extra: &[&str] = if kernel_enforces { &[] } else { &["--audit"] };
    let run = uringtop_run(&uringtop, dir.path(), extra, &[]);
    assert!(run.status.success(), "{}\n{:?}", run.stderr, run.results);
    let r = &run.results;
    let res = |label: &str| -> i32 {
        *r.get(label)
            .unwrap_or_else(|| panic!("no {label} in {r:?}\n{}", run.stderr))
    };
    let report = run
        .report
        .as_ref()
        .unwrap_or_else(|| panic!("no report: {}", run.stderr));
    let pid = u32::try_from(res("pid")).expect("pid");
    let child = u32::try_from(res("child-pid")).expect("child pid");
    let parent_ops = ops(process(report, pid));
    let child_ops = ops(process(report, child));
    let kernel = |n: u64| VerdictCounts {
        denied_by_kernel: n,
        ..VerdictCounts::default()
    };
    // Allowed everywhere.
    assert_eq!(res("nop"), 0);
    assert_eq!(res("child-nop"), 0);
    assert!(res("socket-inet") >= 0 && res("socket-dgram") >= 0, "{r:?}");
    assert!(res("open-read") >= 0, "{r:?}");
    assert_eq!(op_line(&parent_ops, "NOP"), (1, 0, counts(1, 0, 0, 0)));
    assert_eq!(op_line(&child_ops, "NOP"), (1, 0, counts(1, 0, 0, 0)));
    if kernel_enforces {
        assert!(
            run.stderr
                .contains("#1 \"no reads\": ops=READ → deny => kernel: refused with EACCES"),
            "{}",
            run.stderr
        );
        // The kernel refused each denied request before it ran, in the command and in its
        // child: the task's filters survived execve and fork.
        for label in [
            "read",
            "socket-inet6",
            "open-create",
            "personality",
            "child-read",
        ] {
            assert_eq!(res(label), EACCES, "{label}: {r:?}");
        }
        let denied = counts(0, 0, 1, 0).saturating_add(&kernel(1));
        assert_eq!(op_line(&parent_ops, "READ"), (0, 1, denied));
        assert_eq!(op_line(&child_ops, "READ"), (0, 1, denied));
        assert_eq!(
            op_line(&parent_ops, "SOCKET"),
            (2, 1, counts(2, 0, 1, 0).saturating_add(&kernel(1)))
        );
        assert_eq!(
            op_line(&parent_ops, "OPENAT"),
            (1, 1, counts(1, 0, 1, 0).saturating_add(&kernel(1)))
        );
    } else {
        // uringtop judged them; the kernel ran them.
        assert_eq!(res("read"), 64);
        assert_eq!(res("child-read"), 64);
        assert!(res("open-create") >= 0 && res("personality") >= 0, "{r:?}");
        assert_ne!(res("socket-inet6"), EACCES);
        assert_eq!(op_line(&parent_ops, "READ"), (1, 0, counts(0, 0, 1, 0)));
        assert_eq!(op_line(&child_ops, "READ"), (1, 0, counts(0, 0, 1, 0)));
        assert_eq!(op_line(&parent_ops, "SOCKET"), (3, 0, counts(2, 0, 1, 0)));
        assert_eq!(op_line(&parent_ops, "OPENAT"), (2, 0, counts(1, 0, 1, 0)));
    }
    let personality: Vec<_> = process(report, pid)
        .rings
        .iter()
        .flat_map(|r| &r.register)
        .filter(|o| o.op.contains("PERSONALITY"))
        .collect();
    assert_eq!(personality.len(), 1, "{personality:?}");
    assert_eq!(
        (personality[0].calls, personality[0].denied),
        (1, u64::from(kernel_enforces))
    );
    assert_eq!(personality[0].verdicts, Some(counts(0, 0, 1, 0)));
    assert_eq!(report.rule_hits, Some(vec![2, 1, 1, 1]));
}
