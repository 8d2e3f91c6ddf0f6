//! The signal chooser (`k`), over the screen it was opened from: which process, the signals with
//! what each does, then the question before sending.

use super::popup_block;
use super::text::{cell, fill};
use super::Canvas;
use crate::layout;
use crate::signals::{SignalScreen, SIGNALS};
use ratatui::layout::Rect;
use ratatui::widgets::{Clear, Widget};
use std::fmt::Write;

pub fn draw(c: Canvas, area: Rect, screen: &SignalScreen) {
    let (buf, model, _, theme, s) = c.parts();
    // Target, blank, the signals, blank, the question or the keys.
    let height = SIGNALS.len() as u16 + 6;
    let popup = layout::popup(area, 64, height);
    Clear.render(popup, buf);
    let block = popup_block(" send a signal · Esc cancels ", theme);
    let inner = block.inner(popup);
    block.render(popup, buf);
    fill(buf, inner, theme.popup);
    let (x, w) = (inner.x + 1, inner.width.saturating_sub(2));
    let process = model.process(screen.pid);
    s.clear();
    let _ = write!(
        s,
        "to {}[{}]",
        process.map_or("?", |p| p.comm.as_str()),
        screen.pid
    );
    if let Some(user) = process
        .map(|p| p.context.user.as_str())
        .filter(|u| !u.is_empty())
    {
        let _ = write!(s, " (user {user})");
    }
    cell(buf, x, inner.y, w, s, theme.title, false);
    for (i, signal) in SIGNALS.iter().enumerate() {
        let y = inner.y + 2 + i as u16;
        if y >= inner.bottom() {
            break;
        }
        let selected = i == screen.index;
        let style = if selected {
            theme.selected
        } else {
            theme.popup
        };
        if selected {
            fill(buf, Rect::new(inner.x, y, inner.width, 1), style);
        }
        s.clear();
        let _ = write!(s, "{} SIG{:<5} {}", i + 1, signal.name, signal.meaning);
        cell(buf, x, y, w, s, style, false);
    }
    let y = inner.bottom().saturating_sub(1);
    s.clear();
    if screen.confirming {
        let _ = write!(
            s,
            "send SIG{} to pid {}? y or Enter sends · n goes back",
            screen.signal().name,
            screen.pid
        );
        cell(buf, x, y, w, s, theme.key, false);
    } else {
        s.push_str("↑↓ or 1-8 choose · Enter · Esc cancels");
        cell(buf, x, y, w, s, theme.dim, false);
    }
}
