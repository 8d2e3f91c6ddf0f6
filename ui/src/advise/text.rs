//! Text pieces the output formats share: names, labels and identifiers.

use super::analysis::{ProcessAdvice, RingAdvice, KNOWN_SQE_FLAGS};
use std::fmt::Write;
use uringtop_common::input::OTHER_RINGS;
use uringtop_common::names::{register_opcode_name, setup_flag_names, sqe_flag_names};

/// One line of a comment: `marker text`, or the bare marker for an empty line.
pub fn comment_line(out: &mut String, marker: &str, line: &str) {
    if line.is_empty() {
        let _ = writeln!(out, "{marker}");
    } else {
        let _ = writeln!(out, "{marker} {line}");
    }
}

/// `text` with control characters replaced, so a process name cannot break out of a comment
/// or a line (comm is whatever the process set with prctl).
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// "nginx (pid 1234), ring 3 (fd 5; setup SQPOLL|SINGLE_ISSUER)".
pub fn ring_label(process: &ProcessAdvice, ring: &RingAdvice) -> String {
    let fd = match ring.fd {
        Some(fd) => format!("fd {fd}"),
        None => "fd unknown".to_string(),
    };
    let setup = setup_flag_names(ring.setup_flags);
    let setup = if setup.is_empty() {
        String::new()
    } else {
        format!("; setup {}", setup.join("|"))
    };
    let which = if ring.ring == OTHER_RINGS {
        // The probe could not tell these rings apart: what they did together.
        "other rings".to_string()
    } else {
        format!("ring {}", ring.ring)
    };
    format!(
        "{} (pid {}), {which} ({fd}{setup})",
        process_name(process),
        process.pid,
    )
}

/// The process's name for comments, "?" when unknown.
pub fn process_name(process: &ProcessAdvice) -> String {
    if process.comm.is_empty() {
        "?".into()
    } else {
        printable(&process.comm)
    }
}

/// A C and Rust identifier for one process x ring: `uringtop_<comm>_<pid>_ring<ring>`, with the
/// name reduced to lowercase letters, digits and single underscores.
pub fn ident(process: &ProcessAdvice, ring: &RingAdvice) -> String {
    let mut name = String::new();
    for c in process.comm.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            name.push(c);
        } else if !name.ends_with('_') {
            name.push('_');
        }
    }
    let name = name.trim_matches('_');
    let name = if name.is_empty() { "process" } else { name };
    if ring.ring == OTHER_RINGS {
        return format!("uringtop_{name}_{}_other_rings", process.pid);
    }
    format!("uringtop_{name}_{}_ring{}", process.pid, ring.ring)
}

/// Names of the known IOSQE bits in `flags`, lowest first (without the IOSQE_ prefix).
pub fn known_sqe_flags(flags: u8) -> Vec<&'static str> {
    sqe_flag_names(flags & KNOWN_SQE_FLAGS)
}

/// The C macro of a register opcode (IORING_REGISTER_FILES, IORING_UNREGISTER_BUFFERS, ...), or
/// None for one newer than uringtop's table (whose fallback name is no macro).
pub fn register_macro(op: u8) -> Option<String> {
    let name = register_opcode_name(u32::from(op));
    let fallback = name
        .strip_prefix("REGISTER_")
        .is_some_and(|rest| rest.parse::<u32>().is_ok());
    (!fallback).then(|| format!("IORING_{name}"))
}
