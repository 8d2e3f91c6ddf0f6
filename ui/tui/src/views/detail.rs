//! One request in full: every SQE field, the CQE, how it executed and how long it took.

use super::popup_block;
use super::violations::rule;
use crate::layout;
use crate::App;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};
use uringtop_common::input::Request;
use uringtop_common::names::{cqe_buffer_id, cqe_flag_names, ring_name, sqe_flag_names};
use uringtop_common::request_fields::{self as fields, Fd};

pub fn draw(buf: &mut Buffer, area: Rect, app: &App, r: &Request) {
    let theme = &app.config.theme;
    let lines = lines(r, app);
    let height = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let popup = layout::popup(area, 72, height);
    Clear.render(popup, buf);
    let block = popup_block(" request · Esc back ", theme);
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
    let mut out = Vec::new();
    // Decoded arguments first, by name, as the opcode means them (when the probe captured them);
    // the raw SQE fields follow.
    let arguments = fields::arguments(r);
    if arguments.decoded() {
        out.push(section("Arguments"));
        let mut call = format!("{}({arguments}) = ", fields::opcode(r));
        fields::outcome(&mut call, r);
        out.push(field("call", call));
        for (name, value) in arguments.lines() {
            out.push(field(name, value));
        }
    }
    out.push(section("SQE"));
    out.push(field(
        "opcode",
        format!("{} ({})", fields::opcode(r), r.opcode),
    ));
    let fd = fields::fd(r);
    let fd_text = match fd {
        Fd::Fixed(_) => format!("{fd}  (index into the registered files)"),
        _ => fd.to_string(),
    };
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
    let mut process = String::new();
    fields::process(&mut process, &r.comm, r.pid);
    out.push(field("process", format!("{process}, thread {}", r.tid)));
    out.push(field("ring", ring_name(r.ring).into_owned()));
    out.push(section("CQE"));
    out.push(field("res", fields::to_string(fields::result, r.res)));
    let mut cflags = bits(&cqe_flag_names(r.cflags), r.cflags);
    if let Some(id) = cqe_buffer_id(r.cflags) {
        cflags.push_str(&format!(", buffer id {id}"));
    }
    out.push(field("cflags", cflags));
    if let Some(cqe) = fields::cqe(r) {
        // One of several CQEs of this request (multishot, SEND_ZC's notification).
        let more = if cqe.more {
            "more follow"
        } else {
            "the request's last"
        };
        out.push(field("cqe", format!("{cqe} ({more})")));
    }
    out.push(section("Execution"));
    out.push(field(
        "path",
        format!("{} ({})", fields::path(r), fields::path_meaning(r.path)),
    ));
    let latency = match r.latency_ns {
        Some(ns) => fields::to_string(fields::latency, ns) + " from submission to completion",
        None => "none: refused at submission".to_string(),
    };
    out.push(field("latency", latency));
    let mut at = String::new();
    fields::time(&mut at, r.time_ns, app.config.utc_offset_s);
    out.push(field("completed", at));
    // Without a policy a request has no verdict, and the section would only say so.
    if let Some(v) = r.verdict {
        out.push(section("Policy"));
        out.push(Line::from(vec![
            Span::styled(format!("  {:<11}", "verdict"), theme.dim),
            Span::styled(fields::verdict_word(&v), theme.verdict(v.action)),
            Span::raw(format!(" ({})", fields::verdict_meaning(&v))),
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
