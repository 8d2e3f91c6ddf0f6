//! A process in full, over the screen it was opened from (Enter on a process): who runs it and
//! where (user, cgroup, its unit or container, command line), its rings with their setup
//! flags, its totals, and whether it exited. Written cell by cell into the frame, with the
//! frame's scratch string: nothing is allocated per frame.

use super::text::{cell, fill};
use super::Canvas;
use super::{flags, popup_block, wrap};
use crate::format;
use crate::layout;
use crate::rows::{process_figures, ring_figures, Figures};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Clear, Widget};
use std::fmt::Write;
use uringtop_common::input::OTHER_RINGS;
use uringtop_common::model::ProcessState;

/// Width of the field names, then the values.
const LABEL: u16 = 10;
/// Lines of the command line at most; the rest is cut with `…`.
const CMDLINE_LINES: usize = 3;

pub fn draw(c: Canvas, area: Rect, pid: u32) {
    let (buf, model, _, theme, s) = c.parts();
    let Some(p) = model.process(pid) else {
        let popup = layout::popup(area, 60, 5);
        Clear.render(popup, buf);
        let block = popup_block(" process · Esc back ", theme);
        let inner = block.inner(popup);
        block.render(popup, buf);
        s.clear();
        let _ = write!(s, "pid {pid} is gone: it exited and left the list");
        popup_line(buf, inner, inner.y, s, theme.dim);
        return;
    };
    let width = 96.min(area.width);
    // The popup's real width (it keeps a margin), less the borders, the indent and the labels.
    let value_width = usize::from(
        layout::popup(area, width, 1)
            .width
            .saturating_sub(2 + 1 + LABEL + 1),
    );
    let cmdline_lines = wrap(&p.context.cmdline, value_width)
        .take(CMDLINE_LINES)
        .count()
        .max(1);
    let cgroup_lines = if p.context.cgroup.len() > value_width {
        2
    } else {
        1
    };
    // process, state, user, unit, cgroup…, cmdline…, interval, total, rings; a line per ring;
    // the keys; the border.
    let fixed = 7 + cmdline_lines as u16 + cgroup_lines;
    let rings = p.rings.len() as u16;
    let popup = layout::popup(area, width, fixed + rings + 3);
    Clear.render(popup, buf);
    let block = popup_block(" process · Esc back · k signal ", theme);
    let inner = block.inner(popup);
    block.render(popup, buf);
    fill(buf, inner, theme.popup);
    let mut w = Lines {
        buf,
        area: inner,
        y: inner.y,
        label: theme.dim,
        value: theme.popup,
    };

    s.clear();
    let _ = write!(s, "{}[{pid}]", display_comm(p));
    w.field("process", s);
    s.clear();
    if p.exited {
        s.push_str("exited during the latest interval: these are its last counts");
    } else {
        s.push_str("running");
    }
    let state_style = if p.exited { theme.bad } else { theme.popup };
    w.styled_field("state", s, state_style);
    s.clear();
    let c = &p.context;
    match (c.user.as_str(), c.uid) {
        ("", Some(uid)) => {
            let _ = write!(s, "uid {uid} (no name on this machine)");
        }
        (user, Some(uid)) => {
            let _ = write!(s, "{user} (uid {uid})");
        }
        (user, None) if !user.is_empty() => s.push_str(user),
        _ => s.push_str("unknown (not read, or a recording made before uringtop read it)"),
    }
    w.field("user", s);
    s.clear();
    match &p.group {
        Some(group) => s.push_str(group),
        None if c.cgroup.is_empty() => s.push_str("unknown"),
        None if c.cgroup == "/" => s.push_str("none: the root cgroup"),
        None => s.push_str("none that uringtop recognizes (see the cgroup)"),
    }
    w.field("unit", s);
    match c.cgroup.as_str() {
        "" => w.field("cgroup", "unknown"),
        path if path.len() > value_width => {
            // A container's path is long: two lines, cut on a character boundary.
            let mut end = value_width;
            while !path.is_char_boundary(end) {
                end -= 1;
            }
            w.field("cgroup", &path[..end]);
            w.field("", &path[end..]);
        }
        path => w.field("cgroup", path),
    }
    if c.cmdline.is_empty() {
        w.field("cmdline", "unknown (or none: a kernel thread)");
    } else {
        for (i, line) in wrap(&c.cmdline, value_width)
            .take(CMDLINE_LINES)
            .enumerate()
        {
            w.field(if i == 0 { "cmdline" } else { "" }, line);
        }
    }
    let f = process_figures(p);
    interval(s, &f);
    w.field("interval", s);
    s.clear();
    figures(
        s,
        &[
            Count(f.total, "SQEs since start"),
            Count(f.denied, "denied"),
            Count(f.cq_overflows, "CQ overflows"),
        ],
    );
    w.field("total", s);
    s.clear();
    let _ = write!(s, "{}", p.rings.len());
    w.field("rings", s);
    // One line per ring while they fit, keeping the last line for the keys.
    let room = usize::from(w.area.bottom().saturating_sub(w.y + 1));
    let shown = if p.rings.len() > room {
        room.saturating_sub(1)
    } else {
        p.rings.len()
    };
    for ring in p.rings.values().take(shown) {
        s.clear();
        if ring.info.ring == OTHER_RINGS {
            s.push_str("  other rings (not counted one by one)");
        } else {
            let _ = write!(s, "  ring {}", ring.info.ring);
        }
        if ring.info.pid != pid {
            let _ = write!(s, " (pid {}'s)", ring.info.pid);
        } else if let Some(fd) = ring.info.fd {
            let _ = write!(s, " fd {fd}");
        }
        if ring.info.setup_flags != 0 {
            s.push_str(" · ");
            flags::long(s, ring.info.setup_flags);
        }
        if ring.info.sq_entries > 0 {
            let _ = write!(
                s,
                " · SQ {} CQ {}",
                ring.info.sq_entries, ring.info.cq_entries
            );
        }
        s.push_str(" · ");
        let r = ring_figures(p, ring);
        figures(s, &[Rate(r.req_per_s, "req/s"), Count(r.total, "SQEs")]);
        if ring.closed {
            s.push_str(" · closed");
        }
        w.line(s, theme.popup);
    }
    if shown < p.rings.len() {
        s.clear();
        let _ = write!(
            s,
            "  … {} more (the ring view shows each)",
            p.rings.len() - shown
        );
        w.line(s, theme.dim);
    }
    let keys = "Esc back · k send a signal · t threads · F in the list follows it";
    popup_line(
        buf,
        inner,
        inner.bottom().saturating_sub(1),
        keys,
        theme.dim,
    );
}

