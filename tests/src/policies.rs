//! Policies for benchmarks and tests, and the verdict counts the policy tests expect of them.

use std::collections::BTreeMap;
use std::fmt::Write;

use uringtop_common::input::Sample;
use uringtop_common::policy::{self, Policy};
use uringtop_common::verdict::VerdictCounts;

/// A test's policy `text`, parsed; a mistake in it panics with the parser's positioned error
/// and the text, so the line it points at can be read.
pub fn parsed(text: &str) -> Policy {
    policy::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Verdict counts as the policy tests write what they expect: allowed, logged, denied and
/// would-kill, none refused by the kernel (a test that expects those adds them).
pub fn counts(allow: u64, log: u64, deny: u64, kill: u64) -> VerdictCounts {
    VerdictCounts {
        allow,
        log,
        deny,
        kill,
        denied_by_kernel: 0,
    }
}

/// Adds `rows` of verdicts into `out`, summed per key.
pub fn add_verdicts<K: Ord>(
    out: &mut BTreeMap<K, VerdictCounts>,
    rows: impl IntoIterator<Item = (K, VerdictCounts)>,
) {
    for (key, v) in rows {
        let sum = out.entry(key).or_default();
        *sum = sum.saturating_add(&v);
    }
}

/// Verdicts per (ring, opcode) summed over the rings, per opcode.
pub fn per_opcode<R, O: Ord>(
    verdicts: BTreeMap<(R, O), VerdictCounts>,
) -> BTreeMap<O, VerdictCounts> {
    let mut out = BTreeMap::new();
    add_verdicts(&mut out, verdicts.into_iter().map(|((_, op), v)| (op, v)));
    out
}

/// The verdicts in a probe's `sample` of process `pid`, per (ring, opcode number).
pub fn sample_verdicts(sample: &Sample, pid: u32) -> BTreeMap<(u32, u8), VerdictCounts> {
    let mut out = BTreeMap::new();
    let rows = sample.ops.iter().filter(|o| o.pid == pid);
    add_verdicts(
        &mut out,
        rows.map(|o| ((o.ring, o.opcode), o.counters.verdicts)),
    );
    out
}

/// A 50-rule policy of the kind a fleet might load: 47 rules about other programs (names, pids,
/// uids, opcode lists, flag conditions), then three that apply to every process. One of those
/// has a flag condition on NOP, so every NOP of a flood takes the probe's per-SQE path that
/// looks the SQE's flags up (the most expensive one); NOPs without IOSQE_ASYNC are allowed.
pub fn fifty_rules() -> String {
    let mut text = String::from("default = \"allow\"\n");
    let ops = [
        "OPENAT", "CONNECT", "SOCKET", "SEND", "RECV", "UNLINKAT", "RENAMEAT",
    ];
    let actions = ["log", "deny", "kill"];
    for i in 0..47 {
        let _ = write!(
            text,
            "\n[[rule]]\nname = \"rule {i}\"\ncomm = \"app-{i}*\"\nops = [\"{}\", \"{}\"]\naction = \"{}\"\n",
            ops[i % ops.len()],
            ops[(i + 3) % ops.len()],
            actions[i % actions.len()],
        );
        match i % 4 {
            0 => {
                let _ = writeln!(text, "pid = {}", 100_000 + i);
            }
            1 => {
                let _ = writeln!(text, "uid = {}", 1000 + i);
            }
            2 => text.push_str("sqe_flags_missing = [\"FIXED_FILE\"]\n"),
            _ => text.push_str("setup_flags = [\"SQPOLL\"]\n"),
        }
    }
    text.push_str(
        "\n[[rule]]\nname = \"no async NOPs\"\ncomm = \"*\"\nops = [\"NOP\"]\nsqe_flags_any = [\"ASYNC\"]\naction = \"log\"\n\
         \n[[rule]]\nname = \"no opens anywhere\"\ncomm = \"*\"\nops = [\"OPENAT\", \"OPENAT2\"]\naction = \"deny\"\n\
         \n[[rule]]\nname = \"no sockets\"\nops = [\"SOCKET\", \"CONNECT\", \"ACCEPT\"]\naction = \"log\"\n",
    );
    text
}

/// [`fifty_rules`] with 30 of its 47 per-program rules replaced by argument rules that apply to
/// every process: 16 `paths` rules (two patterns each, one negated, one with open flags), 12
/// `peers` rules (a CIDR with a port and a negated subnet) and 2 `fixed_buffers` rules. None of
/// them is about NOP, so a NOP flood should not pay for them; an OPENAT of a path outside them
/// runs every path rule's patterns (see the bench's OPENAT flood).
pub fn fifty_rules_with_arguments() -> String {
    let base = fifty_rules();
    // Keep the header and the per-program rules from #31 on (each rule starts at "\n[[rule]]").
    let mut parts = base.split("\n[[rule]]");
    let mut text = parts.next().unwrap_or_default().to_string();
    for i in 0..16 {
        let _ = write!(
            text,
            "\n[[rule]]\nname = \"files of app {i}\"\npaths = [\"/etc/app-{i}/**\", \"!/etc/app-{i}/public/*\"]\naction = \"deny\"\n"
        );
        if i == 0 {
            text.push_str("open_flags_any = [\"O_WRONLY\", \"O_RDWR\"]\n");
        }
    }
    for i in 0..12 {
        let _ = write!(
            text,
            "\n[[rule]]\nname = \"database {i}\"\npeers = [\"10.{i}.0.0/16:5432\", \"!10.{i}.1.0/24\"]\naction = \"log\"\n"
        );
    }
    for i in 0..2 {
        let _ = write!(
            text,
            "\n[[rule]]\nname = \"registered buffers {i}\"\ncomm = \"db-{i}*\"\nfixed_buffers = true\naction = \"log\"\n"
        );
    }
    for rule in parts.skip(30) {
        text.push_str("\n[[rule]]");
        text.push_str(rule);
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fifty_rule_policy_parses_to_fifty_rules() {
        let p = uringtop_common::policy::parse(&super::fifty_rules()).unwrap();
        assert_eq!(p.rules.len(), 50);
    }

    #[test]
    fn the_argument_variant_has_fifty_rules_thirty_about_arguments() {
        let p = uringtop_common::policy::parse(&super::fifty_rules_with_arguments()).unwrap();
        assert_eq!(p.rules.len(), 50);
        assert_eq!(p.rules.iter().filter(|r| r.has_mem_condition()).count(), 30);
        assert_eq!(p.rules[49].name.as_deref(), Some("no sockets"));
    }
}
