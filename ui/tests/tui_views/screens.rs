//! What each screen looks like, as insta snapshots of the rendered text.

use super::Harness;
use insta::assert_snapshot;
use ratatui::style::Color;
use uringtop_common::synthetic::synthetic_stream;
use uringtop_tui::Theme;

screen_snapshots! {
    main_view_80x24: Harness::synthetic(80, 24) => "";
    main_view_120x40: Harness::synthetic(120, 40) => "";
    main_view_drops_columns_when_narrow: Harness::synthetic(60, 16) => "";
    too_small_says_so: Harness::synthetic(30, 6) => "";
    sorted_by_p99_then_reversed: Harness::synthetic(120, 24) => {
        "sorted_by_p99": "L",
        "sorted_by_p99_reversed": "L",
    }
    sorted_by_comm: Harness::synthetic(120, 24) => "N";
    filtered_by_comm: Harness::synthetic(80, 24) => {
        "filter_being_typed": "/gin",
        "filter_applied": "x<enter>",
    }
    filter_matching_nothing: Harness::synthetic(80, 24) => "/no-such-thing<enter>";
    folded_one_then_all: Harness::synthetic(80, 24) => {
        "folded_first": "f",
        "folded_all": "*",
    }
    empty_machine: Harness::with_inputs(&[], 80, 24, Theme::colored()) => "";
    ring_view_80x24: Harness::synthetic(80, 24) => "j<enter>";
    ring_view_120x40_since_start_second_opcode: Harness::synthetic(120, 40) => "j<enter>jw";
    request_view: Harness::request_heavy(120, 30) => "j<enter>r";
    request_view_80x24_one_opcode: Harness::request_heavy(80, 24) => "j<enter><enter>";
    request_detail: Harness::request_heavy(100, 30) => "j<enter>rjj<enter>";
    help_overlay: Harness::synthetic(80, 24) => {
        "help_main": "?",
        "help_ring": "<esc>j<enter>?",
    }
    paused_status: Harness::synthetic(120, 12) => " ";
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
