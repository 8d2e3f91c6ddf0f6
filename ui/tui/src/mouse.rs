//! The mouse, as htop and btop users expect it: a click selects a row, a double click opens it
//! (as Enter), the wheel scrolls, a click on the main table's header sorts by that column (again:
//! reverses). Pure like the keys: a click becomes the moves and keys the screens already know,
//! so holding, following and folding behave the same whichever way the user moved.

use crate::app::{App, Screen};
use crate::cursor::Cursor;
use crate::layout;
use crate::request_list::RequestList;
use crossterm::event::{KeyCode, KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use std::time::{Duration, Instant};
use uringtop_common::model::Model;

/// Two clicks on the same row within this are a double click (the usual desktop default).
pub const DOUBLE_CLICK: Duration = Duration::from_millis(400);

/// Rows the wheel moves per notch, as most terminals' programs do.
const WHEEL_ROWS: usize = 3;

/// Where the last left click landed, for double clicks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Click {
    at: Instant,
    column: u16,
    row: u16,
}

impl App {
    /// A mouse event at time `at` (the loop's clock; tests pass their own).
    pub fn mouse(&mut self, model: &Model, event: MouseEvent, at: Instant) {
        if self.help {
            if matches!(event.kind, MouseEventKind::Down(_)) {
                self.help = false;
            }
            return;
        }
        if !matches!(
            event.kind,
            MouseEventKind::Down(_) | MouseEventKind::ScrollDown | MouseEventKind::ScrollUp
        ) {
            // Motion, drags and releases: nothing to do (and the status message stays).
            return;
        }
        self.message = None;
        match event.kind {
            MouseEventKind::ScrollDown => self.press_n(model, KeyCode::Down, WHEEL_ROWS),
            MouseEventKind::ScrollUp => self.press_n(model, KeyCode::Up, WHEEL_ROWS),
            MouseEventKind::Down(MouseButton::Left) => {
                let double = self.last_click.is_some_and(|c| {
                    c.row == event.row
                        && c.column.abs_diff(event.column) <= 1
                        && at.saturating_duration_since(c.at) <= DOUBLE_CLICK
                });
                // A third click starts over rather than opening twice.
                self.last_click = (!double).then_some(Click {
                    at,
                    column: event.column,
                    row: event.row,
                });
                self.click(model, event.column, event.row, double);
            }
            _ => {}
        }
    }

    fn click(&mut self, model: &Model, x: u16, y: u16, double: bool) {
        // What the views draw in: the screen less its status line.
        let content = Rect::new(0, 0, self.area.width, self.area.height.saturating_sub(1));
        let target = match self.stack.last() {
            None => {
                let table = layout::table(content);
                if y == table.header.y {
                    let columns = self.main.columns(content.width, &self.columns.main);
                    let hit = columns.iter().find(|&(_, cx, w)| x >= cx && x < cx + w);
                    if let Some((column, _, _)) = hit {
                        self.main.sort_by_click(column);
                        self.sync(model);
                    }
                    return;
                }
                List::new(table.body, self.main.cursor, self.main.rows.len())
            }
            Some(Screen::Ring(s)) => List::new(
                layout::ring(content, s.ops.len(), s.register_line, s.registered_line).ops_body,
                s.cursor,
                s.ops.len(),
            ),
            Some(Screen::Requests(s)) => List::of(layout::table(content).body, &s.list),
            Some(Screen::Violations(s)) => List::of(layout::violations(content).body, &s.list),
            Some(Screen::Threads(s)) => {
                List::new(layout::threads(content).body, s.cursor, s.rows.len())
            }
            // Popups take keys, not clicks.
            Some(_) => return,
        };
        let Some(index) = target.row_at(y) else {
            return;
        };
        let from = target.cursor.index;
        if index > from {
            self.press_n(model, KeyCode::Down, index - from);
        } else {
            self.press_n(model, KeyCode::Up, from - index);
        }
        if double {
            self.key_screens(model, KeyEvent::from(KeyCode::Enter));
        }
    }

    fn press_n(&mut self, model: &Model, code: KeyCode, n: usize) {
        for _ in 0..n {
            self.key_screens(model, KeyEvent::from(code));
        }
    }
}

/// A scrolled list on screen: where its rows are, and its cursor.
struct List {
    body: Rect,
    cursor: Cursor,
    len: usize,
}

impl List {
    fn new(body: Rect, cursor: Cursor, len: usize) -> Self {
        List { body, cursor, len }
    }

    fn of(body: Rect, list: &RequestList) -> Self {
        List::new(body, list.cursor, list.seqs.len())
    }

    /// The index of the item drawn on screen row `y`, if one is.
    fn row_at(&self, y: u16) -> Option<usize> {
        if y < self.body.y || y >= self.body.bottom() {
            return None;
        }
        let index = self.cursor.offset + usize::from(y - self.body.y);
        (index < self.len).then_some(index)
    }
}
