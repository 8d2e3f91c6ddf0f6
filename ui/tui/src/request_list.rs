//! The list the request view and the violations view both keep: streamed requests named by
//! sequence number, newest first, a cursor and the request under it, and the copies held while
//! the cursor is off the top (see [`crate::held`]). The two views differ in what they list and
//! in the keys of their own (the request view's filter); moving, going back and opening the
//! selected request are this one list's.

use crate::cursor::{move_for, Cursor};
use crate::held::Held;
use crossterm::event::KeyCode;
use uringtop_common::input::Request;
use uringtop_common::model::Model;

/// Which of the model's histories a list's sequence numbers name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listed {
    /// The streamed requests (the request view).
    Requests,
    /// The policy's violations (the violations view).
    Violations,
}

impl Listed {
    /// The entry `seq` of this history, if the model still holds it.
    pub fn get(self, model: &Model, seq: u64) -> Option<&Request> {
        match self {
            Listed::Requests => model.request_history().get(seq),
            Listed::Violations => model.violation_history().get(seq),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RequestList {
    listed: Listed,
    /// Sequence numbers of the shown entries, newest first.
    pub seqs: Vec<u64>,
    pub selected: Option<u64>,
    pub cursor: Cursor,
    /// Off the top: the list as shown when the cursor left it.
    pub held: Held,
}

/// What a key on a request list asks of the app.
#[derive(Clone, Debug, PartialEq)]
pub enum ListAction {
    None,
    Back,
    /// Enter: the selected request, in full (a copy: the model may drop it any moment).
    Open(Box<Request>),
    Unhandled,
}

impl RequestList {
    pub fn new(listed: Listed) -> Self {
        RequestList {
            listed,
            seqs: Vec::new(),
            selected: None,
            cursor: Cursor::default(),
            held: Held::default(),
        }
    }

    /// After `seqs` was rebuilt (or the view resized): the cursor kept within the list, and the
    /// selection on the entry under it.
    pub fn clamp(&mut self, height: usize) {
        self.cursor.clamp(self.seqs.len(), height);
        self.selected = self.seqs.get(self.cursor.index).copied();
    }

    /// The entry `seq` as this list shows it (its held copy while the list holds still).
    pub fn get<'a>(&'a self, model: &'a Model, seq: u64) -> Option<&'a Request> {
        self.held.get(seq, |seq| self.listed.get(model, seq))
    }

    /// What the list's title says of it: paused, following or not (see [`Held::title_text`]).
    pub fn title_text(&self, paused: bool) -> &'static str {
        self.held.title_text(paused, self.cursor.index)
    }

    /// The keys every request list shares: the cursor's moves (holding the list still off the
    /// top), back, and Enter to open the selected entry.
    pub fn key(&mut self, model: &Model, code: KeyCode, height: usize) -> ListAction {
        let Some(m) = move_for(code) else {
            return match code {
                KeyCode::Esc | KeyCode::Backspace | KeyCode::Left | KeyCode::Char('h') => {
                    ListAction::Back
                }
                KeyCode::Enter => self
                    .selected
                    .and_then(|seq| self.get(model, seq))
                    .map_or(ListAction::None, |r| ListAction::Open(Box::new(r.clone()))),
                _ => ListAction::Unhandled,
            };
        };
        self.cursor.apply(m, self.seqs.len(), height);
        let listed = self.listed;
        self.held
            .after_move(self.cursor.index, &self.seqs, |seq| listed.get(model, seq));
        self.selected = self.seqs.get(self.cursor.index).copied();
        ListAction::None
    }
}
