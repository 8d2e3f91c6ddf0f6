//! A table of requests with a movable selection, newest first: what the request view and the
//! violations view both draw, each with its own columns.

use super::text::{cell, fill};
use crate::cursor::Cursor;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use uringtop_common::input::Request;

/// The column layout: names, which are right-aligned, and where `fit` placed each (None: no
/// room for it at this width).
pub struct Columns<'a> {
    pub headers: &'a [&'a str],
    pub right: &'a [bool],
    pub placed: &'a [Option<(u16, u16)>],
}

/// The header line.
pub fn header(buf: &mut Buffer, line: Rect, columns: &Columns, theme: &Theme) {
    fill(buf, line, theme.header);
    for ((header, slot), &right) in columns
        .headers
        .iter()
        .zip(columns.placed)
        .zip(columns.right)
    {
        if let Some((x, w)) = *slot {
            cell(buf, line.x + x, line.y, w, header, theme.header, right);
        }
    }
}

/// The rows of `body` from the cursor's offset: `seqs` name the requests (newest first), `get`
/// finds one, and `text` writes a column of it into the scratch string and says its style (the
/// selected row is drawn in the selection's style instead).
#[allow(clippy::too_many_arguments)]
pub fn rows<'m>(
    buf: &mut Buffer,
    body: Rect,
    columns: &Columns,
    seqs: &[u64],
    cursor: &Cursor,
    theme: &Theme,
    s: &mut String,
    get: impl Fn(u64) -> Option<&'m Request>,
    mut text: impl FnMut(&mut String, usize, &Request) -> Style,
) {
    let visible = seqs
        .iter()
        .enumerate()
        .skip(cursor.offset)
        .take(usize::from(body.height));
    for (y, (i, &seq)) in (body.y..).zip(visible) {
        let Some(r) = get(seq) else {
            continue;
        };
        let selected = i == cursor.index;
        if selected {
            fill(buf, Rect::new(body.x, y, body.width, 1), theme.selected);
        }
        for (column, slot) in columns.placed.iter().enumerate() {
            let Some((x, w)) = *slot else { continue };
            s.clear();
            let style = text(s, column, r);
            let style = if selected { theme.selected } else { style };
            cell(buf, body.x + x, y, w, s, style, columns.right[column]);
        }
    }
}
