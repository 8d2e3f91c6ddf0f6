//! One line of what the kernel itself refused: SQEs its restrictions or the credentials turned
//! down, CQEs with EACCES/EPERM, refused io_uring_register and io_uring_setup calls. Kept apart
//! from the policy's verdicts, and labelled so: uringtop's policy only audits (or kills after
//! the fact); these are the refusals that actually happened.

use super::text::cell;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::fmt::Write;
use uringtop_common::model::Model;

const EPERM: u16 = 1;
const EACCES: u16 = 13;
/// Processes named on the line before "+N more".
const NAMED: usize = 2;

pub fn draw(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme, s: &mut String) {
    let (mut sqes, mut cqes, mut register) = (0u64, 0u64, 0u64);
    for (p, ring) in model.rings() {
        for op in ring.ops.values() {
            let t = &op.total;
            sqes = sqes.saturating_add(t.denied);
            let access = [EPERM, EACCES].map(|e| t.errnos.get(&e).copied().unwrap_or(0));
            cqes = cqes.saturating_add(access[0]).saturating_add(access[1]);
        }
        // A ring's register calls are the ring's, not a process's: count them under its owner.
        if ring.info.pid == p.pid {
            register = register.saturating_add(ring.info.register_denied);
        }
    }
    s.clear();
    let _ = write!(
        s,
        "kernel denials (not the policy): {sqes} SQEs refused · {cqes} CQEs EACCES/EPERM · \
         {register} register calls denied"
    );
    let refused = model
        .setup_refused()
        .iter()
        .map(|(&pid, by_errno)| (pid, by_errno.values().sum::<u64>()))
        .filter(|&(_, n)| n > 0);
    let mut setups = 0usize;
    for (pid, n) in refused {
        setups += 1;
        if setups == 1 {
            s.push_str(" · io_uring_setup refused:");
        }
        if setups <= NAMED {
            let _ = write!(s, " {}[{pid}] {n}", model.comm(pid).unwrap_or("?"));
        }
    }
    if setups > NAMED {
        let _ = write!(s, " +{} more", setups - NAMED);
    }
    let any = sqes + cqes + register > 0 || setups > 0;
    let style = if any { theme.bad } else { theme.dim };
    cell(buf, area.x, area.y, area.width, s, style, false);
}
