//! What each screen looks like, as insta snapshots of the rendered text.

use super::Harness;
use insta::assert_snapshot;
use ratatui::style::Color;
use uringtop_common::synthetic::synthetic_stream;
use uringtop_tui::Theme;

/// Two single-ring processes over 200 samples: enough streamed requests for the request view.
#[test]
fn main_view_80x24() {
    assert_snapshot!(Harness::synthetic(80, 24).render());
}

#[test]
fn main_view_120x40() {
    assert_snapshot!(Harness::synthetic(120, 40).render());
}

#[test]
fn main_view_drops_columns_when_narrow() {
    assert_snapshot!(Harness::synthetic(60, 16).render());
}

#[test]
fn too_small_says_so() {
    assert_snapshot!(Harness::synthetic(30, 6).render());
}

#[test]
fn sorted_by_p99_then_reversed() {
    let mut h = Harness::synthetic(120, 24);
    assert_snapshot!("sorted_by_p99", h.press("L").render());
    assert_snapshot!("sorted_by_p99_reversed", h.press("L").render());
}

#[test]
fn sorted_by_comm() {
    assert_snapshot!(Harness::synthetic(120, 24).press("N").render());
}

#[test]
fn filtered_by_comm() {
    let mut h = Harness::synthetic(80, 24);
    assert_snapshot!("filter_being_typed", h.press("/gin").render());
    assert_snapshot!("filter_applied", h.press("x<enter>").render());
}

#[test]
fn filter_matching_nothing() {
    assert_snapshot!(Harness::synthetic(80, 24)
        .press("/no-such-thing<enter>")
        .render());
}

#[test]
fn folded_one_then_all() {
    let mut h = Harness::synthetic(80, 24);
    assert_snapshot!("folded_first", h.press("f").render());
    assert_snapshot!("folded_all", h.press("*").render());
}

#[test]
fn empty_machine() {
    let mut h = Harness::with_inputs(&[], 80, 24, Theme::colored());
    assert_snapshot!(h.render());
}

#[test]
fn ring_view_80x24() {
    assert_snapshot!(Harness::synthetic(80, 24).press("j<enter>").render());
}

#[test]
fn ring_view_120x40_since_start_second_opcode() {
    assert_snapshot!(Harness::synthetic(120, 40).press("j<enter>jw").render());
}

#[test]
fn request_view() {
    assert_snapshot!(Harness::request_heavy(120, 30).press("j<enter>r").render());
}

#[test]
fn request_view_80x24_one_opcode() {
    assert_snapshot!(Harness::request_heavy(80, 24)
        .press("j<enter><enter>")
        .render());
}

#[test]
fn request_detail() {
    assert_snapshot!(Harness::request_heavy(100, 30)
        .press("j<enter>rjj<enter>")
        .render());
}

#[test]
fn help_overlay() {
    let mut h = Harness::synthetic(80, 24);
    assert_snapshot!("help_main", h.press("?").render());
    assert_snapshot!("help_ring", h.press("<esc>j<enter>?").render());
}

#[test]
fn paused_status() {
    assert_snapshot!(Harness::synthetic(120, 12).press(" ").render());
}

#[test]
fn no_color_means_no_color_at_all() {
    let inputs = synthetic_stream(7, 30, 6, 2);
    let screens = ["", "j<enter>", "r", "?"];
    let mut plain = Harness::with_inputs(&inputs, 120, 40, Theme::plain());
    let mut colored = Harness::with_inputs(&inputs, 120, 40, Theme::colored());
    for keys in screens {
        plain.press(keys);
        colored.press(keys);
        let plain_text = plain.render();
        assert_eq!(
            plain_text,
            colored.render(),
            "NO_COLOR changes colors, not text"
        );
        let buffer = plain.terminal.backend().buffer();
        let colored_cells = buffer
            .content
            .iter()
            .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
            .count();
        assert_eq!(colored_cells, 0, "after {keys:?}");
        let colored_buffer = colored.terminal.backend().buffer();
        assert!(
            colored_buffer.content.iter().any(|c| c.bg != Color::Reset),
            "the colored theme has color"
        );
    }
    assert_snapshot!(
        "no_color_main",
        Harness::with_inputs(&inputs, 80, 24, Theme::plain()).render()
    );
}

#[test]
fn every_screen_renders_at_every_size() {
    let inputs = synthetic_stream(11, 60, 3, 2);
    for (width, height) in [
        (1, 1),
        (39, 7),
        (40, 8),
        (52, 13),
        (80, 24),
        (133, 41),
        (250, 80),
    ] {
        for keys in [
            "",
            "/nginx",
            "*",
            "F",
            "<enter>",
            "k",
            "k<enter>",
            "j<enter>",
            "j<enter>t",
            "j<enter>r",
            "j<enter>r<enter>",
            "?",
            "j<enter>?",
        ] {
            let mut h = Harness::with_inputs(&inputs, width, height, Theme::colored());
            h.press(keys);
            let text = h.render();
            assert_eq!(
                text.lines().count(),
                usize::from(height),
                "{width}x{height} after {keys:?}"
            );
        }
    }
}
