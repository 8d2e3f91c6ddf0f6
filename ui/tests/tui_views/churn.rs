//! Processes that exit and rings that close: marked for their last interval (in color, and in
//! words without it), then gone; the selection and the drill-down views cope; the probe's
//! fallback rows ("other rings", AUX_CQE) read as such.

use super::Harness;
use insta::assert_snapshot;
use ratatui::style::Color;
use std::collections::BTreeMap;
use uringtop_common::input::{
    Input, OpCounters, OpSample, ProcessSample, RingSample, Sample, AUX_OPCODE, OTHER_RINGS,
};
use uringtop_common::synthetic::synthetic_stream_with_churn;
use uringtop_tui::rows::RowId;
use uringtop_tui::Theme;

/// In the churn stream (seed 7, six processes of two rings), sample 12 is the last interval of
/// `curl` (pid 40130, rings 23 and 24) and of the backup-agent's ring 22.
const CURL: u32 = 40_130;
const AGENT: u32 = 40_000;
const AGENT_CLOSED_RING: u32 = 22;
const EXIT_SAMPLE: usize = 12;

/// The churn stream's inputs up to and including sample `n`, and those of sample `n + 1`.
fn churn_until(n: usize) -> (Vec<Input>, Vec<Input>) {
    let stream = synthetic_stream_with_churn(7, 30, 6, 2);
    let mut samples = 0;
    let split = stream
        .iter()
        .position(|i| {
            samples += usize::from(matches!(i, Input::Sample(_)));
            samples > n
        })
        .expect("the stream is longer");
    let next_end = stream[split + 1..]
        .iter()
        .position(|i| matches!(i, Input::Sample(_)))
        .map_or(stream.len(), |p| split + 1 + p);
    (stream[..split].to_vec(), stream[split..next_end].to_vec())
}

fn at_exit(theme: Theme, width: u16, height: u16) -> (Harness, Vec<Input>) {
    let (until, next) = churn_until(EXIT_SAMPLE);
    let h = Harness::with_inputs(&until, width, height, theme);
    assert!(h.model.process(CURL).is_some_and(|p| p.exited));
    (h, next)
}

/// The screen's line that contains `text`.
fn line_of(h: &Harness, text: &str) -> u16 {
    let buf = h.terminal.backend().buffer();
    (0..buf.area.height)
        .find(|&y| {
            let line: String = (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect();
            line.contains(text)
        })
        .unwrap_or_else(|| panic!("no line with {text:?}"))
}

#[test]
fn exited_and_closed_rows_are_marked_in_color_for_their_last_interval() {
    let (mut h, next) = at_exit(Theme::colored(), 120, 30);
    let screen = h.render();
    assert_snapshot!("exited_marked_in_color", screen);
    // The dying rows are dark on red from edge to edge, the living ones are not.
    let buf = h.terminal.backend().buffer().clone();
    for text in [
        "curl (exited)",
        "fd 4 (closed)",
        "fd 3 (closed)",
        "fd 10 (closed)",
    ] {
        let y = line_of(&h, text);
        for x in [0, 30, 119] {
            assert_eq!(buf[(x, y)].bg, Color::Red, "{text} at x {x}");
        }
    }
    for text in ["backup-agent", "fd 9", "▾ ld"] {
        let y = line_of(&h, text);
        assert_ne!(buf[(30, y)].bg, Color::Red, "{text}");
    }
    // The next sample takes them away.
    h.apply(&next);
    let after = h.render();
    assert!(!after.contains("curl"), "{after}");
    assert!(h.model.process(CURL).is_none());
    let agent = &h.model.process(AGENT).unwrap().rings;
    assert!(!agent.contains_key(&AGENT_CLOSED_RING));
    // (ld, whose last interval this one is, is the one marked now.)
    assert!(after.contains("ld (exited)"));
    assert_snapshot!("exited_gone_at_the_next_sample", after);
}

#[test]
fn without_color_the_rows_say_exited_and_closed() {
    let (mut h, _) = at_exit(Theme::plain(), 120, 30);
    let screen = h.render();
    assert_snapshot!("exited_marked_without_color", screen);
    assert!(screen.contains("curl (exited)"));
    assert_eq!(screen.matches("(closed)").count(), 3);
    let buf = h.terminal.backend().buffer();
    for cell in buf.content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset));
    }
}

