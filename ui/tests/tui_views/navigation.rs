//! Keys and what they do to the app's state: selection, sorting, folding, screens, request
//! streaming, pause, interval, quit.

use super::{config, replay_config, Harness};
use std::time::Duration;
use uringtop_common::input::{Input, Request};
use uringtop_common::synthetic::synthetic_stream;
use uringtop_tui::rows::RowId;
use uringtop_tui::{Config, ScreenKind, Theme};

fn ids(h: &Harness) -> Vec<RowId> {
    h.app.main_rows().collect()
}

#[test]
fn busiest_first_by_default() {
    let h = Harness::synthetic(120, 40);
    let rates: Vec<f64> = ids(&h)
        .iter()
        .filter_map(|id| match id {
            RowId::Process(pid) => Some(h.model.process(*pid).unwrap().interval.req_per_s),
            RowId::Ring { .. } | RowId::Group(_) => None,
        })
        .collect();
    assert_eq!(rates.len(), 6);
    assert!(rates.windows(2).all(|w| w[0] >= w[1]), "{rates:?}");
    assert_eq!(h.app.main_selection(), Some(ids(&h)[0]));
}

#[test]
fn the_selection_follows_the_item_across_a_resort() {
    let mut h = Harness::synthetic(120, 40);
    h.press("jjjj");
    let chosen = h.app.main_selection().unwrap();
    assert!(matches!(chosen, RowId::Ring { .. }));
    let row_before = ids(&h).iter().position(|&id| id == chosen).unwrap();
    for keys in ["P", "P", "N", "L", "s", "<", "<f6>", "I"] {
        h.press(keys);
        assert_eq!(h.app.main_selection(), Some(chosen), "after {keys}");
    }
    h.press("P");
    let row_after = ids(&h).iter().position(|&id| id == chosen).unwrap();
    assert_ne!(row_before, row_after, "the test should move the item");
    assert_eq!(h.app.main_selection(), Some(chosen));
}

#[test]
fn the_selection_follows_the_item_across_updates() {
    let inputs = synthetic_stream(7, 40, 6, 2);
    let mut h = Harness::with_inputs(&inputs[..inputs.len() / 2], 120, 40, Theme::colored());
    h.press("<end>");
    let chosen = h.app.main_selection().unwrap();
    h.apply(&inputs[inputs.len() / 2..]);
    assert_eq!(h.app.main_selection(), Some(chosen));
}

#[test]
fn sort_keys_cycle_move_and_reverse() {
    let mut h = Harness::synthetic(120, 40);
    let pids = |h: &Harness| -> Vec<u32> {
        ids(h)
            .iter()
            .filter_map(|id| {
                if let RowId::Process(p) = id {
                    Some(*p)
                } else {
                    None
                }
            })
            .collect()
    };
    h.press("P");
    let ascending = pids(&h);
    assert!(ascending.windows(2).all(|w| w[0] < w[1]));
    h.press("P");
    let descending = pids(&h);
    assert!(
        descending.windows(2).all(|w| w[0] > w[1]),
        "the same key again reverses"
    );
    h.press("I");
    assert_eq!(pids(&h), ascending);
    // s, F6 and > go right; < goes left: PID -> COMM -> RING -> FLAGS -> RING -> COMM.
    h.press("s<f6>><<");
    let mut by_hotkey = Harness::synthetic(120, 40);
    by_hotkey.press("N");
    assert_eq!(pids(&h), pids(&by_hotkey));
    h.press("<"); // PID, ascending again: each new column starts in its natural direction
    assert_eq!(pids(&h), ascending);
}

