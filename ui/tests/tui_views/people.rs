//! What people who live in htop reach for: a process's detail popup, signalling a process,
//! following one as rows reorder.

use super::{config, Harness};
use insta::assert_snapshot;
use uringtop_common::input::{Input, OpCounters, OpSample, ProcessSample, RingSample, Sample};
use uringtop_common::process_context::ProcessContext;
use uringtop_tui::rows::RowId;
use uringtop_tui::signals::SignalRequest;
use uringtop_tui::{Config, ScreenKind, SourceKind, Theme};

/// A process of the fixture: pid, name, user, cgroup, command line, and its rings' setup flags.
pub struct Proc {
    pid: u32,
    comm: &'static str,
    uid: u32,
    user: &'static str,
    cgroup: &'static str,
    cmdline: &'static str,
    rings: &'static [(u32, u32)],
}

const SQPOLL: u32 = 1 << 1;
const SINGLE_ISSUER: u32 = 1 << 12;
const DEFER_TASKRUN: u32 = 1 << 13;

pub const PROCESSES: [Proc; 4] = [
    Proc {
        pid: 812,
        comm: "nginx",
        uid: 33,
        user: "www-data",
        cgroup: "/system.slice/nginx.service",
        cmdline: "nginx: worker process",
        rings: &[(1, 0)],
    },
    Proc {
        pid: 813,
        comm: "nginx",
        uid: 33,
        user: "www-data",
        cgroup: "/system.slice/nginx.service",
        cmdline: "nginx: worker process",
        rings: &[(2, 0)],
    },
    Proc {
        pid: 4242,
        comm: "postgres",
        uid: 999,
        user: "postgres",
        cgroup: "/system.slice/docker-4f8a2c1b9d3e7a6f5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a.scope",
        cmdline: "postgres -D /var/lib/postgresql/data -c io_method=io_uring -c shared_buffers=4GB -c max_connections=400 -c effective_io_concurrency=256 -c maintenance_io_concurrency=64",
        rings: &[(3, SINGLE_ISSUER | DEFER_TASKRUN), (4, SINGLE_ISSUER | DEFER_TASKRUN)],
    },
    Proc {
        pid: 9001,
        comm: "fio",
        uid: 0,
        user: "root",
        cgroup: "/user.slice/user-0.slice/session-3.scope",
        cmdline: "fio --name=randread --ioengine=io_uring --sqthread_poll=1",
        rings: &[(5, SQPOLL)],
    },
];

/// One sample: every process of [`PROCESSES`] with its rings, each op at `rate(pid)` SQEs per
/// second since `seconds` ago; `exited` lists pids that exited in this interval.
pub fn sample(seconds: u64, rate: impl Fn(u32) -> u64, exited: &[u32]) -> Input {
    sample_without(seconds, rate, exited, &[])
}

/// [`sample`] without the processes in `gone` (they exited earlier).
pub fn sample_without(
    seconds: u64,
    rate: impl Fn(u32) -> u64,
    exited: &[u32],
    gone: &[u32],
) -> Input {
    let mut s = Sample {
        time_ns: seconds * 1_000_000_000,
        exited: exited.to_vec(),
        ..Sample::default()
    };
    for p in PROCESSES.iter().filter(|p| !gone.contains(&p.pid)) {
        s.processes.push(ProcessSample {
            pid: p.pid,
            comm: p.comm.into(),
            context: ProcessContext {
                uid: Some(p.uid),
                user: p.user.into(),
                cgroup: p.cgroup.into(),
                cmdline: p.cmdline.into(),
            },
            ..ProcessSample::default()
        });
        for &(ring, flags) in p.rings {
            s.rings.push(RingSample {
                ring,
                pid: p.pid,
                fd: Some(3 + ring as i32),
                setup_flags: flags,
                sq_entries: 64,
                cq_entries: 128,
                ..RingSample::default()
            });
            let n = rate(p.pid) * seconds;
            s.ops.push(OpSample {
                slot: 0,
                pid: p.pid,
                ring,
                opcode: 22, // READ
                counters: OpCounters {
                    submitted: n,
                    completed: n,
                    ..OpCounters::default()
                },
            });
        }
    }
    Input::Sample(s)
}

/// Rates by pid: fio busiest, then postgres, then the nginx workers.
fn steady(pid: u32) -> u64 {
    match pid {
        9001 => 5000,
        4242 => 800,
        812 => 120,
        _ => 60,
    }
}

pub fn people(width: u16, height: u16) -> Harness {
    let inputs = [sample(1, steady, &[]), sample(2, steady, &[])];
    Harness::with_inputs(&inputs, width, height, Theme::colored())
}

/// Selects the process row of `pid` with the arrows, from the top.
fn select(h: &mut Harness, pid: u32) {
    h.press("<home>");
    for _ in 0..40 {
        if h.app.main_selection() == Some(RowId::Process(pid)) {
            return;
        }
        h.press("<down>");
    }
    panic!("no row for pid {pid}");
}

