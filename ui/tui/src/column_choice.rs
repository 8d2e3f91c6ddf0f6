//! Which columns each table shows, and in what order: the user's choice (the config file's
//! `[columns]`, the column chooser `C`). Each table has a fixed catalogue of columns, named by a
//! config key; a [`Choice`] is an order over that catalogue and a shown/hidden mark per column.
//! The tables' draw code arranges their columns by it, so a choice costs nothing per frame. The
//! catalogues of the ring, request and violations tables also say how each column fits and
//! aligns ([`TableColumn`]); the process list's columns say it in [`crate::columns::Column`].

use crate::columns::Fit;

/// A table whose columns can be chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TableView {
    /// Processes and their rings.
    Main,
    /// The opcodes of one ring.
    Ring,
    /// One ring's streamed requests.
    Requests,
    /// The policy's recent violations.
    Violations,
}

/// One column of a catalogue: its config key and its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnName {
    pub key: &'static str,
    pub header: &'static str,
}

const fn name(key: &'static str, header: &'static str) -> ColumnName {
    ColumnName { key, header }
}

/// In the order of [`crate::columns::Column::ALL`].
pub const MAIN: [ColumnName; crate::columns::Column::ALL.len()] = [
    name("pid", "PID"),
    name("comm", "COMM"),
    name("ring", "RING"),
    name("flags", "FLAGS"),
    name("req_s", "REQ/s"),
    name("total", "TOTAL"),
    name("inflight", "INFLIGHT"),
    name("p50", "p50"),
    name("p99", "p99"),
    name("err_s", "ERR/s"),
    name("denied", "DENIED"),
    name("verdict", "VERDICT"),
    name("async_pct", "ASYNC%"),
    name("cq_ovfl", "CQ OVFL"),
];

/// A column of the tables drawn by `views::request_table` (ring, requests, violations): its
/// name, how it fits a narrow terminal, and whether it reads right-aligned (figures) or left
/// (names, flags, text). One row per column, so that adding a column is one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableColumn {
    pub name: ColumnName,
    pub fit: Fit,
    pub right: bool,
}

const fn left(key: &'static str, header: &'static str, fit: Fit) -> TableColumn {
    TableColumn {
        name: name(key, header),
        fit,
        right: false,
    }
}

const fn right(key: &'static str, header: &'static str, fit: Fit) -> TableColumn {
    TableColumn {
        name: name(key, header),
        fit,
        right: true,
    }
}

/// The opcodes of a ring.
pub const RING: [TableColumn; 13] = [
    left("op", "OP", Fit::new(14, 0, false)),
    right("req_s", "REQ/s", Fit::new(7, 0, false)),
    right("total", "TOTAL", Fit::new(8, 1, false)),
    // A list of errnos: reads left to right.
    left("errors", "ERRORS", Fit::new(14, 0, true)),
    right("denied", "DENIED", Fit::new(6, 1, false)),
    right("log", "LOG", Fit::new(6, 1, false)),
    right("deny", "DENY", Fit::new(6, 1, false)),
    right("kill", "KILL", Fit::new(6, 1, false)),
    right("async_pct", "ASYNC%", Fit::new(6, 2, false)),
    right("p50", "p50", Fit::new(7, 1, false)),
    right("p90", "p90", Fit::new(7, 2, false)),
    right("p99", "p99", Fit::new(7, 0, false)),
    right("max", "MAX", Fit::new(7, 1, false)),
];

/// One ring's streamed requests.
pub const REQUESTS: [TableColumn; 12] = [
    left("time", "TIME", Fit::new(15, 0, false)),
    right("tid", "TID", Fit::new(7, 2, false)),
    left("op", "OP", Fit::new(12, 0, false)),
    right("fd", "FD", Fit::new(7, 1, false)),
    right("off", "OFF", Fit::new(10, 2, false)),
    right("len", "LEN", Fit::new(7, 1, false)),
    left("flags", "FLAGS", Fit::new(10, 3, false)),
    right("user_data", "USER_DATA", Fit::new(18, 2, false)),
    left("res", "RES", Fit::new(14, 0, true)),
    right("latency", "LATENCY", Fit::new(8, 0, false)),
    left("path", "PATH", Fit::new(8, 1, false)),
    // The most telling argument (a path, an address, what the fd is): takes the spare width,
    // on terminals wide enough for every other column (143 columns).
    left("arg", "ARG", Fit::new(16, 3, true)),
];

