//! The ring view: the ring's description, its opcodes, the selected opcode's latency histogram
//! and the ring's completion rate over the last minute.

use super::request_table::{self, Columns};
use super::text::{cell, fill, line};
use super::Canvas;
use super::{empty_message, histogram, register_line, registered, ring_label, sparkline};
use crate::column_choice::{TableColumn, RING};
use crate::columns::HIDDEN;
use crate::format;
use crate::layout;
use crate::ring_screen::RingScreen;
use crate::theme::Theme;
use crate::App;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Widget};
use std::fmt::Write;
use uringtop_common::input::OTHER_RINGS;
use uringtop_common::latency::LatencySummary;
use uringtop_common::model::{counters, OpState, ProcessState, RingState};
use uringtop_common::names::{errno_name, opcode_name, setup_flag_names};
use uringtop_common::verdict::Action;

/// The policy's columns (LOG, DENY, KILL): only with a policy.
const VERDICT_COLUMNS: std::ops::RangeInclusive<usize> = 5..=7;

/// The opcode table's columns, without the verdict ones when no policy is loaded.
fn columns(policy: bool) -> [TableColumn; RING.len()] {
    let mut c = RING;
    if !policy {
        for i in VERDICT_COLUMNS {
            c[i].fit.priority = HIDDEN;
        }
    }
    c
}

pub fn draw(c: Canvas, area: Rect, screen: &RingScreen) {
    let (buf, model, app, theme, s) = c.parts();
    let l = layout::ring(
        area,
        screen.ops.len(),
        screen.register_line,
        screen.registered_line,
    );
    let found = model
        .process(screen.pid)
        .and_then(|p| p.rings.get(&screen.ring).map(|r| (p, r)));
    let Some((process, ring)) = found else {
        s.clear();
        let _ = write!(
            s,
            "{} of pid {} is gone: it closed, or the process exited",
            ring_label(screen.ring),
            screen.pid
        );
        return empty_message(buf, area, s, "Esc goes back", theme);
    };
    title(buf, l.title, process, ring, theme, s);
    summary(buf, l.summary, ring, theme, s);
    register_line::draw(buf, l.register, &ring.info, theme, s);
    if let Some(reg) = &ring.info.registered {
        registered::line(buf, l.registered, reg, theme, s);
    }
    let catalogue = columns(app.config.policy.is_some());
    let columns = Columns::place(&catalogue, &app.columns.ring, area.width);
    request_table::header(buf, l.ops_header, &columns, theme);
    if screen.ops.is_empty() {
        cell(
            buf,
            l.ops_body.x + 1,
            l.ops_body.y,
            l.ops_body.width,
            "no requests on this ring yet",
            theme.dim,
            false,
        );
    }
    for (y, opcode, selected) in screen.cursor.visible(&screen.ops, l.ops_body) {
        let Some(op) = ring.ops.get(opcode) else {
            continue;
        };
        let style = if selected { theme.selected } else { theme.ring };
        if selected {
            fill(buf, Rect::new(area.x, y, area.width, 1), theme.selected);
        }
        let latency = latency(op, screen.since_start);
        for (column, x, w) in columns.iter() {
            s.clear();
            let mark = op_cell(s, column, op, &latency, theme);
            let style = match mark {
                Some(mark) if !selected => style.patch(mark),
                _ => style,
            };
            cell(buf, area.x + x, y, w, s, style, columns.right(column));
        }
    }
    let selected_op = screen.selected.and_then(|op| ring.ops.get(&op));
    if screen.show_registered {
        let lower = l.histogram.union(l.sparkline);
        return registered::panel(buf, lower, ring.info.registered.as_deref(), theme, s);
    }
    graphs(
        buf,
        l.histogram,
        l.sparkline,
        ring,
        selected_op,
        screen.since_start,
        app,
        s,
    );
}

fn latency(op: &OpState, since_start: bool) -> LatencySummary {
    if since_start {
        LatencySummary::cumulative(&op.total.latency)
    } else {
        op.interval.latency
    }
}

/// One cell of the opcode table; the style to mark it with when it shows something wrong
/// (errors, denials, verdicts).
fn op_cell(
    s: &mut String,
    column: usize,
    op: &OpState,
    latency: &LatencySummary,
    theme: &Theme,
) -> Option<Style> {
    let t = &op.total;
    let bad = |b: bool| b.then_some(theme.bad);
    match column {
        0 => s.push_str(&opcode_name(op.opcode)),
        1 => format::rate(s, op.interval.req_per_s),
        2 => format::count(s, t.submitted.saturating_add(t.rejected)),
        3 => {
            errors(s, op);
            return bad(t.errors > 0);
        }
        4 => {
            format::count(s, t.denied);
            return bad(t.denied > 0);
        }
        5..=7 => {
            let action = [Action::Log, Action::Deny, Action::Kill][column - 5];
            let n = t.verdicts.get(action);
            format::count(s, n);
            return (n > 0).then(|| theme.verdict(action));
        }
        8 => format::percent(s, op.interval.async_pct),
        9..=12 if latency.count == 0 => s.push('-'),
        9 => format::duration(s, latency.p50),
        10 => format::duration(s, latency.p90),
        11 => format::duration(s, latency.p99),
        _ => format::duration(s, latency.max),
    }
    None
}

