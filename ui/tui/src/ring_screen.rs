//! State and keys of the ring view: one ring's opcodes, the selected one's latency histogram.

use crate::cursor::{move_for, Cursor};
use crossterm::event::{KeyCode, KeyEvent};
use uringtop_common::model::{Model, RingState};

#[derive(Clone, Debug, PartialEq)]
pub struct RingScreen {
    pub pid: u32,
    pub ring: u32,
    /// Opcodes of the ring, most requests first.
    pub ops: Vec<u8>,
    pub selected: Option<u8>,
    pub cursor: Cursor,
    /// The histogram shows everything since the probe attached (true) or the latest interval.
    pub since_start: bool,
    /// The ring has io_uring_register calls to list (a line above the opcode table).
    pub register_line: bool,
    /// The ring has registered files or buffers (a line above the opcode table).
    pub registered_line: bool,
    /// `R`: the lower half lists the registered files and buffers instead of the graphs.
    pub show_registered: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RingAction {
    None,
    Back,
    OpenRequests(Option<u8>),
    /// `v`: this ring's policy violations.
    OpenViolations,
    Unhandled,
}

impl RingScreen {
    pub fn new(pid: u32, ring: u32) -> Self {
        RingScreen {
            pid,
            ring,
            ops: Vec::new(),
            selected: None,
            cursor: Cursor::default(),
            since_start: false,
            register_line: false,
            registered_line: false,
            show_registered: false,
        }
    }

    /// The ring as this process sees it.
    pub fn state<'m>(&self, model: &'m Model) -> Option<&'m RingState> {
        model.process(self.pid)?.rings.get(&self.ring)
    }

    /// Orders the opcodes by total requests (a slowly changing order, so rows do not jump
    /// around every refresh) and keeps the cursor on the selected opcode.
    pub fn sync(&mut self, model: &Model, height: usize) {
        self.ops.clear();
        self.register_line = self
            .state(model)
            .is_some_and(|r| !r.info.register_ops.is_empty());
        self.registered_line = self
            .state(model)
            .and_then(|r| r.info.registered.as_ref())
            .is_some_and(|g| !g.is_empty());
        if let Some(ring) = self.state(model) {
            let mut ops: Vec<(u64, u8)> = ring
                .ops
                .values()
                .map(|op| {
                    (
                        op.total.submitted.saturating_add(op.total.rejected),
                        op.opcode,
                    )
                })
                .collect();
            ops.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            self.ops.extend(ops.into_iter().map(|(_, op)| op));
        }
        if let Some(i) = self
            .selected
            .and_then(|s| self.ops.iter().position(|&op| op == s))
        {
            self.cursor.index = i;
        }
        self.cursor.clamp(self.ops.len(), height);
        self.selected = self.ops.get(self.cursor.index).copied();
    }

    pub fn key(&mut self, model: &Model, key: KeyEvent, height: usize) -> RingAction {
        let Some(m) = move_for(key.code) else {
            return match key.code {
                KeyCode::Esc | KeyCode::Backspace | KeyCode::Left | KeyCode::Char('h') => {
                    RingAction::Back
                }
                KeyCode::Enter => self
                    .selected
                    .map_or(RingAction::None, |op| RingAction::OpenRequests(Some(op))),
                KeyCode::Char('r') => RingAction::OpenRequests(None),
                KeyCode::Char('v') => RingAction::OpenViolations,
                KeyCode::Char('w') => {
                    self.since_start = !self.since_start;
                    RingAction::None
                }
                KeyCode::Char('R') => {
                    self.show_registered = !self.show_registered;
                    RingAction::None
                }
                _ => RingAction::Unhandled,
            };
        };
        self.cursor.apply(m, self.ops.len(), height);
        self.selected = self.ops.get(self.cursor.index).copied();
        self.sync(model, height);
        RingAction::None
    }
}
