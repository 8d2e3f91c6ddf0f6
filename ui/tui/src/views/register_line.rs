//! The ring view's line of io_uring_register calls, by register opcode: how many, how many the
//! kernel denied, and the policy's verdicts on them when it had any to give.

use super::text::cell;
use crate::theme::Theme;
use crate::verdicts;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::fmt::Write;
use uringtop_common::input::RingSample;
use uringtop_common::names::register_opcode_name;

pub fn draw(buf: &mut Buffer, area: Rect, info: &RingSample, theme: &Theme, s: &mut String) {
    if area.height == 0 || info.register_ops.is_empty() {
        return;
    }
    s.clear();
    s.push_str("register calls:");
    let mut bad = false;
    for (i, op) in info.register_ops.iter().enumerate() {
        if i > 0 {
            s.push_str(" ·");
        }
        let name = register_opcode_name(u32::from(op.opcode));
        // "REGISTER_" on every entry says nothing the label does not.
        let name = name.strip_prefix("REGISTER_").unwrap_or(&name);
        let _ = write!(s, " {name} {}", op.calls);
        let violations = op.verdicts.violations() > 0;
        if op.denied > 0 || violations {
            s.push_str(" (");
            if op.denied > 0 {
                let _ = write!(s, "{} denied by the kernel", op.denied);
            }
            if violations {
                if op.denied > 0 {
                    s.push_str(", ");
                }
                s.push_str("policy ");
                verdicts::compact(s, &op.verdicts);
            }
            s.push(')');
            bad = true;
        }
    }
    let style = if bad { theme.bad } else { theme.ring };
    cell(buf, area.x, area.y, area.width, s, style, false);
}
