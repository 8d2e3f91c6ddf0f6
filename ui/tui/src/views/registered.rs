//! A ring's registered files and buffers (see `uringtop_common::registered`): one line in the
//! ring view, and with `R` the whole list in place of the graphs.

use super::text::{cell, fill};
use crate::format;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Widget};
use std::fmt::Write;
use uringtop_common::registered::Registered;

/// `registered: 2 of 4 file slots used · 2 buffers, 68 KiB · R lists them · /etc/hostname, data.0`:
/// counts first, so that a narrow terminal cuts the names, not the numbers.
pub fn line(buf: &mut Buffer, area: Rect, reg: &Registered, theme: &Theme, s: &mut String) {
    if area.height == 0 || reg.is_empty() {
        return;
    }
    s.clear();
    s.push_str("registered:");
    if reg.file_slots > 0 {
        if reg.complete {
            let _ = write!(s, " {}", reg.files.len());
        } else if !reg.files.is_empty() {
            let _ = write!(s, " {}+", reg.files.len()); // the list was cut
        } else {
            s.push_str(" ?"); // counts only: the kernel's ring lock was busy
        }
        let _ = write!(s, " of {} file slots used", reg.file_slots);
    }
    if reg.buffer_count > 0 {
        if reg.file_slots > 0 {
            s.push_str(" ·");
        }
        let _ = write!(s, " {} buffers", reg.buffer_count);
        if !reg.buffers.is_empty() {
            s.push_str(", ");
            format::bytes(s, reg.buffer_bytes());
            if !reg.complete {
                s.push_str(" listed");
            }
        }
    }
    s.push_str(" · R lists them");
    for (i, f) in reg.files.iter().enumerate() {
        s.push_str(if i == 0 { " · " } else { ", " });
        s.push_str(&f.name);
    }
    cell(buf, area.x, area.y, area.width, s, theme.ring, false);
}

/// The whole list: each occupied file slot with its path, each buffer with its size and address.
pub fn panel(
    buf: &mut Buffer,
    area: Rect,
    reg: Option<&Registered>,
    theme: &Theme,
    s: &mut String,
) {
    let block = Block::bordered()
        .title(" registered files and buffers (R: back to the graphs) ")
        .border_style(theme.dim)
        .title_style(theme.title);
    let inner = block.inner(area);
    block.render(area, buf);
    fill(buf, inner, theme.ring);
    let Some(reg) = reg.filter(|r| !r.is_empty()) else {
        let why = "nothing registered, or not read: the ring was created before uringtop started \
                   and its fd could not be told apart from its process's other rings";
        cell(
            buf,
            inner.x + 1,
            inner.y,
            inner.width.saturating_sub(1),
            why,
            theme.dim,
            false,
        );
        return;
    };
    // The last row says how many did not fit, when some do not.
    let lines = 2 + reg.files.len() + reg.buffers.len() + usize::from(!reg.complete);
    let rows = usize::from(inner.height);
    let room = if lines > rows {
        rows.saturating_sub(1)
    } else {
        rows
    };
    let mut y = inner.y;
    let mut put = |s: &str, style| {
        if usize::from(y - inner.y) < room {
            cell(
                buf,
                inner.x + 1,
                y,
                inner.width.saturating_sub(1),
                s,
                style,
                false,
            );
            y += 1;
        }
    };
    s.clear();
    let more = if reg.complete { "" } else { "+" };
    let _ = write!(
        s,
        "files: {}{more} in {} slots",
        reg.files.len(),
        reg.file_slots
    );
    put(s, theme.header);
    for f in &reg.files {
        s.clear();
        let _ = write!(s, "{:>6}  {}", f.slot, f.name);
        put(s, theme.ring);
    }
    s.clear();
    let _ = write!(s, "buffers: {}", reg.buffer_count);
    if !reg.buffers.is_empty() {
        s.push_str(", ");
        format::bytes(s, reg.buffer_bytes());
    }
    put(s, theme.header);
    for b in &reg.buffers {
        s.clear();
        let _ = write!(s, "{:>6}  ", b.index);
        format::bytes(s, b.len);
        let _ = write!(s, " at {:#x}", b.addr);
        put(s, theme.ring);
    }
    if !reg.complete {
        put(
            "the kernel listed only part (its ring lock was busy, or past 256 entries): counts are exact",
            theme.dim,
        );
    }
    if lines > rows && rows > 0 {
        s.clear();
        let _ = write!(
            s,
            "… {} more lines (`dump --format json` lists them all)",
            lines - room
        );
        let y = inner.y + inner.height - 1;
        cell(
            buf,
            inner.x + 1,
            y,
            inner.width.saturating_sub(1),
            s,
            theme.dim,
            false,
        );
    }
}
