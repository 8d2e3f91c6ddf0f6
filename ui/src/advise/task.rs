//! `--format task`: the observed least-privilege set as a policy for `uringtop run`, which the
//! kernel (Linux 7.0+) enforces on the command and every process it starts: one set for all the
//! observed processes (no process names: a task's restrictions follow it through fork and exec),
//! every rule one the kernel can judge, and default deny. `uringtop run --policy FILE -- CMD`
//! installs it as BPF filters (SQE opcodes, IOSQE flags) and a task restriction (register
//! opcodes); on an older kernel `run --audit` judges it instead.

use super::analysis::{Advice, KNOWN_SQE_FLAGS};
use super::header;
use super::text::{comment_line, known_sqe_flags};
use std::collections::BTreeSet;
use std::fmt::Write;
use uringtop_common::names::{opcode_name, register_opcode_name};
use uringtop_common::policy::{toml_array, toml_string, MAX_REGISTER_OPCODES};

pub fn render(advice: &Advice) -> String {
    let mut out = String::new();
    for line in header::lines(
        advice,
        &[
            "",
            "For `uringtop run --policy FILE -- CMD`: one set for CMD and every process it",
            "starts (processes observed here are merged). On Linux 7.0+ the kernel refuses",
            "everything else with EACCES before it runs; `run --audit` judges it instead.",
        ],
    ) {
        comment_line(&mut out, "#", &line);
    }
    let mut pids = BTreeSet::new();
    let mut ops = BTreeSet::new();
    let mut register = BTreeSet::new();
    let mut flags = 0u8;
    let mut required: Option<u8> = None;
    for p in &advice.processes {
        pids.insert(p.pid);
        for r in &p.rings {
            ops.extend(&r.sqe_ops);
            register.extend(&r.register_ops);
            flags |= r.sqe_flags_allowed;
            required = Some(required.unwrap_or(0x7f) & r.sqe_flags_required);
        }
    }
    let pids: Vec<String> = pids.iter().map(u32::to_string).collect();
    let _ = writeln!(out, "# Observed processes: {}.", pids.join(", "));
    out.push_str("\ndefault = \"deny\"\n");
    let never_seen = KNOWN_SQE_FLAGS & !flags;
    if never_seen != 0 {
        rule(
            &mut out,
            "IOSQE flags never seen",
            &[("sqe_flags_any", toml_array(known_sqe_flags(never_seen)))],
            "deny",
        );
    }
    let required = required.unwrap_or(0) & KNOWN_SQE_FLAGS;
    if required != 0 {
        rule(
            &mut out,
            "IOSQE flags every SQE carried",
            &[("sqe_flags_missing", toml_array(known_sqe_flags(required)))],
            "deny",
        );
    }
    let mut keys = Vec::new();
    if !ops.is_empty() {
        keys.push((
            "ops",
            toml_array(ops.iter().map(|&o| opcode_name(o).into_owned())),
        ));
    }
    let nameable: Vec<u8> = register
        .iter()
        .copied()
        .filter(|&o| usize::from(o) < MAX_REGISTER_OPCODES)
        .collect();
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
    // A rule without keys would allow everything; an advice always has something observed.
    if !keys.is_empty() {
        rule(&mut out, "observed", &keys, "allow");
    }
    out
}

fn rule(out: &mut String, name: &str, keys: &[(&str, String)], action: &str) {
    let _ = writeln!(out, "\n[[rule]]\nname = {}", toml_string(name));
    for (key, value) in keys {
        let _ = writeln!(out, "{key} = {value}");
    }
    let _ = writeln!(out, "action = \"{action}\"");
}
