//! Policies back to text: one line per rule for the UI, and the file format for recordings and
//! for `uringtop` to show what it loaded.

use std::fmt::Write;

use super::{Policy, Rule};
use crate::names;

impl Policy {
    /// One rule in a short line, e.g. `#2 "no network": comm=myapp* ops=OPENAT,CONNECT → deny`.
    /// The number is `i + 1` (rules are counted from 1 for people; `Verdict::rule` is `i`).
    /// Out-of-range `i` gives `#<i+1>: no such rule`.
    pub fn describe_rule(&self, i: usize) -> String {
        let Some(rule) = self.rules.get(i) else {
            return format!("#{}: no such rule", i + 1);
        };
        let mut out = format!("#{}", i + 1);
        if let Some(name) = &rule.name {
            let _ = write!(out, " {name:?}");
        }
        out.push(':');
        let conditions = conditions(rule);
        if conditions.is_empty() {
            out.push_str(" any");
        }
        for (key, value) in conditions {
            let _ = write!(out, " {key}={value}");
        }
        let _ = write!(out, " → {}", rule.action.name());
        out
    }

    /// The policy in the file format; `parse` of the result gives back the same default and
    /// rules (all but `Rule::line`, which is where each rule lands in the new text).
    pub fn to_toml(&self) -> String {
        let mut out = String::from("# uringtop policy: first matching rule wins\n");
        let _ = writeln!(out, "default = {}", toml_string(self.default.name()));
        for (i, rule) in self.rules.iter().enumerate() {
            let _ = writeln!(out, "\n# #{}", i + 1);
            out.push_str("[[rule]]\n");
            if let Some(name) = &rule.name {
                let _ = writeln!(out, "name = {}", toml_string(name));
            }
            if let Some(comm) = &rule.comm {
                let _ = writeln!(out, "comm = {}", toml_string(comm));
            }
            if let Some(pid) = rule.pid {
                let _ = writeln!(out, "pid = {pid}");
            }
            if let Some(uid) = rule.uid {
                let _ = writeln!(out, "uid = {uid}");
            }
            if let Some(fd) = rule.ring_fd {
                let _ = writeln!(out, "ring_fd = {fd}");
            }
            for (key, list) in lists(rule) {
                if let Some(list) = list {
                    let _ = writeln!(out, "{key} = {}", toml_array(list));
                }
            }
            if let Some(p) = rule.personality {
                let _ = writeln!(out, "personality = {p}");
            }
            if rule.fixed_buffers {
                out.push_str("fixed_buffers = true\n");
            }
            let _ = writeln!(out, "action = {}", toml_string(rule.action.name()));
        }
        out
    }
}

/// The present conditions of a rule as (key, value) pairs, in file-format order.
fn conditions(rule: &Rule) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(comm) = &rule.comm {
        out.push(("comm", comm.clone()));
    }
    if let Some(pid) = rule.pid {
        out.push(("pid", pid.to_string()));
    }
    if let Some(uid) = rule.uid {
        out.push(("uid", uid.to_string()));
    }
    if let Some(fd) = rule.ring_fd {
        out.push(("ring_fd", fd.to_string()));
    }
    for (key, list) in lists(rule) {
        if let Some(list) = list {
            out.push((key, list.join(",")));
        }
    }
    if let Some(p) = rule.personality {
        out.push(("personality", p.to_string()));
    }
    if rule.fixed_buffers {
        out.push(("fixed_buffers", "true".to_string()));
    }
    out
}

/// The rule's list-valued keys, by name; None where the rule has no such condition.
fn lists(rule: &Rule) -> [(&'static str, Option<Vec<String>>); 10] {
    [
        ("ops", rule.ops.as_deref().map(op_names)),
        (
            "register_ops",
            rule.register_ops.as_deref().map(register_names),
        ),
        ("sqe_flags_any", sqe_flags(rule.sqe_flags_any)),
        ("sqe_flags_missing", sqe_flags(rule.sqe_flags_missing)),
        ("setup_flags", setup_flags(rule.setup_flags)),
        (
            "socket_domains",
            nonzero(rule.socket_domains, super::socket_domain_names),
        ),
        (
            "socket_types",
            nonzero(rule.socket_types, super::socket_type_names),
        ),
        (
            "open_flags_any",
            nonzero(rule.open_flags_any, super::open_flag_names),
        ),
        (
            "paths",
            sources(rule.paths.iter().map(|p| p.source.as_str())),
        ),
        (
            "peers",
            sources(rule.peers.iter().map(|p| p.source.as_str())),
        ),
    ]
}

/// The names of a mask's bits, by `names`; None when no bit is set.
fn nonzero<T: Default + PartialEq>(v: T, names: fn(T) -> Vec<&'static str>) -> Option<Vec<String>> {
    (v != T::default()).then(|| names(v).into_iter().map(String::from).collect())
}

/// A list as written in the file; None when empty.
fn sources<'a>(items: impl Iterator<Item = &'a str>) -> Option<Vec<String>> {
    let v: Vec<String> = items.map(String::from).collect();
    (!v.is_empty()).then_some(v)
}

fn op_names(ops: &[u8]) -> Vec<String> {
    ops.iter()
        .map(|&o| names::opcode_name(o).into_owned())
        .collect()
}

fn register_names(ops: &[u8]) -> Vec<String> {
    ops.iter()
        .map(|&o| names::register_opcode_name(u32::from(o)).into_owned())
        .collect()
}

fn sqe_flags(mask: u8) -> Option<Vec<String>> {
    nonzero(mask, names::sqe_flag_names)
}

fn setup_flags(mask: u32) -> Option<Vec<String>> {
    nonzero(mask, names::setup_flag_names)
}

/// A TOML array of basic strings, on one line.
pub fn toml_array<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let items: Vec<String> = items.into_iter().map(|s| toml_string(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
pub fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
