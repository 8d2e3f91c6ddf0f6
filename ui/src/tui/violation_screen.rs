//! State and keys of the violations view: the policy's recent violations, newest first. Like
//! the request view, it follows new ones while the cursor is on the newest, and otherwise holds
//! the one selected.

use crate::cursor::{move_for, Cursor};
use crate::violations::{self, ViolationFilter};
use crossterm::event::{KeyCode, KeyEvent};
use uringtop_common::input::Request;
use uringtop_common::model::Model;

#[derive(Clone, Debug, PartialEq)]
pub struct ViolationScreen {
    pub filter: ViolationFilter,
    /// Sequence numbers of the shown violations, newest first.
    pub seqs: Vec<u64>,
    pub selected: Option<u64>,
    pub cursor: Cursor,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ViolationAction {
    None,
    Back,
    Open(Box<Request>),
    Unhandled,
}

impl ViolationScreen {
    pub fn new(filter: ViolationFilter) -> Self {
        ViolationScreen {
            filter,
            seqs: Vec::new(),
            selected: None,
            cursor: Cursor::default(),
        }
    }

    pub fn sync(&mut self, model: &Model, height: usize) {
        violations::build(model, self.filter, &mut self.seqs);
        if self.cursor.index != 0 {
            if let Some(i) = self
                .selected
                .and_then(|s| self.seqs.iter().position(|&q| q == s))
            {
                // Keep the violation where it is on screen while newer ones arrive above it.
                self.cursor.offset += i.saturating_sub(self.cursor.index);
                self.cursor.index = i;
            }
        }
        self.cursor.clamp(self.seqs.len(), height);
        self.selected = self.seqs.get(self.cursor.index).copied();
    }

    pub fn key(&mut self, model: &Model, key: KeyEvent, height: usize) -> ViolationAction {
        let Some(m) = move_for(key.code) else {
            return match key.code {
                KeyCode::Esc | KeyCode::Backspace | KeyCode::Left | KeyCode::Char('h') => {
                    ViolationAction::Back
                }
                KeyCode::Enter => self
                    .selected
                    .and_then(|seq| violations::get(model, seq))
                    .map_or(ViolationAction::None, |r| {
                        ViolationAction::Open(Box::new(r.clone()))
                    }),
                _ => ViolationAction::Unhandled,
            };
        };
        self.cursor.apply(m, self.seqs.len(), height);
        self.selected = self.seqs.get(self.cursor.index).copied();
        ViolationAction::None
    }
}