#[test]
fn folding_hides_and_shows_rings() {
    let mut h = Harness::synthetic(120, 40);
    let all = ids(&h).len();
    h.press("f");
    assert_eq!(
        ids(&h).len(),
        all - 2,
        "the first process folded its two rings"
    );
    h.press("f");
    assert_eq!(ids(&h).len(), all);
    h.press("j");
    let its_process = Some(RowId::Process(h.app.main_selection().unwrap().pid()));
    h.press("f");
    assert_eq!(
        h.app.main_selection(),
        its_process,
        "f on a ring folds its process"
    );
    h.press("l");
    assert_eq!(ids(&h).len(), all);
    h.press("jh");
    assert_eq!(
        h.app.main_selection(),
        its_process,
        "h on a ring goes to its process"
    );
    h.press("*");
    assert_eq!(ids(&h).len(), 6);
    h.press("*");
    assert_eq!(ids(&h).len(), all);
}

#[test]
fn filter_by_pid_or_comm_and_clear() {
    let mut h = Harness::synthetic(120, 40);
    let pid = ids(&h)[3].pid();
    h.press(&format!("/{pid}<enter>"));
    assert!(ids(&h).iter().all(|id| id.pid() == pid));
    assert!(!ids(&h).is_empty());
    h.press("<esc>");
    assert_eq!(ids(&h).len(), 18);
    h.press("/POSTGRES");
    assert_eq!(ids(&h).len(), 3, "filters while typing, ignoring case");
    h.press("q"); // typed, not quit
    assert!(!h.app.should_quit());
    assert!(ids(&h).is_empty());
    h.press("<bs><esc>");
    assert_eq!(ids(&h).len(), 18, "Esc while typing clears");
}

#[test]
fn screens_stack_and_request_streaming_follows_the_request_view() {
    let mut h = Harness::synthetic(120, 40);
    assert_eq!(h.app.requests_wanted(), None);
    h.press("r");
    assert_eq!(
        h.app.screen(),
        ScreenKind::Main,
        "r on a two-ring process asks for a ring"
    );
    assert!(h.app.message().is_some());
    h.press("j");
    let ring = h.selected_ring();
    h.press_onto("<enter>", ScreenKind::Ring);
    assert_eq!(
        h.app.requests_wanted(),
        None,
        "only the request view streams"
    );
    h.press_onto("<enter>", ScreenKind::Requests);
    assert_eq!(h.app.requests_wanted(), Some(ring));
    h.press("<esc>");
    assert_eq!(
        (h.app.screen(), h.app.requests_wanted()),
        (ScreenKind::Ring, None)
    );
    h.press_onto("<esc>", ScreenKind::Main);
    assert_eq!(
        h.app.main_selection(),
        Some(RowId::Ring {
            pid: ids(&h)[1].pid(),
            ring
        })
    );
    h.press("r");
    assert_eq!(
        (h.app.screen(), h.app.requests_wanted()),
        (ScreenKind::Requests, Some(ring))
    );
    h.press("<esc>");
    assert_eq!(
        (h.app.screen(), h.app.requests_wanted()),
        (ScreenKind::Main, None)
    );
}

/// A request on `ring` with `user_data` as its identity.
fn request(ring: u32, user_data: u64) -> Input {
    Input::Request(Request {
        ring,
        opcode: 22,
        user_data,
        latency_ns: Some(1_000),
        ..Request::default()
    })
}

#[test]
fn the_request_view_follows_new_requests_or_holds_the_selected_one() {
    let (mut h, ring) = Harness::first_rings_requests(120, 40);
    h.apply(&(1000..1010).map(|u| request(ring, u)).collect::<Vec<_>>());
    let text = h.render();
    assert!(
        text.contains("0x3f1"),
        "the newest (1009) is shown:\n{text}"
    );
    h.press_onto("<enter>", ScreenKind::Detail);
    assert_eq!(
        h.app.requests_wanted(),
        Some(ring),
        "still streaming under the detail"
    );
    assert!(h.render().contains("0x3f1 (1009)"));
    h.press("<esc>jj"); // on 1007 now
    h.apply(&(2000..2005).map(|u| request(ring, u)).collect::<Vec<_>>());
    h.apply(&[request(ring + 100, 1)]); // another ring's: not shown
    h.press("<enter>");
    assert!(
        h.render().contains("(1007)"),
        "the selection stayed on its request"
    );
    h.press("<esc><home><enter>");
    assert!(
        h.render().contains("(2004)"),
        "Home goes back to the newest"
    );
}

