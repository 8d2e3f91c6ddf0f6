//! `uringtop replay` as a user runs it, without privileges: the real binary in tmux over the
//! sample recording in assets/, driven with keys, the screen read with `capture-pane`.
//!
//! Skipped without tmux, except under CI=true, where that fails the test.

use std::path::Path;
use std::time::Duration;
use uringtop_tests::privilege::require_tool;
use uringtop_tests::tmux::Session;

const NAME: &str = "replay_e2e";
const WAIT: Duration = Duration::from_secs(20);

#[test]
fn replays_the_sample_with_a_timeline() {
    if !require_tool(NAME, "tmux") {
        return;
    }
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/sample.mcap");
    let sample = sample.to_string_lossy();
    let tmux = Session::start(
        "replay-e2e",
        (120, 30),
        WAIT,
        env!("CARGO_BIN_EXE_uringtop"),
        &["replay", &sample, "--no-config"],
    );
    let screen = tmux.wait_for("the first sample", |s| s.contains("1/7"));
    assert!(screen.contains("recording"), "{screen}");
    assert!(
        screen.contains("recording_workl"),
        "the recorded process:\n{screen}"
    );
    tmux.keys(&[" "]); // pause
    let screen = tmux.wait_for("paused", |s| s.contains("PAUSED"));
    assert!(screen.contains("?:help"), "{screen}");
    tmux.keys(&["$"]);
    tmux.wait_for("the end", |s| s.contains("7/7") && s.contains("end"));
    tmux.keys(&[","]);
    tmux.wait_for("one sample back", |s| s.contains("6/7"));
    tmux.keys(&["0"]);
    tmux.wait_for("the start", |s| s.contains("1/7"));
    tmux.keys(&[":", "+", "3", "s", "Enter"]);
    tmux.wait_for("+3s", |s| s.contains("4/7") || s.contains("3/7"));
    tmux.keys(&["}", "}"]);
    tmux.wait_for("4x", |s| s.contains("· 4x"));
    tmux.keys(&["?"]);
    tmux.wait_for("the help lists the timeline keys", |s| {
        s.contains("go to a time") && s.contains("slower / faster")
    });
    // Escape and q sent back to back can arrive in one read, which reads as Alt+q (it closes the
    // help without quitting): wait for the help to close first.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the help closed", |s| !s.contains("go to a time"));
    tmux.keys(&["q"]);
    assert_eq!(
        tmux.exit_status().as_deref(),
        Some("0"),
        "exit status; stderr: {}",
        tmux.stderr()
    );
}
