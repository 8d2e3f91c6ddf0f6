//! State and keys of the thread view (`t`, `H`): a process's threads with their roles, and the
//! SQEs each submitted, counted from the process's requests streamed while the view is open.
//! The probe counts by (process, ring, opcode), not by thread: a streamed request is the only
//! thing that names its submitting thread. io-wq workers run punted requests, but no record says
//! which worker ran which, so their rows have no counts.

use crate::cursor::{move_for, Cursor};
use crate::threads::{Role, ThreadInfo};
use crossterm::event::{KeyCode, KeyEvent};
use std::collections::BTreeMap;
use uringtop_common::input::ExecPath;
use uringtop_common::model::Model;

/// Where the thread list comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Listing {
    /// Live, before the driver read /proc the first time.
    Waiting,
    /// /proc/PID/task, as last read.
    Read(Vec<ThreadInfo>),
    /// Reading /proc failed (the process is gone).
    Failed(String),
    /// A recording: /proc is this machine's present, not the recording's; the list is the
    /// threads its streamed requests name.
    Recording,
}

/// What one thread submitted, among the requests counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ThreadCounts {
    pub sqes: u64,
    pub inline: u64,
    pub poll: u64,
    pub iowq: u64,
    pub rejected: u64,
    /// CQEs with res < 0.
    pub errors: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadRow {
    pub tid: u32,
    /// None: not in /proc (exited, or a recording).
    pub name: Option<String>,
    pub role: Role,
    pub counts: ThreadCounts,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ThreadScreen {
    pub pid: u32,
    pub listing: Listing,
    pub counts: BTreeMap<u32, ThreadCounts>,
    /// Requests of this process counted so far.
    pub counted: u64,
    /// Requests that arrived and left the model's history between two updates, uncounted.
    pub missed: u64,
    /// The model's request sequence number counted up to (exclusive).
    counted_to: u64,
    pub rows: Vec<ThreadRow>,
    pub cursor: Cursor,
    pub selected: Option<u32>,
}

impl ThreadScreen {
    /// Counts requests from now on: those already in the model came before the view asked for
    /// this process's stream, and may be another ring's only.
    pub fn new(pid: u32, model: &Model, live: bool) -> Self {
        ThreadScreen {
            pid,
            listing: if live {
                Listing::Waiting
            } else {
                Listing::Recording
            },
            counts: BTreeMap::new(),
            counted: 0,
            missed: 0,
            counted_to: {
                let history = model.request_history();
                if live {
                    history.seen()
                } else {
                    // A recording's requests are all there is: count those the model holds.
                    history.seen() - history.items().len() as u64
                }
            },
            rows: Vec::new(),
            cursor: Cursor::default(),
            selected: None,
        }
    }

    /// Counts the requests that arrived since the last update and rebuilds the rows.
    pub fn sync(&mut self, model: &Model, height: usize) {
        let history = model.request_history();
        let seen = history.seen();
        if seen < self.counted_to {
            // The model was rebuilt (a replay went back): count again from what it holds.
            self.counts.clear();
            self.counted = 0;
            self.counted_to = seen - history.items().len() as u64;
        }
        let mut looked = 0u64;
        for (seq, r) in history.newest_first() {
            if seq < self.counted_to {
                break;
            }
            looked += 1;
            if r.pid != self.pid {
                continue;
            }
            let c = self.counts.entry(r.tid).or_default();
            // A multishot request posts several CQEs, numbered from 1: one SQE.
            if r.cqe_index <= 1 {
                c.sqes += 1;
                self.counted += 1;
                match r.path {
                    ExecPath::Inline => c.inline += 1,
                    ExecPath::Poll => c.poll += 1,
                    ExecPath::IoWq => c.iowq += 1,
                    ExecPath::Rejected => c.rejected += 1,
                }
            }
            if r.res < 0 && r.path != ExecPath::Rejected {
                c.errors += 1;
            }
        }
        // More arrived than the model still holds: those were dropped before being counted.
        self.missed += seen.saturating_sub(self.counted_to).saturating_sub(looked);
        self.counted_to = seen;
        self.rebuild();
        if let Some(i) = self
            .selected
            .and_then(|tid| self.rows.iter().position(|r| r.tid == tid))
        {
            self.cursor.index = i;
        }
        self.cursor.clamp(self.rows.len(), height);
        self.selected = self.rows.get(self.cursor.index).map(|r| r.tid);
    }

    /// The threads /proc listed and those the counted requests name, busiest first.
    fn rebuild(&mut self) {
        self.rows.clear();
        let pid = self.pid;
        if let Listing::Read(threads) = &self.listing {
            self.rows.extend(threads.iter().map(|t| ThreadRow {
                tid: t.tid,
                name: Some(t.name.clone()),
                role: Role::of(pid, t.tid, Some(&t.name)),
                counts: self.counts.get(&t.tid).copied().unwrap_or_default(),
            }));
        }
        for (&tid, &counts) in &self.counts {
            if !self.rows.iter().any(|r| r.tid == tid) {
                self.rows.push(ThreadRow {
                    tid,
                    name: None,
                    role: Role::of(pid, tid, None),
                    counts,
                });
            }
        }
        self.rows.sort_by(|a, b| {
            b.counts
                .sqes
                .cmp(&a.counts.sqes)
                .then(a.role.cmp(&b.role))
                .then(a.tid.cmp(&b.tid))
        });
    }

    /// The driver read /proc/PID/task.
    pub fn set_listing(&mut self, listing: Listing) {
        self.listing = listing;
    }

    /// Threads of each role /proc listed: (SQPOLL, io-wq workers, all).
    pub fn role_counts(&self) -> (usize, usize, usize) {
        let Listing::Read(threads) = &self.listing else {
            return (0, 0, 0);
        };
        let of = |role| {
            threads
                .iter()
                .filter(|t| Role::of(self.pid, t.tid, Some(&t.name)) == role)
                .count()
        };
        (of(Role::Sqpoll), of(Role::IoWq), threads.len())
    }

    /// True when the key closes the view.
    pub fn key(&mut self, key: KeyEvent, height: usize) -> bool {
        if let Some(m) = move_for(key.code) {
            self.cursor.apply(m, self.rows.len(), height);
            self.selected = self.rows.get(self.cursor.index).map(|r| r.tid);
            return false;
        }
        matches!(
            key.code,
            KeyCode::Esc | KeyCode::Backspace | KeyCode::Left | KeyCode::Char('h')
        )
    }
}
