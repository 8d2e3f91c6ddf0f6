//! The real binary in a real terminal: tmux runs `uringtop` (as root, on the live probe) in a
//! detached session of a fixed size while this process drives a ring with NOPs; keys are sent
//! with `tmux send-keys` and the screen is read with `capture-pane`.
//!
//! Skipped without root or tmux, except under CI=true, where that fails the test.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use io_uring::{opcode, IoUring};
use uringtop_tests::privilege::{require_root, require_tool};
use uringtop_tests::tmux::Session;

mod cli_support;
use cli_support::policy_file;

const NAME: &str = "tui_e2e";
/// Generous: the probe's BPF programs load while other builds compete for the CPU.
const WAIT: Duration = Duration::from_secs(30);

#[test]
fn filters_drills_into_a_ring_and_streams_its_requests() {
    let Some(workload) = start_workload(NAME) else {
        return;
    };
    let pid = std::process::id();
    let session = start_uringtop("tui-e2e", (120, 40), &[]);

    let screen = wait_for_own_process(&session);
    assert!(
        screen.contains("live"),
        "the status line names the source:\n{screen}"
    );

    let (screen, filtered) = filter_to_own_process(&session);
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

    assert!(quit(&session, workload) > 0);
}

#[test]
fn a_policy_shows_verdicts_and_lists_violations_with_their_rule() {
    let Some(workload) = start_workload("tui_e2e_policy") else {
        return;
    };
    let pid = std::process::id();
    let dir = tempfile::tempdir().unwrap();
    let policy = policy_file(
        dir.path(),
        "audit.toml",
        &format!(
            "[[rule]]\nname = \"no NOPs here\"\npid = {pid}\nops = [\"NOP\"]\naction = \"deny\"\n"
        ),
    );
    let session = start_uringtop(
        "tui-e2e-policy",
        (140, 40),
        &["--policy", policy.to_str().unwrap()],
    );
    let process_row = format!("{pid} ");
    let screen = session.wait_for("the workload's process with deny verdicts", |s| {
        s.lines()
            .any(|l| l.trim_start().starts_with(&process_row) && l.contains("deny"))
    });
    assert!(
        screen.contains("VERDICT") && screen.contains("audit.toml"),
        "a verdict column and the policy in the status line:\n{screen}"
    );

    session.keys(&["v"]);
    let screen = session.wait_for("the violations view", |s| {
        s.contains("no NOPs here") && s.contains("NOP") && s.contains("#1")
    });
    assert!(
        screen.contains("kernel denials"),
        "kernel denials are shown apart:\n{screen}"
    );
    session.keys(&["Enter"]);
    session.wait_for("a violation's details", |s| {
        s.contains("NOP (0)") && s.contains("deny") && s.contains("no NOPs here")
    });
    session.keys(&["Escape"]);
    session.wait_for("the violations again", |s| {
        s.contains("#1") && !s.contains("NOP (0)")
    });
    session.keys(&["Escape"]);
    session.wait_for("the process list", |s| s.contains("VERDICT"));
    quit(&session, workload);
}