#[test]
fn enter_on_a_process_opens_its_user_unit_command_line_rings_and_totals() {
    let mut h = people(100, 30);
    select(&mut h, 4242);
    let shown = h.press("<enter>").render();
    assert_eq!(h.app.screen(), ScreenKind::Process);
    assert_snapshot!("process_popup", shown);
    for want in [
        "postgres[4242]",
        "postgres (uid 999)",
        "docker 4f8a2c1b9d3e",
        "SINGLE_ISSUER|DEFER_TASKRUN",
        "ring 3 fd 6",
        "ring 4 fd 7",
        "running",
    ] {
        assert!(shown.contains(want), "{want}:\n{shown}");
    }
    // Enter on a ring still opens the ring; Esc closes the popup, back on the same process.
    h.press("<esc>");
    assert_eq!(h.app.screen(), ScreenKind::Main);
    assert_eq!(h.app.main_selection(), Some(RowId::Process(4242)));
}

#[test]
fn an_exited_process_says_its_counts_are_its_last_and_then_that_it_is_gone() {
    let mut h = people(100, 30);
    select(&mut h, 9001);
    h.press("<enter>");
    h.apply(&[sample(3, steady, &[9001])]);
    let shown = h.render();
    assert_snapshot!("process_popup_exited", shown);
    assert!(
        shown.contains("exited during the latest interval"),
        "{shown}"
    );
    // Signalling it is refused: its pid may be another process's by now.
    h.press("k");
    assert_eq!(h.app.screen(), ScreenKind::Process);
    assert!(h.app.message().unwrap().contains("exited"));
    h.apply(&[sample_without(4, steady, &[], &[9001])]);
    let gone = h.render();
    assert!(gone.contains("pid 9001 is gone"), "{gone}");
}

#[test]
fn k_chooses_a_signal_and_asks_before_sending() {
    let mut h = people(100, 30);
    select(&mut h, 812);
    let chooser = h.press("k").render();
    assert_eq!(h.app.screen(), ScreenKind::Signal);
    assert_snapshot!("signal_chooser", chooser);
    // Down twice: INT; Enter asks; n goes back to choosing, Esc cancels without sending.
    h.press("<down><down><enter>");
    let asking = h.render();
    assert!(
        asking.contains("send SIGINT to pid 812? y or Enter sends"),
        "{asking}"
    );
    h.press("n");
    assert_eq!(h.app.screen(), ScreenKind::Signal);
    h.press("<esc>");
    assert_eq!(h.app.screen(), ScreenKind::Main);
    assert_eq!(
        h.app.take_signal_request(),
        None,
        "cancelled: nothing to send"
    );

    // TERM by default, confirmed with y: the app hands the request over (the driver sends it).
    h.press("k<enter>y");
    let request = h.app.take_signal_request().expect("a confirmed signal");
    assert_eq!((request.pid, request.signal.name), (812, "TERM"));
    assert_eq!(h.app.screen(), ScreenKind::Main);
    // By number, from the process popup: 2 is KILL.
    h.press("<enter>k2<enter><enter>");
    let SignalRequest { pid, signal } = h.app.take_signal_request().expect("KILL");
    assert_eq!((pid, signal.name), (812, "KILL"));
    assert_eq!(
        h.app.screen(),
        ScreenKind::Process,
        "back on the popup it came from"
    );
}

#[test]
fn a_replay_says_why_it_cannot_signal() {
    let inputs = [sample(1, steady, &[]), sample(2, steady, &[])];
    let mut h = Harness::with_config(
        &inputs,
        100,
        30,
        Config {
            source: SourceKind::Recording,
            ..config()
        },
    );
    h.press("k");
    assert_eq!(h.app.screen(), ScreenKind::Main);
    let status = h.render();
    assert!(
        status.contains("a recording: its processes are not this machine's to signal"),
        "{status}"
    );
    // The help of a replay does not offer k.
    let help = h.press("?").render();
    assert!(!help.contains("F9"), "{help}");
}

#[test]
fn f_follows_a_process_as_rows_reorder_until_the_cursor_moves() {
    let mut h = people(120, 30);
    // Busiest first: fio leads. Follow the nginx worker 813, at the bottom.
    select(&mut h, 813);
    let at = |h: &Harness| {
        h.app
            .main_rows()
            .position(|id| id == RowId::Process(813))
            .unwrap()
    };
    let before = at(&h);
    h.press("F");
    assert!(h.render().contains("following nginx[813] (F stops)"));
    // 813 becomes the busiest: its row moves to the top, and the selection with it.
    let surge = |pid: u32| if pid == 813 { 90_000 } else { steady(pid) };
    h.apply(&[sample(3, surge, &[])]);
    assert!(at(&h) < before);
    assert_eq!(h.app.main_selection(), Some(RowId::Process(813)));
    // Filtered out, it keeps the selection and comes back to it.
    h.press("/postgres<enter>");
    h.press("<esc>");
    assert_eq!(h.app.main_selection(), Some(RowId::Process(813)));
    // A move ends the follow.
    h.press("<down>");
    assert!(!h.render().contains("following"));
    // Following again until the process exits and leaves: the app says so.
    select(&mut h, 813);
    h.press("F");
    h.apply(&[
        sample(4, surge, &[813]),
        sample_without(5, surge, &[], &[813]),
    ]);
    assert_eq!(
        h.app.message(),
        Some("pid 813 exited: no longer following it")
    );
}