#[test]
fn pause_interval_and_quit() {
    let mut h = Harness::synthetic(80, 24);
    assert!(!h.app.paused());
    h.press("<space>");
    assert!(h.app.paused());
    h.press("<space>");
    assert!(!h.app.paused());
    assert_eq!(h.app.refresh().interval(), Duration::from_secs(1));
    h.press("++");
    assert_eq!(h.app.refresh().interval(), Duration::from_secs(3));
    h.press("----");
    assert_eq!(h.app.refresh().interval(), Duration::from_millis(500));
    assert!(h.app.message().unwrap().contains("shortest"));
    h.press("?");
    assert!(h.app.help_shown());
    h.press("q");
    assert!(
        !h.app.help_shown() && !h.app.should_quit(),
        "a key closes the help and does nothing else"
    );
    h.press("q");
    assert!(h.app.should_quit());
    let mut h = Harness::synthetic(80, 24);
    h.press("j<enter>/<ctrl-c>");
    assert!(h.app.should_quit(), "Ctrl-C quits from anywhere");
}

#[test]
fn paging_keeps_the_cursor_in_the_list() {
    let mut h = Harness::synthetic(80, 10); // 7 table rows for 18 rows of data
    h.press("<pgdn>");
    assert_eq!(h.app.main_selection(), Some(ids(&h)[7]));
    h.press("<end>");
    assert_eq!(h.app.main_selection(), Some(ids(&h)[17]));
    let text = h.render();
    assert!(text.contains('└'), "the last row is on screen:\n{text}");
    h.press("<pgup><home>");
    assert_eq!(h.app.main_selection(), Some(ids(&h)[0]));
}

#[test]
fn only_pid_shows_one_process_whatever_the_filter() {
    let inputs = synthetic_stream(7, 30, 6, 2);
    let pid = Harness::synthetic(120, 40)
        .app
        .main_rows()
        .nth(3)
        .unwrap()
        .pid();
    let mut h = Harness::with_config(
        &inputs,
        120,
        40,
        Config {
            only_pid: Some(pid),
            ..config()
        },
    );
    assert_eq!(ids(&h).len(), 3);
    assert!(ids(&h).iter().all(|id| id.pid() == pid));
    assert!(h.render().contains(&format!("pid {pid} only")));
    h.press("<esc>/x<esc>");
    assert_eq!(ids(&h).len(), 3, "Esc clears the filter, not --pid");
    let mut h = Harness::with_config(
        &inputs,
        120,
        40,
        Config {
            only_pid: Some(1),
            ..config()
        },
    );
    assert!(h
        .render()
        .contains("pid 1 has not used io_uring since uringtop started"));
}

#[test]
fn the_status_line_names_the_source_and_its_end() {
    let inputs = synthetic_stream(7, 3, 1, 1);
    let mut live = Harness::with_config(&inputs, 100, 10, config());
    let status = |h: &mut Harness| h.render().lines().last().unwrap().to_string();
    assert!(status(&mut live).starts_with("\" live · every 1s"));
    let mut recording = Harness::with_config(&inputs, 100, 10, replay_config());
    assert!(status(&mut recording).starts_with("\" recording · every 1s"));
    recording.app.set_source_ended();
    assert!(status(&mut recording).contains("source ended"));
}

#[test]
fn a_short_last_interval_is_named_on_the_status_line() {
    // A recorder stopped 27 ms after its last regular sample: that last interval's rates are
    // over 27 ms, and the status line says so beside the nominal interval.
    let mut inputs = synthetic_stream(7, 3, 1, 1);
    let Some(Input::Sample(last)) = inputs.iter().rev().find(|i| matches!(i, Input::Sample(_)))
    else {
        panic!("no sample");
    };
    let mut stop = last.clone();
    stop.time_ns += 27_000_000;
    inputs.push(Input::Sample(stop));
    let mut h = Harness::with_config(&inputs, 120, 10, replay_config());
    assert!((h.model.interval().seconds - 0.027).abs() < 1e-9);
    let status = h.render().lines().last().unwrap().to_string();
    assert!(
        status.starts_with("\" recording · every 1s · this one 27ms · "),
        "{status}"
    );
    // A regular interval is not mentioned.
    let mut regular = Harness::with_config(&synthetic_stream(7, 3, 1, 1), 120, 10, config());
    assert!(!regular.render().contains("this one"));
}