/// The policy's recent violations.
pub const VIOLATIONS: [TableColumn; 9] = [
    left("time", "TIME", Fit::new(15, 0, false)),
    left("process", "PROCESS", Fit::new(18, 0, false)),
    right("ring", "RING", Fit::new(5, 1, false)),
    left("op", "OP", Fit::new(12, 0, false)),
    right("fd", "FD", Fit::new(7, 2, false)),
    right("off", "OFF", Fit::new(10, 3, false)),
    right("len", "LEN", Fit::new(7, 3, false)),
    left("action", "ACTION", Fit::new(10, 0, false)),
    left("rule", "RULE", Fit::new(14, 0, true)),
];

/// The names of `columns`, for what sees every table alike (the chooser, the config file).
const fn names<const N: usize>(columns: &[TableColumn; N]) -> [ColumnName; N] {
    let mut out = [name("", ""); N];
    let mut i = 0;
    while i < N {
        out[i] = columns[i].name;
        i += 1;
    }
    out
}

const RING_NAMES: [ColumnName; RING.len()] = names(&RING);
const REQUESTS_NAMES: [ColumnName; REQUESTS.len()] = names(&REQUESTS);
const VIOLATIONS_NAMES: [ColumnName; VIOLATIONS.len()] = names(&VIOLATIONS);

impl TableView {
    pub const ALL: [TableView; 4] = [
        TableView::Main,
        TableView::Ring,
        TableView::Requests,
        TableView::Violations,
    ];

    /// Its key under `[columns]` in the config file.
    pub fn key(self) -> &'static str {
        match self {
            TableView::Main => "main",
            TableView::Ring => "ring",
            TableView::Requests => "requests",
            TableView::Violations => "violations",
        }
    }

    /// What the chooser calls it.
    pub fn title(self) -> &'static str {
        match self {
            TableView::Main => "process list",
            TableView::Ring => "ring view (opcodes)",
            TableView::Requests => "request list",
            TableView::Violations => "policy violations",
        }
    }

    pub fn names(self) -> &'static [ColumnName] {
        match self {
            TableView::Main => &MAIN,
            TableView::Ring => &RING_NAMES,
            TableView::Requests => &REQUESTS_NAMES,
            TableView::Violations => &VIOLATIONS_NAMES,
        }
    }

    /// The column that cannot be hidden, and why: without it the rows say nothing of what they
    /// are.
    pub fn required(self) -> (usize, &'static str) {
        match self {
            TableView::Main => (1, "COMM holds the process tree and the names"),
            TableView::Ring => (0, "OP names each row"),
            TableView::Requests => (2, "OP names each request"),
            TableView::Violations => (3, "OP names each request"),
        }
    }

    /// The catalogue index of the column `word` names: its key, or its header in any case
    /// (`req_s`, `REQ/s`).
    pub fn find(self, word: &str) -> Option<usize> {
        let word = word.trim();
        self.names()
            .iter()
            .position(|n| n.key == word || n.header.eq_ignore_ascii_case(word))
    }
}

/// The order of a table's columns and which are shown. Indices are into the table's catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// A permutation of the catalogue's indices, left to right.
    order: Vec<u8>,
    /// By catalogue index.
    shown: Vec<bool>,
}

impl Choice {
    /// Every column, in the catalogue's order.
    pub fn all(view: TableView) -> Choice {
        let n = view.names().len();
        Choice {
            order: (0..n as u8).collect(),
            shown: vec![true; n],
        }
    }

    /// `shown`, left to right, then the others (hidden) in the catalogue's order. The caller
    /// checks that the indices are distinct, in range, and include the required column.
    pub fn from_shown(view: TableView, shown: &[usize]) -> Choice {
        let n = view.names().len();
        let mut order: Vec<u8> = shown.iter().map(|&i| i as u8).collect();
        order.extend((0..n as u8).filter(|i| !shown.contains(&usize::from(*i))));
        let mut marks = vec![false; n];
        for &i in shown {
            marks[i] = true;
        }
        Choice {
            order,
            shown: marks,
        }
    }

    /// Catalogue indices, left to right (hidden ones included).
    pub fn order(&self) -> &[u8] {
        &self.order
    }

    pub fn is_shown(&self, index: usize) -> bool {
        self.shown.get(index).copied().unwrap_or(false)
    }