/// The mouse and the signal chooser in a real terminal: tmux passes the terminal's SGR mouse
/// reports (`ESC [ < button ; column ; row M`, 1-based) to uringtop as a terminal would. Clicks
/// sort by a header and open a process and a ring; the wheel moves the selection; `k` sends
/// SIGUSR1 to this test's own process (the workload's), which a handler here counts.
#[test]
fn the_mouse_opens_and_sorts_and_k_signals_the_workload() {
    let Some(workload) = start_workload("tui_e2e_mouse_kill") else {
        return;
    };
    install_usr1_counter();
    let pid = std::process::id();
    let session = start_uringtop("tui-e2e-mouse", (120, 40), &[]);
    wait_for_own_process(&session);
    // Only the workload: its process on screen row 2 (0-based), its ring on row 3.
    let (screen, filtered) = filter_to_own_process(&session);

    // A click on the PID header sorts by PID.
    let header = screen.lines().nth(1).expect("a header line");
    let x = header.find("PID").expect("a PID header") as u16;
    session.literal(&click(x, 1));
    session.wait_for("the sort by PID", |s| s.contains("sort PID ▲"));

    // A double click on the process opens its details; on its ring, the ring view.
    session.literal(&format!("{}{}", click(20, 2), click(20, 2)));
    let popup = session.wait_for("the process popup", |s| s.contains("┌ process"));
    assert!(popup.contains(&format!("[{pid}]")), "{popup}");
    session.keys(&["Escape"]);
    session.wait_for("the list again", |s| !s.contains("┌ process"));
    session.literal(&format!("{}{}", click(20, 3), click(20, 3)));
    session.wait_for("the ring view", |s| s.contains("latency of"));
    session.keys(&["Escape"]);
    session.wait_for("the list again", |s| s.contains(&filtered));

    // The wheel: a notch down moves the selection to the last row, the ring; Enter opens it.
    session.literal(&click(20, 2));
    session.literal(&wheel_down(20, 10));
    thread::sleep(Duration::from_millis(300));
    session.keys(&["Enter"]);
    session.wait_for("the ring view from the wheel", |s| s.contains("latency of"));
    session.keys(&["Escape"]);
    session.wait_for("the list again", |s| s.contains(&filtered));

    // k on the process: the chooser, 7 (USR1), Enter, then y sends it.
    session.literal(&click(20, 2));
    session.keys(&["k"]);
    session.wait_for("the signal chooser", |s| s.contains("send a signal"));
    session.keys(&["7", "Enter"]);
    session.wait_for("the question", |s| {
        s.contains(&format!("send SIGUSR1 to pid {pid}?"))
    });
    let before = USR1.load(Ordering::SeqCst);
    session.keys(&["y"]);
    let screen = session.wait_for("the result", |s| s.contains("sent SIGUSR1 to"));
    assert!(screen.contains(&format!("[{pid}]")), "{screen}");
    let deadline = std::time::Instant::now() + WAIT;
    while USR1.load(Ordering::SeqCst) == before && std::time::Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        USR1.load(Ordering::SeqCst),
        before + 1,
        "SIGUSR1 arrived once"
    );

    // t: the threads from /proc, and the NOPs the workload's thread submits, counted from the
    // process's requests the probe streams while the view is open.
    session.keys(&["t"]);
    let screen = session.wait_for("the thread view counting SQEs", |s| {
        s.contains("threads · ") && counted_sqes(s) >= 32
    });
    let main = format!("{pid} ");
    assert!(
        screen
            .lines()
            .any(|l| l.starts_with(&main) && l.contains("main")),
        "the main thread is listed:\n{screen}"
    );
    quit(&session, workload);
}

/// The workload, started, if this machine can run the test `name` (it needs tmux, and root for
/// the probe); None, the test skipping, if not.
fn start_workload(name: &str) -> Option<Workload> {
    (require_tool(name, "tmux") && require_root(name)).then(Workload::start)
}

/// uringtop in a detached tmux session `name` of `size`, with `extra` arguments, refreshing
/// twice a second; without the machine's own config file, which must not change the screens
/// under test.
fn start_uringtop(name: &str, size: (u16, u16), extra: &[&str]) -> Session {
    let args = [&["--interval", "0.5", "--no-config"][..], extra].concat();
    Session::start(name, size, WAIT, env!("CARGO_BIN_EXE_uringtop"), &args)
}

/// Waits for this process's (the workload's) row in the process list; returns the screen.
fn wait_for_own_process(session: &Session) -> String {
    let process_row = format!("{} ", std::process::id());
    session.wait_for("the workload's process", |s| {
        s.lines().any(|l| l.trim_start().starts_with(&process_row))
    })
}

/// Filters the process list down to this process (`/PID`, Enter) and waits for its ring's row;
/// returns the screen and the filter as the title says it.
fn filter_to_own_process(session: &Session) -> (String, String) {
    let pid = std::process::id();
    session.keys(&["/"]);
    session.literal(&pid.to_string());
    session.keys(&["Enter"]);
    let filtered = format!("filter \"{pid}\"");
    let screen = session.wait_for("the filter", |s| s.contains(&filtered) && s.contains("└─"));
    (screen, filtered)
}

