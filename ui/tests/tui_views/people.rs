//! What people who live in htop reach for: a process's detail popup, signalling a process,
//! following one as rows reorder.

use super::{replay_config, Harness};
use insta::assert_snapshot;
use uringtop_common::input::{
    Input, LatencyCounts, OpCounters, OpSample, ProcessSample, RingSample, Sample,
};
use uringtop_common::latency::bucket_of;
use uringtop_common::process_context::ProcessContext;
use uringtop_tui::rows::RowId;
use uringtop_tui::signals::SignalRequest;
use uringtop_tui::{ScreenKind, Theme};

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
            // Every completion of a process takes the same time: nginx 812 10 µs, 813 1 ms.
            let latency_ns = match p.pid {
                812 => 10_000,
                813 => 1_000_000,
                _ => 50_000,
            };
            s.ops.push(OpSample {
                slot: 0,
                pid: p.pid,
                ring,
                opcode: 22, // READ
                counters: OpCounters {
                    submitted: n,
                    completed: n,
                    latency: LatencyCounts {
                        count: n,
                        sum_ns: n * latency_ns,
                        max_ns: latency_ns,
                        buckets: [(bucket_of(latency_ns), n)].into_iter().collect(),
                    },
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

/// [`people`] at 100x30 with `keys` pressed on the process `pid`, which must open `screen`: the
/// harness, and what the screen shows.
fn opened_on(pid: u32, keys: &str, screen: ScreenKind) -> (Harness, String) {
    let mut h = people(100, 30);
    h.select(RowId::Process(pid));
    let shown = h.press_onto(keys, screen).render();
    (h, shown)
}

#[test]
fn enter_on_a_process_opens_its_user_unit_command_line_rings_and_totals() {
    let (mut h, shown) = opened_on(4242, "<enter>", ScreenKind::Process);
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
    h.press_onto("<esc>", ScreenKind::Main);
    assert_eq!(h.app.main_selection(), Some(RowId::Process(4242)));
}

#[test]
fn an_exited_process_says_its_counts_are_its_last_and_then_that_it_is_gone() {
    let (mut h, _) = opened_on(9001, "<enter>", ScreenKind::Process);
    h.apply(&[sample(3, steady, &[9001])]);
    let shown = h.render();
    assert_snapshot!("process_popup_exited", shown);
    assert!(
        shown.contains("exited during the latest interval"),
        "{shown}"
    );
    // Signalling it is refused: its pid may be another process's by now.
    h.press_onto("k", ScreenKind::Process);
    assert!(h.app.message().unwrap().contains("exited"));
    h.apply(&[sample_without(4, steady, &[], &[9001])]);
    let gone = h.render();
    assert!(gone.contains("pid 9001 is gone"), "{gone}");
}

#[test]
fn k_chooses_a_signal_and_asks_before_sending() {
    let (mut h, chooser) = opened_on(812, "k", ScreenKind::Signal);
    assert_snapshot!("signal_chooser", chooser);
    // Down twice: INT; Enter asks; n goes back to choosing, Esc cancels without sending.
    h.press("<down><down><enter>");
    let asking = h.render();
    assert!(
        asking.contains("send SIGINT to pid 812? y or Enter sends"),
        "{asking}"
    );
    h.press_onto("n", ScreenKind::Signal);
    h.press_onto("<esc>", ScreenKind::Main);
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
    let mut h = Harness::with_config(&inputs, 100, 30, replay_config());
    h.press_onto("k", ScreenKind::Main);
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
    h.select(RowId::Process(813));
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
    h.select(RowId::Process(813));
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

#[test]
fn c_groups_processes_by_unit_or_container_with_totals_per_group() {
    let mut h = people(120, 30);
    let grouped = h.press("c").render();
    assert_snapshot!("grouped_by_unit", grouped);
    assert!(grouped.contains("by unit/container (c)"), "{grouped}");
    let rows: Vec<&uringtop_tui::rows::Row> = h.app.main_rows_full().collect();
    let groups: Vec<&str> = rows.iter().filter_map(|r| r.label.as_deref()).collect();
    assert_eq!(
        groups,
        ["session-3.scope", "docker 4f8a2c1b9d3e", "nginx.service",],
        "busiest group first"
    );
    let nginx = rows
        .iter()
        .find(|r| r.label.as_deref() == Some("nginx.service"))
        .unwrap();
    let (a, b) = (
        uringtop_tui::rows::process_figures(h.model.process(812).unwrap()),
        uringtop_tui::rows::process_figures(h.model.process(813).unwrap()),
    );
    assert_eq!(nginx.figures.req_per_s, a.req_per_s + b.req_per_s);
    assert_eq!(nginx.figures.total, a.total + b.total);
    assert_eq!(nginx.rings, 2);
    // Percentiles of the merged histograms: 120 completions at 10 µs and 60 at 1 ms put the
    // median at 812's and the p99 at 813's, not at an average of the two.
    assert_eq!(nginx.figures.completions, 180);
    assert_eq!(nginx.figures.p50_ns, a.p50_ns);
    assert_eq!(nginx.figures.p99_ns, b.p99_ns);

    // Enter on a group folds it; k on it asks for a process; c again ungroups.
    let id = nginx.id;
    h.select(id);
    let before = h.app.main_rows().count();
    h.press("<enter>");
    assert_eq!(
        h.app.main_rows().count(),
        before - 4,
        "two processes and their rings"
    );
    h.press("k");
    assert_eq!(
        h.app.message(),
        Some("select one of the group's processes to signal it")
    );
    h.press("c");
    assert!(h.app.main_rows().all(|id| !matches!(id, RowId::Group(_))));
}

/// A request fio (9001) submitted from thread `tid`, run by `path`.
fn fio_request(tid: u32, path: uringtop_common::input::ExecPath, res: i32) -> Input {
    Input::Request(uringtop_common::input::Request {
        time_ns: 2_500_000_000,
        latency_ns: Some(50_000),
        pid: 9001,
        tid,
        comm: "fio".into(),
        ring: 5,
        opcode: 22,
        res,
        path,
        ..uringtop_common::input::Request::default()
    })
}

fn fio_threads() -> Vec<uringtop_tui::threads::ThreadInfo> {
    [
        (9001, "fio"),
        (9002, "fio"),
        (9003, "iou-sqp-9001"),
        (9004, "iou-wrk-9003"),
        (9005, "iou-wrk-9003"),
    ]
    .map(|(tid, name)| uringtop_tui::threads::ThreadInfo {
        tid,
        name: name.into(),
    })
    .to_vec()
}

#[test]
fn t_lists_the_threads_with_their_roles_and_what_each_submitted() {
    use uringtop_common::input::ExecPath::{Inline, IoWq, Rejected};
    let mut h = people(120, 24);
    // A request streamed before the view opened is not counted: the view counts from its start.
    h.apply(&[fio_request(9003, Inline, 0)]);
    h.select(RowId::Process(9001));
    h.press_onto("t", ScreenKind::Threads);
    assert_eq!(
        h.app.stream_wanted(),
        Some(uringtop_tui::Stream::Process(9001)),
        "the view streams the process's requests"
    );
    assert_eq!(h.app.threads_wanted(), Some(9001));
    let waiting = h.render();
    assert!(waiting.contains("reading /proc"), "{waiting}");
    // What the live driver does on opening: /proc/9001/task, here a known list.
    let model = h.model.clone();
    h.app.set_threads(&model, 9001, Ok(fio_threads()));
    // SQPOLL ring: its iou-sqp thread submits; one punted to io-wq, one refused; a thread that
    // has exited since (9009) still counts.
    let mut requests = vec![fio_request(9003, Inline, 0); 6];
    requests.push(fio_request(9003, IoWq, 0));
    requests.push(fio_request(9003, Inline, -11));
    requests.push(fio_request(9001, Rejected, -13));
    requests.push(fio_request(9009, Inline, 0));
    h.apply(&requests);
    let shown = h.render();
    assert_snapshot!("threads_live", shown);
    let row = |tid: &str| {
        shown
            .lines()
            .find(|l| l.trim_start_matches('"').trim_start().starts_with(tid))
            .unwrap_or_else(|| panic!("{tid}:\n{shown}"))
            .to_string()
    };
    assert!(row("9003").contains("iou-sqp-9001") && row("9003").contains("SQPOLL"));
    assert!(row("9003").contains(" 8 "), "8 SQEs: {}", row("9003"));
    assert!(row("9004").contains("io-wq worker") && row("9004").contains(" - "));
    assert!(row("9009").contains("(exited)"));
    assert!(shown.contains("10 SQEs counted"), "{shown}");
    assert!(
        shown.contains("5 threads: 1 SQPOLL, 2 io-wq workers"),
        "{shown}"
    );
    assert!(shown.contains("does not say which worker ran"), "{shown}");
    // Esc: back, and the stream is no longer wanted.
    h.press("<esc>");
    assert_eq!(h.app.stream_wanted(), None);
    // A process that exited: the driver's read fails, in words.
    h.press("t");
    let model = h.model.clone();
    h.app.set_threads(
        &model,
        9001,
        Err("pid 9001 is gone: no /proc/9001/task".into()),
    );
    let gone = h.render();
    assert!(gone.contains("pid 9001 is gone"), "{gone}");
}

#[test]
fn in_a_replay_the_threads_are_those_the_recorded_requests_name() {
    use uringtop_common::input::ExecPath::Inline;
    let inputs = [
        sample(1, steady, &[]),
        sample(2, steady, &[]),
        fio_request(9003, Inline, 0),
        fio_request(9003, Inline, 0),
        fio_request(9001, Inline, 0),
    ];
    let mut h = Harness::with_config(&inputs, 120, 24, replay_config());
    h.select(RowId::Process(9001));
    h.press_onto("H", ScreenKind::Threads);
    let shown = h.render();
    assert_snapshot!("threads_replay", shown);
    assert!(shown.contains("3 SQEs counted"), "{shown}");
    assert!(shown.contains("A recording: the threads its streamed requests name"));
}
