//! Writing text straight into the frame's buffer: table cells, aligned and clipped. Cheaper than
//! building widgets per cell, and the caller can reuse one scratch `String` for the whole frame.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;

/// Writes `text` in the `width` cells at (x, y), right-aligned if asked, cut with `…` if it
/// does not fit. Returns the x just past what was written.
pub fn cell(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    width: u16,
    text: &str,
    style: Style,
    right: bool,
) -> u16 {
    if width == 0 {
        return x;
    }
    let w = display_width(text);
    if w <= usize::from(width) {
        let pad = if right { width - w as u16 } else { 0 };
        let (end, _) = buf.set_stringn(x + pad, y, text, usize::from(width - pad), style);
        return end;
    }
    let (end, _) = buf.set_stringn(x, y, text, usize::from(width - 1), style);
    buf.set_stringn(end, y, "…", 1, style).0
}

/// Writes `text` across the first row of `area`, left-aligned and cut with `…`: a view's title
/// line, which every view draws this way.
pub fn line(buf: &mut Buffer, area: Rect, text: &str, style: Style) {
    cell(buf, area.x, area.y, area.width, text, style, false);
}

/// Styles a row (or any area), e.g. the selection bar. The frame's buffer starts blank, so only
/// the style needs setting.
pub fn fill(buf: &mut Buffer, area: Rect, style: Style) {
    buf.set_style(area, style);
}

/// Terminal cells taken by `text`.
pub fn display_width(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        Span::raw(text).width()
    }
}

/// Writes `parts` one after another from (x, y), each in its style, up to `right`. Returns the
/// x just past the last one written.
pub fn spans(buf: &mut Buffer, mut x: u16, y: u16, right: u16, parts: &[(&str, Style)]) -> u16 {
    for &(text, style) in parts {
        if x >= right {
            break;
        }
        x = buf.set_stringn(x, y, text, usize::from(right - x), style).0;
    }
    x
}