/// "N SQEs counted" in the thread view's title.
fn counted_sqes(screen: &str) -> u64 {
    let Some(end) = screen.find(" SQEs counted") else {
        return 0;
    };
    let start = screen[..end].rfind(' ').map_or(0, |i| i + 1);
    // Large counts are abbreviated: 1.2k, 3.4M.
    let text = &screen[start..end];
    let (number, scale) = match text.strip_suffix('k') {
        Some(n) => (n, 1e3),
        None => text.strip_suffix('M').map_or((text, 1.0), |n| (n, 1e6)),
    };
    number.parse::<f64>().map_or(0, |n| (n * scale) as u64)
}

/// A left click at (x, y), 0-based, as an SGR mouse report: press, then release.
fn click(x: u16, y: u16) -> String {
    format!("\x1b[<0;{c};{r}M\x1b[<0;{c};{r}m", c = x + 1, r = y + 1)
}

/// One notch of the wheel, down, at (x, y).
fn wheel_down(x: u16, y: u16) -> String {
    format!("\x1b[<65;{};{}M", x + 1, y + 1)
}

/// SIGUSR1s this process received (see [`install_usr1_counter`]).
static USR1: AtomicU64 = AtomicU64::new(0);

extern "C" fn count_usr1(_: libc::c_int) {
    USR1.fetch_add(1, Ordering::SeqCst);
}

/// Counts SIGUSR1 instead of dying of it (its default action), so the test can see it arrive.
fn install_usr1_counter() {
    // SAFETY: the handler only touches an atomic, which is async-signal-safe.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = count_usr1 as *const () as usize;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
            0
        );
    }
}

#[test]
fn the_request_list_filters_a_live_stream() {
    let Some(workload) = start_workload("tui_e2e_filter") else {
        return;
    };
    let pid = std::process::id();
    let session = start_uringtop("tui-e2e-filter", (120, 40), &["--pid", &pid.to_string()]);
    session.wait_for("the workload's ring", |s| s.contains("└─"));
    session.keys(&["Home", "Down", "r"]);
    session.wait_for("streamed NOPs", |s| {
        s.contains("requests of ring") && nop_rows(s) >= 5
    });

    // A filter nothing passes: the list says so, and how to clear it.
    session.keys(&["/"]);
    session.literal("op:READ");
    session.keys(&["Enter"]);
    // The rows must go too: waited for with the rest, as tmux can show a frame half written
    // (the new title and message above the old frame's rows, seen once in CI).
    session.wait_for("no READ on a ring of NOPs", |s| {
        s.contains("filter \"op:READ\"") && s.contains("matches \"op:READ\"") && nop_rows(s) == 0
    });

    // A mistake is said while typing, and changes nothing.
    session.keys(&["/", "C-u"]);
    session.literal("op:NOPP");
    session.keys(&["Enter"]);
    session.wait_for("the mistake", |s| s.contains("did you mean NOP?"));

    // Combined terms that the NOPs pass: the list fills again as they stream in.
    session.keys(&["C-u"]);
    session.literal("nop lat>1ns");
    session.keys(&["Enter"]);
    session.wait_for("filtered NOPs streaming", |s| {
        s.contains("filter \"nop lat>1ns\"") && s.contains("match") && nop_rows(s) >= 5
    });

    // Esc clears the filter (and stays in the list).
    session.keys(&["Escape"]);
    session.wait_for("the unfiltered list", |s| {
        s.contains("requests of ring") && s.contains(" held ") && nop_rows(s) >= 5
    });
    quit(&session, workload);
}

/// [`paced_nops`] on a thread of its own, until [`quit`] stops it.
struct Workload {
    stop: Arc<AtomicBool>,
    thread: thread::JoinHandle<std::io::Result<u64>>,
}

impl Workload {
    fn start() -> Workload {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = Arc::clone(&stop);
            thread::spawn(move || paced_nops(&stop))
        };
        Workload { stop, thread }
    }
}

/// Quits uringtop with `q`, stops the workload, and checks that uringtop exited with status 0.
/// Returns how many NOPs the workload completed.
fn quit(session: &Session, workload: Workload) -> u64 {
    session.keys(&["q"]);
    let status = session.exit_status();
    workload.stop.store(true, Ordering::Relaxed);
    let submitted = workload
        .thread
        .join()
        .expect("the workload thread")
        .expect("the workload");
    assert_eq!(
        status.as_deref(),
        Some("0"),
        "uringtop's exit status; its stderr:\n{}",
        session.stderr()
    );
    submitted
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
