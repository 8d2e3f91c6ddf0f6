//! Where each part of each screen goes. Pure geometry shared by the views (to draw) and the app
//! (to know how many rows a page holds), so the two never disagree.

use ratatui::layout::Rect;

/// Below this the screens do not fit; the views say so instead of drawing garbage.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 8;

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// One row at `y` of `area` (empty when outside it).
fn row(area: Rect, y: u16) -> Rect {
    if y >= area.height {
        return Rect::new(area.x, area.y + area.height, area.width, 0);
    }
    Rect::new(area.x, area.y + y, area.width, 1)
}

/// Rows `from..area.height - bottom` of `area`.
fn rows_between(area: Rect, from: u16, bottom: u16) -> Rect {
    let end = area
        .height
        .saturating_sub(bottom)
        .max(from.min(area.height));
    let from = from.min(end);
    Rect::new(area.x, area.y + from, area.width, end - from)
}

/// The status line: always the last row.
pub fn status(area: Rect) -> Rect {
    row(area, area.height.saturating_sub(1))
}

/// A titled table filling the screen: the main view and the request view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableLayout {
    pub title: Rect,
    pub header: Rect,
    pub body: Rect,
}

pub fn table(area: Rect) -> TableLayout {
    TableLayout {
        title: row(area, 0),
        header: row(area, 1),
        body: rows_between(area, 2, 1),
    }
}

/// The thread view: a table, and three lines below it saying what is counted per thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadsLayout {
    pub title: Rect,
    pub header: Rect,
    pub body: Rect,
    pub footer: Rect,
}

pub const THREADS_FOOTER: u16 = 4;

pub fn threads(area: Rect) -> ThreadsLayout {
    let body = rows_between(area, 2, 1 + THREADS_FOOTER);
    ThreadsLayout {
        title: row(area, 0),
        header: row(area, 1),
        body,
        footer: Rect::new(
            area.x,
            body.bottom(),
            area.width,
            THREADS_FOOTER.min(area.height.saturating_sub(body.bottom() - area.y + 1)),
        ),
    }
}

/// The violations view: a table with one more line above its header, for the kernel's own
/// denials (kept apart from the policy's verdicts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ViolationsLayout {
    pub title: Rect,
    pub kernel: Rect,
    pub header: Rect,
    pub body: Rect,
}

pub fn violations(area: Rect) -> ViolationsLayout {
    ViolationsLayout {
        title: row(area, 0),
        kernel: row(area, 1),
        header: row(area, 2),
        body: rows_between(area, 3, 1),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingLayout {
    pub title: Rect,
    pub summary: Rect,
    /// The ring's io_uring_register calls by opcode (zero height when it has none).
    pub register: Rect,
    /// Its registered files and buffers (zero height when it has none).
    pub registered: Rect,
    pub ops_header: Rect,
    pub ops_body: Rect,
    pub histogram: Rect,
    pub sparkline: Rect,
}

/// The ring view: title, summary, the register line when `register` (the ring has register
/// calls to show), the opcode table (as tall as its rows, up to half the screen), then the
/// latency histogram and the rate sparkline side by side.
pub fn ring(area: Rect, ops: usize, register: bool, registered: bool) -> RingLayout {
    let top = 2 + u16::from(register) + u16::from(registered); // title, summary, those lines
    let below_summary = area.height.saturating_sub(top + 1); // and status
    let max_ops = (below_summary / 2).saturating_sub(1).max(1);
    let ops_rows = u16::try_from(ops).unwrap_or(u16::MAX).clamp(1, max_ops);
    let graphs = rows_between(area, top + 1 + ops_rows, 1);
    let hist_width = graphs.width * 3 / 5;
    RingLayout {
        title: row(area, 0),
        summary: row(area, 1),
        register: if register {
            row(area, 2)
        } else {
            Rect::new(area.x, area.y + 2, area.width, 0)
        },
        registered: if registered {
            row(area, top - 1)
        } else {
            Rect::new(area.x, area.y + top, area.width, 0)
        },
        ops_header: row(area, top),
        ops_body: Rect::new(
            area.x,
            area.y + top + 1,
            area.width,
            ops_rows.min(area.height.saturating_sub(top + 2)),
        ),
        histogram: Rect::new(graphs.x, graphs.y, hist_width, graphs.height),
        sparkline: Rect::new(
            graphs.x + hist_width,
            graphs.y,
            graphs.width - hist_width,
            graphs.height,
        ),
    }
}

/// A box of at most `width` x `height` centered in `area`, leaving a margin when it can.
pub fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let w = width
        .min(area.width.saturating_sub(4))
        .max(area.width.min(20));
    let h = height
        .min(area.height.saturating_sub(2))
        .max(area.height.min(5));
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_leave_room_for_title_header_and_status() {
        let t = table(Rect::new(0, 0, 80, 24));
        assert_eq!(
            (t.title.y, t.header.y, t.body.y, t.body.height),
            (0, 1, 2, 21)
        );
        assert_eq!(status(Rect::new(0, 0, 80, 24)).y, 23);
        let tiny = table(Rect::new(0, 0, 80, 2));
        assert_eq!(tiny.body.height, 0);
    }

    #[test]
    fn the_ring_view_splits_the_screen() {
        let r = ring(Rect::new(0, 0, 80, 24), 4, false, false);
        assert_eq!(r.ops_body.height, 4);
        assert_eq!(r.histogram.y, 7);
        assert_eq!(r.histogram.height, 16);
        assert_eq!(r.histogram.width + r.sparkline.width, 80);
        let crowded = ring(Rect::new(0, 0, 80, 24), 40, false, false);
        assert_eq!(crowded.ops_body.height, 9);
        let small = ring(Rect::new(0, 0, 40, 8), 40, false, false);
        assert!(small.ops_body.bottom() <= 8 && small.histogram.bottom() <= 7);
        let with_register = ring(Rect::new(0, 0, 80, 24), 4, true, false);
        assert_eq!(with_register.register.y, 2);
        assert_eq!(with_register.registered.height, 0);
        assert_eq!(with_register.ops_header.y, 3);
        assert_eq!(with_register.histogram.y, 8);
        let both = ring(Rect::new(0, 0, 80, 24), 4, true, true);
        assert_eq!((both.register.y, both.registered.y), (2, 3));
        assert_eq!(both.ops_header.y, 4);
        let only_registered = ring(Rect::new(0, 0, 80, 24), 4, false, true);
        assert_eq!(only_registered.registered.y, 2);
        assert_eq!(only_registered.register.height, 0);
        let small = ring(Rect::new(0, 0, 40, 8), 40, true, true);
        assert!(small.ops_body.bottom() <= 8 && small.histogram.bottom() <= 7);
    }

    #[test]
    fn popups_stay_inside() {
        let area = Rect::new(0, 0, 80, 24);
        let p = popup(area, 100, 100);
        assert!(p.right() <= 80 && p.bottom() <= 24);
        assert_eq!(popup(area, 40, 10), Rect::new(20, 7, 40, 10));
    }
}
