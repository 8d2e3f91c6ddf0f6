//! The main table's columns: what they show, how wide they are, which go first when the terminal
//! is narrow, and how they sort.

use crate::column_choice::{Choice, TableView};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    Pid,
    Comm,
    Ring,
    Flags,
    ReqRate,
    Total,
    Inflight,
    P50,
    P99,
    ErrRate,
    Denied,
    /// Policy violations in the latest interval, with the worst action. Only with a policy.
    Verdict,
    AsyncPct,
    CqOverflow,
}

/// Space between two columns.
pub const GAP: u16 = 1;

impl Column {
    /// Display order, left to right.
    pub const ALL: [Column; 14] = [
        Column::Pid,
        Column::Comm,
        Column::Ring,
        Column::Flags,
        Column::ReqRate,
        Column::Total,
        Column::Inflight,
        Column::P50,
        Column::P99,
        Column::ErrRate,
        Column::Denied,
        Column::Verdict,
        Column::AsyncPct,
        Column::CqOverflow,
    ];

    pub fn header(self) -> &'static str {
        match self {
            Column::Pid => "PID",
            Column::Comm => "COMM",
            Column::Ring => "RING",
            Column::Flags => "FLAGS",
            Column::ReqRate => "REQ/s",
            Column::Total => "TOTAL",
            Column::Inflight => "INFLIGHT",
            Column::P50 => "p50",
            Column::P99 => "p99",
            Column::ErrRate => "ERR/s",
            Column::Denied => "DENIED",
            Column::Verdict => "VERDICT",
            Column::AsyncPct => "ASYNC%",
            Column::CqOverflow => "CQ OVFL",
        }
    }

    /// Minimum width; COMM also takes whatever is left over.
    pub fn width(self) -> u16 {
        match self {
            Column::Pid => 7,
            Column::Comm => 16,
            Column::Ring => 5,
            Column::Flags => 14,
            Column::ReqRate => 7,
            Column::Total => 8,
            Column::Inflight => 8,
            Column::P50 => 7,
            Column::P99 => 7,
            Column::ErrRate => 6,
            Column::Denied => 6,
            // "12.3k kill"
            Column::Verdict => 10,
            Column::AsyncPct => 6,
            Column::CqOverflow => 7,
        }
    }

    /// Lower is more important; on a narrow terminal the highest go first. Priority 0 stays.
    fn priority(self) -> u8 {
        match self {
            Column::Pid | Column::Comm | Column::ReqRate => 0,
            // With a policy loaded, its verdicts are what the user is watching for.
            Column::Ring | Column::P99 | Column::ErrRate | Column::Verdict => 1,
            Column::Total | Column::P50 => 2,
            Column::Inflight | Column::Denied => 3,
            Column::AsyncPct | Column::CqOverflow => 4,
            Column::Flags => 5,
        }
    }

    pub fn right_aligned(self) -> bool {
        !matches!(self, Column::Comm | Column::Flags)
    }

    /// Identities and names read best ascending; quantities busiest first.
    pub fn descending_by_default(self) -> bool {
        !matches!(
            self,
            Column::Pid | Column::Comm | Column::Ring | Column::Flags
        )
    }

    /// Direct sort key (bottom-style): pressing it sorts by this column, pressing it again
    /// reverses the order.
    pub fn hotkey(self) -> Option<char> {
        match self {
            Column::Pid => Some('P'),
            Column::Comm => Some('N'),
            Column::ReqRate => Some('R'),
            Column::Total => Some('T'),
            Column::P99 => Some('L'),
            Column::ErrRate => Some('E'),
            Column::Denied => Some('D'),
            Column::Verdict => Some('V'),
            Column::AsyncPct => Some('A'),
            Column::CqOverflow => Some('O'),
            _ => None,
        }
    }

    pub fn by_hotkey(c: char) -> Option<Column> {
        Column::ALL.into_iter().find(|col| col.hotkey() == Some(c))
    }

    fn index(self) -> usize {
        Column::ALL.iter().position(|&c| c == self).unwrap_or(0)
    }

    /// The next column to the right, wrapping; VERDICT only with a policy.
    pub fn next(self, policy: bool) -> Column {
        let n = Column::ALL.len();
        let c = Column::ALL[(self.index() + 1) % n];
        if c == Column::Verdict && !policy {
            c.next(policy)
        } else {
            c
        }
    }

    /// The next column to the left, wrapping; VERDICT only with a policy.
    pub fn prev(self, policy: bool) -> Column {
        let n = Column::ALL.len();
        let c = Column::ALL[(self.index() + n - 1) % n];
        if c == Column::Verdict && !policy {
            c.prev(policy)
        } else {
            c
        }
    }
}

