//! `uringtop record` on the real probe (as root): a workload with exactly known requests runs
//! while it records; the recording holds its counts and every one of its requests, with the
//! SQE fields as submitted and no kernel address; `dump --from` shows the known counts.
//!
//! Skipped without root, except under CI=true, where that fails the test.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use uringtop_common::input::Input;
use uringtop_common::names::opcode_name;
use uringtop_common::recording::Recording;
use uringtop_tests::privilege::require_root;
use uringtop_tests::workloads;

mod cli_support;
use cli_support::{policy_file, BIN};

const NAME: &str = "record_live";

/// Runs `uringtop record --interval 0.5 ARGS -o FILE` around `workload` (run in a child process
/// once the probe is attached), ends the recorder with SIGTERM, checks it exited cleanly, and
/// returns the workload's pid and expectations.
fn record_around(
    args: &[&str],
    file: &Path,
    workload: impl FnOnce() -> anyhow::Result<workloads::Expected>,
) -> (u32, workloads::Expected) {
    let recorder = Command::new(BIN)
        .args(["record", "--interval", "0.5"])
        .args(args)
        .arg("-o")
        .arg(file)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The file appears once the probe is loaded and attached.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !file.exists() {
        assert!(Instant::now() < deadline, "the recorder did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(700));
    let ran = workloads::run_in_child(workload).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(recorder.id() as i32, libc::SIGTERM) };
    let out = recorder.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ran
}

#[test]
fn records_a_known_workload_exactly() {
    if !require_root(NAME) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("live.mcap");
    let scratch = tempfile::tempdir().unwrap();
    let scratch_path = scratch.path().to_path_buf();
    let (pid, expected) = record_around(&["--requests"], &file, move || {
        workloads::file_read_write(&scratch_path)
    });

    let rec = Recording::open(&file).unwrap();
    assert!(
        rec.damage().is_none(),
        "SIGTERM ends cleanly: {}",
        rec.summary()
    );
    assert_eq!(rec.header().options["requests"], "true");
    assert!(!rec.header().kernel.is_empty());
    let mut requests: Vec<_> = rec
        .inputs()
        .filter_map(|i| match i {
            Input::Request(r) if r.pid == pid => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(
        requests.len(),
        expected.sqes.len(),
        "every request of the workload"
    );
    // Recorded in completion order; requests submitted together may complete in any order.
    requests.sort_by_key(|r| r.user_data);
    let mut sqes = expected.sqes.clone();
    sqes.sort_by_key(|s| s.user_data);
    for (r, sqe) in requests.iter().zip(&sqes) {
        assert_eq!(opcode_name(r.opcode), sqe.op);
        assert_eq!(
            (r.user_data, r.off, r.len, r.res),
            (sqe.user_data, sqe.off, sqe.len, sqe.res)
        );
        // Format 4: each request keeps the arguments the probe captured (the SQE as written).
        let args = r
            .args
            .as_deref()
            .expect("the request's arguments are recorded");
        assert_eq!(args.source, uringtop_common::args::SqeSource::Ring);
        assert_eq!((args.sqe.fd, args.sqe.len), (sqe.fd, sqe.len));
    }
    // No kernel address: every address is the user's buffer, in the lower half.
    for input in rec.inputs() {
        match input {
            Input::Request(r) => assert!(r.addr < 1 << 47, "addr {:#x}", r.addr),
            Input::Sample(s) => {
                let json = serde_json::to_string(&s).unwrap();
                for number in json.split(|c: char| !c.is_ascii_digit()) {
                    if let Ok(n) = number.parse::<u64>() {
                        assert!(n < 0xffff_8000_0000_0000, "{n:#x} in a sample");
                    }
                }
            }
        }
    }

    let out = Command::new(BIN)
        .args([
            "dump",
            "--from",
            file.to_str().unwrap(),
            "--pid",
            &pid.to_string(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ops = &report["processes"][0]["rings"][0]["ops"];
    for op in ops.as_array().unwrap() {
        let name = op["op"].as_str().unwrap();
        let want = expected.op(name);
        assert_eq!(op["submitted"], want.submitted, "{name}");
        assert_eq!(op["completed"], want.completed, "{name}");
    }
    assert_eq!(ops.as_array().unwrap().len(), expected.ops.len());
}

#[test]
fn a_recording_keeps_the_policy_and_its_violations_without_requests() {
    const TEST: &str = "record_live_policy";
    if !require_root(TEST) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("policy.mcap");
    // Every OPENAT of a missing file is a violation; every other request is not.
    let policy = policy_file(
        dir.path(),
        "policy.toml",
        "[[rule]]\nname = \"no opens\"\nops = [\"OPENAT\"]\naction = \"log\"\n",
    );
    let policy_arg = policy.to_str().unwrap();
    let (pid, _) = record_around(&["--policy", policy_arg], &file, || {
        let mut all = workloads::nops(1, 8)?;
        all.merge(workloads::openat_missing(5)?);
        Ok(all)
    });

    let rec = Recording::open(&file).unwrap();
    assert!(rec.header().options["policy"].contains("no opens"));
    // Without --requests only the violations were kept: the five OPENATs, with their rule.
    let kept: Vec<_> = rec
        .inputs()
        .filter_map(|i| match i {
            Input::Request(r) if r.pid == pid => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(kept.len(), 5, "{kept:?}");
    for r in &kept {
        assert_eq!(opcode_name(r.opcode), "OPENAT");
        let v = r.verdict.expect("a verdict");
        assert_eq!((v.action.name(), v.rule), ("log", Some(0)));
    }
    // dump --from reports the recorded verdicts and names the policy they came from.
    let out = Command::new(BIN)
        .args(["dump", "--pid", &pid.to_string(), "--from"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("recorded with policy"), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut verdicts = std::collections::BTreeMap::new();
    for ring in v["processes"][0]["rings"].as_array().unwrap() {
        for op in ring["ops"].as_array().unwrap() {
            verdicts.insert(
                op["op"].as_str().unwrap().to_string(),
                op["verdicts"].clone(),
            );
        }
    }
    assert_eq!(
        verdicts["OPENAT"],
        serde_json::json!({"allow": 0, "log": 5, "deny": 0, "kill": 0})
    );
    assert_eq!(
        verdicts["NOP"],
        serde_json::json!({"allow": 8, "log": 0, "deny": 0, "kill": 0})
    );
}
