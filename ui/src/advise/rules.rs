//! What the two policy-file formats write alike (`--format policy`, one set of rules per process
//! name; `--format task`, one set for every observed process): the observations of some rings
//! merged, and the rules that deny the IOSQE flags they did not use and allow what they did.

use super::analysis::{ProcessAdvice, KNOWN_SQE_FLAGS};
use super::text::known_sqe_flags;
use std::collections::BTreeSet;
use std::fmt::Write;
use uringtop_common::names::{opcode_name, register_opcode_name};
use uringtop_common::policy::{toml_array, toml_string, MAX_REGISTER_OPCODES};

/// What the merged rings were seen doing.
#[derive(Default)]
pub struct Merged {
    pub pids: BTreeSet<u32>,
    pub rings: usize,
    sqe_ops: BTreeSet<u8>,
    sqe_flags: u8,
    /// IOSQE flags every SQE of every merged ring carried (None until a ring is merged).
    sqe_flags_required: Option<u8>,
    register_ops: BTreeSet<u8>,
}

/// A rule's keys, as `key = value` lines.
pub type Keys = Vec<(&'static str, String)>;

impl Merged {
    /// Adds the rings of one process.
    pub fn add(&mut self, p: &ProcessAdvice) {
        self.pids.insert(p.pid);
        for r in &p.rings {
            self.rings += 1;
            self.sqe_ops.extend(&r.sqe_ops);
            self.sqe_flags |= r.sqe_flags_allowed;
            self.sqe_flags_required =
                Some(self.sqe_flags_required.unwrap_or(0x7f) & r.sqe_flags_required);
            self.register_ops.extend(&r.register_ops);
        }
    }

    /// The rules denying SQEs with an IOSQE flag never seen, and SQEs without a flag every SQE
    /// carried (each only when there is such a flag). `name` prefixes the rules' names, and
    /// `matcher` (`comm = …`, `pid = …`) says whom they are for.
    pub fn flag_rules(&self, out: &mut String, name: &str, matcher: Option<&str>) {
        let never_seen = KNOWN_SQE_FLAGS & !self.sqe_flags;
        let required = self.sqe_flags_required.unwrap_or(0) & KNOWN_SQE_FLAGS;
        for (what, key, flags) in [
            ("IOSQE flags never seen", "sqe_flags_any", never_seen),
            (
                "IOSQE flags every SQE carried",
                "sqe_flags_missing",
                required,
            ),
        ] {
            if flags != 0 {
                let keys = [(key, toml_array(known_sqe_flags(flags)))];
                rule(out, &format!("{name}{what}"), matcher, &keys, "deny");
            }
        }
    }

    /// The keys of the rule allowing what was seen (`ops`, `register_ops`), and the register
    /// opcodes a policy cannot name: its register table covers opcodes 0-63, and calls with a
    /// higher one always get the default.
    pub fn observed_keys(&self) -> (Keys, Vec<u8>) {
        let mut keys = Vec::new();
        if !self.sqe_ops.is_empty() {
            keys.push((
                "ops",
                toml_array(self.sqe_ops.iter().map(|&o| opcode_name(o).into_owned())),
            ));
        }
        let (nameable, beyond): (Vec<u8>, Vec<u8>) = self
            .register_ops
            .iter()
            .partition(|&&o| usize::from(o) < MAX_REGISTER_OPCODES);
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
        (keys, beyond)
    }
}

/// One `[[rule]]`: its name, whom it is for (`matcher`, None: everyone), its keys and action.
pub fn rule(
    out: &mut String,
    name: &str,
    matcher: Option<&str>,
    keys: &[(&str, String)],
    action: &str,
) {
    let _ = writeln!(out, "\n[[rule]]\nname = {}", toml_string(name));
    if let Some(matcher) = matcher {
        let _ = writeln!(out, "{matcher}");
    }
    for (key, value) in keys {
        let _ = writeln!(out, "{key} = {value}");
    }
    let _ = writeln!(out, "action = \"{action}\"");
}