/// How one column of any table takes part in fitting a width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fit {
    pub width: u16,
    /// Lower is more important; the highest are dropped first. 0 always stays.
    pub priority: u8,
    /// Takes the width left over (one column per table).
    pub flex: bool,
}

impl Fit {
    /// `width`, `priority`, `flex` as above, so that a view's table of columns reads one short
    /// row per column.
    pub const fn new(width: u16, priority: u8, flex: bool) -> Fit {
        Fit {
            width,
            priority,
            flex,
        }
    }
}

/// A priority meaning "not in this table at all" (e.g. verdict columns without a policy).
pub const HIDDEN: u8 = u8::MAX;

/// Places the columns of a table in `width`: drops the least important until the rest fit,
/// then gives the spare width to the flex column (the last shown one, when several are flex: a
/// wide column that is dropped first hands the spare back to the one before it). Returns (x,
/// width) of each shown column, in the given order; fixed size, so it can run every frame
/// without allocating.
pub fn fit<const N: usize>(columns: &[Fit; N], width: u16) -> [Option<(u16, u16)>; N] {
    let needed = |max_priority: u8| -> u16 {
        let shown = columns
            .iter()
            .filter(|c| c.priority <= max_priority && c.priority != HIDDEN);
        shown
            .map(|c| c.width + GAP)
            .sum::<u16>()
            .saturating_sub(GAP)
    };
    let top = columns
        .iter()
        .map(|c| c.priority)
        .filter(|&p| p != HIDDEN)
        .max()
        .unwrap_or(0);
    let max_priority = (0..=top).rev().find(|&p| needed(p) <= width).unwrap_or(0);
    let spare = width.saturating_sub(needed(max_priority));
    let shown = |c: &Fit| c.priority <= max_priority && c.priority != HIDDEN;
    let flex = columns.iter().rposition(|c| c.flex && shown(c));
    let mut placed = [None; N];
    let mut x = 0u16;
    for (i, (slot, c)) in placed.iter_mut().zip(columns).enumerate() {
        if shown(c) {
            let w = if Some(i) == flex {
                c.width + spare
            } else {
                c.width
            };
            *slot = Some((x, w));
            x = x.saturating_add(w + GAP);
        }
    }
    placed
}

/// Places a table's columns (`specs`, in catalogue order) in the order the user chose, without
/// the ones they hid: returns each position's (x, width) — position p shows the catalogue's
/// column `choice.order()[p]` — and how many chosen columns were left out for want of width.
/// When some are, the right end keeps [`MARKER_WIDTH`] free to say how many.
pub fn fit_chosen<const N: usize>(
    specs: &[Fit; N],
    choice: &Choice,
    width: u16,
) -> ([Option<(u16, u16)>; N], u8) {
    let mut arranged = choice.arrange(specs, |f| Fit {
        priority: HIDDEN,
        ..f
    });
    let wanted = arranged.iter().filter(|c| c.priority != HIDDEN).count();
    let shown = |slots: &[Option<(u16, u16)>; N]| slots.iter().flatten().count();
    let slots = fit(&arranged, width);
    if shown(&slots) == wanted {
        return (slots, 0);
    }
    // Some do not fit: keep what fitted, and make room for the marker by leaving out as few
    // more as it takes, the least important and rightmost first (not a whole rank at once: at
    // 80 columns that would cost several columns for four characters).
    for (c, slot) in arranged.iter_mut().zip(&slots) {
        if slot.is_none() {
            c.priority = HIDDEN;
        }
    }
    let room = width.saturating_sub(MARKER_WIDTH);
    while needed(&arranged) > room {
        let least = arranged
            .iter()
            .enumerate()
            .filter(|(_, c)| c.priority != HIDDEN && c.priority != 0)
            .max_by_key(|&(i, c)| (c.priority, i));
        match least {
            Some((i, _)) => arranged[i].priority = HIDDEN,
            None => break,
        }
    }
    let slots = fit(&arranged, room);
    let hidden = u8::try_from(wanted - shown(&slots)).unwrap_or(u8::MAX);
    (slots, hidden)
}

