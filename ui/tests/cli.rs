//! The `uringtop` binary end to end: `dump`, `trace` and `check` against the real probe and a real
//! io_uring workload, usage errors, and what a user without privileges is told.

use std::io::{BufRead, BufReader, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use uringtop_tests::privilege::{require_root, require_tool};
use uringtop_tests::workloads;

mod cli_support;
use cli_support::{assert_usage_errors, policy_file, uringtop, BIN};

/// A child process that runs 5 batches of 32 NOPs (user_data 0..160) once told to: its pid is
/// known before uringtop starts, so `--pid` can be tested.
struct WaitingWorkload {
    pid: libc::pid_t,
    go: OwnedFd,
}

impl WaitingWorkload {
    fn fork() -> WaitingWorkload {
        WaitingWorkload::fork_with(|| workloads::nops(5, 32).is_ok())
    }

    /// A child that runs `work` once told to (true: it succeeded).
    fn fork_with(work: impl FnOnce() -> bool) -> WaitingWorkload {
        let mut fds = [0; 2];
        // SAFETY: pipe writes two fds into the array we own.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: the child only reads a byte, runs io_uring NOPs and _exits (no locks it could
        // have inherited in a held state are taken on that path).
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            let mut byte = [0u8; 1];
            // SAFETY: reading into our buffer from the pipe's read end.
            unsafe { libc::read(fds[0], byte.as_mut_ptr().cast(), 1) };
            let code = if work() { 0 } else { 1 };
            // SAFETY: ends the child without running the parent's destructors.
            unsafe { libc::_exit(code) };
        }
        // SAFETY: both fds are ours; the parent keeps the write end only.
        unsafe { libc::close(fds[0]) };
        WaitingWorkload {
            pid,
            go: unsafe { OwnedFd::from_raw_fd(fds[1]) },
        }
    }

    fn run(self) {
        // SAFETY: writing one byte from our buffer to the pipe's write end.
        assert_eq!(
            unsafe { libc::write(self.go.as_raw_fd(), b"g".as_ptr().cast(), 1) },
            1
        );
        let mut status = 0;
        // SAFETY: waiting for our own child.
        assert_eq!(unsafe { libc::waitpid(self.pid, &mut status, 0) }, self.pid);
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "workload failed: {status}"
        );
    }
}

/// Starts uringtop, waits until it says the probe is attached, runs the workload, and returns
/// (exit status, stdout, stderr) once uringtop ends by itself.
fn observe(args: &[&str], workload: WaitingWorkload) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start uringtop");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut err_text = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "uringtop ended before attaching: {err_text}"
        );
        err_text.push_str(&line);
        if line.contains("observing") || line.contains("tracing") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "uringtop never said it was attached: {err_text}"
        );
    }
    workload.run();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    stderr.read_to_string(&mut err_text).unwrap();
    let status = child.wait().unwrap().code().unwrap_or(-1);
    (status, out, err_text)
}

/// Runs uringtop with `args` and `--pid PID` around a fresh [`WaitingWorkload::fork`] (160
/// NOPs), checks that it exited with status 0, and returns (PID, stdout, stderr).
fn observe_nops(args: &[&str]) -> (String, String, String) {
    let workload = WaitingWorkload::fork();
    let pid = workload.pid.to_string();
    let (status, out, err) = observe(&[args, &["--pid", &pid]].concat(), workload);
    assert_eq!(status, 0, "{err}");
    (pid, out, err)
}

