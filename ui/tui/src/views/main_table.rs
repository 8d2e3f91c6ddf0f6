//! The main view: processes with their rings beneath, one row each.

use super::text::{cell, fill, line};
use super::Canvas;
use super::{empty_message, flags};
use crate::app::App;
use crate::columns::{Column, ColumnLayout};
use crate::format;
use crate::layout;
use crate::rows::{self, Row, RowId};
use crate::theme::Theme;
use crate::verdicts;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use std::fmt::Write;
use uringtop_common::input::OTHER_RINGS;
use uringtop_common::model::Model;
use uringtop_common::verdict::Action;

pub fn draw(c: Canvas, area: Rect) {
    let (buf, model, app, theme, scratch) = c.parts();
    let l = layout::table(area);
    title(buf, l.title, model, app, scratch);
    let columns = app.main.columns(area.width, &app.columns.main);
    header(buf, l.header, &columns, app, theme);
    let main = &app.main;
    if main.rows.is_empty() {
        let (first, second) = nothing_to_show(model, app, scratch);
        empty_message(buf, l.body, first, second, theme);
        return;
    }
    for (y, row, selected) in main.cursor.visible(&main.rows, l.body) {
        let line = Rect::new(l.body.x, y, l.body.width, 1);
        if selected {
            fill(buf, line, theme.selected);
        } else if row.departed {
            fill(buf, line, theme.departed);
        }
        let base = match (selected, row.id) {
            (true, _) => theme.selected,
            (false, RowId::Process(_)) => theme.process,
            (false, RowId::Ring { .. }) => theme.ring,
            (false, RowId::Group(_)) => theme.title,
        };
        for (column, x, w) in columns.iter() {
            scratch.clear();
            let emphasis = cell_text(scratch, column, row, model);
            let style = if selected {
                base
            } else if row.departed {
                // One style for the whole row: it is leaving, its figures are its last.
                base.patch(theme.departed)
            } else {
                emphasis.style(base, theme)
            };
            cell(
                buf,
                line.x + x,
                y,
                w,
                scratch,
                style,
                column.right_aligned(),
            );
        }
    }
}

/// How a value should stand out.
enum Emphasis {
    Normal,
    /// Zero or absent: fades, so that activity stands out.
    Dim,
    /// Errors, denials, overflows.
    Bad,
    /// Policy violations, by the worst action.
    Verdict(Action),
}

impl Emphasis {
    fn style(self, base: Style, theme: &Theme) -> Style {
        match self {
            Emphasis::Normal => base,
            Emphasis::Dim => base.patch(theme.dim),
            Emphasis::Bad => base.patch(theme.bad),
            Emphasis::Verdict(action) => base.patch(theme.verdict(action)),
        }
    }

    fn zero_dim(zero: bool) -> Self {
        if zero {
            Emphasis::Dim
        } else {
            Emphasis::Normal
        }
    }

    fn nonzero_bad(bad: bool) -> Self {
        if bad {
            Emphasis::Bad
        } else {
            Emphasis::Dim
        }
    }
}

