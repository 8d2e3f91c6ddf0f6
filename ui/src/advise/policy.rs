//! `--format policy`: a uringtop policy file (TOML) that allows each observed process what it
//! was seen doing and denies it everything else.
//!
//! A policy rule names a process (comm glob or pid), not a ring, so the advice of all rings of
//! all processes with one name is merged into one set of rules. Processes without a known name
//! get rules by pid. IOSQE flags required on every SQE cannot be said in a policy.

use super::analysis::{Advice, ProcessAdvice};
use super::header;
use super::rules::{rule, Merged};
use super::text::{comment_line, printable};
use std::collections::BTreeMap;
use std::fmt::Write;
use uringtop_common::names::register_opcode_name;
use uringtop_common::policy::toml_string;

/// Who a group of rules is for.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Subject {
    Comm(String),
    /// The probe never reported the name.
    Pid(u32),
}

pub fn render(advice: &Advice) -> String {
    let mut out = header::comment(
        "#",
        advice,
        &[
            "For each process name below, in order: a rule denying SQEs with an IOSQE flag it",
            "was never seen using, one denying SQEs without a flag every SQE carried, a rule",
            "allowing what it was seen doing, and a rule denying it everything else. The first",
            "matching rule wins. default = \"allow\" leaves every other process alone. A policy",
            "names processes, not rings: all rings of the processes with one name share one set",
            "of rules.",
        ],
    );
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
        groups.entry(subject).or_default().add(p);
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
    let matcher = Some(matcher.as_str());
    m.flag_rules(out, &format!("{label}: "), matcher);
    let (keys, beyond) = m.observed_keys();
    for o in beyond {
        let _ = writeln!(
            out,
            "# {} is beyond what a policy can name: the default (allow) judges it.",
            register_opcode_name(u32::from(o))
        );
    }
    rule(out, &format!("{label}: observed"), matcher, &keys, "allow");
    rule(
        out,
        &format!("{label}: everything else"),
        matcher,
        &[],
        "deny",
    );
}

fn comment(out: &mut String, line: &str) {
    comment_line(out, "#", line);
}
