//! State and keys of the main view: the process/ring table, its sort, filter, folds and
//! selection. The selection is an item (a process or a ring), not a row number, so it stays on
//! the same process or ring when the table is re-sorted or refreshed.

use crate::column_choice::Choice;
use crate::columns::{Column, ColumnLayout, Needs};
use crate::cursor::{move_for, Cursor, Move};
use crate::rows::{self, Folds, Row, RowId, RowSpec};
use crate::settings::Settings;
use crate::text_field;
use crossterm::event::{KeyCode, KeyEvent};
use uringtop_common::model::Model;

#[derive(Clone, Debug, PartialEq)]
pub struct MainScreen {
    pub spec: RowSpec,
    pub folds: Folds,
    pub rows: Vec<Row>,
    pub selected: Option<RowId>,
    pub cursor: Cursor,
    /// `/` was pressed: keys edit the filter until Enter or Esc.
    pub editing_filter: bool,
    /// A policy is loaded: VERDICT is a column, and `v` has violations to show.
    pub policy: bool,
    /// The followed process exited and left the model: the app says so once.
    pub follow_ended: Option<u32>,
}

/// What a key on the main view asks of the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MainAction {
    None,
    OpenRing {
        pid: u32,
        ring: u32,
    },
    OpenRequests {
        pid: u32,
        ring: u32,
    },
    Hint(&'static str),
    /// `v`: the policy's recent violations.
    OpenViolations,
    /// Enter on a process: its detail popup.
    OpenProcess(u32),
    /// `k` or F9: the signal chooser for this process.
    Signal(u32),
    /// `t` or `H`: the process's threads.
    OpenThreads(u32),
    /// Not a main-view key: the app may handle it.
    Unhandled,
}

impl MainScreen {
    pub fn new(only_pid: Option<u32>, policy: bool) -> Self {
        MainScreen {
            spec: RowSpec {
                sort: Column::ReqRate,
                descending: true,
                filter: String::new(),
                only_pid,
                show_idle: false,
                idle_after: crate::rows::IDLE_INTERVALS,
                follow: None,
                group: false,
            },
            folds: Folds::default(),
            rows: Vec::new(),
            selected: None,
            cursor: Cursor::default(),
            editing_filter: false,
            policy,
            follow_ended: None,
        }
    }

    /// Where the table's columns go at `width`: as wide as the rows' RING cells and the sorted
    /// header need. The view draws with it and a click on the header is mapped with it.
    pub fn columns(&self, width: u16, choice: &Choice) -> ColumnLayout {
        let needs = Needs {
            ring: ring_cells_width(&self.rows),
            sorted: Some(self.spec.sort),
        };
        ColumnLayout::fit_for(width, self.policy, needs, choice)
    }

    /// A click on the header: sorts by that column, or reverses it when it is already the one.
    pub fn sort_by_click(&mut self, column: Column) {
        if column == self.spec.sort {
            self.spec.descending = !self.spec.descending;
        } else {
            self.sort_by(column);
        }
    }

    /// The config file's sort and idle-ring rule. A sort by VERDICT without a policy falls back
    /// to REQ/s (there are no verdicts to sort by).
    pub fn apply_settings(&mut self, settings: &Settings) {
        if let Some(column) = settings.sort {
            if column != Column::Verdict || self.policy {
                self.sort_by(column);
            }
        }
        if let Some(descending) = settings.descending {
            self.spec.descending = descending;
        }
        if let Some(show) = settings.show_idle {
            self.spec.show_idle = show;
        }
        if let Some(after) = settings.idle_after {
            self.spec.idle_after = after;
        }
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.rows.get(self.cursor.index)
    }

