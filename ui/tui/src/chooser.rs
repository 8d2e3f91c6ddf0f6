//! The column chooser (`C`): the columns of the table on screen, in order, each shown or hidden.
//! Changes apply at once (the table behind it redraws with them); `s` saves them to the config
//! file. Pure, like the rest of the app: saving is asked of the event loop.

use crate::column_choice::{Choice, TableView};
use crate::cursor::{move_for, Move};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chooser {
    pub view: TableView,
    /// The position (left to right) the cursor is on.
    pub cursor: usize,
}

/// What a key in the chooser asks of the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChooserAction {
    None,
    Close,
    Save,
    Hint(&'static str),
}

impl Chooser {
    pub fn new(view: TableView) -> Self {
        Chooser { view, cursor: 0 }
    }

    pub fn key(&mut self, choice: &mut Choice, key: KeyEvent) -> ChooserAction {
        let n = choice.order().len();
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        match key.code {
            KeyCode::Esc | KeyCode::Char('C') | KeyCode::Char('q') => return ChooserAction::Close,
            KeyCode::Char(' ') | KeyCode::Enter => {
                if !choice.toggle(self.view, self.cursor) {
                    return ChooserAction::Hint(self.view.required().1);
                }
            }
            // Moving a column: Shift with an arrow, or K / J (the vi keys, shifted).
            KeyCode::Up if shift => self.cursor = choice.shift(self.cursor, -1),
            KeyCode::Down if shift => self.cursor = choice.shift(self.cursor, 1),
            KeyCode::Char('K') => self.cursor = choice.shift(self.cursor, -1),
            KeyCode::Char('J') => self.cursor = choice.shift(self.cursor, 1),
            KeyCode::Char('d') => *choice = Choice::all(self.view),
            KeyCode::Char('s') => return ChooserAction::Save,
            code => {
                let last = n.saturating_sub(1);
                self.cursor = match move_for(code) {
                    Some(Move::Up) => self.cursor.saturating_sub(1),
                    Some(Move::Down) => (self.cursor + 1).min(last),
                    Some(Move::PageUp | Move::Home) => 0,
                    Some(Move::PageDown | Move::End) => last,
                    None => self.cursor,
                };
            }
        }
        ChooserAction::None
    }
}