/// The width the shown columns of `columns` take, gaps included.
fn needed(columns: &[Fit]) -> u16 {
    columns
        .iter()
        .filter(|c| c.priority != HIDDEN)
        .map(|c| c.width + GAP)
        .sum::<u16>()
        .saturating_sub(GAP)
}

/// Where each shown main-table column goes, for one terminal width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnLayout {
    /// By position, left to right.
    slots: [Option<(u16, u16)>; 14],
    /// The column at each position.
    order: [Column; 14],
    /// Columns left out for want of width (the header says how many, at its right end).
    hidden: u8,
}

/// Room kept at the right end of the header for the hidden-columns marker, `+N›`.
pub const MARKER_WIDTH: u16 = 4;

/// What the rows and the sort ask of the columns' widths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Needs {
    /// Characters of the widest RING cell: a ring id, or a process's "(1234)".
    pub ring: u16,
    /// The sorted column, whose header also holds the sort arrow.
    pub sorted: Option<Column>,
}

impl ColumnLayout {
    /// `policy`: a policy is loaded, so VERDICT is one of the columns.
    pub fn fit(width: u16, policy: bool) -> Self {
        ColumnLayout::fit_for(
            width,
            policy,
            Needs {
                ring: 0,
                sorted: None,
            },
            &Choice::all(TableView::Main),
        )
    }

    /// Like [`ColumnLayout::fit`], with every column at least as wide as its content needs, so
    /// that nothing is cut: the RING column as wide as its widest cell, the sorted column as
    /// wide as its header and arrow. When columns must be left out, the header's right end
    /// keeps room to say how many. The columns are those `choice` shows, in its order.
    pub fn fit_for(width: u16, policy: bool, needs: Needs, choice: &Choice) -> Self {
        let specs = Column::ALL.map(|c| {
            let mut w = c.width();
            if c == Column::Ring {
                w = w.max(needs.ring);
            }
            if Some(c) == needs.sorted {
                // The arrow is one character.
                w = w.max(c.header().len() as u16 + 1);
            }
            Fit {
                width: w,
                priority: if c == Column::Verdict && !policy {
                    HIDDEN
                } else {
                    c.priority()
                },
                flex: c == Column::Comm,
            }
        });
        let (slots, hidden) = fit_chosen(&specs, choice, width);
        let order = choice.arrange(&Column::ALL, |c| c);
        ColumnLayout {
            slots,
            order,
            hidden,
        }
    }

    /// How many columns were left out for want of width.
    pub fn hidden(&self) -> u8 {
        self.hidden
    }

