//! The request view: one ring's SQE/CQE pairs as they stream in, newest first.

use super::request_table::{self, figure, Columns};
use super::text::line;
use super::Canvas;
use super::{empty_message, flags, ring_label};
use crate::app::SourceKind;
use crate::column_choice::REQUESTS;
use crate::format;
use crate::layout;
use crate::request_screen::RequestScreen;
use crate::App;
use ratatui::layout::Rect;
use std::fmt::Write;
use uringtop_common::input::{ExecPath, Request};
use uringtop_common::model::Model;
use uringtop_common::names::opcode_name;
use uringtop_common::request_fields as fields;

pub fn draw(c: Canvas, area: Rect, screen: &RequestScreen) {
    let (app, theme) = (c.app, c.theme);
    let l = layout::table(area);
    title(c.s, c.model, app, screen);
    line(c.buf, l.title, c.s, theme.title);
    let columns = Columns::place(&REQUESTS, &app.columns.requests, area.width);
    request_table::header(c.buf, l.header, &columns, theme);
    if screen.list.seqs.is_empty() && !screen.query.is_empty() {
        c.s.clear();
        let _ = write!(
            c.s,
            "no request of {} matches \"{}\"",
            ring_label(screen.filter.ring),
            screen.query.text()
        );
        return empty_message(
            c.buf,
            l.body,
            c.s,
            "Esc clears the filter; / changes it",
            theme,
        );
    }
    if screen.list.seqs.is_empty() {
        c.s.clear();
        let _ = write!(
            c.s,
            "waiting for requests on {}",
            ring_label(screen.filter.ring)
        );
        if let Some(op) = screen.filter.opcode {
            let _ = write!(c.s, " ({} only)", opcode_name(op));
        }
        let why = match app.config.source {
            SourceKind::Live => "the probe streams this ring's requests while this view is open",
            SourceKind::Recording => "the recording holds no requests of this ring so far",
        };
        return empty_message(c.buf, l.body, c.s, why, theme);
    }
    request_table::rows(c, l.body, &columns, &screen.list, |s, column, r| {
        if request_cell(s, column, r, app.config.utc_offset_s) {
            theme.bad
        } else {
            theme.ring
        }
    });
}

/// One cell of a request row; true when it shows a failure.
fn request_cell(s: &mut String, column: usize, r: &Request, utc_offset_s: i64) -> bool {
    match column {
        0 => fields::time(s, r.time_ns, utc_offset_s),
        1 => figure(s, r.tid),
        2 => {
            s.push_str(&fields::opcode(r));
            // The n-th CQE of a request that posts several (multishot, SEND_ZC).
            if let Some(cqe) = fields::cqe(r) {
                let _ = write!(s, " {cqe}");
            }
        }
        3 => figure(s, fields::fd(r)),
        4 => figure(s, r.off),
        5 => figure(s, r.len),
        6 => flags::short_sqe(s, r.sqe_flags),
        7 => {
            let _ = write!(s, "{:#x}", r.user_data);
        }
        8 => {
            fields::result(s, r.res);
            return r.res < 0;
        }
        9 => match r.latency_ns {
            Some(ns) => format::duration(s, ns),
            None => s.push('-'),
        },
        10 => {
            s.push_str(fields::path(r));
            return r.path == ExecPath::Rejected;
        }
        _ => fields::telling_argument(s, r),
    }
    false
}

/// The title line's text, into `s`.
fn title(s: &mut String, model: &Model, app: &App, screen: &RequestScreen) {
    s.clear();
    let _ = write!(s, "requests of {}", ring_label(screen.filter.ring));
    if let Some(p) = model.process(screen.pid) {
        let _ = write!(s, " · {}[{}]", p.comm, p.pid);
    }
    if let Some(op) = screen.filter.opcode {
        let _ = write!(s, " · {} only", opcode_name(op));
    }
    if screen.query.is_empty() {
        let _ = write!(s, " · {} held · newest first", screen.list.seqs.len());
    } else {
        let _ = write!(
            s,
            " · filter \"{}\" · {} match · newest first",
            screen.query.text(),
            screen.list.seqs.len()
        );
    }
    s.push_str(screen.list.title_text(app.paused()));
}
