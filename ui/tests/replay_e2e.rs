//! `uringtop replay` as a user runs it, without privileges: the real binary in tmux over the
//! sample recording in assets/, driven with keys, the screen read with `capture-pane`.
//!
//! Skipped without tmux, except under CI=true, where that fails the test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use uringtop_tests::privilege::require_tool;

const NAME: &str = "replay_e2e";
const WAIT: Duration = Duration::from_secs(20);

#[test]
fn replays_the_sample_with_a_timeline() {
    if !require_tool(NAME, "tmux") {
        return;
    }
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/sample.mcap");
    let tmux = Tmux::start(&sample);
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
    tmux.keys(&["Escape", "q"]);
    let deadline = Instant::now() + WAIT;
    while !tmux.path("status").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = std::fs::read_to_string(tmux.path("status")).unwrap_or_default();
    assert_eq!(
        status.trim(),
        "0",
        "exit status; stderr: {}",
        std::fs::read_to_string(tmux.path("stderr")).unwrap_or_default()
    );
}

struct Tmux {
    socket: PathBuf,
    dir: PathBuf,
}

impl Tmux {
    fn start(sample: &Path) -> Self {
        let dir = std::env::temp_dir().join(format!("uringtop-replay-e2e-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let t = Tmux {
            socket: dir.join("tmux.sock"),
            dir,
        };
        let script = format!(
            "'{bin}' replay '{sample}' 2>'{err}'; echo $? >'{status}'",
            bin = env!("CARGO_BIN_EXE_uringtop"),
            sample = sample.display(),
            err = t.path("stderr").display(),
            status = t.path("status").display(),
        );
        t.tmux(&[
            "new-session",
            "-d",
            "-s",
            "replay",
            "-x",
            "120",
            "-y",
            "30",
            "sh",
            "-c",
            &script,
        ]);
        t
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("running tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.tmux(&["send-keys", "-t", "replay", key]);
        }
    }

    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.tmux(&["capture-pane", "-p", "-t", "replay"]);
            if ok(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!(
                    "waiting for {what}; screen:\n{screen}\nstderr: {}",
                    std::fs::read_to_string(self.path("stderr")).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["kill-server"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
