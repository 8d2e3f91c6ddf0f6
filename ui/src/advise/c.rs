//! `--format c`: an array of `struct io_uring_restriction` per process and set of restrictions
//! (the rings that need the same set share one), for io_uring_register_restrictions (liburing)
//! or IORING_REGISTER_RESTRICTIONS.

use super::analysis::Advice;
use super::header;
use super::text::{comment_line, known_sqe_flags, register_macro, same_sets, set_ident, set_label};
use std::fmt::Write;
use uringtop_common::names::known_opcode_name;

/// Ring ids per comment line, in characters.
const LABEL_WIDTH: usize = 90;

pub fn render(advice: &Advice) -> String {
    let mut out = String::from("/*\n");
    for line in header::lines(
        advice,
        &[
            "Needs <liburing.h> (or <linux/io_uring.h> from a kernel that knows these opcodes).",
            "Apply to a ring created disabled, before enabling it:",
            "  struct io_uring_params p = { .flags = IORING_SETUP_R_DISABLED };",
            "  io_uring_queue_init_params(entries, &ring, &p);",
            "  io_uring_register_restrictions(&ring, res, sizeof(res) / sizeof(res[0]));",
            "  io_uring_enable_rings(&ring);",
            "The arrays are not const because io_uring_register_restrictions takes a non-const",
            "pointer.",
        ],
    ) {
        push_comment_line(&mut out, &line);
    }
    out.push_str(" */\n");
    for process in &advice.processes {
        for rings in same_sets(process) {
            let ring = rings[0];
            out.push('\n');
            let label = set_label(process, &rings, LABEL_WIDTH);
            for (i, line) in label.iter().enumerate() {
                let open = if i == 0 { "/*" } else { " *" };
                let close = if i + 1 == label.len() { " */" } else { "" };
                let _ = writeln!(out, "{open} {}{close}", comment_safe(line));
            }
            let _ = writeln!(
                out,
                "static struct io_uring_restriction {}[] = {{",
                set_ident(process, &rings)
            );
            for &op in &ring.sqe_ops {
                let value = match known_opcode_name(op) {
                    Some(name) => format!("IORING_OP_{name}"),
                    None => format!("{op} /* newer than uringtop's opcode table */"),
                };
                entry(&mut out, "IORING_RESTRICTION_SQE_OP", "sqe_op", &value);
            }
            // Always present: without it the kernel allows no IOSQE flag at all, and saying
            // so explicitly is clearer than leaving it out.
            entry(
                &mut out,
                "IORING_RESTRICTION_SQE_FLAGS_ALLOWED",
                "sqe_flags",
                &flags(ring.sqe_flags_allowed),
            );
            if ring.sqe_flags_required != 0 {
                entry(
                    &mut out,
                    "IORING_RESTRICTION_SQE_FLAGS_REQUIRED",
                    "sqe_flags",
                    &flags(ring.sqe_flags_required),
                );
            }
            for &op in &ring.register_ops {
                let value = register_macro(op).unwrap_or_else(|| {
                    format!("{op} /* newer than uringtop's register opcode table */")
                });
                entry(
                    &mut out,
                    "IORING_RESTRICTION_REGISTER_OP",
                    "register_op",
                    &value,
                );
            }
            out.push_str("};\n");
        }
    }
    out
}

fn entry(out: &mut String, opcode: &str, field: &str, value: &str) {
    let _ = writeln!(out, "\t{{ .opcode = {opcode}, .{field} = {value} }},");
}

/// `IOSQE_A | IOSQE_B`, or `0` with a comment.
fn flags(bits: u8) -> String {
    let names = known_sqe_flags(bits);
    if names.is_empty() {
        "0 /* no IOSQE flag */".into()
    } else {
        names
            .iter()
            .map(|n| format!("IOSQE_{n}"))
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

fn push_comment_line(out: &mut String, line: &str) {
    comment_line(out, " *", &comment_safe(line));
}

/// A process name or path could contain "*/" and end the comment early.
fn comment_safe(text: &str) -> String {
    text.replace("*/", "* /")
}
