//! A program in a detached tmux session on a private tmux server, for end-to-end tests in a real
//! terminal: keys sent with `send-keys`, the screen read with `capture-pane`. The server's socket,
//! the program's stderr and its exit status live in a scratch directory removed on drop, with the
//! server, so nothing is left behind in /tmp/tmux-*.

use std::path::PathBuf;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

pub struct Session {
    socket: PathBuf,
    dir: PathBuf,
    /// How long [`Session::wait_for`] and [`Session::exit_status`] wait.
    wait: Duration,
}

const NAME: &str = "e2e";

impl Session {
    /// Starts `program args...` in a `width` x `height` terminal. Its stderr goes to a file: it must
    /// not draw over the screen, and it explains a failure.
    pub fn start(
        label: &str,
        size: (u16, u16),
        wait: Duration,
        program: &str,
        args: &[&str],
    ) -> Self {
        let dir = std::env::temp_dir().join(format!("uringtop-{label}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        let session = Session {
            socket: dir.join("tmux.sock"),
            dir,
            wait,
        };
        let _ = std::fs::remove_file(session.path("status"));
        let mut command = format!("'{program}'");
        for arg in args {
            command.push_str(&format!(" '{arg}'"));
        }
        let script = format!(
            "{command} 2>'{err}'; echo $? >'{status}'",
            err = session.path("stderr").display(),
            status = session.path("status").display(),
        );
        let (width, height) = (size.0.to_string(), size.1.to_string());
        session.tmux(&[
            "new-session",
            "-d",
            "-s",
            NAME,
            "-x",
            &width,
            "-y",
            &height,
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

    /// Named keys (`Enter`, `Down`, ...) or single characters, one `send-keys` each.
    pub fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.tmux(&["send-keys", "-t", NAME, key]);
        }
    }

    /// Text typed as it is.
    pub fn literal(&self, text: &str) {
        self.tmux(&["send-keys", "-t", NAME, "-l", text]);
    }

    /// The screen, or None once the session has ended.
    pub fn screen(&self) -> Option<String> {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["capture-pane", "-p", "-t", NAME])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Polls the screen until `ready` holds; fails with the last screen and the program's stderr.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        let mut last = String::new();
        while start.elapsed() < self.wait {
            match self.screen() {
                Some(screen) if ready(&screen) => return screen,
                Some(screen) => last = screen,
                None if self.path("status").exists() => {
                    panic!(
                        "the program exited while waiting for {what}; its stderr:\n{}",
                        self.stderr()
                    )
                }
                None => {}
            }
            thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "no {what} after {:?}; the screen:\n{last}\nstderr:\n{}",
            self.wait,
            self.stderr()
        );
    }

    /// The exit status the shell wrote when the program ended (None if it did not end in time).
    pub fn exit_status(&self) -> Option<String> {
        let start = Instant::now();
        while start.elapsed() < self.wait {
            if let Ok(text) = std::fs::read_to_string(self.path("status")) {
                if text.ends_with('\n') {
                    return Some(text.trim().to_string());
                }
            }
            thread::sleep(Duration::from_millis(50));
        }
        None
    }

    pub fn stderr(&self) -> String {
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