#[test]
fn a_selection_whose_process_exits_stays_where_it_was_on_screen() {
    let (mut h, next) = at_exit(Theme::colored(), 120, 30);
    // By pid: ..., the agent (40000), curl (40130), ld (40160).
    h.press("P");
    for selected in [
        RowId::Process(CURL),
        RowId::Ring {
            pid: CURL,
            ring: 23,
        },
    ] {
        let (mut h, next) = at_exit(Theme::colored(), 120, 30);
        h.press("P");
        h.select(selected);
        let index = h.app.main_rows().position(|id| id == selected).unwrap();
        h.apply(&next);
        let rows: Vec<RowId> = h.app.main_rows().collect();
        assert!(rows.iter().all(|id| id.pid() != CURL));
        // The row that took its place: ld's, which came after curl.
        assert_eq!(h.app.main_selection(), Some(rows[index]));
        assert_eq!(h.app.main_selection().map(RowId::pid), Some(40_160));
    }
    // A closed ring's selection goes to its process, which lives on.
    let ring = RowId::Ring {
        pid: AGENT,
        ring: AGENT_CLOSED_RING,
    };
    h.select(ring);
    h.apply(&next);
    assert_eq!(h.app.main_selection(), Some(RowId::Process(AGENT)));
}

#[test]
fn a_ring_view_open_on_a_closing_ring() {
    let (mut h, next) = at_exit(Theme::colored(), 100, 20);
    h.select(RowId::Ring {
        pid: AGENT,
        ring: AGENT_CLOSED_RING,
    });
    assert_snapshot!("ring_view_closing", h.press("<enter>").render());
    assert_snapshot!("ring_view_closed", h.apply(&next).render());
}

#[test]
fn idle_rings_shown_with_i_are_those_of_live_processes_only() {
    // pid 1: ring 1 busy, ring 2 idle; pid 2: ring 3 idle. At the last sample pid 2 exits and
    // ring 2 closes, neither having done anything: `i` does not bring them back.
    let sample = |t: u64, last: bool| {
        let op = |pid, ring, n| OpSample {
            slot: u64::from(ring),
            ..OpSample::completed(pid, ring, 22, n)
        };
        Input::Sample(Sample {
            time_ns: t * 1_000_000_000,
            processes: [(1, "app"), (2, "helper")]
                .map(|(pid, comm)| ProcessSample::named(pid, comm))
                .to_vec(),
            rings: [(1, 1), (2, 1), (3, 2)]
                .map(|(ring, pid)| RingSample {
                    ring,
                    pid,
                    fd: Some(ring as i32 + 2),
                    ..RingSample::default()
                })
                .to_vec(),
            ops: vec![op(1, 1, 10 * t), op(1, 2, 1), op(2, 3, 1)],
            exited: if last { vec![2] } else { vec![] },
            closed_rings: if last { vec![2, 3] } else { vec![] },
            ..Sample::default()
        })
    };
    let inputs: Vec<Input> = (1..=15).map(|t| sample(t, false)).collect();
    let mut h = Harness::with_inputs(&inputs, 100, 10, Theme::plain());
    h.press("i");
    let rows: Vec<RowId> = h.app.main_rows().collect();
    assert_eq!(rows.len(), 5, "{rows:?}");
    h.apply(&[sample(16, true)]);
    let rows: Vec<RowId> = h.app.main_rows().collect();
    assert_eq!(
        rows,
        [RowId::Process(1), RowId::Ring { pid: 1, ring: 1 }],
        "only the live process's live rings"
    );
}

