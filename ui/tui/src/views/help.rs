//! The help overlay (`?`): the keys of the screen it was opened on, the keys that work
//! everywhere, and what the columns mean, for the mode it is in: in a replay some keys move
//! through time instead. Sized to fit 80x24.

use super::popup_block;
use crate::app::{App, ScreenKind, SourceKind};
use crate::format;
use crate::layout;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

/// The main view's keys: moving and folding differ in a replay, where Home, End, g and the arrows
/// ← → move through time (see [`REPLAY`]); the rest is the same in both modes.
const MAIN_MOVE: &[(&str, &str)] = &[("↑↓ PgUp PgDn", "move; Home/g top, End/G bottom")];
const MAIN_MOVE_REPLAY: &[(&str, &str)] = &[("↑↓ PgUp PgDn", "move; G bottom")];
const MAIN_SELECT: &[(&str, &str)] = &[
    ("Enter", "on a process: its details; on a ring: open it"),
    ("f  *", "fold/unfold the selected process / every process"),
    // The number is the config's (see draw).
    ("i", "show / hide live rings idle for N intervals"),
    (
        "F  c",
        "follow the selected process; group by unit or container",
    ),
    ("t  H", "the selected process's threads (in a replay: H)"),
];
/// Live only: a recording's processes are not this machine's.
const MAIN_LIVE: &[(&str, &str)] = &[("k  F9", "send the selected process a signal (confirmed)")];
const MAIN_FOLD: &[(&str, &str)] = &[(
    "← h  → l",
    "fold / unfold; on a ring, ← goes to its process",
)];
const MAIN_FOLD_REPLAY: &[(&str, &str)] =
    &[("h  l", "fold / unfold; on a ring, h goes to its process")];
const MAIN_SORT: &[(&str, &str)] = &[
    ("r", "requests of the selected ring"),
    ("/", "filter by comm, pid, user or cgroup; Esc clears it"),
    ("s F6 >  <", "sort by the next / previous column"),
    ("P N R T L", "sort by PID, COMM, REQ/s, TOTAL, p99;"),
    (
        "E D A O  I",
        "  ERR/s, DENIED, ASYNC%, CQ OVFL; again, or I: reverse",
    ),
    (
        "mouse",
        "click selects, twice opens, wheel scrolls, header sorts",
    ),
];
const MAIN: &[&[(&str, &str)]] = &[MAIN_MOVE, MAIN_SELECT, MAIN_LIVE, MAIN_FOLD, MAIN_SORT];
const MAIN_REPLAY: &[&[(&str, &str)]] =
    &[MAIN_MOVE_REPLAY, MAIN_SELECT, MAIN_FOLD_REPLAY, MAIN_SORT];

const RING: &[(&str, &str)] = &[
    ("↑↓ j k", "select an opcode"),
    ("Enter", "requests of the selected opcode"),
    ("r", "requests of every opcode of this ring"),
    (
        "w",
        "latency columns, histogram: last interval / since start",
    ),
    ("R", "the ring's registered files and buffers / the graphs"),
    ("Esc", "back to the process list"),
];

const REQUESTS: &[(&str, &str)] = &[
    (
        "↑↓ PgUp PgDn",
        "scroll (then it holds still); at the top it follows",
    ),
    ("Enter", "every field of the selected request"),
    (
        "/",
        "filter: op:READ errno:ENOENT fd:5 path:etc lat>1ms err",
    ),
    ("", "(terms combine; a,b: either); Esc clears it"),
    ("Esc", "back (request streaming stops)"),
];

const VIOLATIONS: &[(&str, &str)] = &[
    (
        "↑↓ PgUp PgDn",
        "scroll (then it holds still); at the top it follows",
    ),
    (
        "Enter",
        "every field of the selected request, and its verdict",
    ),
    ("Esc", "back"),
];

const PROCESS: &[(&str, &str)] = &[
    ("Esc Enter", "back"),
    ("k  F9", "send this process a signal (live only)"),
    ("t  H", "its threads"),
];

const THREADS: &[(&str, &str)] = &[
    ("↑↓ PgUp PgDn", "move"),
    ("Esc", "back (the process's request streaming stops)"),
];

const SIGNAL: &[(&str, &str)] = &[
    ("↑↓ j k  1-8", "choose a signal"),
    (
        "Enter",
        "ask to confirm; then y or Enter sends it, n goes back",
    ),
    ("Esc", "cancel: nothing is sent"),
];

/// Added to the main view's keys when a policy is loaded (without one they do nothing).
const MAIN_POLICY: &[(&str, &str)] = &[
    (
        "v",
        "the policy's recent violations, and the kernel's denials",
    ),
    ("V", "sort by VERDICT; again: reverse"),
];

