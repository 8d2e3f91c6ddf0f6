//! State and keys of the violations view: the policy's recent violations, newest first. Like
//! the request view, it follows new ones while the cursor is on the newest, and otherwise holds
//! still (see [`crate::held`]).

use crate::request_list::{ListAction, Listed, RequestList};
use crate::violations::{self, ViolationFilter};
use crossterm::event::KeyEvent;
use uringtop_common::model::Model;

#[derive(Clone, Debug, PartialEq)]
pub struct ViolationScreen {
    pub filter: ViolationFilter,
    /// The shown violations.
    pub list: RequestList,
}

impl ViolationScreen {
    pub fn new(filter: ViolationFilter) -> Self {
        ViolationScreen {
            filter,
            list: RequestList::new(Listed::Violations),
        }
    }

    pub fn sync(&mut self, model: &Model, height: usize) {
        if !self.list.held.is_held() {
            violations::build(model, self.filter, &mut self.list.seqs);
        }
        self.list.clamp(height);
    }

    pub fn key(&mut self, model: &Model, key: KeyEvent, height: usize) -> ListAction {
        self.list.key(model, key.code, height)
    }
}
