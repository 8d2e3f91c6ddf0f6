//! State and keys of the request view: the live stream of one ring's requests, newest first.
//!
//! With the cursor on the newest request the view follows the stream (like `tail -f`); moved
//! down, it stops following and holds the list it showed (see [`crate::held`]) until the cursor
//! is back at the top.
//!
//! `/` filters the list (see [`RequestQuery`]): typed on the status line, applied on Enter,
//! cleared by Esc.

use crate::cursor::{move_for, Cursor};
use crate::held::Held;
use crate::request_query::RequestQuery;
use crate::requests::{self, RequestFilter, Scan};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
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
    /// The user's filter (`/`).
    pub query: RequestQuery,
    /// `/` was pressed: the filter being typed, until Enter or Esc.
    pub editing: Option<String>,
    /// Why the filter typed last could not be applied (shown while editing).
    pub query_error: Option<String>,
    scan: Scan,
    scratch: String,
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
            query: RequestQuery::default(),
            editing: None,
            query_error: None,
            scan: Scan::default(),
            scratch: String::new(),
        }
    }

    pub fn sync(&mut self, model: &Model, height: usize) {
        if !self.held.is_held() {
            requests::update(
                model,
                self.filter,
                &self.query,
                &mut self.scan,
                &mut self.seqs,
                &mut self.scratch,
            );
        }
        self.cursor.clamp(self.seqs.len(), height);
        self.selected = self.seqs.get(self.cursor.index).copied();
    }

    /// The request `seq` as this view shows it (its held copy while the view holds still).
    pub fn request<'a>(&'a self, model: &'a Model, seq: u64) -> Option<&'a Request> {
        self.held.get(seq, |seq| requests::get(model, seq))
    }

    pub fn key(&mut self, model: &Model, key: KeyEvent, height: usize) -> RequestAction {
        if self.editing.is_some() {
            self.edit_query(model, key, height);
            return RequestAction::None;
        }
        let Some(m) = move_for(key.code) else {
            return match key.code {
                KeyCode::Char('/') => {
                    self.editing = Some(self.query.text().to_string());
                    self.query_error = None;
                    RequestAction::None
                }
                KeyCode::Esc if !self.query.is_empty() => {
                    self.apply_query(model, RequestQuery::default(), height);
                    RequestAction::None
                }
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

    /// A key while the filter is typed: Enter applies it (or says what is wrong and goes on
    /// editing), Esc leaves it as it was.
    fn edit_query(&mut self, model: &Model, key: KeyEvent, height: usize) {
        let Some(text) = &mut self.editing else {
            return;
        };
        self.query_error = None;
        match key.code {
            KeyCode::Enter => match RequestQuery::parse(text) {
                Ok(query) => {
                    self.editing = None;
                    self.apply_query(model, query, height);
                }
                Err(e) => self.query_error = Some(e),
            },
            KeyCode::Esc => self.editing = None,
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => text.clear(),
            KeyCode::Char(c)
                if !key.modifiers.contains(KeyModifiers::CONTROL) && text.len() < 128 =>
            {
                text.push(c);
            }
            _ => {}
        }
    }

    /// A new filter: the list is rebuilt from every request held, from the top, following.
    fn apply_query(&mut self, model: &Model, query: RequestQuery, height: usize) {
        self.query = query;
        self.scan.reset();
        self.held = Held::default();
        self.cursor = Cursor::default();
        self.sync(model, height);
    }
}
