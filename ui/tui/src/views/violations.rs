//! The violations view: the policy's recent verdicts other than allow, newest first, with the
//! rule that decided; above them, what the kernel itself refused.

use super::request_table::{self, figure, Columns};
use super::text::line;
use super::Canvas;
use super::{empty_message, kernel_denials};
use crate::column_choice::VIOLATIONS;
use crate::format;
use crate::layout;
use crate::policy::PolicyLabel;
use crate::violation_screen::ViolationScreen;
use crate::App;
use ratatui::layout::Rect;
use std::fmt::Write;
use uringtop_common::input::{Request, OTHER_RINGS};
use uringtop_common::model::Model;
use uringtop_common::request_fields as fields;

pub fn draw(c: Canvas, area: Rect, screen: &ViolationScreen) {
    let (app, theme) = (c.app, c.theme);
    let l = layout::violations(area);
    title(c.s, c.model, app, screen);
    line(c.buf, l.title, c.s, theme.title);
    kernel_denials::draw(c.buf, l.kernel, c.model, theme, c.s);
    let columns = Columns::place(&VIOLATIONS, &app.columns.violations, area.width);
    request_table::header(c.buf, l.header, &columns, theme);
    if screen.list.seqs.is_empty() {
        return empty_message(
            c.buf,
            l.body,
            "no policy violation so far",
            "SQEs the policy logs, denies or kills appear here as they happen",
            theme,
        );
    }
    request_table::rows(c, l.body, &columns, &screen.list, |s, column, r| {
        violation_cell(s, column, r, app);
        match column {
            7 => theme
                .ring
                .patch(theme.verdict(r.verdict.unwrap_or_default().action)),
            _ => theme.ring,
        }
    });
}

fn violation_cell(s: &mut String, column: usize, r: &Request, app: &App) {
    let verdict = r.verdict.unwrap_or_default();
    match column {
        0 => fields::time(s, r.time_ns, app.config.utc_offset_s),
        1 => process(s, &r.comm, r.pid, usize::from(VIOLATIONS[1].fit.width)),
        2 if r.ring == OTHER_RINGS => s.push_str("other"),
        2 => figure(s, r.ring),
        3 => s.push_str(&fields::opcode(r)),
        4 => figure(s, fields::fd(r)),
        5 => figure(s, r.off),
        6 => figure(s, r.len),
        7 => s.push_str(fields::verdict_word(&verdict)),
        _ => rule(s, verdict.rule, app.config.policy.as_ref()),
    }
}

/// `comm[pid]` in `width` characters: when it does not fit, the name is cut, never the pid
/// (`demo_workl…[20131]`, not `demo_workload[201…`).
fn process(s: &mut String, comm: &str, pid: u32, width: usize) {
    // "[" + the pid's digits + "]", counted rather than formatted: this runs for every cell drawn.
    let pid_width = pid.checked_ilog10().unwrap_or(0) as usize + 3;
    let room = width.saturating_sub(pid_width);
    if comm.chars().count() <= room {
        s.push_str(comm);
    } else {
        s.extend(comm.chars().take(room.saturating_sub(1)));
        s.push('…');
    }
    let _ = write!(s, "[{pid}]");
}

/// `#2 deny OPENAT outside /srv`: rules numbered from 1, as they appear in the file; `default`
/// when no rule matched.
pub fn rule(s: &mut String, rule: Option<u16>, policy: Option<&PolicyLabel>) {
    fields::rule(s, rule);
    if let (Some(r), Some(p)) = (rule, policy) {
        let _ = write!(s, " {}", p.rule_text(Some(r)));
    }
}

/// The title line's text, into `s`.
fn title(s: &mut String, model: &Model, app: &App, screen: &ViolationScreen) {
    s.clear();
    s.push_str("policy violations");
    if let Some((pid, ring)) = screen.filter.ring {
        let _ = write!(s, " of ring {ring}");
        if let Some(p) = model.process(pid) {
            let _ = write!(s, " · {}[{}]", p.comm, p.pid);
        }
    }
    let _ = write!(
        s,
        " · {} held, {} seen · newest first",
        screen.list.seqs.len(),
        model.violations_seen()
    );
    s.push_str(screen.list.title_text(app.paused()));
    // Verdicts per rule since start (every process, SQEs and register calls): which rules fire.
    let hits = model.rule_hits();
    if !hits.is_empty() {
        s.push_str(" · rule hits");
        for (i, &n) in hits.iter().enumerate() {
            let _ = write!(s, " #{}:", i + 1);
            format::count(s, n);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_process_is_cut_in_its_name_not_its_pid() {
        let cell = |comm: &str, pid| {
            let mut s = String::new();
            super::process(&mut s, comm, pid, 18);
            s
        };
        assert_eq!(cell("demo_workload", 20131), "demo_workl…[20131]");
        assert_eq!(cell("nginx", 1449), "nginx[1449]");
        assert_eq!(cell("tokio-runtime-w", 1892), "tokio-runti…[1892]");
        assert_eq!(cell("demo_workload", 20131).chars().count(), 18);
    }
}