    /// Rebuilds the rows and puts the cursor back on the selected item: on the same process or
    /// ring wherever it moved; on its process if the ring was folded away; else on the same row
    /// number. A followed process keeps the selection even while it has no row (filtered out),
    /// until it exits.
    pub fn sync(&mut self, model: &Model, height: usize) {
        // Folds of processes gone for good go with them (a reused pid starts unfolded).
        self.folds
            .toggled
            .retain(|&pid| model.process(pid).is_some());
        if let Some(pid) = self.spec.follow {
            if model.process(pid).is_none() {
                self.spec.follow = None;
                self.follow_ended = Some(pid);
            } else if self.selected.is_none_or(|id| id.pid() != pid) {
                self.selected = Some(RowId::Process(pid));
            }
        }
        rows::build(model, &self.spec, &self.folds, &mut self.rows);
        if let Some(id) = self.selected {
            let position = |id: RowId| self.rows.iter().position(|r| r.id == id);
            let found = position(id).or_else(|| position(RowId::Process(id.process()?)));
            if let Some(i) = found {
                self.cursor.index = i;
            }
        }
        self.cursor.clamp(self.rows.len(), height);
        let on_row = self.selected_row().map(|r| r.id);
        if self.spec.follow.is_none() || on_row.is_some_and(|id| Some(id.pid()) == self.spec.follow)
        {
            self.selected = on_row;
        }
    }

    pub fn key(&mut self, model: &Model, key: KeyEvent, height: usize) -> MainAction {
        if self.editing_filter {
            self.edit_filter(key);
            self.sync(model, height);
            return MainAction::None;
        }
        let action = self.navigate(key, height);
        self.sync(model, height);
        action
    }

    fn navigate(&mut self, key: KeyEvent, height: usize) -> MainAction {
        let selected = self.selected_row().map(|r| (r.id, r.rings));
        // htop's kill keys; here k is not "up" (the arrows are).
        if matches!(key.code, KeyCode::Char('k') | KeyCode::F(9)) {
            return match selected.map(|(id, _)| id.process()) {
                Some(Some(pid)) => MainAction::Signal(pid),
                Some(None) => MainAction::Hint("select one of the group's processes to signal it"),
                None => MainAction::None,
            };
        }
        if matches!(key.code, KeyCode::Char('t') | KeyCode::Char('H')) {
            return match selected.map(|(id, _)| id.process()) {
                Some(Some(pid)) => MainAction::OpenThreads(pid),
                Some(None) => {
                    MainAction::Hint("select one of the group's processes for its threads")
                }
                None => MainAction::None,
            };
        }
        if let Some(m) = move_for(key.code) {
            self.move_cursor(m, height);
            return MainAction::None;
        }
        match key.code {
            KeyCode::Enter => match selected {
                Some((RowId::Process(pid), _)) => return MainAction::OpenProcess(pid),
                Some((RowId::Ring { pid, ring }, _)) => return MainAction::OpenRing { pid, ring },
                Some((RowId::Group(id), _)) => self.folds.toggle_group(id),
                None => {}
            },
            KeyCode::Char('f') => match selected {
                Some((RowId::Group(id), _)) => self.folds.toggle_group(id),
                Some((id, _)) => {
                    self.folds.toggle(id.pid());
                    self.selected = Some(RowId::Process(id.pid()));
                }
                None => {}
            },
            KeyCode::Char('c') => self.spec.group = !self.spec.group,
            KeyCode::Char('*') => self.folds.toggle_all(),
            KeyCode::Char('F') => match (self.spec.follow, selected.map(|(id, _)| id.process())) {
                (Some(_), _) => self.spec.follow = None,
                (None, Some(Some(pid))) => self.spec.follow = Some(pid),
                (None, Some(None)) => return MainAction::Hint("select a process to follow it"),
                (None, None) => {}
            },
            KeyCode::Char('i') => self.spec.show_idle = !self.spec.show_idle,
            KeyCode::Left | KeyCode::Char('h') => match selected {
                // A folded process under a group: to its group, as a ring goes to its process.
                Some((RowId::Process(pid), _)) if self.folds.is_folded(pid) && self.spec.group => {
                    self.selected = self.rows[..self.cursor.index]
                        .iter()
                        .rev()
                        .find(|r| matches!(r.id, RowId::Group(_)))
                        .map(|r| r.id);
                }
                Some((RowId::Process(pid), _)) => self.folds.set(pid, true),
                Some((RowId::Ring { pid, .. }, _)) => self.selected = Some(RowId::Process(pid)),
                Some((RowId::Group(id), _)) => {
                    self.folds.groups.insert(id);
                }
                None => {}
            },
            KeyCode::Right | KeyCode::Char('l') => match selected {
                Some((RowId::Process(pid), _)) => self.folds.set(pid, false),
                Some((RowId::Group(id), _)) => {
                    self.folds.groups.remove(&id);
                }
                _ => {}
            },
            KeyCode::Char('r') => return requests_of(selected, &self.rows),
            KeyCode::Char('/') => self.editing_filter = true,
            KeyCode::Esc if !self.spec.filter.is_empty() => self.spec.filter.clear(),
            KeyCode::Char('s') | KeyCode::F(6) | KeyCode::Char('>') => {
                self.sort_by(self.spec.sort.next(self.policy))
            }
            KeyCode::Char('<') => self.sort_by(self.spec.sort.prev(self.policy)),
            KeyCode::Char('v') => return violations(self.policy),
            KeyCode::Char('V') if !self.policy => return violations(false),
            KeyCode::Char('I') => self.spec.descending = !self.spec.descending,
            KeyCode::Char(c) => match Column::by_hotkey(c) {
                Some(column) if column == self.spec.sort => {
                    self.spec.descending = !self.spec.descending
                }
                Some(column) => self.sort_by(column),
                None => return MainAction::Unhandled,
            },
            _ => return MainAction::Unhandled,
        }
        MainAction::None
    }

