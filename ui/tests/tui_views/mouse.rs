//! The mouse: click selects, double click opens, the wheel scrolls, a click on the header sorts.

use super::people::people;
use super::Harness;
use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use insta::assert_snapshot;
use std::time::{Duration, Instant};
use uringtop_tui::rows::RowId;
use uringtop_tui::ScreenKind;

fn event(kind: MouseEventKind, column: u16, row: u16) -> MouseEvent {
    MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }
}

fn click_at(h: &mut Harness, column: u16, row: u16, at: Instant) {
    let e = event(MouseEventKind::Down(MouseButton::Left), column, row);
    h.app.mouse(&h.model, e, at);
}

fn wheel(h: &mut Harness, down: bool) {
    let kind = if down {
        MouseEventKind::ScrollDown
    } else {
        MouseEventKind::ScrollUp
    };
    h.app.mouse(&h.model, event(kind, 10, 10), Instant::now());
}

/// The screen row (0-based) on which the main table shows `id`.
fn row_of(h: &Harness, id: RowId) -> u16 {
    let index = h.app.main_rows().position(|r| r == id).unwrap();
    2 + index as u16 // title, header
}

#[test]
fn a_click_selects_and_a_double_click_opens() {
    let mut h = people(120, 30);
    let t0 = Instant::now();
    let y = row_of(&h, RowId::Process(4242));
    click_at(&mut h, 20, y, t0);
    assert_eq!(h.app.main_selection(), Some(RowId::Process(4242)));
    assert_eq!(h.app.screen(), ScreenKind::Main);
    assert_snapshot!("mouse_click_selects", h.render());
    // A second click on the same row, soon: opens it, as Enter does (a process: its details).
    click_at(&mut h, 21, y, t0 + Duration::from_millis(250));
    assert_eq!(h.app.screen(), ScreenKind::Process);
    h.press("<esc>");
    // Two clicks too far apart in time are two single clicks.
    click_at(&mut h, 20, y, t0 + Duration::from_secs(2));
    click_at(&mut h, 20, y, t0 + Duration::from_secs(3));
    assert_eq!(h.app.screen(), ScreenKind::Main);
    // A double click on a ring row opens the ring view; there a click picks an opcode.
    let ring = RowId::Ring { pid: 4242, ring: 4 };
    let y = row_of(&h, ring);
    let t1 = t0 + Duration::from_secs(10);
    click_at(&mut h, 20, y, t1);
    click_at(&mut h, 20, y, t1 + Duration::from_millis(100));
    assert_eq!(h.app.screen(), ScreenKind::Ring);
    // Below the last row: nothing happens.
    click_at(&mut h, 20, 28, t1 + Duration::from_secs(5));
    assert_eq!(h.app.screen(), ScreenKind::Ring);
}

#[test]
fn a_click_on_the_header_sorts_by_that_column_and_again_reverses() {
    let mut h = people(120, 30);
    // Find the PID header's cells on the rendered header line.
    let screen = h.render();
    let header = screen.lines().nth(1).unwrap();
    let x = header.find("PID").unwrap() as u16 - 1; // the line starts with a quote
    let t0 = Instant::now();
    click_at(&mut h, x, 1, t0);
    let pids: Vec<u32> = h
        .app
        .main_rows()
        .filter_map(|id| match id {
            RowId::Process(pid) => Some(pid),
            _ => None,
        })
        .collect();
    assert_eq!(pids, [812, 813, 4242, 9001], "by PID, ascending first");
    let sorted = h.render();
    assert!(sorted.lines().nth(1).unwrap().contains("▲PID"), "{sorted}");
    // Again (not a double click: the header has no "open"): reversed.
    click_at(&mut h, x, 1, t0 + Duration::from_secs(1));
    let first = h.app.main_rows().next();
    assert_eq!(first, Some(RowId::Process(9001)));
    // A click on REQ/s: busiest first again.
    let header = h.render().lines().nth(1).unwrap().to_string();
    let x = header.find("REQ/s").unwrap() as u16 - 1;
    click_at(&mut h, x, 1, t0 + Duration::from_secs(2));
    assert_eq!(h.app.main_rows().next(), Some(RowId::Process(9001)));
    assert!(h.render().contains("sort REQ/s ▼"));
}

#[test]
fn the_wheel_scrolls_the_selection() {
    let mut h = Harness::synthetic(120, 12);
    let rows: Vec<RowId> = h.app.main_rows().collect();
    wheel(&mut h, true);
    assert_eq!(h.app.main_selection(), Some(rows[3]), "three rows a notch");
    wheel(&mut h, true);
    wheel(&mut h, true);
    assert_eq!(h.app.main_selection(), Some(rows[9]));
    assert_snapshot!("mouse_wheel_scrolled", h.render());
    wheel(&mut h, false);
    assert_eq!(h.app.main_selection(), Some(rows[6]));
    // Motion alone changes nothing, and leaves the status message.
    h.press("----");
    let message = h.app.message().map(str::to_string);
    assert!(message.is_some());
    let moved = event(MouseEventKind::Moved, 3, 3);
    h.app.mouse(&h.model, moved, Instant::now());
    assert_eq!(h.app.message().map(str::to_string), message);
    assert_eq!(h.app.main_selection(), Some(rows[6]));
}

#[test]
fn a_click_closes_the_help_and_does_nothing_else() {
    let mut h = people(120, 30);
    h.press("?");
    let before = h.app.main_selection();
    click_at(&mut h, 20, 6, Instant::now());
    assert!(!h.app.help_shown());
    assert_eq!(h.app.main_selection(), before);
}
