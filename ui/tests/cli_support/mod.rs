//! What the tests that run the `uringtop` binary share (cli.rs, record_dir.rs, record_live.rs,
//! recording_cli.rs, scrape_by_prometheus.rs, tui_e2e.rs): the binary under test, one way to run
//! it and to check how it ended, so that a failure always shows what uringtop said, and the
//! files its options name (policies, synthetic recordings).

// Each test file is a crate of its own and uses only part of this.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_uringtop");

/// Runs uringtop with `args` to its end, whatever its exit status.
pub fn uringtop(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("runs uringtop")
}

/// Asserts that uringtop exited with status 0; if not, the message is what it said on stderr.
#[track_caller]
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The permission bits of `path` (`0o600`, not the file type's bits as well).
pub fn permissions(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("the file exists")
        .permissions()
        .mode()
        & 0o777
}

/// Asserts that uringtop refused with a reason: exit status 1 (an error it explains, not a
/// usage error or a panic) and `says` in what it wrote on stderr.
#[track_caller]
pub fn assert_refused(out: &Output, says: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(says), "{err}");
}

/// Asserts that uringtop refused each command line as a usage error: exit status 2 (clap's, or
/// an option given where it does not apply) and the reason, `says`, on stderr.
#[track_caller]
pub fn assert_usage_errors(cases: &[(&[&str], &str)]) {
    for (args, says) in cases {
        let out = uringtop(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

/// Writes the policy `toml` to the file `name` in `dir`, for `--policy`; returns its path.
pub fn policy_file(dir: &Path, name: &str, toml: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, toml).expect("writes the policy file");
    path
}

/// `uringtop record --synthetic SEED --interval INTERVAL`, to be given a destination: the
/// deterministic synthetic stream (1000 samples, 1 s apart in recorded time), one sample per
/// INTERVAL of wall-clock time, without the probe or privileges.
pub fn synthetic_recorder(seed: &str, interval: &str) -> Command {
    let mut command = Command::new(BIN);
    command.args(["record", "--synthetic", seed, "--interval", interval]);
    command
}
