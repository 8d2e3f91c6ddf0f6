//! The request list's filter (`/`): typed on the status line, shown in the title, combined,
//! cleared with Esc, and a mistake said while typing.

use super::Harness;
use insta::assert_snapshot;

fn request_list(width: u16, height: u16) -> Harness {
    let mut h = Harness::request_heavy(width, height);
    h.press("j<enter>r");
    h
}

screen_snapshots! {
    being_typed_on_the_status_line: request_list(120, 12) => "/op:READ_FIXED";
}

#[test]
fn applied_combined_and_in_the_title() {
    let mut h = request_list(120, 16);
    h.press("/op:READ_FIXED lat>40us<enter>");
    let screen = h.render();
    // Every row left is a READ_FIXED above 40µs.
    let rows: Vec<&str> = screen
        .lines()
        .skip(2)
        .filter(|l| l.contains("_FIXED"))
        .collect();
    assert!(rows.len() > 3, "{screen}");
    for row in rows {
        assert!(row.contains("READ_FIXED"), "{row}");
    }
    assert_snapshot!(screen);
}

#[test]
fn a_mistake_is_said_and_the_list_is_left_as_it_was() {
    let mut h = request_list(120, 12);
    let before = h.render();
    h.press("/op:REDA_FIXED<enter>");
    let screen = h.render();
    assert!(
        screen.contains("unknown opcode `REDA_FIXED` (did you mean READ_FIXED?)"),
        "{screen}"
    );
    assert_snapshot!(screen);
    // Esc stops editing and keeps the list unfiltered.
    h.press("<esc>");
    assert_eq!(h.render(), before);
}

#[test]
fn nothing_matching_says_how_to_clear_and_esc_clears() {
    let mut h = request_list(100, 12);
    let unfiltered = h.render();
    h.press("/errno:ENOSPC<enter>");
    assert_snapshot!(h.render());
    h.press("<esc>");
    assert_eq!(h.render(), unfiltered, "Esc clears the filter, and stays");
    h.press("<esc>");
    assert_eq!(
        h.app.screen(),
        uringtop_tui::ScreenKind::Ring,
        "then goes back"
    );
}

#[test]
fn keys_typed_into_the_filter_are_not_commands() {
    // q, space and ? would quit, pause and open the help; typed into the filter they are text.
    let mut h = request_list(120, 12);
    h.press("/q ?<enter>");
    assert!(!h.app.should_quit() && !h.app.paused() && !h.app.help_shown());
    assert!(h.render().contains("filter \"q ?\""));
}