    /// The shown columns' catalogue indices, left to right.
    pub fn shown(&self) -> impl Iterator<Item = usize> + '_ {
        self.order
            .iter()
            .map(|&i| usize::from(i))
            .filter(|&i| self.shown[i])
    }

    /// Shows or hides the column at `position` (left to right); false when it is the
    /// required one, which stays.
    pub fn toggle(&mut self, view: TableView, position: usize) -> bool {
        let Some(&i) = self.order.get(position) else {
            return false;
        };
        let i = usize::from(i);
        if i == view.required().0 {
            return false;
        }
        self.shown[i] = !self.shown[i];
        true
    }

    /// Moves the column at `position` one place left (`by` -1) or right (+1); the new position.
    pub fn shift(&mut self, position: usize, by: isize) -> usize {
        let Some(to) = position.checked_add_signed(by) else {
            return position;
        };
        if to >= self.order.len() || position >= self.order.len() {
            return position;
        }
        self.order.swap(position, to);
        to
    }

    /// Arranges a table's per-column values (`items`, by catalogue index) in this order, with
    /// `hide` applied to the hidden ones: what a draw function feeds to `fit`.
    pub fn arrange<T: Copy, const N: usize>(
        &self,
        items: &[T; N],
        hide: impl Fn(T) -> T,
    ) -> [T; N] {
        let mut out = *items;
        for (slot, &i) in out.iter_mut().zip(&self.order) {
            let i = usize::from(i);
            *slot = if self.shown[i] {
                items[i]
            } else {
                hide(items[i])
            };
        }
        out
    }
}

/// The choice of every table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewColumns {
    pub main: Choice,
    pub ring: Choice,
    pub requests: Choice,
    pub violations: Choice,
}

impl Default for ViewColumns {
    fn default() -> Self {
        ViewColumns {
            main: Choice::all(TableView::Main),
            ring: Choice::all(TableView::Ring),
            requests: Choice::all(TableView::Requests),
            violations: Choice::all(TableView::Violations),
        }
    }
}

impl ViewColumns {
    pub fn get(&self, view: TableView) -> &Choice {
        match view {
            TableView::Main => &self.main,
            TableView::Ring => &self.ring,
            TableView::Requests => &self.requests,
            TableView::Violations => &self.violations,
        }
    }

    pub fn get_mut(&mut self, view: TableView) -> &mut Choice {
        match view {
            TableView::Main => &mut self.main,
            TableView::Ring => &mut self.ring,
            TableView::Requests => &mut self.requests,
            TableView::Violations => &mut self.violations,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::Column;

    #[test]
    fn the_main_catalogue_follows_the_column_type() {
        for (c, n) in Column::ALL.iter().zip(MAIN) {
            assert_eq!(c.header(), n.header);
        }
        for view in TableView::ALL {
            let keys: std::collections::BTreeSet<_> = view.names().iter().map(|n| n.key).collect();
            assert_eq!(keys.len(), view.names().len(), "{view:?}: keys are unique");
        }
    }

    #[test]
    fn a_choice_orders_hides_and_keeps_the_required_column() {
        let view = TableView::Main;
        let mut c = Choice::from_shown(view, &[1, 0, 8]);
        assert_eq!(c.shown().collect::<Vec<_>>(), [1, 0, 8]);
        assert_eq!(&c.order()[..4], &[1, 0, 8, 2]);
        assert!(!c.toggle(view, 0), "COMM stays");
        assert!(c.toggle(view, 1));
        assert_eq!(c.shown().collect::<Vec<_>>(), [1, 8]);
        assert_eq!(c.shift(2, -1), 1);
        assert_eq!(c.shown().collect::<Vec<_>>(), [1, 8]);
        assert_eq!(&c.order()[..3], &[1, 8, 0]);
        assert_eq!(c.shift(0, -1), 0, "nothing left of the first");
        let widths = [10u16, 11, 12, 13];
        let small = Choice::from_shown(TableView::Main, &[1, 0]);
        let arranged = small.arrange(&widths, |_| 0);
        assert_eq!(arranged, [11, 10, 0, 0]);
        assert_eq!(TableView::Main.find("REQ/s"), Some(4));
        assert_eq!(TableView::Main.find("req_s"), Some(4));
        assert_eq!(TableView::Main.find("cq ovfl"), Some(13));
    }
}
