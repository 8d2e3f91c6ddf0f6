//! `--format task`: the observed least-privilege set as a policy for `uringtop run`, which the
//! kernel (Linux 7.0+) enforces on the command and every process it starts: one set for all the
//! observed processes (no process names: a task's restrictions follow it through fork and exec),
//! every rule one the kernel can judge, and default deny. `uringtop run --policy FILE -- CMD`
//! installs it as BPF filters (SQE opcodes, IOSQE flags) and a task restriction (register
//! opcodes); on an older kernel `run --audit` judges it instead.

use super::analysis::Advice;
use super::header;
use super::rules::{rule, Merged};
use std::fmt::Write;

pub fn render(advice: &Advice) -> String {
    let mut out = header::comment(
        "#",
        advice,
        &[
            "For `uringtop run --policy FILE -- CMD`: one set for CMD and every process it",
            "starts (processes observed here are merged). On Linux 7.0+ the kernel refuses",
            "everything else with EACCES before it runs; `run --audit` judges it instead.",
        ],
    );
    let mut merged = Merged::default();
    for p in &advice.processes {
        merged.add(p);
    }
    let pids: Vec<String> = merged.pids.iter().map(u32::to_string).collect();
    let _ = writeln!(out, "# Observed processes: {}.", pids.join(", "));
    out.push_str("\ndefault = \"deny\"\n");
    merged.flag_rules(&mut out, "", None);
    // Register opcodes a policy cannot name get the default.
    let (keys, _beyond) = merged.observed_keys();
    // A rule without keys would allow everything; an advice always has something observed.
    if !keys.is_empty() {
        rule(&mut out, "observed", None, &keys, "allow");
    }
    out
}
