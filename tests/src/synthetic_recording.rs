//! Making a recording without the probe, for tests of the commands that read recordings.

use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `BIN record --synthetic 7 --interval 0.05 --duration DURATION EXTRA... -o FILE` (the
/// deterministic synthetic stream, no privileges needed) and checks it succeeded.
pub fn record_synthetic(bin: &str, file: &Path, duration: &str, extra: &[&str]) {
    let out = Command::new(bin)
        .args(["record", "--synthetic", "7", "--interval", "0.05"])
        .args(["--duration", duration])
        .args(extra)
        .arg("-o")
        .arg(file)
        .stdout(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {bin}: {e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
