//! The thread view: a process's threads, their roles, and the SQEs each submitted while the view
//! was open; below, what is counted per thread and what is not.

use super::text::{cell, fill, line};
use super::Canvas;
use super::{empty_message, wrap};
use crate::columns::{fit, Fit};
use crate::format;
use crate::layout;
use crate::thread_screen::{Listing, ThreadRow, ThreadScreen};
use crate::threads::Role;
use ratatui::layout::Rect;
use std::fmt::Write;
use uringtop_common::model::Model;

const HEADERS: [&str; 10] = [
    "TID", "NAME", "ROLE", "SQEs", "SHARE", "INLINE", "POLL", "IO-WQ", "REJECTED", "ERRORS",
];
const COLUMNS: [Fit; 10] = [
    Fit::new(8, 0, false),
    Fit::new(16, 0, true),
    Fit::new(12, 0, false),
    Fit::new(8, 0, false),
    Fit::new(6, 1, false),
    Fit::new(7, 1, false),
    Fit::new(6, 2, false),
    Fit::new(6, 1, false),
    Fit::new(8, 2, false),
    Fit::new(7, 1, false),
];

const COUNTED: &str = "SQEs: the requests each thread submitted (an SQPOLL ring's are its iou-sqp \
     thread's), of this process's requests streamed since this view opened; INLINE, POLL, IO-WQ: \
     how they ran. io-wq workers run the punted ones, but the probe does not say which worker ran \
     which: their rows have no counts.";
const LIVE_SOURCE: &str = "Threads: /proc/PID/task, read every second.";
const RECORDING_SOURCE: &str = "A recording: the threads its streamed requests name (names are \
     not recorded, and /proc is this machine's present).";

pub fn draw(c: Canvas, area: Rect, screen: &ThreadScreen) {
    let (buf, model, _, theme, s) = c.parts();
    let l = layout::threads(area);
    title(s, model, screen);
    line(buf, l.title, s, theme.title);
    let placed = fit(&COLUMNS, area.width);
    fill(buf, l.header, theme.header);
    for (i, (header, slot)) in HEADERS.iter().zip(placed).enumerate() {
        if let Some((x, w)) = slot {
            cell(
                buf,
                l.header.x + x,
                l.header.y,
                w,
                header,
                theme.header,
                i >= 3,
            );
        }
    }
    if screen.rows.is_empty() {
        let (first, second) = match &screen.listing {
            Listing::Waiting => ("reading /proc…", ""),
            Listing::Failed(why) => ("no threads to list", why.as_str()),
            _ => (
                "no request of this process streamed yet",
                "its submitting threads appear as their requests arrive",
            ),
        };
        empty_message(buf, l.body, first, second, theme);
    }
    for (y, row, selected) in screen.cursor.visible(&screen.rows, l.body) {
        let base = if selected { theme.selected } else { theme.ring };
        if selected {
            fill(buf, Rect::new(area.x, y, area.width, 1), theme.selected);
        }
        for (column, slot) in placed.iter().enumerate() {
            let Some((x, w)) = *slot else { continue };
            s.clear();
            let dim = row_cell(s, column, row, screen);
            let style = if dim && !selected {
                base.patch(theme.dim)
            } else {
                base
            };
            cell(buf, area.x + x, y, w, s, style, column >= 3);
        }
    }
    // The footer: what is counted per thread, and where the list comes from.
    let source = match screen.listing {
        Listing::Recording => RECORDING_SOURCE,
        _ => LIVE_SOURCE,
    };
    let width = usize::from(l.footer.width.saturating_sub(1)).max(1);
    let lines = wrap(COUNTED, width).chain(wrap(source, width));
    for (y, line) in (l.footer.y..l.footer.bottom()).zip(lines) {
        cell(
            buf,
            l.footer.x + 1,
            y,
            l.footer.width.saturating_sub(1),
            line,
            theme.dim,
            false,
        );
    }
}

/// One cell; true when it should fade (zero, unknown, not counted).
fn row_cell(s: &mut String, column: usize, row: &ThreadRow, screen: &ThreadScreen) -> bool {
    let c = &row.counts;
    // io-wq workers run requests no record attributes to them: nothing to count.
    let uncounted = row.role == Role::IoWq && c.sqes == 0;
    let number = |s: &mut String, n: u64| {
        if uncounted {
            s.push('-');
            return true;
        }
        format::count(s, n);
        n == 0
    };
    match column {
        0 => {
            let _ = write!(s, "{}", row.tid);
            false
        }
        1 => match &row.name {
            Some(name) => {
                s.push_str(name);
                false
            }
            None => {
                s.push_str(match screen.listing {
                    Listing::Read(_) => "(exited)",
                    _ => "?",
                });
                true
            }
        },
        2 => {
            let _ = write!(s, "{}", row.role);
            row.role == Role::Unknown
        }
        3 => number(s, c.sqes),
        4 => {
            if uncounted || screen.counted == 0 {
                s.push('-');
                return true;
            }
            format::percent(s, c.sqes as f64 * 100.0 / screen.counted as f64);
            c.sqes == 0
        }
        5 => number(s, c.inline),
        6 => number(s, c.poll),
        7 => number(s, c.iowq),
        8 => number(s, c.rejected),
        _ => number(s, c.errors),
    }
}

/// The title line's text, into `s`.
fn title(s: &mut String, model: &Model, screen: &ThreadScreen) {
    s.clear();
    let comm = model.process(screen.pid).map_or("?", |p| p.comm.as_str());
    let _ = write!(s, "threads · {comm}[{}]", screen.pid);
    if let Listing::Read(_) = screen.listing {
        let (sqpoll, iowq, all) = screen.role_counts();
        let _ = write!(
            s,
            " · {all} thread{}: {sqpoll} SQPOLL, {iowq} io-wq worker{}",
            if all == 1 { "" } else { "s" },
            if iowq == 1 { "" } else { "s" }
        );
    }
    if let Listing::Failed(why) = &screen.listing {
        let _ = write!(s, " · {why}");
    }
    s.push_str(" · ");
    format::count(s, screen.counted);
    s.push_str(" SQEs counted");
    if screen.missed > 0 {
        s.push_str(" · ");
        format::count(s, screen.missed);
        s.push_str(" arrived too fast to count");
    }
}