fn cell_text(s: &mut String, column: Column, row: &Row, model: &Model) -> Emphasis {
    let f = &row.figures;
    let process = matches!(row.id, RowId::Process(_));
    match column {
        Column::Pid => {
            if let RowId::Process(pid) = row.id {
                let _ = write!(s, "{pid}");
            }
            Emphasis::Normal
        }
        Column::Comm => {
            comm(s, row, model);
            Emphasis::Normal
        }
        Column::Ring => match row.id {
            // Its COMM cell says "other rings"; no number belongs here.
            RowId::Ring { ring, .. } if ring == OTHER_RINGS => Emphasis::Normal,
            RowId::Ring { ring, .. } => {
                let _ = write!(s, "{ring}");
                Emphasis::Normal
            }
            RowId::Process(_) | RowId::Group(_) => {
                let _ = write!(s, "({})", row.rings);
                Emphasis::Dim
            }
        },
        Column::Flags => {
            flags::short(s, row.setup_flags);
            Emphasis::zero_dim(process)
        }
        Column::ReqRate => {
            format::rate(s, f.req_per_s);
            Emphasis::zero_dim(f.req_per_s <= 0.0)
        }
        Column::Total => {
            format::count(s, f.total);
            Emphasis::zero_dim(f.total == 0)
        }
        Column::Inflight => {
            format::count(s, f.inflight);
            Emphasis::zero_dim(f.inflight == 0)
        }
        Column::P50 | Column::P99 => {
            if f.completions == 0 {
                s.push('-');
                return Emphasis::Dim;
            }
            format::duration(
                s,
                if column == Column::P50 {
                    f.p50_ns
                } else {
                    f.p99_ns
                },
            );
            Emphasis::Normal
        }
        Column::ErrRate => {
            format::rate(s, f.err_per_s);
            Emphasis::nonzero_bad(f.err_per_s > 0.0)
        }
        Column::Denied => {
            format::count(s, f.denied);
            Emphasis::nonzero_bad(f.denied > 0)
        }
        Column::Verdict => match verdicts::compact(s, &f.verdicts) {
            Some(worst) => Emphasis::Verdict(worst),
            None => Emphasis::Dim,
        },
        Column::AsyncPct => {
            format::percent(s, f.async_pct);
            Emphasis::zero_dim(f.async_pct <= 0.0)
        }
        Column::CqOverflow => {
            format::count(s, f.cq_overflows);
            Emphasis::nonzero_bad(f.cq_overflows > 0)
        }
    }
}

/// A process: fold marker and name. A ring: tree branch and, when known, its fd. Then, in its
/// last interval, "(exited)" or "(closed)": the mark that remains without color.
fn comm(s: &mut String, row: &Row, model: &Model) {
    if row.grouped {
        s.push_str("  ");
    }
    match row.id {
        RowId::Group(_) => {
            s.push_str(if row.folded { "▸ " } else { "▾ " });
            s.push_str(row.label.as_deref().unwrap_or(""));
        }
        RowId::Process(pid) => {
            s.push_str(if row.folded { "▸ " } else { "▾ " });
            match model.process(pid).map(|p| p.comm.as_str()) {
                Some(name) if !name.is_empty() => s.push_str(name),
                // The probe's row of processes it could not count one by one.
                _ if pid == 0 => s.push_str("(other processes)"),
                _ => s.push('?'),
            }
            if row.departed {
                s.push_str(" (exited)");
            }
        }
        RowId::Ring { ring, .. } => {
            s.push_str(if row.last { "  └─" } else { "  ├─" });
            if ring == OTHER_RINGS {
                s.push_str(" other rings");
            } else if let Some(fd) = row.fd {
                let _ = write!(s, " fd {fd}");
            }
            if row.departed {
                s.push_str(" (closed)");
            }
        }
    }
}

fn title(buf: &mut Buffer, area: Rect, model: &Model, app: &App, s: &mut String) {
    let theme = &app.config.theme;
    let spec = &app.main.spec;
    // With --pid, the totals are that process's: the machine's would say nothing about it.
    let shown = || {
        model
            .processes()
            .filter(|p| spec.only_pid.is_none_or(|pid| p.pid == pid))
    };
    let processes = shown().count();
    let rings: usize = shown().map(|p| p.rings.len()).sum();
    s.clear();
    let _ = write!(
        s,
        "uringtop  {processes} process{} · {rings} ring{} · ",
        plural_es(processes),
        plural(rings)
    );
    let req_per_s = match spec.only_pid {
        Some(_) => shown().map(|p| p.interval.req_per_s).sum(),
        None => model.interval().req_per_s,
    };
    format::rate(s, req_per_s);
    s.push_str(" req/s");
    let _ = write!(
        s,
        " · sort {} {}",
        spec.sort.header(),
        if spec.descending { "▼" } else { "▲" }
    );
    if let Some(pid) = spec.only_pid {
        let _ = write!(s, " · pid {pid} only");
    }
    if !spec.filter.is_empty() {
        let _ = write!(s, " · filter \"{}\"", spec.filter);
    }
    if spec.group {
        s.push_str(" · by unit/container (c)");
    }
    if let Some(pid) = spec.follow {
        let comm = model.process(pid).map_or("?", |p| p.comm.as_str());
        let _ = write!(s, " · following {comm}[{pid}] (F stops)");
    }
    if !spec.show_idle {
        // What `i` would add: idle rings of live processes.
        let idle = shown()
            .filter(|p| !p.exited)
            .flat_map(|p| p.rings.values())
            .filter(|r| !r.closed && rows::ring_is_idle(r, spec.idle_after))
            .count();
        if idle > 0 {
            let _ = write!(s, " · {idle} idle hidden (i)");
        }
    }
    line(buf, area, s, theme.title);
}