/// "ENOENT 37, EAGAIN 2": errors since start by errno, most frequent first.
fn errors(s: &mut String, op: &OpState) {
    let mut by_count: Vec<(u64, u16)> = op.total.errnos.iter().map(|(&e, &n)| (n, e)).collect();
    by_count.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (i, (n, e)) in by_count.into_iter().filter(|&(n, _)| n > 0).enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{} {n}", errno_name(e));
    }
    if s.is_empty() {
        s.push('0');
    }
}

fn title(
    buf: &mut Buffer,
    area: Rect,
    p: &ProcessState,
    ring: &RingState,
    theme: &Theme,
    s: &mut String,
) {
    let info = &ring.info;
    s.clear();
    if info.ring == OTHER_RINGS {
        s.push_str("other rings (not counted one by one)");
    } else {
        let _ = write!(s, "ring {}", info.ring);
    }
    let _ = write!(s, " · {}[{}]", p.comm, p.pid);
    if p.exited {
        s.push_str(" · exited: its last interval");
    } else if ring.closed {
        s.push_str(" · closed: its last interval");
    }
    if info.pid != p.pid {
        let _ = write!(s, " (created by pid {})", info.pid);
    }
    if let Some(fd) = info.fd {
        let _ = write!(s, " · fd {fd}");
    }
    if info.sq_entries > 0 {
        let _ = write!(s, " · SQ {} CQ {}", info.sq_entries, info.cq_entries);
    }
    let flags = setup_flag_names(info.setup_flags);
    if !flags.is_empty() {
        let _ = write!(s, " · {}", flags.join("|"));
    }
    // Who runs it and where: the user, and the container or unit its cgroup names.
    let context = &p.context;
    if !context.user.is_empty() {
        let _ = write!(s, " · user {}", context.user);
    } else if let Some(uid) = context.uid {
        let _ = write!(s, " · uid {uid}");
    }
    if let Some(group) = &p.group {
        let _ = write!(s, " · {group}");
    }
    if !context.cmdline.is_empty() {
        let _ = write!(s, " · {}", context.cmdline);
    }
    line(buf, area, s, theme.title);
}

fn summary(buf: &mut Buffer, area: Rect, ring: &RingState, theme: &Theme, s: &mut String) {
    let i = &ring.interval;
    s.clear();
    s.push_str("REQ/s ");
    format::rate(s, i.req_per_s);
    s.push_str("  ERR/s ");
    format::rate(s, i.err_per_s);
    let _ = write!(s, "  INFLIGHT {}", i.inflight);
    if i.latency.count > 0 {
        s.push_str("  p50 ");
        format::duration(s, i.latency.p50);
        s.push_str("  p99 ");
        format::duration(s, i.latency.p99);
    }
    s.push_str("  ASYNC ");
    format::percent(s, i.async_pct);
    let info = &ring.info;
    let _ = write!(s, "  CQ OVFL {}", info.cq_overflows);
    if info.register_calls > 0 {
        let _ = write!(
            s,
            "  register {} ({} failed, {} denied)",
            info.register_calls, info.register_failed, info.register_denied
        );
    }
    let bad = info.cq_overflows > 0 || i.err_per_s > 0.0 || info.register_denied > 0;
    line(buf, area, s, if bad { theme.bad } else { theme.ring });
}

#[allow(clippy::too_many_arguments)] // one call site; the pieces are genuinely separate
fn graphs(
    buf: &mut Buffer,
    hist_area: Rect,
    spark_area: Rect,
    ring: &RingState,
    op: Option<&OpState>,
    since_start: bool,
    app: &App,
    s: &mut String,
) {
    let theme = &app.config.theme;
    s.clear();
    match op {
        Some(op) => {
            let window = if since_start {
                "since start"
            } else {
                "last interval"
            };
            let _ = write!(s, " latency of {}, {window} (w) ", opcode_name(op.opcode));
        }
        None => s.push_str(" latency "),
    }
    let block = Block::bordered()
        .title(s.as_str())
        .border_style(theme.dim)
        .title_style(theme.title);
    let inner = block.inner(hist_area);
    block.render(hist_area, buf);
    if let Some(op) = op {
        let latency = latency(op, since_start);
        let marks = [(latency.p50, "p50"), (latency.p99, "p99")];
        if since_start {
            histogram::draw(buf, inner, &op.total.latency.buckets, marks, theme);
        } else {
            let window = counters::difference(&op.total, &op.prev);
            histogram::draw(buf, inner, &window.latency.buckets, marks, theme);
        }
    }

    let seconds = ring.rate_history.len() as f64 * app.config.refresh.interval().as_secs_f64();
    let inner = Block::bordered().inner(spark_area);
    let max = sparkline::draw(buf, inner, &ring.rate_history, theme);
    s.clear();
    s.push_str(" CQE/s, last ");
    format::interval(s, std::time::Duration::from_secs_f64(seconds.round()));
    s.push_str(" · max ");
    format::rate(s, max);
    s.push(' ');
    Block::bordered()
        .title(s.as_str())
        .border_style(theme.dim)
        .title_style(theme.title)
        .render(spark_area, buf);
}
