//! `uringtop record --dir` (no privileges: the synthetic stream): files rotated, each readable
//! alone, the directory read as one timeline by `dump --from DIR`, the oldest deleted past the
//! size retention, the directory mode 0700, and a second recorder refused by the lock.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod cli_support;
use cli_support::{assert_refused, assert_success, permissions, synthetic_recorder, BIN};

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut f: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mcap"))
        .collect();
    f.sort();
    f
}

/// `uringtop dump --from FROM` with `extra` arguments: its JSON report.
fn dump_json(from: &Path, extra: &[&str]) -> serde_json::Value {
    let out = Command::new(BIN)
        .args(["dump", "--from"])
        .arg(from)
        .args(extra)
        .output()
        .unwrap();
    assert_success(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn rotated_files_read_alone_and_as_one_timeline() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rec");
    // The whole synthetic stream (1000 samples, 1 s apart in recorded time), as fast as it
    // comes: the recording ends with it, whatever the machine's load.
    let out = synthetic_recorder("5", "0.001")
        .args(["--rotate", "100s", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(permissions(&dir), 0o700);
    let parts = files(&dir);
    assert!(parts.len() >= 9, "{parts:?}");
    // Each file holds about 100 of the samples, the whole directory all of them.
    let mut sum_ns = 0;
    for part in &parts {
        let alone = dump_json(part, &[]);
        assert!(
            !alone["processes"].as_array().unwrap().is_empty(),
            "{part:?}"
        );
        sum_ns += alone["duration_ns"].as_u64().unwrap();
    }
    let whole = dump_json(&dir, &[]);
    let whole_ns = whole["duration_ns"].as_u64().unwrap();
    assert!(
        whole_ns > sum_ns,
        "one timeline: {whole_ns} ns, the files {sum_ns} ns"
    );
    // The last file's counts are cumulative (its first sample carries everything live), so
    // they equal the whole directory's for the processes that never exited.
    let last = dump_json(parts.last().unwrap(), &[]);
    let submitted = |v: &serde_json::Value| -> u64 {
        v["processes"][0]["rings"][0]["ops"][0]["submitted"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(submitted(&last), submitted(&whole));

    // The recorder's model went on from file to file: every file's checkpoints count in the
    // directory's timeline (a checkpoint at each file's start), and jumping around it by them
    // shows what folding the directory from its start shows.
    use uringtop_common::input::Input;
    use uringtop_common::model::Model;
    use uringtop_common::recording::{Recording, Timeline};
    let join = || Recording::join(parts.iter().map(|p| Recording::open(p).unwrap()).collect());
    let joined = join();
    // Every file was finished: each opens from its summary and index, none read whole.
    assert!(joined.opened_from_index());
    let starts: Vec<usize> = parts
        .iter()
        .scan(0, |n, p| {
            let at = *n;
            *n += Recording::open(p).unwrap().sample_count();
            Some(at)
        })
        .collect();
    let at: Vec<usize> = joined.checkpoints().iter().map(|c| c.samples).collect();
    for start in &starts[1..] {
        assert!(at.contains(start), "a checkpoint at {start}: {at:?}");
    }
    let inputs: Vec<Input> = joined.inputs().collect();
    let n = joined.sample_count();
    let mut timeline = Timeline::new(joined);
    for to in [n - 5, 150, starts[3] + 1, 20, starts[5], n / 2, 1] {
        timeline.goto_sample(to);
        let mut folded = Model::for_display();
        let mut samples = 0;
        for input in &inputs {
            folded.apply(input);
            if matches!(input, Input::Sample(_)) {
                samples += 1;
                if samples == to {
                    break;
                }
            }
        }
        assert!(*timeline.model() == folded, "at sample {to}");
    }
}

#[test]
fn retention_deletes_the_oldest_and_the_lock_refuses_a_second_recorder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rec");
    // Stopped with a signal once the second recorder was refused, not after a --duration: on a
    // loaded machine, 4 s once ran out before the second recorder started, which then took the
    // free lock.
    let first = synthetic_recorder("6", "0.1")
        .args(["--rotate", "1s", "--keep", "1B", "--dir"])
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !dir.join(".uringtop-record.lock").exists() {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(50));
    }
    let second = Command::new(BIN)
        .args(["record", "--synthetic", "6", "--duration", "1", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_refused(&second, "is being recorded into by another uringtop (pid ");
    // Rotations for a few seconds more.
    std::thread::sleep(Duration::from_secs(4));
    // SAFETY: kill(2) on our own child.
    assert_eq!(unsafe { libc::kill(first.id() as i32, libc::SIGTERM) }, 0);
    let out = first.wait_with_output().unwrap();
    assert_success(&out);
    // 1 byte of retention: only the newest file survives each rotation.
    assert_eq!(files(&dir).len(), 1, "{:?}", files(&dir));
}

/// `dump --from DIR --start T --end T` reads only the files the window needs, and reports what
/// a single recording of the same stream reports for that window.
#[test]
fn a_window_of_a_directory_equals_the_same_window_of_one_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rec");
    let file = tmp.path().join("one.mcap");
    // The whole synthetic stream, twice (1000 samples 1 s apart in recorded time): with
    // --rotate 60s, 17 files.
    for dest in [
        vec!["--dir", dir.to_str().unwrap(), "--rotate", "60s"],
        vec!["-o", file.to_str().unwrap()],
    ] {
        let out = synthetic_recorder("9", "0.001")
            .args(dest)
            .output()
            .unwrap();
        assert_success(&out);
    }
    assert!(files(&dir).len() >= 16, "{:?}", files(&dir));
    let window = |from: &Path| dump_json(from, &["--start", "+250s", "--end", "+400s"]);
    let (from_dir, from_file) = (window(&dir), window(&file));
    assert!(from_file["duration_ns"].as_u64().unwrap() > 140_000_000_000);
    assert_eq!(from_dir, from_file);
}
