//! One request in full: every SQE field, the CQE, how it executed and how long it took.

use super::requests::{fd, res};
use super::violations::rule;
use crate::format;
use crate::layout;
use crate::policy::action_label;
use crate::App;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};
use uringtop_common::input::{ExecPath, Request};
use uringtop_common::names::{
    cqe_buffer_id, cqe_flag_names, opcode_name, ring_name, sqe_flag_names,
};
use uringtop_common::verdict::{Action, Verdict};

pub fn draw(buf: &mut Buffer, area: Rect, app: &App, r: &Request) {
    let theme = &app.config.theme;
    let lines = lines(r, app);
    let height = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let popup = layout::popup(area, 72, height);
    Clear.render(popup, buf);
    let block = Block::bordered()
        .title(" request · Esc back ")
        .title_style(theme.title)
        .border_style(theme.title)
        .style(theme.popup);
    Paragraph::new(lines).block(block).render(popup, buf);
}

fn lines(r: &Request, app: &App) -> Vec<Line<'static>> {
    let theme = &app.config.theme;
    let section = |name: &'static str| Line::from(Span::styled(name, theme.key));
    let field = |name: &'static str, value: String| {
        Line::from(vec![
            Span::styled(format!("  {name:<11}"), theme.dim),
            Span::raw(value),
        ])
    };
    let mut out = vec![section("SQE")];
    out.push(field(
        "opcode",
        format!("{} ({})", opcode_name(r.opcode), r.opcode),
    ));
    let mut fd_text = String::new();
    fd(&mut fd_text, r);
    if r.sqe_flags & 1 != 0 && r.fd >= 0 {
        fd_text.push_str("  (index into the registered files)");
    }
    out.push(field("fd", fd_text));
    out.push(field("off", r.off.to_string()));
    out.push(field("addr", format!("{:#x}", r.addr)));
    out.push(field("len", r.len.to_string()));
    out.push(field(
        "flags",
        bits(&sqe_flag_names(r.sqe_flags), u32::from(r.sqe_flags)),
    ));
    out.push(field(
        "user_data",
        format!("{:#x} ({})", r.user_data, r.user_data),
    ));
    out.push(field(
        "process",
        format!("{}[{}], thread {}", r.comm, r.pid, r.tid),
    ));
    out.push(field("ring", ring_name(r.ring).into_owned()));
    out.push(section("CQE"));
    let mut res_text = String::new();
    res(&mut res_text, r.res);
    out.push(field("res", res_text));
    let mut cflags = bits(&cqe_flag_names(r.cflags), r.cflags);
    if let Some(id) = cqe_buffer_id(r.cflags) {
        cflags.push_str(&format!(", buffer id {id}"));
    }
    out.push(field("cflags", cflags));
    if r.cqe_index != 0 {
        // One of several CQEs of this request (multishot, SEND_ZC's notification).
        let more = if r.cflags & uringtop_common::names::CQE_F_MORE != 0 {
            "more follow"
        } else {
            "the request's last"
        };
        out.push(field("cqe", format!("#{} ({more})", r.cqe_index)));
    }
    out.push(section("Execution"));
    out.push(field(
        "path",
        format!("{} ({})", r.path.name(), path_meaning(r.path)),
    ));
    let latency = match r.latency_ns {
        Some(ns) => {
            format::to_string(format::trace_duration, ns) + " from submission to completion"
        }
        None => "none: refused at submission".to_string(),
    };
    out.push(field("latency", latency));
    let mut at = String::new();
    format::clock(&mut at, r.time_ns, app.config.utc_offset_s);
    out.push(field("completed", at));
    // Without a policy a request has no verdict, and the section would only say so.
    if let Some(v) = r.verdict {
        out.push(section("Policy"));
        out.push(Line::from(vec![
            Span::styled(format!("  {:<11}", "verdict"), theme.dim),
            Span::styled(action_label(&v), theme.verdict(v.action)),
            Span::raw(format!(" ({})", action_meaning(&v))),
        ]));
        let mut rule_text = String::new();
        rule(&mut rule_text, v.rule, app.config.policy.as_ref());
        if v.rule.is_none() {
            rule_text.push_str(" (no rule matched)");
        }
        out.push(field("rule", rule_text));
    }
    out
}

/// `IO_LINK|ASYNC (0x14)`, or `none`.
fn bits(names: &[&str], raw: u32) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        format!("{} ({raw:#x})", names.join("|"))
    }
}

fn action_meaning(v: &Verdict) -> &'static str {
    match v.action {
        Action::Allow => "allowed",
        Action::Log => "logged; the request ran",
        // A tracepoint cannot fail an SQE: only the kernel's own restrictions refuse one.
        Action::Deny => "audit: the request still ran",
        Action::Kill if v.enforced => "enforced: SIGKILL sent to the process",
        Action::Kill => "audit, no --enforce: not killed",
    }
}

fn path_meaning(p: ExecPath) -> &'static str {
    match p {
        ExecPath::Inline => "completed in the submitting task",
        ExecPath::Poll => "armed a poll, completed when the file was ready",
        ExecPath::IoWq => "punted to an io-wq worker thread",
        ExecPath::Rejected => "refused at submission, never issued",
    }
}
