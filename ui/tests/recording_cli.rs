//! `uringtop record` and `uringtop dump --from` as a user runs them, on the recorder's synthetic
//! source (no probe, no privileges): a recorder killed with SIGKILL, replay equals the model fed
//! directly, permissions, and bad input that must give a clear error rather than a panic.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use uringtop_common::input::Input;
use uringtop_common::model::Model;
use uringtop_common::recording::Recording;
use uringtop_common::synthetic::synthetic_stream;

mod cli_support;
use cli_support::{assert_refused, assert_success, permissions, synthetic_recorder, uringtop, BIN};

const SEED: u64 = 7;

/// The synthetic recorder's stream, as `record --synthetic` sends it.
fn stream() -> Vec<Input> {
    synthetic_stream(SEED, 1000, 4, 2)
}

/// The report of the model fed the stream up to and including its `samples`-th sample.
fn report_after(samples: usize) -> String {
    let mut model = Model::new();
    let mut seen = 0;
    for input in stream() {
        model.apply(&input);
        if matches!(input, Input::Sample(_)) {
            seen += 1;
            if seen == samples {
                break;
            }
        }
    }
    model.report().to_json()
}

#[test]
fn a_recorder_killed_with_sigkill_keeps_all_but_the_last_second() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("killed.mcap");
    let mut child = synthetic_recorder("7", "0.2")
        .args(["--requests", "-o"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The recorder says "sample N" as it writes each sample: note when each was said.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(n) = line.strip_prefix("sample ") {
                let _ = tx.send((Instant::now(), n.parse::<usize>().unwrap()));
            }
        }
    });
    let mut said = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while said.len() < 15 && Instant::now() < deadline {
        if let Ok(x) = rx.recv_timeout(Duration::from_secs(1)) {
            said.push(x);
        }
    }
    assert!(said.len() >= 15, "the recorder did not get going");
    // SIGKILL: no signal handler, no destructor runs.
    child.kill().unwrap();
    let killed_at = Instant::now();
    child.wait().unwrap();
    let older_than_a_second = said
        .iter()
        .filter(|(at, _)| killed_at.duration_since(*at) >= Duration::from_secs(1))
        .map(|&(_, n)| n)
        .max()
        .unwrap();

    let rec = Recording::open(&file).unwrap();
    assert!(
        rec.damage().is_some_and(|d| d.unfinished),
        "{}",
        rec.summary()
    );
    let recovered = rec.sample_count();
    assert!(
        recovered >= older_than_a_second,
        "{recovered} samples recovered, {older_than_a_second} were written more than 1 s before the kill"
    );
    let got: Vec<Input> = rec.inputs().collect();
    assert_eq!(
        &stream()[..got.len()],
        &got[..],
        "a prefix of what was sent"
    );

    let out = uringtop(&["dump", "--from", file.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim_end(),
        report_after(recovered)
    );
    let warning = String::from_utf8(out.stderr).unwrap();
    assert!(warning.contains("recorder did not finish"), "{warning}");
}

/// Runs the synthetic recorder (a sample per 50 ms, with `extra` arguments) into `file` until it
/// says it has written `samples` samples, then sends it `signal`; returns how it ended. However
/// slow the machine, a recorder that finishes its file leaves at least `samples` in it.
fn record_until(file: &Path, extra: &[&str], samples: usize, signal: i32) -> Output {
    let mut child = synthetic_recorder("7", "0.05")
        .args(extra)
        .arg("-o")
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read until then, and kept open after: the recorder goes on saying "sample N" until the
    // signal arrives, and a closed pipe would end it first.
    let mut said = BufReader::new(child.stdout.take().unwrap()).lines();
    let written = format!("sample {samples}");
    assert!(
        said.any(|line| line.is_ok_and(|l| l == written)),
        "the recorder ended before it said {written:?}"
    );
    // SAFETY: kill(2) on our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
    let out = child.wait_with_output().unwrap();
    drop(said);
    out
}