    /// Moving the cursor ends a follow (as in htop).
    fn move_cursor(&mut self, m: Move, height: usize) {
        self.spec.follow = None;
        self.cursor.apply(m, self.rows.len(), height);
        self.selected = self.selected_row().map(|r| r.id);
    }

    fn sort_by(&mut self, column: Column) {
        self.spec.sort = column;
        self.spec.descending = column.descending_by_default();
    }

    fn edit_filter(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Enter => self.editing_filter = false,
            KeyCode::Esc => {
                self.spec.filter.clear();
                self.editing_filter = false;
            }
            _ => text_field::edit(&mut self.spec.filter, key, 64),
        }
    }
}

/// The widest RING cell of `rows`: a ring id, or a process's ring count in parentheses.
fn ring_cells_width(rows: &[Row]) -> u16 {
    let digits = |n: u64| n.checked_ilog10().map_or(1, |d| d + 1) as u16;
    rows.iter()
        .map(|row| match row.id {
            RowId::Ring { ring, .. } => digits(u64::from(ring)),
            RowId::Process(_) | RowId::Group(_) => digits(row.rings as u64) + 2,
        })
        .max()
        .unwrap_or(0)
}

/// `v` (and `V`, VERDICT's sort key): only a policy gives verdicts to show or sort by.
pub fn violations(policy: bool) -> MainAction {
    if policy {
        MainAction::OpenViolations
    } else {
        MainAction::Hint("no policy loaded: there are no verdicts")
    }
}

/// `r`: the selected ring's requests; on a process, its only ring's.
fn requests_of(selected: Option<(RowId, usize)>, rows: &[Row]) -> MainAction {
    match selected {
        Some((RowId::Ring { pid, ring }, _)) => MainAction::OpenRequests { pid, ring },
        Some((RowId::Process(pid), 1)) => {
            // Its ring may be folded away: look it up among the rows, else ask to unfold.
            let ring = rows.iter().find_map(|r| match r.id {
                RowId::Ring { pid: p, ring } if p == pid => Some(ring),
                _ => None,
            });
            match ring {
                Some(ring) => MainAction::OpenRequests { pid, ring },
                None => MainAction::Hint(
                    "unfold the process (l or →) and select a ring for its requests",
                ),
            }
        }
        Some((RowId::Process(_), _)) => {
            MainAction::Hint("select one of the process's rings to see its requests")
        }
        Some((RowId::Group(_), _)) => {
            MainAction::Hint("select a ring of one of the group's processes for its requests")
        }
        None => MainAction::None,
    }
}
