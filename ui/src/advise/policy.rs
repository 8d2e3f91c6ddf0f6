//! `--format policy`: a uringtop policy file (TOML) that allows each observed process what it
//! was seen doing and denies it everything else.
//!
//! A policy rule names a process (comm glob or pid), not a ring, so the advice of all rings of
//! all processes with one name is merged into one set of rules. Processes without a known name
//! get rules by pid. IOSQE flags required on every SQE cannot be said in a policy.

use super::analysis::{Advice, ProcessAdvice, KNOWN_SQE_FLAGS};
use super::header;
use super::text::{comment_line, known_sqe_flags, printable};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use uringtop_common::names::{opcode_name, register_opcode_name};
use uringtop_common::policy::{toml_array, toml_string};

/// Who a group of rules is for.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Subject {
    Comm(String),
    /// The probe never reported the name.
    Pid(u32),
}

#[derive(Default)]
struct Merged {
    pids: BTreeSet<u32>,
    rings: usize,
    sqe_ops: BTreeSet<u8>,
    sqe_flags: u8,
    /// IOSQE flags every SQE of every merged ring carried (None until a ring is merged).
    sqe_flags_required: Option<u8>,
    register_ops: BTreeSet<u8>,
}

pub fn render(advice: &Advice) -> String {
    let mut out = String::new();
    for line in header::lines(
        advice,
        &[
            "",
            "For each process name below, in order: a rule denying SQEs with an IOSQE flag it",
            "was never seen using, one denying SQEs without a flag every SQE carried, a rule",
            "allowing what it was seen doing, and a rule denying it everything else. The first",
            "matching rule wins. default = \"allow\" leaves every other process alone. A policy",
            "names processes, not rings: all rings of the processes with one name share one set",
            "of rules.",
        ],
    ) {
        comment(&mut out, &line);
    }
    out.push_str("\ndefault = \"allow\"\n");
    for (subject, merged) in merge(&advice.processes) {
        rules(&mut out, &subject, &merged);
    }
    out
}

fn merge(processes: &[ProcessAdvice]) -> BTreeMap<Subject, Merged> {
    let mut groups: BTreeMap<Subject, Merged> = BTreeMap::new();
    for p in processes {
        let subject = if p.comm.is_empty() {
            Subject::Pid(p.pid)
        } else {
            Subject::Comm(p.comm.clone())
        };
        let m = groups.entry(subject).or_default();
        m.pids.insert(p.pid);
        for r in &p.rings {
            m.rings += 1;
            m.sqe_ops.extend(&r.sqe_ops);
            m.sqe_flags |= r.sqe_flags_allowed;
            m.sqe_flags_required =
                Some(m.sqe_flags_required.unwrap_or(0x7f) & r.sqe_flags_required);
            m.register_ops.extend(&r.register_ops);
        }
    }
    groups
}

fn rules(out: &mut String, subject: &Subject, m: &Merged) {
    let (label, matcher) = match subject {
        Subject::Comm(comm) => (comm.clone(), format!("comm = {}", toml_string(comm))),
        Subject::Pid(pid) => (format!("pid {pid}"), format!("pid = {pid}")),
    };
    let pids: Vec<String> = m.pids.iter().map(u32::to_string).collect();
    out.push('\n');
    comment(
        out,
        &format!(
            "{} (pid {}; {} ring{}).",
            printable(&label),
            pids.join(", "),
            m.rings,
            if m.rings == 1 { "" } else { "s" }
        ),
    );
    if let Subject::Comm(comm) = subject {
        if comm.contains(['*', '?', '[']) {
            comment(
                out,
                "This name holds glob characters: the rules also match other names.",
            );
        }
    }
    let never_seen = KNOWN_SQE_FLAGS & !m.sqe_flags;
    if never_seen != 0 {
        rule(
            out,
            &format!("{label}: IOSQE flags never seen"),
            &matcher,
            &[("sqe_flags_any", toml_array(known_sqe_flags(never_seen)))],
            "deny",
        );
    }
    let required = m.sqe_flags_required.unwrap_or(0) & KNOWN_SQE_FLAGS;
    if required != 0 {
        rule(
            out,
            &format!("{label}: IOSQE flags every SQE carried"),
            &matcher,
            &[("sqe_flags_missing", toml_array(known_sqe_flags(required)))],
            "deny",
        );
    }
    let mut keys = Vec::new();
    if !m.sqe_ops.is_empty() {
        keys.push((
            "ops",
            toml_array(m.sqe_ops.iter().map(|&o| opcode_name(o).into_owned())),
        ));
    }
    // A policy's register table covers opcodes 0-63; calls with a higher one always get the
    // default (allow), so they need no rule.
    let (nameable, beyond): (Vec<u8>, Vec<u8>) = m
        .register_ops
        .iter()
        .partition(|&&o| usize::from(o) < uringtop_common::policy::MAX_REGISTER_OPCODES);
    for o in beyond {
        let _ = writeln!(
            out,
            "# {} is beyond what a policy can name: the default (allow) judges it.",
            register_opcode_name(u32::from(o))
        );
    }
    if !nameable.is_empty() {
        keys.push((
            "register_ops",
            toml_array(
                nameable
                    .iter()
                    .map(|&o| register_opcode_name(u32::from(o)).into_owned()),
            ),
        ));
    }
    rule(out, &format!("{label}: observed"), &matcher, &keys, "allow");
    rule(
        out,
        &format!("{label}: everything else"),
        &matcher,
        &[],
        "deny",
    );
}

fn rule(out: &mut String, name: &str, matcher: &str, keys: &[(&str, String)], action: &str) {
    let _ = writeln!(out, "\n[[rule]]\nname = {}\n{matcher}", toml_string(name));
    for (key, value) in keys {
        let _ = writeln!(out, "{key} = {value}");
    }
    let _ = writeln!(out, "action = \"{action}\"");
}

fn comment(out: &mut String, line: &str) {
    comment_line(out, "#", line);
}