fn record_synthetic(file: &Path, duration: &str) {
    uringtop_tests::synthetic_recording::record_synthetic(BIN, file, duration, &["--requests"]);
}

#[test]
fn dump_from_a_recording_equals_the_model_fed_directly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.mcap");
    // Stopped once 5 samples are written, not after some seconds: a recording of 2 s once held
    // only 4, on a machine so loaded that the recorder's start took most of them.
    assert_success(&record_until(&file, &["--requests"], 5, libc::SIGTERM));
    assert_eq!(permissions(&file), 0o600);
    let rec = Recording::open(&file).unwrap();
    assert!(rec.damage().is_none(), "{}", rec.summary());
    let n = rec.sample_count();
    assert!(n >= 5, "{}", rec.summary());
    let out = uringtop(&["dump", "--from", file.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim_end(),
        report_after(n)
    );

    // A window by offsets: rebased at the last sample at or before the start.
    let times: Vec<u64> = rec.sample_times().collect();
    let start = times[0] + (times[2] - times[0]) + 1; // just after the third sample
    let offset = format!("+{}ms", (start - times[0]) / 1_000_000 + 1);
    let out = uringtop(&[
        "dump",
        "--from",
        file.to_str().unwrap(),
        "--start",
        &offset,
        "--end",
        "+100s",
    ]);
    assert_success(&out);
    let mut model = Model::new();
    let mut seen = 0;
    for input in stream() {
        if let Input::Sample(_) = input {
            if seen == 3 {
                model.rebase();
            }
            if seen == n {
                break;
            }
            seen += 1;
        }
        model.apply(&input);
    }
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim_end(),
        model.report().to_json()
    );

    // An existing file is not overwritten.
    let again = uringtop(&[
        "record",
        "--synthetic",
        "7",
        "--duration",
        "0.1",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_refused(&again, "remove it first");
}

#[test]
fn bad_recordings_give_clear_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.mcap");
    record_synthetic(&good, "0.5");
    let bytes = std::fs::read(&good).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", vec![], "empty"),
        (
            "garbage",
            b"hello, world\n".to_vec(),
            "not a uringtop recording",
        ),
        ("magic-only", bytes[..8].to_vec(), "uringtop recording"),
    ];
    for (name, content, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let out = uringtop(&["dump", "--from", path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(expected), "{name}: {err}");
    }
    let out = uringtop(&["dump", "--from", dir.path().to_str().unwrap()]);
    assert_refused(&out, "directory");

    // Each message names the file once, and says "uringtop" once.
    let missing = dir.path().join("missing.mcap");
    let out = uringtop(&["dump", "--from", missing.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(err.matches("missing.mcap").count(), 1, "{err}");
    assert!(err.starts_with("uringtop: cannot read "), "{err}");
    let garbage = dir.path().join("garbage");
    let out = uringtop(&["advise", garbage.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("garbage").count(), 1, "{err}");

    // Truncated: the intact prefix is dumped, with a warning saying how much it holds.
    let cut = dir.path().join("cut.mcap");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let out = uringtop(&["dump", "--from", cut.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("samples and") && err.contains("recovered"),
        "{err}"
    );

    // A finished file opens from its index, and its chunks are checked as they are read: one
    // that fails is said after the dump (which holds what came before it).
    let summary = mcap::Summary::read(&bytes).unwrap().unwrap();
    let middle = &summary.chunk_indexes[summary.chunk_indexes.len() / 2];
    let mut broken = bytes.clone();
    broken[(middle.chunk_start_offset + middle.chunk_length - 1) as usize] ^= 0x10;
    let path = dir.path().join("bad-chunk.mcap");
    std::fs::write(&path, &broken).unwrap();
    let out = uringtop(&["dump", "--from", path.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let at = format!(
        "the chunk at byte {} of {}",
        middle.chunk_start_offset,
        bytes.len()
    );
    assert!(err.contains("warning") && err.contains(&at), "{err}");

    // Bits flipped all over: never a panic (exit 101).
    for i in (8..bytes.len()).step_by(97) {
        let mut flipped = bytes.clone();
        flipped[i] ^= 0x5a;
        let path = dir.path().join("flipped.mcap");
        std::fs::write(&path, &flipped).unwrap();
        let out = uringtop(&["dump", "--from", path.to_str().unwrap()]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "byte {i}: {:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn time_arguments_are_checked() {
    let out = uringtop(&["dump", "--start", "+5s"]);
    assert_eq!(out.status.code(), Some(2), "--start needs --from");
    let out = uringtop(&["dump", "--from", "x.mcap", "--start", "soon"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("time of day"));
}

/// Parses the trace with Perfetto's published protobuf schema (ui/tests/perfetto_check.py; the
/// `perfetto` and `protobuf` Python packages, which .ci/install-test-deps installs).
fn check_against_perfettos_schema(trace: &Path, slices: u64) {
    let checker = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/perfetto_check.py");
    let has_schema = Command::new("python3")
        .args([
            "-c",
            "import perfetto.protos.perfetto.trace.perfetto_trace_pb2",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_schema {
        uringtop_tests::privilege::skip(
            "the Perfetto schema check (export_writes_one_slice_per_recorded_request)",
            "python3 with the `perfetto` and `protobuf` packages",
            "`pip install perfetto protobuf`, or run .ci/install-test-deps",
        );
        return;
    }
    let out = Command::new("python3")
        .arg(&checker)
        .arg(trace)
        .arg(slices.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn export_writes_one_slice_per_recorded_request() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.mcap");
    record_synthetic(&file, "0.5");
    let requests = Recording::open(&file).unwrap().request_count();
    assert!(requests > 0);
    let trace = dir.path().join("trace.perfetto-trace");
    let out = Command::new(BIN)
        .args(["export", file.to_str().unwrap(), "--perfetto"])
        .arg(&trace)
        .output()
        .unwrap();
    assert_success(&out);
    check_against_perfettos_schema(&trace, requests);
    let said = String::from_utf8_lossy(&out.stderr);
    let bytes = std::fs::metadata(&trace).unwrap().len();
    assert!(said.contains(&format!("({bytes} bytes;")), "{said}");
    // Like a recording, the trace says what every process did: mode 0600, and an existing file
    // is replaced only when asked.
    assert_eq!(permissions(&trace), 0o600);
    let export = |extra: &[&str]| {
        Command::new(BIN)
            .args(["export", file.to_str().unwrap(), "--perfetto"])
            .arg(&trace)
            .args(extra)
            .output()
            .unwrap()
    };
    std::fs::write(&trace, "keep me").unwrap();
    let out = export(&[]);
    assert_refused(&out, "--force replaces it");
    assert_eq!(std::fs::read(&trace).unwrap(), b"keep me");
    std::fs::set_permissions(&trace, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let out = export(&["--force"]);
    assert_success(&out);
    assert_eq!(std::fs::metadata(&trace).unwrap().len(), bytes);
    assert_eq!(permissions(&trace), 0o600);

    // Without requests there is nothing to export: said, not an empty trace.
    let bare = dir.path().join("bare.mcap");
    let out = synthetic_recorder("7", "0.05")
        .args(["--duration", "0.3", "-o"])
        .arg(&bare)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = Command::new(BIN)
        .args(["export", bare.to_str().unwrap(), "--perfetto"])
        .arg(dir.path().join("none.json"))
        .output()
        .unwrap();
    assert_refused(&out, "--requests");
}

#[test]
fn the_sample_recording_is_intact_and_small() {
    let path = sample_path();
    let rec = Recording::open(Path::new(&path)).unwrap();
    assert!(rec.damage().is_none(), "{}", rec.summary());
    assert!(
        rec.sample_count() >= 5 && rec.request_count() > 1000,
        "{}",
        rec.summary()
    );
    assert!(rec.file_bytes() < 1 << 20);
    assert_eq!(
        rec.header().options.get("requests").map(String::as_str),
        Some("true")
    );
    let out = uringtop(&["dump", "--from", &path]);
    assert!(out.status.success());
    // The replay needs a terminal, and says so rather than failing on a pipe.
    let out = uringtop(&["replay", &path]);
    assert_refused(&out, "terminal");
}

fn sample_path() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../assets/sample.mcap")
        .to_str()
        .unwrap()
        .to_string()
}

/// SQEs submitted in one JSON report.
fn submitted(report: &serde_json::Value) -> u64 {
    let mut n = 0;
    for p in report["processes"].as_array().unwrap() {
        for r in p["rings"].as_array().unwrap() {
            for o in r["ops"].as_array().unwrap() {
                n += o["submitted"].as_u64().unwrap();
            }
        }
    }
    n
}

#[test]
fn dump_intervals_of_a_recording_add_up_to_the_whole_file() {
    let sample = sample_path();
    let whole = uringtop(&["dump", "--from", &sample]);
    assert!(whole.status.success());
    let whole: serde_json::Value = serde_json::from_slice(&whole.stdout).unwrap();
    for every in ["1", "2", "3", "10"] {
        let out = uringtop(&["dump", "--from", &sample, "--interval", every]);
        assert!(out.status.success(), "{every}");
        let reports: Vec<serde_json::Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        // The trailing partial interval is printed, as live dump prints it when it stops.
        let sum: u64 = reports.iter().map(submitted).sum();
        assert_eq!(sum, submitted(&whole), "--interval {every}");
        let duration: u64 = reports
            .iter()
            .map(|r| r["duration_ns"].as_u64().unwrap())
            .sum();
        assert_eq!(duration, whole["duration_ns"].as_u64().unwrap());
    }
}

/// `dump --from RECORDING --interval 1 --format csv`: a recording's CSV rows, a set per second.
fn csv_per_second(recording: &str) -> [&str; 7] {
    [
        "dump",
        "--from",
        recording,
        "--interval",
        "1",
        "--format",
        "csv",
    ]
}

#[test]
fn dump_interval_csv_rows_say_their_interval() {
    let sample = sample_path();
    let out = uringtop(&csv_per_second(&sample));
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("interval,pid,comm,ring,"));
    let intervals: std::collections::BTreeSet<&str> =
        lines.map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(
        intervals.into_iter().collect::<Vec<_>>(),
        ["1", "2", "3", "4", "5", "6"],
        "5 s and the 27 ms the recorder ran after its last full interval"
    );
    // Without --interval, the contract's header is unchanged.
    let out = uringtop(&["dump", "--from", &sample, "--format", "csv"]);
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("pid,comm,ring,"));
}

/// Runs uringtop with its stdout a pipe whose reader is already gone (as in `uringtop … | head -1`
/// once head has its line): it must end quietly, with status 0.
fn with_closed_stdout(args: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let sample = sample_path();
    for args in [
        &["dump", "--from", &sample][..],
        &csv_per_second(&sample)[..],
        &["advise", &sample, "--format", "c"][..],
    ] {
        let out = with_closed_stdout(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// Every headless command stops the same way (one session): INT, TERM and HUP each end the
/// recorder with a finished file and its closing line, exit status 0.
#[test]
fn a_recorder_stopped_by_int_term_or_hup_finishes_its_file() {
    let dir = tempfile::tempdir().unwrap();
    for (name, signal) in [
        ("int", libc::SIGINT),
        ("term", libc::SIGTERM),
        ("hup", libc::SIGHUP),
    ] {
        let file = dir.path().join(format!("{name}.mcap"));
        // Three samples written: the session is running, its signal handlers in place.
        let out = record_until(&file, &[], 3, signal);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(out.status.success(), "SIG{name}: {:?} {stderr}", out.status);
        assert!(stderr.contains("recorded "), "SIG{name}: {stderr}");
        let rec = Recording::open(&file).unwrap();
        assert!(rec.damage().is_none(), "SIG{name}: {}", rec.summary());
        assert!(rec.sample_count() >= 3, "SIG{name}: {}", rec.summary());
    }
}
