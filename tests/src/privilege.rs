//! What a test does when the machine cannot run it.
//!
//! Locally a missing privilege or tool skips the test, so `cargo test` stays usable as a normal
//! user. In CI (`CI=true`) a skip would silently turn a real check into a green no-op, so there
//! it panics instead.
//!
//! A skip must be seen without `--nocapture`: libtest captures what a passing test prints with
//! `eprintln!`, and a skipped test passes. So [`skip`] writes its `SKIPPED` line to the stderr
//! file itself (which the capture does not intercept), and leaves a record under the target
//! directory; the last test of `cargo test --workspace`, `tests/tests/zz_skipped_checks.rs`
//! (no libtest harness, so nothing captures it), prints every record, so the run ends with a
//! line naming each skipped check.

use std::io::Write;
use std::path::{Path, PathBuf};

/// What the probe needs: loading BPF programs and attaching to tracepoints.
const ROOT_REASON: &str = "root (CAP_BPF + CAP_PERFMON)";

/// The name of the function it is written in: a test's name for the messages of [`require_root`],
/// [`skip`] and the like, derived so that it cannot go stale when the test is renamed.
#[macro_export]
macro_rules! test_name {
    () => {{
        fn here() {}
        $crate::privilege::enclosing_function(::std::any::type_name_of_val(&here))
    }};
}

/// The function `here`'s path names as its enclosing one (`crate::module::test::here` -> `test`),
/// past the closures it may be written in.
pub fn enclosing_function(here: &'static str) -> &'static str {
    here.rsplit("::")
        .find(|part| *part != "here" && *part != "{{closure}}")
        .unwrap_or(here)
}

/// Whether `test_name` may run with the privileges it needs.
///
/// Returns true when the process runs as euid 0. Otherwise panics when
/// `CI=true`, else prints a `SKIPPED` line to stderr and returns false; the
/// caller then returns early.
pub fn require_root(test_name: &str) -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let is_root = unsafe { libc::geteuid() } == 0;
    require_here(test_name, is_root, ROOT_REASON, "run the tests as root")
}

/// Whether `tool` (e.g. `tmux`) is found as an executable on `PATH`, with the
/// same skip-or-panic rule as [`require_root`].
pub fn require_tool(test_name: &str, tool: &str) -> bool {
    let found = find_on_path(tool).is_some();
    require_here(
        test_name,
        found,
        &format!("`{tool}` on PATH"),
        &format!("install {tool}"),
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

/// The policy itself, apart from the environment so it can be unit tested (the hint is the
/// caller's to say, when it skips).
fn require(test_name: &str, satisfied: bool, reason: &str, _hint: &str, in_ci: bool) -> bool {
    if satisfied {
        return true;
    }
    if in_ci {
        panic!("{test_name} needs {reason} and CI=true forbids skipping");
    }
    false
}

/// [`require`] in this environment, recording the skip when it is one.
fn require_here(test_name: &str, satisfied: bool, reason: &str, hint: &str) -> bool {
    let run = require(test_name, satisfied, reason, hint, ci_forbids_skipping());
    if !run {
        record_skip(test_name, reason, hint);
    }
    run
}

/// Skips the check `test_name`, which needs `reason` (`hint`: what to do about it), visibly;
/// under `CI=true` panics instead. Returns false.
pub fn skip(test_name: &str, reason: &str, hint: &str) -> bool {
    require_here(test_name, false, reason, hint)
}

/// Where skips are recorded for the final report: `<target>/<profile>/uringtop-skipped`, next
/// to the `deps` directory that holds every test executable.
pub fn skip_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let deps = exe.parent()?;
    Some(deps.parent()?.join("uringtop-skipped"))
}

fn record_skip(test_name: &str, reason: &str, hint: &str) {
    let line = format!("SKIPPED {test_name}: needs {reason}; {hint}");
    // Straight to the file descriptor: libtest captures only the print macros.
    let _ = writeln!(std::io::stderr().lock(), "{line}");
    if let Some(dir) = skip_dir() {
        record_in(&dir, test_name, &line);
    }
}

fn record_in(dir: &Path, test_name: &str, line: &str) {
    let name: String = test_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let _ = std::fs::create_dir_all(dir);
    let _ = std::fs::write(dir.join(format!("{name}.txt")), format!("{line}\n"));
}

/// The skips recorded since the last call, sorted, and forgets them.
pub fn take_skipped() -> Vec<String> {
    skip_dir().map_or_else(Vec::new, |dir| take_from(&dir))
}

fn take_from(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut lines: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.path()).ok();
            let _ = std::fs::remove_file(e.path());
            text
        })
        .map(|t| t.trim_end().to_string())
        .collect();
    lines.sort();
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_knows_its_own_name() {
        assert_eq!(crate::test_name!(), "a_test_knows_its_own_name");
        let in_a_closure = || crate::test_name!();
        assert_eq!(in_a_closure(), "a_test_knows_its_own_name");
    }

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
    fn skips_are_recorded_for_the_final_report_once() {
        let dir = std::env::temp_dir().join(format!("uringtop-skip-test-{}", std::process::id()));
        record_in(&dir, "b::second", "SKIPPED b::second: needs x; y");
        record_in(&dir, "a_first", "SKIPPED a_first: needs root; z");
        assert_eq!(
            take_from(&dir),
            [
                "SKIPPED a_first: needs root; z",
                "SKIPPED b::second: needs x; y"
            ]
        );
        assert!(take_from(&dir).is_empty(), "reported once");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn finds_a_tool_that_every_linux_has() {
        assert!(find_on_path("sh").is_some());
        assert!(find_on_path("no-such-tool-uringtop-0f3a").is_none());
    }
}