#[test]
fn the_help_shows_the_keys_of_the_mode_it_is_in() {
    let inputs = synthetic_stream(7, 3, 2, 2);
    let mut replay = Harness::with_config(&inputs, 100, 40, replay_config());
    let help = replay.press("?").render();
    // In a replay, Home/End, g and ← → move through time: the list keys do not claim them.
    for live_only in ["Home/g top", "End/G bottom", "← h  → l", "+  -"] {
        assert!(!help.contains(live_only), "{live_only}:\n{help}");
    }
    for replay_key in [
        "G bottom",
        "h  l",
        "go to a time",
        "10 s back / forward",
        "Home End",
    ] {
        assert!(help.contains(replay_key), "{replay_key}:\n{help}");
    }
    let mut live = Harness::with_config(&inputs, 100, 40, config());
    let help = live.press("?").render();
    for live_key in ["Home/g top", "← h  → l", "+  -"] {
        assert!(help.contains(live_key), "{live_key}:\n{help}");
    }
    assert!(!help.contains("go to a time"), "{help}");
}

#[test]
fn under_a_flood_the_selected_request_stays_selected_until_the_top() {
    let (mut h, ring) = Harness::first_rings_requests(120, 40);
    h.apply(&(1000..1010).map(|u| request(ring, u)).collect::<Vec<_>>());
    h.press("jj"); // on 1007: off the top, the list holds still
    let selected_row = |h: &mut Harness| {
        let text = h.render();
        let line = text
            .lines()
            .find(|l| l.contains("0x3ef"))
            .map(str::to_string);
        (text, line)
    };
    let (before, row) = selected_row(&mut h);
    let row = row.unwrap_or_else(|| panic!("1007 on screen:\n{before}"));
    assert!(before.contains("not following"), "{before}");
    // A flood: more requests than the model keeps, so 1007 itself is dropped by the model.
    let flood: Vec<Input> = (0..uringtop_common::model::REQUEST_HISTORY as u64 + 500)
        .map(|u| request(ring, 100_000 + u))
        .collect();
    for chunk in flood.chunks(1000) {
        h.apply(chunk);
        let (text, same) = selected_row(&mut h);
        assert_eq!(
            same.as_deref(),
            Some(row.as_str()),
            "the row holds still:\n{text}"
        );
    }
    h.press("<enter>");
    assert!(
        h.render().contains("0x3ef (1007)"),
        "Enter opens the request that was highlighted"
    );
    h.press("<esc><home>");
    let text = h.render();
    assert!(
        text.contains("following") && !text.contains("not following"),
        "{text}"
    );
    let newest = format!(
        "{:#x}",
        100_000 + uringtop_common::model::REQUEST_HISTORY as u64 + 499
    );
    assert!(
        text.contains(&newest),
        "back at the top, it follows again:\n{text}"
    );
}

#[test]
fn with_only_pid_the_header_counts_that_process() {
    let inputs = synthetic_stream(7, 30, 6, 2);
    let mut all = Harness::with_config(&inputs, 140, 20, config());
    let first = all.render().lines().next().unwrap().to_string();
    assert!(first.contains("6 processes · 12 rings"), "{first}");
    let pid = all.app.main_rows().nth(3).unwrap().pid();
    let mut h = Harness::with_config(
        &inputs,
        140,
        20,
        Config {
            only_pid: Some(pid),
            ..config()
        },
    );
    let process = h.model.process(pid).unwrap();
    let rate =
        uringtop_tui::format::to_string(uringtop_tui::format::rate, process.interval.req_per_s);
    let machine =
        uringtop_tui::format::to_string(uringtop_tui::format::rate, h.model.interval().req_per_s);
    assert_ne!(rate, machine);
    let first = h.render().lines().next().unwrap().to_string();
    assert!(
        first.contains(&format!("1 process · 2 rings · {rate} req/s")),
        "{first}"
    );
}