fn header(buf: &mut Buffer, area: Rect, columns: &ColumnLayout, app: &App, theme: &Theme) {
    fill(buf, area, theme.header);
    super::request_table::hidden_marker(buf, area, columns.hidden(), theme);
    let spec = &app.main.spec;
    for (column, x, w) in columns.iter() {
        let sorted = column == spec.sort;
        let style = if sorted {
            theme.sort_header
        } else {
            theme.header
        };
        let name = column.header();
        if sorted {
            // The arrow goes on the side the values are aligned to, so names stay in place.
            let arrow = if spec.descending { "▼" } else { "▲" };
            let mut label = [0u8; 24];
            let text = join(&mut label, name, arrow, column.right_aligned());
            cell(
                buf,
                area.x + x,
                area.y,
                w,
                text,
                style,
                column.right_aligned(),
            );
        } else {
            cell(
                buf,
                area.x + x,
                area.y,
                w,
                name,
                style,
                column.right_aligned(),
            );
        }
    }
}

/// `name` and `arrow` in a stack buffer: the arrow first for right-aligned columns.
fn join<'a>(buf: &'a mut [u8; 24], name: &str, arrow: &str, arrow_first: bool) -> &'a str {
    let (a, b) = if arrow_first {
        (arrow, name)
    } else {
        (name, arrow)
    };
    let n = a.len() + b.len();
    if n > buf.len() {
        return "";
    }
    buf[..a.len()].copy_from_slice(a.as_bytes());
    buf[a.len()..n].copy_from_slice(b.as_bytes());
    std::str::from_utf8(&buf[..n]).unwrap_or("")
}

/// What to say instead of an empty table.
fn nothing_to_show<'a>(model: &Model, app: &App, s: &'a mut String) -> (&'static str, &'a str) {
    s.clear();
    let spec = &app.main.spec;
    if model.processes().next().is_none() {
        s.push_str(if app.source_ended {
            "the source ended before any process used io_uring"
        } else {
            "processes appear here as soon as they submit to a ring"
        });
        return ("no io_uring activity yet", s);
    }
    if let Some(pid) = spec.only_pid.filter(|&pid| model.process(pid).is_none()) {
        let _ = write!(s, "pid {pid} has not used io_uring since uringtop started");
        return ("no io_uring activity yet", s);
    }
    if !spec.show_idle && spec.filter.is_empty() {
        s.push_str("every ring has been idle for a while: i shows them");
        return ("no ring busy", s);
    }
    let _ = write!(
        s,
        "nothing matches \"{}\": Esc clears the filter",
        spec.filter
    );
    ("no match", s)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn plural_es(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "es"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_join_on_the_aligned_side() {
        let mut b = [0u8; 24];
        assert_eq!(join(&mut b, "REQ/s", "▼", true), "▼REQ/s");
        assert_eq!(join(&mut b, "COMM", "▲", false), "COMM▲");
        assert_eq!(super::super::text::display_width("▼REQ/s"), 6);
    }
}
