//! `uringtop advise` as a user runs it, on a synthetic recording (no probe, no privileges):
//! usage errors, every format, nothing to advise, and recordings that cannot be read.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_uringtop");

fn uringtop(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("runs uringtop")
}

fn record_synthetic(file: &Path) {
    uringtop_tests::synthetic_recording::record_synthetic(BIN, file, "0.5", &[]);
}

#[test]
fn usage_errors_exit_with_status_2() {
    for args in [
        &["advise"][..],
        &["advise", "x.mcap", "--duration", "1"],
        &["advise", "x.mcap", "--format", "yaml"],
        &["advise", "--duration", "soon"],
    ] {
        let out = uringtop(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?} says why");
    }
}

#[test]
fn every_format_from_a_recording() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("synthetic.mcap");
    record_synthetic(&file);
    let path = file.to_str().unwrap();

    let out = uringtop(&["advise", path, "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], 1);
    assert_eq!(doc["source"]["kind"], "recording");
    assert_eq!(doc["source"]["file"], path);
    let processes = doc["processes"].as_array().unwrap();
    assert!(!processes.is_empty());
    for p in processes {
        for r in p["rings"].as_array().unwrap() {
            for op in r["sqe_ops"].as_array().unwrap() {
                let name = op.as_str().unwrap();
                assert!(
                    uringtop_common::names::opcode_by_name(name).is_some(),
                    "{name}"
                );
            }
        }
    }

    let pid = processes[0]["pid"].as_u64().unwrap().to_string();
    let out = uringtop(&["advise", path, "--pid", &pid, "--format", "json"]);
    let only: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(only["processes"].as_array().unwrap().len(), 1);

    for (format, marker) in [
        ("policy", "default = \"allow\""),
        ("c", "static struct io_uring_restriction"),
        ("rust", "-> Vec<io_uring::register::Restriction>"),
    ] {
        let out = uringtop(&["advise", path, "--format", format]);
        assert!(out.status.success(), "{format}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(marker),
            "{format}"
        );
    }
    // The default is the policy file.
    let out = uringtop(&["advise", path]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("# uringtop advise"));
}

#[test]
fn nothing_observed_is_an_error_with_nothing_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("synthetic.mcap");
    record_synthetic(&file);
    let out = uringtop(&["advise", file.to_str().unwrap(), "--pid", "4000000"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nothing to advise") && err.contains("4000000"),
        "{err}"
    );
}

#[test]
fn unreadable_recordings_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.mcap");
    let out = uringtop(&["advise", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("missing.mcap") && err.contains("No such file"),
        "{err}"
    );

    let garbage = dir.path().join("garbage.mcap");
    std::fs::write(&garbage, b"hello, world\n").unwrap();
    let out = uringtop(&["advise", garbage.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a uringtop recording"), "{err}");
}