/// One process with `rings` rings of one NOP each, over two samples.
fn many_rings(rings: u32) -> Vec<Input> {
    use uringtop_common::input::{OpSample, ProcessSample, RingSample, Sample};
    let sample = |time_ns: u64, n: u64| {
        Input::Sample(Sample {
            time_ns,
            processes: vec![ProcessSample::named(20131, "demo_workload")],
            rings: (1..=rings)
                .map(|ring| RingSample {
                    ring,
                    pid: 20131,
                    ..RingSample::default()
                })
                .collect(),
            ops: (1..=rings)
                .map(|ring| OpSample::completed(20131, ring, 0, n))
                .collect(),
            ..Sample::default()
        })
    };
    vec![sample(1_000_000_000, 0), sample(2_000_000_000, 5)]
}

#[test]
fn nothing_is_cut_without_a_sign() {
    // A process with 1000 rings: its ring count whole, not "(100…".
    let mut h = Harness::with_inputs(&many_rings(1000), 120, 12, Theme::colored());
    let text = h.render();
    assert!(text.contains("(1000)"), "{text}");
    assert!(!text.contains('…'), "{text}");
    // Sorted by a column whose header fills it: header and arrow whole.
    for (key, header) in [
        ("<f6><f6>", "▼INFLIGHT"),
        ("D", "▼DENIED"),
        ("A", "▼ASYNC%"),
        ("O", "▼CQ OVFL"),
    ] {
        let mut h = Harness::synthetic(160, 12);
        let text = h.press(key).render();
        let header_line = text.lines().nth(1).unwrap();
        assert!(header_line.contains(header), "{key}: {header_line}");
    }
    // Too narrow for every column: the header ends with how many are hidden.
    for width in [50, 60, 80] {
        let mut h = Harness::synthetic(width, 12);
        let text = h.render();
        let header_line = text
            .lines()
            .nth(1)
            .unwrap()
            .trim_end_matches('"')
            .trim_end();
        assert!(header_line.ends_with('›'), "{width}: {header_line}");
        assert!(!text.contains("RING") || width > 50, "{text}");
    }
    let mut wide = Harness::synthetic(200, 12);
    assert!(!wide.render().contains('›'));
    // A message longer than the room after the figures takes the line, whole.
    let mut h = Harness::synthetic(80, 12);
    let status = h.press("----").render().lines().last().unwrap().to_string();
    let message = h.app.message().unwrap().to_string();
    assert!(status.contains(&message), "{status}");
}

/// The ring view names who runs the process and where: user, container or unit, command line;
/// and `/` finds processes by their cgroup.
#[test]
fn the_ring_view_names_the_processs_user_unit_and_command_line() {
    let mut inputs = many_rings(1);
    if let Input::Sample(s) = &mut inputs[0] {
        s.processes[0].context = uringtop_common::process_context::ProcessContext {
            uid: Some(33),
            user: "www-data".into(),
            cgroup: "/system.slice/nginx.service".into(),
            cmdline: "nginx: worker process".into(),
        };
    }
    let mut h = Harness::with_inputs(&inputs, 120, 12, Theme::colored());
    let ring = h.press("j<enter>").render();
    let title = ring
        .lines()
        .find(|l| l.contains("ring 1 · demo_workload[20131]"))
        .unwrap_or_else(|| panic!("{ring}"));
    assert!(
        title.contains("· user www-data · nginx.service · nginx: worker process"),
        "{title}"
    );
    let mut h = Harness::with_inputs(&inputs, 120, 12, Theme::colored());
    let found = h.press("/nginx.service<enter>").render();
    assert!(found.contains("demo_workload"), "{found}");
    let mut h = Harness::with_inputs(&inputs, 120, 12, Theme::colored());
    let none = h.press("/docker<enter>").render();
    assert!(!none.contains("20131"), "{none}");
}