#[test]
fn dump_prints_the_json_contract_with_exact_counts() {
    if !require_root("dump_prints_the_json_contract_with_exact_counts") {
        return;
    }
    let (pid, out, _) = observe_nops(&["dump", "--duration", "2"]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
    assert_eq!(v["schema"], 1);
    assert!(v["duration_ns"].as_u64().unwrap() >= 1_500_000_000);
    assert_eq!(v["lost_records"], 0);
    let procs = v["processes"].as_array().unwrap();
    assert_eq!(procs.len(), 1, "--pid keeps only that process: {out}");
    assert_eq!(procs[0]["pid"].to_string(), pid);
    let rings = procs[0]["rings"].as_array().unwrap();
    assert_eq!(rings.len(), 1);
    assert!(
        rings[0]["fd"].is_i64(),
        "the ring's creation was seen: {out}"
    );
    let ops = rings[0]["ops"].as_array().unwrap();
    assert_eq!(ops.len(), 1);
    let nop = &ops[0];
    assert_eq!(nop["op"], "NOP");
    assert_eq!(
        (nop["submitted"].as_u64(), nop["completed"].as_u64()),
        (Some(160), Some(160))
    );
    assert_eq!(
        (
            nop["rejected"].as_u64(),
            nop["denied"].as_u64(),
            nop["async"].as_u64()
        ),
        (Some(0), Some(0), Some(0))
    );
    assert_eq!(nop["errors"], serde_json::json!({}));
    let l = &nop["latency_ns"];
    assert_eq!(l["count"], 160);
    let (p50, p99, max) = (
        l["p50"].as_u64().unwrap(),
        l["p99"].as_u64().unwrap(),
        l["max"].as_u64().unwrap(),
    );
    assert!(0 < p50 && p50 <= p99 && p99 <= max, "{l}");
}

#[test]
fn dump_with_interval_prints_one_object_per_interval() {
    if !require_root("dump_with_interval_prints_one_object_per_interval") {
        return;
    }
    let (_, out, _) = observe_nops(&["dump", "--duration", "2.2", "--interval", "0.5"]);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert!(lines.len() >= 4, "about one line per 0.5 s interval: {out}");
    let mut submitted = 0;
    for v in &lines {
        assert_eq!(v["schema"], 1);
        let d = v["duration_ns"].as_u64().unwrap();
        assert!(
            d < 1_000_000_000,
            "each line covers one interval, not the whole run: {d}"
        );
        for p in v["processes"].as_array().unwrap() {
            for r in p["rings"].as_array().unwrap() {
                for op in r["ops"].as_array().unwrap() {
                    submitted += op["submitted"].as_u64().unwrap();
                }
            }
        }
    }
    assert_eq!(
        submitted, 160,
        "the intervals add up to the workload: {out}"
    );
}

#[test]
fn dump_csv_has_one_row_per_process_ring_and_op() {
    if !require_root("dump_csv_has_one_row_per_process_ring_and_op") {
        return;
    }
    let (pid, out, _) = observe_nops(&["dump", "--duration", "2", "--format", "csv"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "a header and one row: {out}");
    assert!(lines[0].starts_with("pid,comm,ring,"), "{}", lines[0]);
    let row: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(row[0], pid);
    assert!(row.contains(&"NOP") && row.contains(&"160"), "{}", lines[1]);
}

#[test]
fn trace_prints_one_line_per_request() {
    if !require_root("trace_prints_one_line_per_request") {
        return;
    }
    let (pid, out, err) = observe_nops(&["trace", "--json", "--duration", "2"]);
    let mut user_data: Vec<u64> = out
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            assert_eq!(v["op"], "NOP");
            assert_eq!(v["res"], 0);
            assert_eq!(v["pid"].to_string(), pid);
            assert!(v["fd"].is_null(), "a NOP has no file");
            v["user_data"].as_u64().unwrap()
        })
        .collect();
    user_data.sort_unstable();
    assert_eq!(
        user_data,
        (0..160).collect::<Vec<u64>>(),
        "every NOP traced once"
    );
    assert!(err.contains("160 requests traced, 0 records lost"), "{err}");
}

#[test]
fn trace_prints_each_requests_arguments_like_strace() {
    if !require_root("trace_prints_each_requests_arguments_like_strace") {
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let d = dir.path().to_str().unwrap().to_string();
    let path = dir.path().to_path_buf();
    let workload = WaitingWorkload::fork_with(move || {
        workloads::decoded_args(&path, Duration::from_millis(500)).is_ok()
    });
    let pid = workload.pid.to_string();
    let (status, out, err) = observe(&["trace", "--pid", &pid, "--duration", "4"], workload);
    assert_eq!(status, 0, "{err}");
    let file = format!("{d}/args-a");
    let line = |needle: &str| -> &str {
        out.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle}:\n{out}"))
    };
    let created = line(&format!(
        "OPENAT(AT_FDCWD, \"{file}\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0640) ud=0x1 = "
    ));
    assert!(
        created.ends_with(" inline") || created.contains(" io-wq"),
        "{created}"
    );
    assert!(
        created.contains(&format!("<{file}> ")),
        "the new fd names its file: {created}"
    );
    let v6 = line("CONNECT(");
    assert!(v6.contains("{AF_INET, 127.0.0.1:"), "{v6}");
    line("{AF_INET6, [::1]:");
    line(&format!("{{AF_UNIX, \"{d}/args.sock\"}}"));
    line("OPENAT(AT_FDCWD, 0x10 <unreadable: EFAULT>, O_RDONLY) ud=0x9 = -14 EFAULT");
    line("CLOSE(fixed:1) ud=");
    // The file's fd (`N</path>`), as the CLOSE at the end names it.
    let fd = &created[created.find(" = ").unwrap() + 3..created.find("> ").unwrap() + 1];
    line(&format!("CLOSE({fd}) ud="));
}

#[test]
fn check_says_everything_works_here() {
    if !require_root("check_says_everything_works_here") {
        return;
    }
    let out = Command::new(BIN).arg("check").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("io_uring_submit_req") && text.contains("found"),
        "{text}"
    );
    assert!(text.contains("everything works here"), "{text}");
}

#[test]
fn usage_errors_exit_2_with_a_reason() {
    assert_usage_errors(&[
        (&["dump", "--format", "xml"], "xml"),
        (&["dump", "--duration", "0"], "more than 0"),
        (&["trace", "--pid", "abc"], "abc"),
        (&["frobnicate"], "frobnicate"),
        // What does not apply is refused, not ignored.
        (
            &["dump", "--start", "+1s", "--duration", "1"],
            "needs --from",
        ),
        (&["trace", "--ring", "0"], "ring ids start at 1"),
        (&["dump", "--duration", "-1"], "more than 0"),
        (&["--pid", "1", "dump"], "option of the live view"),
    ]);
}

