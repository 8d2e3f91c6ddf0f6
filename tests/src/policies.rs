//! Policies for benchmarks and tests.

use std::fmt::Write;

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

#[cfg(test)]
mod tests {
    #[test]
    fn the_fifty_rule_policy_parses_to_fifty_rules() {
        let p = uringtop_common::policy::parse(&super::fifty_rules()).unwrap();
        assert_eq!(p.rules.len(), 50);
    }
}
