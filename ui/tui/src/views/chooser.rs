//! The column chooser's popup: the table's columns in order, each marked shown or hidden, the
//! cursor on one, and the keys. Drawn into the buffer cell by cell with the frame's scratch
//! string, like the tables.

use super::popup_block;
use super::text::{cell, fill};
use crate::app::App;
use crate::chooser::Chooser;
use crate::column_choice::TableView;
use crate::layout;
use crate::settings::ConfigStore;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Clear, Widget};
use std::fmt::Write;

/// Lines under the list: the keys, and where `s` saves.
const FOOTER: u16 = 3;

pub fn draw(buf: &mut Buffer, area: Rect, app: &App, chooser: &Chooser, s: &mut String) {
    let theme = &app.config.theme;
    let view = chooser.view;
    let choice = app.columns.get(view);
    let names = view.names();
    let height = u16::try_from(names.len()).unwrap_or(u16::MAX) + FOOTER + 3;
    let popup = layout::popup(area, 64, height);
    Clear.render(popup, buf);
    s.clear();
    let _ = write!(s, " columns of the {} · C or Esc closes ", view.title());
    popup_block(s.as_str(), theme).render(popup, buf);
    let inner = Rect::new(
        popup.x + 1,
        popup.y + 1,
        popup.width.saturating_sub(2),
        popup.height.saturating_sub(2),
    );
    let list_height = usize::from(inner.height.saturating_sub(FOOTER + 1));
    // Keep the cursor in view when the popup is shorter than the list.
    let offset = chooser.cursor.saturating_sub(list_height.saturating_sub(1));
    let policy = app.config.policy.is_some();
    let (required, _) = view.required();
    for (row, (position, &index)) in choice
        .order()
        .iter()
        .enumerate()
        .skip(offset)
        .take(list_height)
        .enumerate()
    {
        let index = usize::from(index);
        let y = inner.y + row as u16;
        let selected = position == chooser.cursor;
        let style = if selected {
            fill(buf, Rect::new(inner.x, y, inner.width, 1), theme.selected);
            theme.selected
        } else if choice.is_shown(index) {
            theme.popup
        } else {
            theme.popup.patch(theme.dim)
        };
        s.clear();
        let mark = if choice.is_shown(index) { "[x]" } else { "[ ]" };
        let _ = write!(
            s,
            " {mark} {:<10} {:<11}",
            names[index].header, names[index].key
        );
        if index == required {
            s.push_str(" always shown");
        } else if !policy && needs_policy(view, index) {
            s.push_str(" with a policy");
        }
        cell(buf, inner.x, y, inner.width, s, style, false);
    }
    let footer_y = inner.bottom().saturating_sub(FOOTER);
    let lines: [&str; 2] = [
        " space: show/hide · J K or Shift ↑↓: move · d: defaults",
        " s: save (with the sort, on the process list) to",
    ];
    for (dy, line) in lines.iter().enumerate() {
        cell(
            buf,
            inner.x,
            footer_y + dy as u16,
            inner.width,
            line,
            theme.key,
            false,
        );
    }
    s.clear();
    s.push_str("   ");
    match &app.config.store {
        ConfigStore::File(path) => {
            let _ = write!(s, "{}", path.display());
        }
        ConfigStore::Disabled => s.push_str("nowhere: --no-config was given"),
        ConfigStore::Nowhere => s.push_str("nowhere: no HOME or XDG_CONFIG_HOME"),
    }
    cell(
        buf,
        inner.x,
        footer_y + 2,
        inner.width,
        s,
        theme.popup,
        false,
    );
}

/// Columns that exist only with a policy loaded (verdicts).
fn needs_policy(view: TableView, index: usize) -> bool {
    match view {
        TableView::Main => view.names()[index].key == "verdict",
        TableView::Ring => matches!(view.names()[index].key, "log" | "deny" | "kill"),
        TableView::Requests | TableView::Violations => false,
    }
}