/// A line of the popup at `y`: indented by one, as wide as the popup's `inner` area allows.
fn popup_line(buf: &mut Buffer, inner: Rect, y: u16, text: &str, style: Style) {
    cell(
        buf,
        inner.x + 1,
        y,
        inner.width.saturating_sub(1),
        text,
        style,
        false,
    );
}

fn display_comm(p: &ProcessState) -> &str {
    match p.comm.as_str() {
        "" if p.pid == 0 => "(other processes)",
        "" => "?",
        name => name,
    }
}

/// "1.2k req/s · 0 err/s · 3 in flight · p50 12µs · p99 80µs": the latest interval.
fn interval(s: &mut String, f: &Figures) {
    s.clear();
    figures(
        s,
        &[
            Rate(f.req_per_s, "req/s"),
            Rate(f.err_per_s, "err/s"),
            Count(f.inflight, "in flight"),
        ],
    );
    s.push_str(" · ");
    if f.completions == 0 {
        s.push_str("no completion");
    } else {
        s.push_str("p50 ");
        format::duration(s, f.p50_ns);
        s.push_str(" · p99 ");
        format::duration(s, f.p99_ns);
    }
}

/// A figure of the popup and what it counts, as [`figures`] writes it.
enum Figure<'a> {
    Rate(f64, &'a str),
    Count(u64, &'a str),
}
use Figure::{Count, Rate};

/// "1.2k req/s · 40 SQEs": each figure in its short format, then what it counts, joined by
/// " · " (the popup's every line of numbers reads this one way).
fn figures(s: &mut String, figures: &[Figure]) {
    for (i, figure) in figures.iter().enumerate() {
        if i > 0 {
            s.push_str(" · ");
        }
        let what = match *figure {
            Rate(per_s, what) => {
                format::rate(s, per_s);
                what
            }
            Count(n, what) => {
                format::count(s, n);
                what
            }
        };
        s.push(' ');
        s.push_str(what);
    }
}

/// Writes the popup's lines top to bottom, stopping at its last line (kept for the keys).
struct Lines<'b> {
    buf: &'b mut Buffer,
    area: Rect,
    y: u16,
    label: Style,
    value: Style,
}

impl Lines<'_> {
    fn room(&self) -> bool {
        self.y + 1 < self.area.bottom()
    }

    fn field(&mut self, label: &str, value: &str) {
        let style = self.value;
        self.styled_field(label, value, style);
    }

    fn styled_field(&mut self, label: &str, value: &str, style: Style) {
        if !self.room() {
            return;
        }
        let a = self.area;
        cell(self.buf, a.x + 1, self.y, LABEL, label, self.label, false);
        let x = a.x + 1 + LABEL + 1;
        cell(
            self.buf,
            x,
            self.y,
            a.right().saturating_sub(x),
            value,
            style,
            false,
        );
        self.y += 1;
    }

    fn line(&mut self, text: &str, style: Style) {
        if !self.room() {
            return;
        }
        popup_line(self.buf, self.area, self.y, text, style);
        self.y += 1;
    }
}