const RING_POLICY: &[(&str, &str)] = &[("v", "this ring's policy violations")];

const POLICY_LEGEND: &str = "VERDICT: SQEs the policy logged, denied or killed over the      interval, named by the worst action. DENIED is the kernel's own refusals.";

/// Over every screen, when replaying a recording.
const REPLAY: &[(&str, &str)] = &[
    ("space", "play / pause the recording"),
    ("T t  ,  .", "one sample back / forward"),
    ("← →  [  ]", "10 s back / forward"),
    ("{  }", "slower / faster: 1x to 64x"),
    ("g  :", "go to a time: 12:03:10, +90s, start or end"),
    ("Home End  0  $", "the start / the end"),
];

/// Three rows at 80 columns: the main view's help fills 80x24 exactly.
const MAIN_LEGEND: &str = "Over the interval: REQ/s, ERR/s (failed CQEs), ASYNC% (to io-wq), \
     p50/p99. Since start: TOTAL SQEs, DENIED (refused SQEs), CQ OVFL (owner only). FLAGS: \
     IORING_SETUP_*, short. +N›: N columns hidden for want of width.";

pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    let theme = &app.config.theme;
    let replay = app.config.source == SourceKind::Recording;
    let (name, keys) = match app.screen() {
        ScreenKind::Main if replay => ("process list", MAIN_REPLAY),
        ScreenKind::Main => ("process list", MAIN),
        ScreenKind::Ring => ("ring", &[RING][..]),
        ScreenKind::Requests | ScreenKind::Detail => ("requests", &[REQUESTS][..]),
        ScreenKind::Violations => ("policy violations", &[VIOLATIONS][..]),
        ScreenKind::Process => ("process", &[PROCESS][..]),
        ScreenKind::Signal => ("signal", &[SIGNAL][..]),
        ScreenKind::Threads => ("threads", &[THREADS][..]),
    };
    let policy = app.config.policy.is_some();
    let policy_keys = match app.screen() {
        ScreenKind::Main if policy => MAIN_POLICY,
        ScreenKind::Ring if policy => RING_POLICY,
        _ => &[],
    };
    let key_line = |k: &'static str, what: std::borrow::Cow<'static, str>| {
        Line::from(vec![
            Span::styled(format!(" {k:<17}"), theme.key),
            Span::raw(what),
        ])
    };
    // The idle-ring rule's length is the config file's.
    let idle = format!(
        "show / hide live rings idle for {} intervals",
        app.main.spec.idle_after
    );
    let mut lines: Vec<Line> = keys
        .iter()
        .flat_map(|part| part.iter())
        .chain(policy_keys)
        .map(|&(k, what)| match k {
            "i" => key_line(k, idle.clone().into()),
            _ => key_line(k, what.into()),
        })
        .collect();
    if replay {
        lines.extend(REPLAY.iter().map(|&(k, what)| key_line(k, what.into())));
    } else {
        lines.push(key_line(
            "space",
            "pause/resume the display (sampling goes on)".into(),
        ));
        lines.push(key_line(
            "+  -",
            "longer / shorter interval: rates are computed over it".into(),
        ));
        let sampling = format::to_string(format::interval, app.refresh().sampling());
        lines.push(Line::raw(format!(
            "{:18} and the screen refreshed (probe read every {sampling})",
            ""
        )));
    }
    lines.push(key_line(
        "?  F1  C",
        "help · C: columns · q or Ctrl-C quits · Ctrl-Z suspends".into(),
    ));
    let legend_at = lines.len();
    if app.screen() == ScreenKind::Main {
        lines.push(Line::styled(MAIN_LEGEND, theme.dim));
        if policy {
            lines.push(Line::styled(POLICY_LEGEND, theme.dim));
        }
    }
    // As tall as the wrapped text, so a short help is a small box.
    // Word wrapping can take a line more than the characters need: one row of slack.
    let inner_width = usize::from(layout::popup(area, 78, 1).width.saturating_sub(2)).max(1);
    let mut rows: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_width).max(1))
        .sum();
    // A blank line before the legend, when the screen has a row for it (80x24 has not).
    if legend_at < lines.len() && rows + 4 <= usize::from(area.height) {
        lines.insert(legend_at, Line::raw(""));
        rows += 1;
    }
    let popup = layout::popup(area, 78, u16::try_from(rows + 3).unwrap_or(u16::MAX));
    Clear.render(popup, buf);
    let title = format!(" help: {name} · any key closes ");
    let block = popup_block(title, theme);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block)
        .render(popup, buf);
}
