//! What a test does when the machine cannot run it.
//!
//! Locally a missing privilege or tool skips the test with a visible
//! `SKIPPED` line, so `cargo test` stays usable as a normal user. In CI
//! (`CI=true`) a skip would silently turn a real check into a green no-op, so
//! there it panics instead.

use std::path::{Path, PathBuf};

/// What the probe needs: loading BPF programs and attaching to tracepoints.
const ROOT_REASON: &str = "root (CAP_BPF + CAP_PERFMON)";

/// Whether `test_name` may run with the privileges it needs.
///
/// Returns true when the process runs as euid 0. Otherwise panics when
/// `CI=true`, else prints a `SKIPPED` line to stderr and returns false; the
/// caller then returns early.
pub fn require_root(test_name: &str) -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let is_root = unsafe { libc::geteuid() } == 0;
    require(
        test_name,
        is_root,
        ROOT_REASON,
        "run the tests as root",
        ci_forbids_skipping(),
    )
}

/// Whether `tool` (e.g. `tmux`) is found as an executable on `PATH`, with the
/// same skip-or-panic rule as [`require_root`].
pub fn require_tool(test_name: &str, tool: &str) -> bool {
    let found = find_on_path(tool).is_some();
    require(
        test_name,
        found,
        &format!("`{tool}` on PATH"),
        &format!("install {tool}"),
        ci_forbids_skipping(),
    )
}

/// The first executable file called `tool` in the directories of `PATH`.
pub fn find_on_path(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn ci_forbids_skipping() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

/// The policy itself, apart from the environment so it can be unit tested.
fn require(test_name: &str, satisfied: bool, reason: &str, hint: &str, in_ci: bool) -> bool {
    if satisfied {
        return true;
    }
    if in_ci {
        panic!("{test_name} needs {reason} and CI=true forbids skipping");
    }
    eprintln!("SKIPPED {test_name}: needs {reason}; {hint}");
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satisfied_requirement_runs_the_test() {
        assert!(require("t", true, "root", "hint", false));
        assert!(require("t", true, "root", "hint", true));
    }

    #[test]
    fn unsatisfied_requirement_skips_outside_ci() {
        assert!(!require("t", false, "root", "hint", false));
    }

    #[test]
    #[should_panic(expected = "t needs root (CAP_BPF + CAP_PERFMON) and CI=true forbids skipping")]
    fn unsatisfied_requirement_panics_in_ci() {
        require("t", false, ROOT_REASON, "hint", true);
    }

    #[test]
    fn finds_a_tool_that_every_linux_has() {
        assert!(find_on_path("sh").is_some());
        assert!(find_on_path("no-such-tool-uringtop-0f3a").is_none());
    }
}
