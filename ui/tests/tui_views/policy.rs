//! With a policy loaded: the VERDICT column, the ring view's verdict counts and register calls,
//! the violations view with the kernel's denials, a request's verdict, NO_COLOR, and the keys
//! between them.

use super::{config, policy_label, Harness};
use insta::assert_snapshot;
use ratatui::style::Color;
use uringtop_common::synthetic::synthetic_stream_with_policy;
use uringtop_tui::rows::RowId;
use uringtop_tui::{Config, ScreenKind, Theme};

fn policy(width: u16, height: u16) -> Harness {
    Harness::with_policy(width, height, Theme::colored())
}

screen_snapshots! {
    main_view_with_verdicts_120x40: policy(120, 40) => "";
    main_view_with_verdicts_80x24: policy(80, 24) => "";
    main_view_sorted_by_verdict: policy(120, 24) => "V";
    /// Sorted by VERDICT, the first ring is the one with the worst verdicts.
    ring_view_with_verdict_counts: policy(120, 30) => "V<home>j<enter>";
    violations_view: policy(120, 30) => "v";
    violations_view_80x24: policy(80, 24) => "v";
    violations_of_one_ring: policy(120, 30) => "V<home>j<enter>v";
    request_detail_with_a_verdict: policy(100, 30) => "v<enter>";
    help_with_a_policy: policy(80, 24) => {
        "help_main_with_policy": "?",
        "help_violations": "<esc>v?",
    }
}

/// The second process's lowest ring tries REGISTER_PERSONALITY: denied by policy and kernel.
#[test]
fn ring_view_with_register_calls() {
    let mut h = policy(120, 30);
    h.press("P");
    let target = h
        .app
        .main_rows()
        .filter(|id| matches!(id, RowId::Ring { .. }))
        .find(|id| {
            let RowId::Ring { ring, .. } = *id else {
                return false;
            };
            h.model
                .ring_info(ring)
                .is_some_and(|i| !i.register_ops.is_empty() && i.register_denied > 0)
        })
        .expect("a ring with denied register calls");
    h.select(target);
    assert_eq!(h.app.main_selection(), Some(target));
    assert_snapshot!(h.press("<enter>").render());
}

/// A kill in audit mode reads "would-kill" in the list and in the detail.
#[test]
fn a_kill_not_enforced_is_a_would_kill() {
    let mut h = policy(120, 30);
    h.press("v");
    let text = h.render();
    assert!(text.contains("would-kill"), "{text}");
    for _ in 0..200 {
        h.press("<enter>");
        if h.render().contains("would-kill (audit") {
            break;
        }
        h.press("<esc>j");
    }
    assert_snapshot!("detail_would_kill", h.render());
}

#[test]
fn no_color_with_a_policy() {
    for keys in ["", "V<home>j<enter>", "v", "v<enter>", "?"] {
        let mut plain = Harness::with_policy(120, 40, Theme::plain());
        let mut colored = Harness::with_policy(120, 40, Theme::colored());
        plain.press(keys);
        colored.press(keys);
        assert_eq!(plain.render(), colored.render(), "after {keys:?}");
        let colored_cells = plain
            .terminal
            .backend()
            .buffer()
            .content
            .iter()
            .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
            .count();
        assert_eq!(colored_cells, 0, "after {keys:?}");
    }
    assert_snapshot!(
        "no_color_main_with_policy",
        Harness::with_policy(80, 24, Theme::plain()).render()
    );
}

#[test]
fn violations_then_detail_and_back_twice() {
    let mut h = policy(120, 30);
    assert_eq!(h.app.screen(), ScreenKind::Main);
    h.press_onto("v", ScreenKind::Violations);
    assert_eq!(
        h.app.requests_wanted(),
        None,
        "violations stream without asking"
    );
    h.press_onto("<enter>", ScreenKind::Detail)
        .press_onto("<esc>", ScreenKind::Violations)
        .press_onto("<esc>", ScreenKind::Main);
    // From a ring view, back to it.
    h.press_onto("j<enter>v", ScreenKind::Violations)
        .press_onto("<esc>", ScreenKind::Ring);
}

#[test]
fn without_a_policy_v_only_explains() {
    let inputs = synthetic_stream_with_policy(7, 30, 6, 2);
    let mut h = Harness::with_config(&inputs, 120, 30, config());
    let before: Vec<RowId> = h.app.main_rows().collect();
    h.press("v");
    assert_eq!(h.app.screen(), ScreenKind::Main);
    assert!(h.app.message().unwrap().contains("no policy"));
    h.press("V");
    assert_eq!(
        h.app.main_rows().collect::<Vec<_>>(),
        before,
        "V does not sort"
    );
    let text = h.render();
    assert!(!text.contains("VERDICT"), "{text}");
    h.press("j<enter>v");
    assert_eq!(h.app.screen(), ScreenKind::Ring);
    // Cycling the sort never lands on the hidden column.
    let mut h = Harness::with_config(&inputs, 120, 30, Config { ..config() });
    for _ in 0..20 {
        h.press("s");
        assert!(!h.render().contains("VERDICT"));
    }
}

#[test]
fn the_status_line_names_the_policy() {
    let text = policy(120, 30).render();
    let status = text.lines().last().unwrap();
    assert!(
        status.contains("policy synthetic.toml (4 rules, audit)"),
        "{status}"
    );
    let mut enforcing = policy_label();
    enforcing.enforce = true;
    let mut h = Harness::with_config(
        &synthetic_stream_with_policy(7, 30, 6, 2),
        120,
        30,
        Config {
            policy: Some(enforcing),
            ..config()
        },
    );
    assert!(h.render().contains("(4 rules, enforcing)"));
}
