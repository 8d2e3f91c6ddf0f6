//! The real binary in a real terminal: tmux runs `uringtop` (as root, on the live probe) in a
//! detached session of a fixed size while this process drives a ring with NOPs; keys are sent
//! with `tmux send-keys` and the screen is read with `capture-pane`.
//!
//! Skipped without root or tmux, except under CI=true, where that fails the test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use io_uring::{opcode, IoUring};
use uringtop_tests::privilege::{require_root, require_tool};

const NAME: &str = "tui_e2e";
/// Generous: the probe's BPF programs load while other builds compete for the CPU.
const WAIT: Duration = Duration::from_secs(30);

#[test]
fn filters_drills_into_a_ring_and_streams_its_requests() {
    if !require_tool(NAME, "tmux") || !require_root(NAME) {
        return;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let workload = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || paced_nops(&stop))
    };
    let pid = std::process::id();
    let session = Session::start();

    let process_row = format!("{pid} ");
    let screen = session.wait_for("the workload's process", |s| {
        s.lines().any(|l| l.trim_start().starts_with(&process_row))
    });
    assert!(
        screen.contains("live"),
        "the status line names the source:\n{screen}"
    );

    session.keys(&["/"]);
    session.literal(&pid.to_string());
    session.keys(&["Enter"]);
    let filtered = format!("filter \"{pid}\"");
    let screen = session.wait_for("the filter", |s| s.contains(&filtered) && s.contains("└─"));
    let process_rows = screen
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .count();
    assert_eq!(
        process_rows, 1,
        "only the workload's process is left:\n{screen}"
    );

    // Top row is the process; the one below is its ring.
    session.keys(&["Home", "Down", "Enter"]);
    let ring_title = format!("[{pid}]");
    let screen = session.wait_for("the ring view", |s| {
        s.contains("REQ/s") && s.contains(&ring_title) && s.contains("NOP")
    });
    assert!(
        screen.contains("latency of NOP"),
        "the histogram is of the selected opcode:\n{screen}"
    );

    session.keys(&["r"]);
    let screen = session.wait_for("streamed NOPs", |s| {
        s.contains("requests of ring") && nop_rows(s) >= 5
    });
    assert!(screen.contains("inline"), "NOPs complete inline:\n{screen}");

    session.keys(&["Enter"]);
    session.wait_for("a request's details", |s| {
        s.contains("NOP (0)") && s.contains("res        0")
    });
    // One Esc at a time: crossterm reads two ESC bytes arriving together as a single Esc.
    session.keys(&["Escape"]);
    session.wait_for("the request list again", |s| {
        s.contains("requests of ring") && !s.contains("Esc back")
    });
    session.keys(&["Escape"]);
    session.wait_for("the ring view again", |s| s.contains("latency of NOP"));
    session.keys(&["Escape"]);
    session.wait_for("the process list", |s| {
        s.contains("COMM") && s.contains(&filtered)
    });

    session.keys(&["q"]);
    let status = session.exit_status();
    stop.store(true, Ordering::Relaxed);
    let submitted = workload
        .join()
        .expect("the workload thread")
        .expect("the workload");
    assert!(submitted > 0);
    assert_eq!(
        status.as_deref(),
        Some("0"),
        "uringtop's exit status; its stderr:\n{}",
        session.stderr()
    );
}

/// Request rows of NOPs on screen.
fn nop_rows(screen: &str) -> usize {
    screen
        .lines()
        .filter(|l| l.contains(" NOP ") && l.contains("inline"))
        .count()
}

/// Batches of 32 NOPs a hundred times a second on one ring, until `stop`: steady, known traffic
/// without taking a whole CPU from a shared machine. Returns how many completed.
fn paced_nops(stop: &AtomicBool) -> std::io::Result<u64> {
    let mut ring = IoUring::new(64)?;
    let mut completed = 0u64;
    while !stop.load(Ordering::Relaxed) {
        for i in 0..32u64 {
            let nop = opcode::Nop::new().build().user_data(completed + i);
            // SAFETY: a NOP points at no memory; 32 fit in the 64-entry SQ, emptied every round.
            unsafe { ring.submission().push(&nop) }.map_err(std::io::Error::other)?;
        }
        ring.submit_and_wait(32)?;
        completed += ring.completion().count() as u64;
        thread::sleep(Duration::from_millis(10));
    }
    Ok(completed)
}

/// uringtop in a detached tmux session on a private server, killed when dropped. The server's
/// socket lives in the scratch directory, so nothing is left behind in /tmp/tmux-*.
struct Session {
    socket: PathBuf,
    dir: PathBuf,
}

impl Session {
    fn start() -> Self {
        let id = std::process::id();
        let dir = std::env::temp_dir().join(format!("uringtop-tui-e2e-{id}"));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        let session = Session {
            socket: dir.join("tmux.sock"),
            dir,
        };
        let _ = std::fs::remove_file(session.path("status"));
        // stderr goes to a file: it must not draw over the screen, and it explains a failure.
        let script = format!(
            "'{bin}' --interval 0.5 2>'{err}'; echo $? >'{status}'",
            bin = env!("CARGO_BIN_EXE_uringtop"),
            err = session.path("stderr").display(),
            status = session.path("status").display(),
        );
        session.tmux(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            "120",
            "-y",
            "40",
            "sh",
            "-c",
            &script,
        ]);
        session
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
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Named keys (`Enter`, `Down`, ...) or single characters.
    fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.tmux(&["send-keys", "-t", "e2e", key]);
        }
    }

    fn literal(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "e2e", "-l", text]);
    }

    fn screen(&self) -> Option<String> {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["capture-pane", "-p", "-t", "e2e"])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Polls the screen until `ready` holds; fails with the last screen after [`WAIT`].
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        let mut last = String::new();
        while start.elapsed() < WAIT {
            match self.screen() {
                Some(screen) if ready(&screen) => return screen,
                Some(screen) => last = screen,
                None if Path::new(&self.path("status")).exists() => {
                    panic!(
                        "uringtop exited while waiting for {what}; its stderr:\n{}",
                        self.stderr()
                    )
                }
                None => {}
            }
            thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "no {what} after {WAIT:?}; the screen:\n{last}\nstderr:\n{}",
            self.stderr()
        );
    }

    /// The exit status the shell wrote when uringtop ended.
    fn exit_status(&self) -> Option<String> {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if let Ok(text) = std::fs::read_to_string(self.path("status")) {
                if text.ends_with('\n') {
                    return Some(text.trim().to_string());
                }
            }
            thread::sleep(Duration::from_millis(100));
        }
        None
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.path("stderr")).unwrap_or_default()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
