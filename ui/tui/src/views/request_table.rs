//! A table of requests with a movable selection, newest first: what the request view and the
//! violations view both draw, each with its own columns.

use super::text::{cell, fill};
use super::Canvas;
use crate::column_choice::{Choice, TableColumn};
use crate::columns::{fit_chosen, MARKER_WIDTH};
use crate::request_list::RequestList;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use uringtop_common::input::Request;

/// The column layout: the catalogue (names, alignment), the order the user chose, and where
/// `fit_chosen` placed each position (None: hidden, or no room for it at this width), with how
/// many were left out for want of width.
pub struct Columns<'a, const N: usize> {
    pub catalogue: &'a [TableColumn; N],
    pub order: &'a [u8],
    pub placed: [Option<(u16, u16)>; N],
    pub hidden: u8,
}

impl<'a, const N: usize> Columns<'a, N> {
    /// A view's columns from its `catalogue`, in the order and with the columns `choice` shows,
    /// placed in `width`. Every view with chosen columns builds its table this one way, so the
    /// header, the rows and the hidden-columns marker agree. Fixed size: no allocation per
    /// frame.
    pub fn place(catalogue: &'a [TableColumn; N], choice: &'a Choice, width: u16) -> Self {
        let (placed, hidden) = fit_chosen(&catalogue.map(|c| c.fit), choice, width);
        Columns {
            catalogue,
            order: choice.order(),
            placed,
            hidden,
        }
    }

    /// Whether the column at catalogue index `i` reads right-aligned.
    pub fn right(&self, i: usize) -> bool {
        self.catalogue[i].right
    }

    /// (catalogue index, x, width) of each shown column, left to right.
    pub fn iter(&self) -> impl Iterator<Item = (usize, u16, u16)> + '_ {
        self.order
            .iter()
            .zip(&self.placed)
            .filter_map(|(&i, slot)| slot.map(|(x, w)| (usize::from(i), x, w)))
    }
}

/// The header line, with the hidden-columns marker at its right end when some did not fit.
pub fn header<const N: usize>(buf: &mut Buffer, line: Rect, columns: &Columns<N>, theme: &Theme) {
    fill(buf, line, theme.header);
    for (i, x, w) in columns.iter() {
        let column = &columns.catalogue[i];
        cell(
            buf,
            line.x + x,
            line.y,
            w,
            column.name.header,
            theme.header,
            column.right,
        );
    }
    hidden_marker(buf, line, columns.hidden, theme);
}

/// `+N›` at the right end of a header line: N columns left out for want of width. Formatted on
/// the stack: no allocation per frame.
pub fn hidden_marker(buf: &mut Buffer, line: Rect, hidden: u8, theme: &Theme) {
    if hidden == 0 || line.width < MARKER_WIDTH {
        return;
    }
    let mut marker = [0u8; 8];
    let mut w = &mut marker[..];
    let _ = std::io::Write::write_fmt(&mut w, format_args!("+{hidden}›"));
    let n = 8 - w.len();
    let text = std::str::from_utf8(&marker[..n]).unwrap_or("");
    let x = line.right() - MARKER_WIDTH;
    cell(buf, x, line.y, MARKER_WIDTH, text, theme.dim, true);
}

/// A cell that shows one value as it displays (a tid, an fd, an offset, a length).
pub fn figure(s: &mut String, value: impl std::fmt::Display) {
    let _ = std::fmt::Write::write_fmt(s, format_args!("{value}"));
}

/// The rows of `body` from the list's cursor onwards, newest first: `text` writes a column of a
/// request into the scratch string and says its style (the selected row is drawn in the
/// selection's style instead).
pub fn rows<const N: usize>(
    c: Canvas,
    body: Rect,
    columns: &Columns<N>,
    list: &RequestList,
    mut text: impl FnMut(&mut String, usize, &Request) -> Style,
) {
    let (buf, model, _, theme, s) = c.parts();
    for (y, &seq, selected) in list.cursor.visible(&list.seqs, body) {
        let Some(r) = list.get(model, seq) else {
            continue;
        };
        if selected {
            fill(buf, Rect::new(body.x, y, body.width, 1), theme.selected);
        }
        for (column, x, w) in columns.iter() {
            s.clear();
            let style = text(s, column, r);
            let style = if selected { theme.selected } else { style };
            cell(buf, body.x + x, y, w, s, style, columns.right(column));
        }
    }
}
