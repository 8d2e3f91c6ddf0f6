//! A selection in a scrolled list: which row is selected and which row is at the top of the
//! window. Scrolling is stateful (like less or htop) so that moving up from the bottom of the
//! window moves the cursor, not the page.

use crossterm::event::KeyCode;
use ratatui::layout::Rect;

/// The list-moving keys every screen shares: arrows and j/k, PgUp/PgDn, Home/g and End/G.
pub fn move_for(code: KeyCode) -> Option<Move> {
    Some(match code {
        KeyCode::Up | KeyCode::Char('k') => Move::Up,
        KeyCode::Down | KeyCode::Char('j') => Move::Down,
        KeyCode::PageUp => Move::PageUp,
        KeyCode::PageDown => Move::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Move::Home,
        KeyCode::End | KeyCode::Char('G') => Move::End,
        _ => return None,
    })
}

/// How the cursor moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub index: usize,
    pub offset: usize,
}

impl Cursor {
    /// Moves within `len` rows shown `height` at a time.
    pub fn apply(&mut self, m: Move, len: usize, height: usize) {
        let page = height.max(1);
        let last = len.saturating_sub(1);
        self.index = match m {
            Move::Up => self.index.saturating_sub(1),
            Move::Down => (self.index + 1).min(last),
            Move::PageUp => self.index.saturating_sub(page),
            Move::PageDown => (self.index + page).min(last),
            Move::Home => 0,
            Move::End => last,
        };
        self.clamp(len, height);
    }

    /// Keeps the index inside the list and the window around the index, without scrolling
    /// past the end (no empty space below the last row when the list could fill the window).
    pub fn clamp(&mut self, len: usize, height: usize) {
        let height = height.max(1);
        self.index = self.index.min(len.saturating_sub(1));
        if self.index < self.offset {
            self.offset = self.index;
        } else if self.index >= self.offset + height {
            self.offset = self.index + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
    }

    /// The rows of `items` that `body` shows, from the top of the window: each with its y in
    /// `body` and whether it is the selected one. How every list view walks its rows, so that
    /// they agree on which row is where; allocates nothing, as drawing must not.
    pub fn visible<'a, T>(
        &self,
        items: &'a [T],
        body: Rect,
    ) -> impl Iterator<Item = (u16, &'a T, bool)> + 'a {
        let selected = self.index;
        (body.y..)
            .zip(items.iter().enumerate().skip(self.offset))
            .take(usize::from(body.height))
            .map(move |(y, (i, item))| (y, item, i == selected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_follows_the_cursor_lazily() {
        let mut c = Cursor::default();
        for _ in 0..12 {
            c.apply(Move::Down, 100, 10);
        }
        assert_eq!((c.index, c.offset), (12, 3));
        c.apply(Move::Up, 100, 10);
        assert_eq!(
            (c.index, c.offset),
            (11, 3),
            "moving up inside the window does not scroll"
        );
        c.apply(Move::PageDown, 100, 10);
        assert_eq!((c.index, c.offset), (21, 12));
        c.apply(Move::End, 100, 10);
        assert_eq!((c.index, c.offset), (99, 90));
        c.apply(Move::Home, 100, 10);
        assert_eq!((c.index, c.offset), (0, 0));
    }

    #[test]
    fn shrinking_lists_and_windows_clamp() {
        let mut c = Cursor {
            index: 50,
            offset: 45,
        };
        c.clamp(20, 10);
        assert_eq!((c.index, c.offset), (19, 10));
        c.clamp(0, 10);
        assert_eq!((c.index, c.offset), (0, 0));
        let mut c = Cursor {
            index: 5,
            offset: 0,
        };
        c.clamp(30, 3);
        assert_eq!((c.index, c.offset), (5, 3));
    }

    #[test]
    fn the_visible_rows_are_the_window_from_the_offset() {
        let c = Cursor {
            index: 4,
            offset: 3,
        };
        let items = [10, 11, 12, 13, 14, 15, 16];
        let shown: Vec<_> = c
            .visible(&items, Rect::new(0, 2, 80, 3))
            .map(|(y, &item, selected)| (y, item, selected))
            .collect();
        assert_eq!(shown, [(2, 13, false), (3, 14, true), (4, 15, false)]);
        // A window taller than what is left shows the rest.
        assert_eq!(c.visible(&items, Rect::new(0, 0, 80, 10)).count(), 4);
    }
}