    /// (column, x offset, width), left to right.
    pub fn iter(&self) -> impl Iterator<Item = (Column, u16, u16)> + '_ {
        self.order
            .iter()
            .zip(&self.slots)
            .filter_map(|(&c, slot)| slot.map(|(x, w)| (c, x, w)))
    }

    pub fn shows(&self, column: Column) -> bool {
        self.iter().any(|(c, _, _)| c == column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_fits_wide_and_the_least_useful_go_first() {
        let wide = ColumnLayout::fit(200, false);
        assert_eq!(wide.iter().count(), 13);
        assert_eq!(ColumnLayout::fit(120, false).iter().count(), 13);
        let at_100 = ColumnLayout::fit(100, false);
        assert!(!at_100.shows(Column::Flags));
        assert!(at_100.shows(Column::Denied));
        let at_80 = ColumnLayout::fit(80, false);
        for c in [
            Column::Pid,
            Column::Comm,
            Column::ReqRate,
            Column::P99,
            Column::ErrRate,
            Column::Total,
        ] {
            assert!(at_80.shows(c), "{c:?} at 80 columns");
        }
        // From 32 columns up (PID, COMM and REQ/s at their minimum) nothing overflows.
        for width in 32..=240 {
            let layout = ColumnLayout::fit(width, false);
            let (_, x, w) = layout.iter().last().unwrap();
            assert!(x + w <= width, "overflow at {width}");
        }
    }

    #[test]
    fn columns_are_as_wide_as_their_content_and_hidden_ones_are_counted() {
        assert_eq!(ColumnLayout::fit(240, false).hidden(), 0);
        let ring_width = |l: &ColumnLayout| {
            l.iter()
                .find(|(c, _, _)| *c == Column::Ring)
                .map(|(_, _, w)| w)
        };
        let needs = Needs {
            ring: 6, // "(1000)"
            sorted: Some(Column::Inflight),
        };
        let wide = ColumnLayout::fit_for(240, false, needs, &Choice::all(TableView::Main));
        assert_eq!(ring_width(&wide), Some(6));
        let inflight = wide
            .iter()
            .find(|(c, _, _)| *c == Column::Inflight)
            .unwrap();
        assert_eq!(inflight.2, 9, "INFLIGHT and its arrow");
        // At 50 columns RING is left out too: the layout says how many are hidden, and keeps
        // room at the right end to say it.
        let narrow = ColumnLayout::fit(50, false);
        assert!(!narrow.shows(Column::Ring));
        assert_eq!(narrow.hidden() as usize, 13 - narrow.iter().count());
        let (_, x, w) = narrow.iter().last().unwrap();
        assert!(x + w + MARKER_WIDTH <= 50);
    }

    #[test]
    fn hotkeys_are_unique_and_navigation_wraps() {
        let keys: std::collections::BTreeSet<char> =
            Column::ALL.iter().filter_map(|c| c.hotkey()).collect();
        assert_eq!(
            keys.len(),
            Column::ALL.iter().filter(|c| c.hotkey().is_some()).count()
        );
        assert_eq!(Column::by_hotkey('L'), Some(Column::P99));
        assert_eq!(Column::CqOverflow.next(false), Column::Pid);
        assert_eq!(Column::Pid.prev(false), Column::CqOverflow);
        assert_eq!(Column::Denied.next(false), Column::AsyncPct);
        assert_eq!(Column::Denied.next(true), Column::Verdict);
        assert_eq!(Column::AsyncPct.prev(false), Column::Denied);
    }

    #[test]
    fn verdict_is_a_column_only_with_a_policy() {
        assert!(!ColumnLayout::fit(200, false).shows(Column::Verdict));
        let with = ColumnLayout::fit(200, true);
        assert_eq!(with.iter().count(), 14);
        // At 80 columns it takes the place of less important ones, not of PID, COMM, REQ/s.
        let at_80 = ColumnLayout::fit(80, true);
        for c in [Column::Pid, Column::Comm, Column::ReqRate, Column::Verdict] {
            assert!(at_80.shows(c), "{c:?} at 80 columns");
        }
        // Without a policy the same widths give the same places as before VERDICT existed.
        let without: Vec<_> = ColumnLayout::fit(120, false).iter().collect();
        assert_eq!(without.len(), 13);
        assert_eq!(without.last().map(|c| c.0), Some(Column::CqOverflow));
    }

    #[test]
    fn the_chosen_columns_come_in_the_chosen_order() {
        // COMM, p99, PID: nothing else, even with room to spare.
        let choice = Choice::from_shown(TableView::Main, &[1, 8, 0]);
        let needs = Needs {
            ring: 0,
            sorted: None,
        };
        let layout = ColumnLayout::fit_for(200, false, needs, &choice);
        let shown: Vec<Column> = layout.iter().map(|(c, _, _)| c).collect();
        assert_eq!(shown, [Column::Comm, Column::P99, Column::Pid]);
        assert_eq!(
            layout.hidden(),
            0,
            "hidden by choice is not hidden for want of width"
        );
        let (_, x, w) = layout.iter().last().unwrap();
        assert_eq!(x + w, 200, "COMM takes the spare width");
        // Narrow: the least important chosen one goes first, and is counted.
        let narrow = ColumnLayout::fit_for(30, false, needs, &choice);
        assert_eq!(narrow.hidden(), 1);
        assert!(!narrow.shows(Column::P99));
    }
}
