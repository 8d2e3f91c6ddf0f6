//! The status line: where the data comes from, how often, how much, what was lost, and keys.

use super::text::{display_width, fill, spans};
use crate::app::{App, Screen, ScreenKind, SourceKind};
use crate::format;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use std::fmt::Write;
use std::time::Duration;
use uringtop_common::model::Model;

/// `timeline`: a replay's position (or its go-to prompt), after the source's name.
pub fn draw(
    buf: &mut Buffer,
    area: Rect,
    model: &Model,
    app: &App,
    timeline: Option<&str>,
    s: &mut String,
) {
    let theme = &app.config.theme;
    fill(buf, area, theme.status);
    let right = area.right();
    if app.main.editing_filter && app.screen() == ScreenKind::Main {
        s.clear();
        let _ = write!(s, " filter (comm or pid): {}", app.main.spec.filter);
        let keys = ("Enter keeps · Esc clears", theme.status);
        return typing(buf, area, s, keys, theme);
    }
    if let Some(Screen::Requests(r)) = app.stack.last() {
        if let Some(text) = &r.editing {
            s.clear();
            let _ = write!(s, " filter (op: errno: fd: path: lat>): {text}");
            let after = match &r.query_error {
                Some(e) => (e.as_str(), theme.key),
                None => ("Enter applies · Esc cancels", theme.status),
            };
            return typing(buf, area, s, after, theme);
        }
    }
    let mut x = spans(
        buf,
        area.x,
        area.y,
        right,
        &[(" ", theme.status), (app.config.source.label(), theme.key)],
    );
    if let Some(timeline) = timeline {
        x = spans(
            buf,
            x,
            area.y,
            right,
            &[(" ", theme.status), (timeline, theme.key)],
        );
    }
    if let Some(policy) = &app.config.policy {
        s.clear();
        let n = policy.rules.len();
        let _ = write!(
            s,
            " · policy {} ({n} rule{}, {})",
            policy.file,
            plural(n as u64),
            policy.mode()
        );
        x = spans(buf, x, area.y, right, &[(s, theme.status)]);
    }
    s.clear();
    s.push_str(" · every ");
    let nominal = app.refresh().interval();
    format::interval(s, nominal);
    let i = model.interval();
    // The rates are over the real length of the interval shown: say it when it is not the
    // nominal one (a recording's last sample, taken when the recorder stopped, may come 27 ms
    // after the one before it, and its rates are over those 27 ms).
    if let Some(real) = unusual_interval(i.seconds, nominal, model.samples()) {
        s.push_str(" · this one ");
        format::interval(s, real);
    }
    s.push_str(" · ");
    format::rate(s, i.req_per_s + i.cqe_per_s);
    s.push_str(" events/s · ");
    x = spans(buf, x, area.y, right, &[(s, theme.status)]);
    s.clear();
    let lost = model.lost_records();
    let _ = write!(s, "lost {lost} record{}", plural(lost));
    x = spans(
        buf,
        x,
        area.y,
        right,
        &[(s, if lost > 0 { theme.alarm } else { theme.status })],
    );
    let lost_updates = model.lost_updates();
    if lost_updates > 0 {
        s.clear();
        let _ = write!(s, "{lost_updates} lost update{}", plural(lost_updates));
        x = spans(
            buf,
            x,
            area.y,
            right,
            &[(" · ", theme.status), (s, theme.alarm)],
        );
    }
    if app.paused() {
        x = spans(
            buf,
            x,
            area.y,
            right,
            &[(" ", theme.status), (" PAUSED ", theme.paused)],
        );
    }
    if app.source_ended {
        x = spans(
            buf,
            x,
            area.y,
            right,
            &[(" ", theme.status), (" source ended ", theme.alarm)],
        );
    }
    x = spans(buf, x, area.y, right, &[("  ", theme.status)]);
    match app.message() {
        // A message that does not fit after the figures takes the whole line: cut, it would
        // stop mid-sentence.
        Some(message) if display_width(message) > usize::from(right.saturating_sub(x)) => {
            fill(buf, area, theme.status);
            spans(
                buf,
                area.x,
                area.y,
                right,
                &[(" ", theme.status), (message, theme.key)],
            )
        }
        Some(message) => spans(buf, x, area.y, right, &[(message, theme.key)]),
        None => {
            let full = match app.config.source {
                SourceKind::Recording => REPLAY_HINTS,
                SourceKind::Live => hints(app.screen()),
            };
            let room = usize::from(right.saturating_sub(x));
            let text = [full, "?:help q:quit", "?:help"]
                .into_iter()
                .find(|h| h.len() <= room)
                .unwrap_or("");
            spans(buf, x, area.y, right, &[(text, theme.status)])
        }
    };
}

/// A filter being typed: `prompt` with the text so far, a cursor, then `after` (the keys, or
/// what is wrong with the text).
fn typing(buf: &mut Buffer, area: Rect, prompt: &str, after: (&str, Style), theme: &Theme) {
    let right = area.right();
    let cursor = ("█", theme.status);
    let x = spans(
        buf,
        area.x,
        area.y,
        right,
        &[(prompt, theme.status), cursor],
    );
    spans(buf, x, area.y, right, &[("   ", theme.status), after]);
}

/// The real length of the latest interval when it is more than 10 % off the nominal one. Not
/// for the first sample, whose interval (from attach) has no known length.
fn unusual_interval(seconds: f64, nominal: Duration, samples: u64) -> Option<Duration> {
    let nominal_s = nominal.as_secs_f64();
    let off = (seconds - nominal_s).abs() > nominal_s / 10.0;
    (samples > 1 && off && seconds > 0.0).then(|| Duration::from_secs_f64(seconds))
}

const REPLAY_HINTS: &str = "?:help space:play t/T:step ←→:10s {}:speed g:go to q:quit";

fn hints(screen: ScreenKind) -> &'static str {
    match screen {
        ScreenKind::Main => "?:help /:filter s:sort Enter:open r:requests space:pause q:quit",
        ScreenKind::Ring => "?:help Enter:requests r:all w:latency window Esc:back q:quit",
        ScreenKind::Requests => "?:help /:filter Enter:details Esc:back q:quit",
        ScreenKind::Violations => "?:help Enter:details space:pause Esc:back q:quit",
        ScreenKind::Detail => "Esc:back q:quit",
        ScreenKind::Process => "Esc:back k:signal q:quit",
        ScreenKind::Signal => "↑↓:choose Enter:send Esc:cancel",
        ScreenKind::Threads => "?:help Esc:back q:quit",
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
