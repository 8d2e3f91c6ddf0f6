//! Signalling a process from the process list, as htop's `k` does: the signals offered, the
//! chooser's state (pure), and the one place that calls kill(2) — on a key event, by the live
//! driver, never while drawing.

/// The signals the chooser offers, TERM first (the default, as in htop and kill(1)).
pub const SIGNALS: [Signal; 8] = [
    Signal::new(
        libc::SIGTERM,
        "TERM",
        "ask it to end (it may clean up, or ignore it)",
    ),
    Signal::new(libc::SIGKILL, "KILL", "end it at once; cannot be caught"),
    Signal::new(libc::SIGINT, "INT", "interrupt, as Ctrl-C in its terminal"),
    Signal::new(
        libc::SIGHUP,
        "HUP",
        "hang up; many daemons reload their config",
    ),
    Signal::new(libc::SIGSTOP, "STOP", "pause it; cannot be caught"),
    Signal::new(libc::SIGCONT, "CONT", "resume it after STOP"),
    Signal::new(libc::SIGUSR1, "USR1", USER_DEFINED),
    Signal::new(libc::SIGUSR2, "USR2", USER_DEFINED),
];

/// What USR1 and USR2 mean: nothing but what the program makes of them.
const USER_DEFINED: &str = "user-defined: what it means is the program's";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signal {
    pub number: i32,
    /// Without the SIG prefix, as kill(1) -l names it.
    pub name: &'static str,
    pub meaning: &'static str,
}

impl Signal {
    const fn new(number: i32, name: &'static str, meaning: &'static str) -> Self {
        Signal {
            number,
            name,
            meaning,
        }
    }
}

/// The chooser over a process: which signal, and whether the user is being asked to confirm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalScreen {
    pub pid: u32,
    /// Index into [`SIGNALS`].
    pub index: usize,
    /// Enter was pressed on a signal: y or Enter sends it, anything else goes back to choosing.
    pub confirming: bool,
}

/// A signal the user confirmed, for the driver to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignalRequest {
    pub pid: u32,
    pub signal: Signal,
}

impl SignalScreen {
    pub fn new(pid: u32) -> Self {
        SignalScreen {
            pid,
            index: 0,
            confirming: false,
        }
    }

    pub fn signal(&self) -> Signal {
        SIGNALS[self.index.min(SIGNALS.len() - 1)]
    }
}

/// Why uringtop refuses to signal `pid` before asking which signal: 0 is not a process (kill(2)
/// would signal uringtop's whole process group), and uringtop itself has `q`.
pub fn refusal(pid: u32) -> Option<&'static str> {
    if pid == 0 {
        return Some("this row is every process the probe could not count one by one, not one process: nothing to signal");
    }
    if pid == std::process::id() {
        return Some("that is uringtop itself: q quits");
    }
    None
}

/// Sends the signal with kill(2). The error is said in plain words, with what to do.
pub fn send(request: SignalRequest, comm: &str, user: &str) -> Result<String, String> {
    let SignalRequest { pid, signal } = request;
    if let Some(why) = refusal(pid) {
        return Err(why.into());
    }
    let Ok(target) = libc::pid_t::try_from(pid) else {
        return Err(format!("pid {pid} is not a valid process id"));
    };
    // SAFETY: kill(2) with a positive pid signals that one process; no memory is involved.
    let rc = unsafe { libc::kill(target, signal.number) };
    if rc == 0 {
        return Ok(format!("sent SIG{} to {comm}[{pid}]", signal.name));
    }
    Err(failure(&std::io::Error::last_os_error(), comm, pid, user))
}

/// What a failed kill(2) means, in words, with what to do.
fn failure(err: &std::io::Error, comm: &str, pid: u32, user: &str) -> String {
    match err.raw_os_error() {
        Some(libc::EPERM) => {
            let owner = if user.is_empty() {
                "another user".to_string()
            } else {
                format!("user {user}")
            };
            format!(
                "not permitted to signal {comm}[{pid}]: it runs as {owner}; run uringtop as root \
                 or as that user (CAP_KILL)"
            )
        }
        Some(libc::ESRCH) => format!("{comm}[{pid}] is gone: it exited before the signal"),
        _ => format!("could not signal {comm}[{pid}]: {err}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_comes_first_and_names_are_kills() {
        assert_eq!(SignalScreen::new(1).signal().name, "TERM");
        let names: Vec<_> = SIGNALS.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            ["TERM", "KILL", "INT", "HUP", "STOP", "CONT", "USR1", "USR2"]
        );
    }

    #[test]
    fn pid_zero_and_uringtop_itself_are_refused_without_a_syscall() {
        let term = SIGNALS[0];
        let zero = send(
            SignalRequest {
                pid: 0,
                signal: term,
            },
            "x",
            "",
        );
        assert!(zero.unwrap_err().contains("not one process"));
        let me = send(
            SignalRequest {
                pid: std::process::id(),
                signal: term,
            },
            "uringtop",
            "",
        );
        assert!(me.unwrap_err().contains("uringtop itself"));
    }

    #[test]
    fn a_signal_reaches_a_real_child_and_a_gone_pid_is_said_plainly() {
        let mut child = std::process::Command::new("sleep")
            .arg("60")
            .spawn()
            .expect("sleep(1)");
        let pid = child.id();
        let sent = send(
            SignalRequest {
                pid,
                signal: SIGNALS[0],
            },
            "sleep",
            "",
        );
        assert_eq!(sent, Ok(format!("sent SIGTERM to sleep[{pid}]")));
        let status = child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(libc::SIGTERM));
        // A pid above the kernel's limit (PID_MAX_LIMIT is 4M) never exists: ESRCH, said plainly.
        let gone = send(
            SignalRequest {
                pid: 1_000_000_000,
                signal: SIGNALS[0],
            },
            "fio",
            "",
        );
        assert_eq!(
            gone,
            Err("fio[1000000000] is gone: it exited before the signal".into())
        );
    }

    #[test]
    fn not_permitted_names_the_owner_and_what_to_do() {
        let eperm = std::io::Error::from_raw_os_error(libc::EPERM);
        let said = failure(&eperm, "postgres", 812, "postgres");
        assert_eq!(
            said,
            "not permitted to signal postgres[812]: it runs as user postgres; run uringtop as \
             root or as that user (CAP_KILL)"
        );
        assert!(failure(&eperm, "x", 1, "").contains("runs as another user"));
    }
}
