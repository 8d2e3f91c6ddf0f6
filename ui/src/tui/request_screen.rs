//! State and keys of the request view: the live stream of one ring's requests, newest first.
//!
//! With the cursor on the newest request the view follows the stream (like `tail -f`); moved
//! down, it stays on the request it is on while newer ones push in above.

use crate::cursor::{move_for, Cursor};
use crate::requests::{self, RequestFilter};
use crossterm::event::{KeyCode, KeyEvent};
use uringtop_common::input::Request;
use uringtop_common::model::Model;

#[derive(Clone, Debug, PartialEq)]
pub struct RequestScreen {
    /// The process whose ring this is (for the title).
    pub pid: u32,
    pub filter: RequestFilter,
    /// Sequence numbers of the shown requests, newest first.
    pub seqs: Vec<u64>,
    pub selected: Option<u64>,
    pub cursor: Cursor,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RequestAction {
    None,
    Back,
    Open(Box<Request>),
    Unhandled,
}

impl RequestScreen {
    pub fn new(pid: u32, filter: RequestFilter) -> Self {
        RequestScreen {
            pid,
            filter,
            seqs: Vec::new(),
            selected: None,
            cursor: Cursor::default(),
        }
    }

    pub fn sync(&mut self, model: &Model, height: usize) {
        requests::build(model, self.filter, &mut self.seqs);
        let following = self.cursor.index == 0;
        if !following {
            if let Some(i) = self
                .selected
                .and_then(|s| self.seqs.iter().position(|&q| q == s))
            {
                // Keep the request where it is on screen: scroll with it.
                let moved_by = i.saturating_sub(self.cursor.index);
                self.cursor.offset += moved_by;
                self.cursor.index = i;
            }
        }
        self.cursor.clamp(self.seqs.len(), height);
        self.selected = self.seqs.get(self.cursor.index).copied();
    }

    pub fn key(&mut self, model: &Model, key: KeyEvent, height: usize) -> RequestAction {
        let Some(m) = move_for(key.code) else {
            return match key.code {
                KeyCode::Esc | KeyCode::Backspace | KeyCode::Left | KeyCode::Char('h') => {
                    RequestAction::Back
                }
                KeyCode::Enter => {
                    let request = self.selected.and_then(|seq| requests::get(model, seq));
                    request.map_or(RequestAction::None, |r| {
                        RequestAction::Open(Box::new(r.clone()))
                    })
                }
                _ => RequestAction::Unhandled,
            };
        };
        self.cursor.apply(m, self.seqs.len(), height);
        self.selected = self.seqs.get(self.cursor.index).copied();
        RequestAction::None
    }
}
