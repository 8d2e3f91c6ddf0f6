//! What the tests that run the `uringtop` binary share (record_dir.rs, recording_cli.rs): the
//! binary under test, and one way to run it and to check that it succeeded, so that a failure
//! always shows what uringtop said.

// Each test file is a crate of its own and uses only part of this.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
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
