//! State and keys of the violations view: the policy's recent violations, newest first. Like
//! the request view, it follows new ones while the cursor is on the newest, and otherwise holds
//! still (see [`crate::held`]).

use crate::cursor::{move_for, Cursor};
use crate::held::Held;
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
    /// Off the top: the list as shown when the cursor left it.
    pub held: Held,
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
            held: Held::default(),
        }
    }

    pub fn sync(&mut self, model: &Model, height: usize) {
        if !self.held.is_held() {
            violations::build(model, self.filter, &mut self.seqs);
        }
        self.cursor.clamp(self.seqs.len(), height);
        self.selected = self.seqs.get(self.cursor.index).copied();
    }

    /// The violation `seq` as this view shows it (its held copy while the view holds still).
    pub fn violation<'a>(&'a self, model: &'a Model, seq: u64) -> Option<&'a Request> {
        self.held.get(seq, |seq| violations::get(model, seq))
    }

    pub fn key(&mut self, model: &Model, key: KeyEvent, height: usize) -> ViolationAction {
        let Some(m) = move_for(key.code) else {
            return match key.code {
                KeyCode::Esc | KeyCode::Backspace | KeyCode::Left | KeyCode::Char('h') => {
                    ViolationAction::Back
                }
                KeyCode::Enter => self
                    .selected
                    .and_then(|seq| self.violation(model, seq))
                    .map_or(ViolationAction::None, |r| {
                        ViolationAction::Open(Box::new(r.clone()))
                    }),
                _ => ViolationAction::Unhandled,
            };
        };
        self.cursor.apply(m, self.seqs.len(), height);
        self.held.after_move(self.cursor.index, &self.seqs, |seq| {
            violations::get(model, seq)
        });
        self.selected = self.seqs.get(self.cursor.index).copied();
        ViolationAction::None
    }
}