/// The probe's fallback rows: a process's rings it could not count one by one, the processes
/// it could not count (pid 0), and a ring's CQEs posted without a request (AUX_CQE).
fn fallback_rows() -> Vec<Input> {
    let op = |pid, ring, opcode: u8, n: u64| OpSample {
        slot: u64::from(opcode) + 1,
        ..OpSample::completed(pid, ring, opcode, n)
    };
    (1..=2u64)
        .map(|t| {
            Input::Sample(Sample {
                time_ns: t * 1_000_000_000,
                processes: vec![ProcessSample::named(7, "msg-ring")],
                rings: vec![RingSample {
                    ring: 3,
                    pid: 7,
                    fd: Some(4),
                    sq_entries: 8,
                    cq_entries: 16,
                    ..RingSample::default()
                }],
                ops: vec![
                    op(0, OTHER_RINGS, 22, 40 * t),
                    op(7, 3, 40, 5 * t), // MSG_RING
                    op(7, 3, AUX_OPCODE, 5 * t),
                    op(7, OTHER_RINGS, 22, 100 * t),
                ],
                ..Sample::default()
            })
        })
        .collect()
}

#[test]
fn other_rings_and_aux_cqes_read_as_such() {
    let mut h = Harness::with_inputs(&fallback_rows(), 100, 10, Theme::plain());
    let main = h.press("P").render();
    assert!(!main.contains("4294967295"));
    assert_snapshot!("fallback_rows_main", main);
    h.select(RowId::Ring { pid: 7, ring: 3 });
    let ring = h.press("<enter>").render();
    assert!(ring.contains("AUX_CQE"));
    assert_snapshot!("fallback_rows_aux_cqe", ring);
    h.press("<esc>");
    h.select(RowId::Ring {
        pid: 7,
        ring: OTHER_RINGS,
    });
    let other = h.press("<enter>").render();
    assert!(other.contains("other rings") && !other.contains("4294967295"));
    assert_snapshot!("fallback_rows_other_rings_view", other);
}

/// A multishot ACCEPT's CQEs are each a request of their own, numbered, the last one saying so.
#[test]
fn multishot_cqes_are_numbered_in_the_request_views() {
    let ns = 1_765_000_000_000_000_000u64;
    let accept = 13;
    let sample = Sample {
        time_ns: ns,
        processes: vec![ProcessSample::named(9, "server")],
        rings: vec![RingSample {
            ring: 1,
            pid: 9,
            fd: Some(4),
            ..RingSample::default()
        }],
        ops: vec![OpSample {
            pid: 9,
            ring: 1,
            opcode: accept,
            counters: OpCounters {
                submitted: 1,
                completed: 3,
                extra_cqes: 2,
                errnos: BTreeMap::from([(125, 1)]),
                errors: 1,
                ..OpCounters::default()
            },
            slot: 300,
        }],
        ..Sample::default()
    };
    let mut inputs = vec![Input::Sample(sample)];
    for (i, (res, more)) in [(5, true), (6, true), (-125, false)]
        .into_iter()
        .enumerate()
    {
        inputs.push(Input::Request(uringtop_common::input::Request {
            time_ns: ns + (i as u64 + 1) * 1_000_000,
            latency_ns: Some((i as u64 + 1) * 1_000_000),
            pid: 9,
            tid: 9,
            comm: "server".into(),
            ring: 1,
            opcode: accept,
            fd: 3,
            user_data: 0x5eed,
            res,
            cflags: if more { 2 } else { 0 },
            cqe_index: i as u32 + 1,
            ..Default::default()
        }));
    }
    let mut h = Harness::with_inputs(&inputs, 100, 30, Theme::plain());
    assert_snapshot!("multishot_requests", h.press("j<enter>r").render());
    assert_snapshot!("multishot_last_cqe_detail", h.press("<enter>").render());
}
