//! State and keys of the request view: the live stream of one ring's requests, newest first.
//!
//! With the cursor on the newest request the view follows the stream (like `tail -f`); moved
//! down, it stops following and holds the list it showed (see [`crate::held`]) until the cursor
//! is back at the top.

use crate::cursor::{move_for, Cursor};
use crate::held::Held;
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
    /// Off the top: the list as shown when the cursor left it.
    pub held: Held,
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
            held: Held::default(),
        }
    }

    pub fn sync(&mut self, model: &Model, height: usize) {
        if !self.held.is_held() {
            requests::build(model, self.filter, &mut self.seqs);
        }
        self.cursor.clamp(self.seqs.len(), height);
        self.selected = self.seqs.get(self.cursor.index).copied();
    }

    /// The request `seq` as this view shows it (its held copy while the view holds still).
    pub fn request<'a>(&'a self, model: &'a Model, seq: u64) -> Option<&'a Request> {
        self.held.get(seq, |seq| requests::get(model, seq))
    }

    pub fn key(&mut self, model: &Model, key: KeyEvent, height: usize) -> RequestAction {
        let Some(m) = move_for(key.code) else {
            return match key.code {
                KeyCode::Esc | KeyCode::Backspace | KeyCode::Left | KeyCode::Char('h') => {
                    RequestAction::Back
                }
                KeyCode::Enter => {
                    let request = self.selected.and_then(|seq| self.request(model, seq));
                    request.map_or(RequestAction::None, |r| {
                        RequestAction::Open(Box::new(r.clone()))
                    })
                }
                _ => RequestAction::Unhandled,
            };
        };
        self.cursor.apply(m, self.seqs.len(), height);
        self.held.after_move(self.cursor.index, &self.seqs, |seq| {
            requests::get(model, seq)
        });
        self.selected = self.seqs.get(self.cursor.index).copied();
        RequestAction::None
    }
}
