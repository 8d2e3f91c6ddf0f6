//! State and keys of the request view: the live stream of one ring's requests, newest first.
//!
//! With the cursor on the newest request the view follows the stream (like `tail -f`); moved
//! down, it stops following and holds the list it showed (see [`crate::held`]) until the cursor
//! is back at the top.
//!
//! `/` filters the list (see [`RequestQuery`]): typed on the status line, applied on Enter,
//! cleared by Esc.

use crate::cursor::Cursor;
use crate::held::Held;
use crate::request_list::{ListAction, Listed, RequestList};
use crate::request_query::RequestQuery;
use crate::requests::{self, RequestFilter, Scan};
use crate::text_field;
use crossterm::event::{KeyCode, KeyEvent};
use uringtop_common::model::Model;

#[derive(Clone, Debug, PartialEq)]
pub struct RequestScreen {
    /// The process whose ring this is (for the title).
    pub pid: u32,
    pub filter: RequestFilter,
    /// The shown requests.
    pub list: RequestList,
    /// The user's filter (`/`).
    pub query: RequestQuery,
    /// `/` was pressed: the filter being typed, until Enter or Esc.
    pub editing: Option<String>,
    /// Why the filter typed last could not be applied (shown while editing).
    pub query_error: Option<String>,
    scan: Scan,
    scratch: String,
}

impl RequestScreen {
    pub fn new(pid: u32, filter: RequestFilter) -> Self {
        RequestScreen {
            pid,
            filter,
            list: RequestList::new(Listed::Requests),
            query: RequestQuery::default(),
            editing: None,
            query_error: None,
            scan: Scan::default(),
            scratch: String::new(),
        }
    }

    pub fn sync(&mut self, model: &Model, height: usize) {
        if !self.list.held.is_held() {
            requests::update(
                model,
                self.filter,
                &self.query,
                &mut self.scan,
                &mut self.list.seqs,
                &mut self.scratch,
            );
        }
        self.list.clamp(height);
    }

    pub fn key(&mut self, model: &Model, key: KeyEvent, height: usize) -> ListAction {
        if self.editing.is_some() {
            self.edit_query(model, key, height);
            return ListAction::None;
        }
        match key.code {
            KeyCode::Char('/') => {
                self.editing = Some(self.query.text().to_string());
                self.query_error = None;
                ListAction::None
            }
            KeyCode::Esc if !self.query.is_empty() => {
                self.apply_query(model, RequestQuery::default(), height);
                ListAction::None
            }
            code => self.list.key(model, code, height),
        }
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
            _ => text_field::edit(text, key, 128),
        }
    }

    /// A new filter: the list is rebuilt from every request held, from the top, following.
    fn apply_query(&mut self, model: &Model, query: RequestQuery, height: usize) {
        self.query = query;
        self.scan.reset();
        self.list.held = Held::default();
        self.list.cursor = Cursor::default();
        self.sync(model, height);
    }
}
