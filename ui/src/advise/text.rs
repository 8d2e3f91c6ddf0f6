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

/// A process's rings that need the same restrictions, together, in the order of each set's
/// first ring: one array or function serves them all, as a person would write it (a workload
/// that opens a short-lived ring per task has many rings and few sets).
pub fn same_sets(process: &ProcessAdvice) -> Vec<Vec<&RingAdvice>> {
    let mut sets: Vec<Vec<&RingAdvice>> = Vec::new();
    for ring in &process.rings {
        let same = |r: &&RingAdvice| {
            (
                &r.sqe_ops,
                r.sqe_flags_allowed,
                r.sqe_flags_required,
                &r.register_ops,
            ) == (
                &ring.sqe_ops,
                ring.sqe_flags_allowed,
                ring.sqe_flags_required,
                &ring.register_ops,
            )
        };
        match sets.iter_mut().find(|set| set.first().is_some_and(same)) {
            Some(set) => set.push(ring),
            None => sets.push(vec![ring]),
        }
    }
    sets
}

/// The label of a set of rings, as lines of at most `width` characters: [`ring_label`] for one
/// ring; for several, how many share the set and every ring id.
pub fn set_label(process: &ProcessAdvice, rings: &[&RingAdvice], width: usize) -> Vec<String> {
    let [first, rest @ ..] = rings else {
        return Vec::new();
    };
    if rest.is_empty() {
        return vec![ring_label(process, first)];
    }
    let mut lines = vec![format!(
        "{} (pid {}): {} rings with the same restrictions, rings",
        process_name(process),
        process.pid,
        rings.len()
    )];
    let ids: Vec<String> = rings.iter().map(|r| r.ring.to_string()).collect();
    let mut line = String::new();
    for (i, id) in ids.iter().enumerate() {
        let piece = if i + 1 < ids.len() {
            format!("{id},")
        } else {
            id.clone()
        };
        if !line.is_empty() && line.len() + 1 + piece.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&piece);
    }
    lines.push(line);
    lines
}

/// The identifier of a set of rings: [`ident`] of its first ring, and for several rings
/// `_and_<n>_more` (their ids are in the label above it).
pub fn set_ident(process: &ProcessAdvice, rings: &[&RingAdvice]) -> String {
    match rings {
        [] => String::new(),
        [one] => ident(process, one),
        [first, rest @ ..] => format!("{}_and_{}_more", ident(process, first), rest.len()),
    }
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