#[test]
fn without_privileges_the_error_says_what_to_do() {
    if !require_root("without_privileges_the_error_says_what_to_do")
        || !require_tool("without_privileges", "runuser")
    {
        return;
    }
    let out = Command::new("runuser")
        .args(["-u", "nobody", "--", BIN, "dump", "--duration", "1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("run uringtop as root") && err.contains("CAP_BPF"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    let out = Command::new("runuser")
        .args(["-u", "nobody", "--", BIN, "check"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("needs root, or CAP_BPF and CAP_PERFMON"),
        "{text}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim_end(),
        "uringtop: cannot observe io_uring on this machine (see above)"
    );
}

#[test]
fn dump_with_a_policy_reports_verdicts_per_op() {
    if !require_root("dump_with_a_policy_reports_verdicts_per_op") {
        return;
    }
    let workload = WaitingWorkload::fork();
    let pid = workload.pid.to_string();
    let dir = tempfile::tempdir().unwrap();
    let policy = policy_file(
        dir.path(),
        "policy.toml",
        &format!("[[rule]]\npid = {pid}\nops = [\"NOP\"]\naction = \"deny\"\n"),
    );
    let args = [
        "dump",
        "--duration",
        "2",
        "--pid",
        &pid,
        "--policy",
        policy.to_str().unwrap(),
    ];
    let (status, out, err) = observe(&args, workload);
    assert_eq!(status, 0, "{err}");
    assert!(err.contains("1 rule, default allow, audit only"), "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
    let nop = &v["processes"][0]["rings"][0]["ops"][0];
    assert_eq!(nop["op"], "NOP");
    assert_eq!(
        nop["verdicts"],
        serde_json::json!({"allow": 0, "log": 0, "deny": 160, "kill": 0}),
        "{out}"
    );
    // Deny is an audit verdict: the kernel still ran every NOP.
    assert_eq!(nop["completed"], 160);
    assert_eq!(v["rule_hits"], serde_json::json!([160]));
}

#[test]
fn a_bad_policy_is_a_usage_error_with_its_position_and_loads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let policy = policy_file(
        dir.path(),
        "bad.toml",
        "default = \"allow\"\n[[rule]]\nops = [\"NOP\", \"OPENATT\"]\naction = \"deny\"\n",
    );
    let path = policy.to_str().unwrap();
    let out = uringtop(&["dump", "--duration", "1", "--policy", path]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("bad.toml: line 3, column 15"), "{err}");
    assert!(err.contains("did you mean \"OPENAT\""), "{err}");
    assert!(!err.contains("observing"), "nothing was loaded: {err}");
    assert_usage_errors(&[
        (&["dump", "--enforce"], "--policy"),
        (
            &["dump", "--from", "x.mcap", "--policy", path],
            "recording keeps",
        ),
        (
            &["dump", "--policy", "/nonexistent.toml"],
            "cannot read the policy file",
        ),
    ]);
}

#[test]
fn with_capabilities_but_not_root_a_closed_tracefs_is_named_not_called_missing() {
    if !require_root("with_capabilities_but_not_root_a_closed_tracefs")
        || !require_tool("with_capabilities_but_not_root_a_closed_tracefs", "setpriv")
    {
        return;
    }
    let setup_exit = |text: &str| {
        text.lines()
            .find(|l| {
                l.trim_start()
                    .starts_with("syscalls:sys_exit_io_uring_setup ")
            })
            .unwrap_or_else(|| panic!("no line for the tracepoint: {text}"))
            .to_string()
    };
    let out = Command::new(BIN).arg("check").output().unwrap();
    let as_root = String::from_utf8_lossy(&out.stdout);
    if !setup_exit(&as_root).contains("found") {
        eprintln!("SKIPPED the rest: this kernel has no syscall tracepoints: {as_root}");
        return;
    }
    // The README's setcap mode: CAP_BPF and CAP_PERFMON, as the user nobody.
    let unprivileged = |args: &[&str]| {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .args([
                "--inh-caps=+bpf,+perfmon",
                "--ambient-caps=+bpf,+perfmon",
                BIN,
            ])
            .args(args)
            .output()
            .unwrap()
    };
    let out = unprivileged(&["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let line = setup_exit(&text);
    assert!(!line.contains("MISSING"), "the kernel has it: {text}");
    let closed = line.contains("NO ACCESS");
    if closed {
        assert!(text.contains("open to root only"), "{text}");
        assert!(
            text.contains("mount -o remount,gid=GROUP,mode=0750"),
            "{text}"
        );
    } else {
        assert!(line.contains("found"), "{text}");
    }
    let out = unprivileged(&["dump", "--duration", "0.2"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("on this kernel"), "{err}");
    assert_eq!(err.contains("Run uringtop as root"), closed, "{err}");
}
