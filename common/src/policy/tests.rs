//! Error messages (insta snapshots, one per error class, with the line the error points at),
//! compile tables on hand-written policies, and the text round trip.

use super::*;
use crate::abi;
use crate::verdict::Action;

/// An error followed by the offending source line of `text` and a caret under the column, so a
/// snapshot shows where the error points as well as what it says.
pub(super) fn pointed(text: &str, e: &PolicyError) -> String {
    let line = text.lines().nth(e.line - 1).unwrap_or("");
    format!("{e}\n{line}\n{}^", " ".repeat(e.column - 1))
}

/// The first error for `text` ([`parse`]'s), [`pointed`].
fn err(text: &str) -> String {
    pointed(text, &parse(text).expect_err("policy should be refused"))
}

/// `refused! { name: err("policy"), ... }`: one test per refused policy, named after what is
/// wrong with it, whose snapshot (named after the test) is the pointed error. A new error
/// class is one more entry in a list. The call comes whole, not built from a function and a
/// text, so that the expression a snapshot records is the call as written (`err("...")`).
macro_rules! refused {
    ($($name:ident: $pointed:expr,)+) => {
        $(
            #[test]
            fn $name() {
                insta::assert_snapshot!($pointed);
            }
        )+
    };
}
pub(super) use refused;

#[test]
fn every_error_is_reported_in_file_order() {
    let text = "[[rule]]\nops = [\"OPENATT\", \"NOP\", \"REDA\"]\nacton = \"deny\"\n\n\
                [[rule]]\npid = 0\naction = \"deyn\"\n\n[[rule]]\nops = [\"READ\"]\n";
    let errors = parse_all(text).expect_err("five mistakes");
    let found: Vec<(usize, usize, &str)> = errors
        .iter()
        .map(|e| {
            (
                e.line,
                e.column,
                e.message.split([' ', ';']).take(2).last().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (2, 8, "opcode"),
            (2, 26, "opcode"),
            (3, 1, "key"),
            (6, 7, "0"),
            (7, 10, "action"),
            (9, 1, "without"),
        ],
        "{errors:#?}"
    );
    // parse() gives the first of them.
    assert_eq!(parse(text).unwrap_err(), errors[0]);
    // A misspelt or wrong "action" is one error, not also a missing action.
    assert_eq!(
        parse_all("[[rule]]\nacton = \"deny\"\n").unwrap_err().len(),
        1
    );
    assert_eq!(
        parse_all("[[rule]]\naction = \"no\"\n").unwrap_err().len(),
        1
    );
}

refused! {
    error_toml_syntax:
        err("default = \"deny\"\n[[rule]\naction = \"deny\"\n"),
    error_unknown_top_level_key:
        err("defualt = \"deny\"\n"),
    error_unknown_rule_key:
        err("[[rule]]\nops = [\"READ\"]\nacton = \"deny\"\n"),
    error_wrong_type:
        err("[[rule]]\npid = \"4242\"\naction = \"deny\"\n"),
    error_wrong_type_in_list:
        err("[[rule]]\nops = [\"READ\", 22]\naction = \"deny\"\n"),
    error_rule_as_single_table:
        err("[rule]\naction = \"deny\"\n"),
    error_unknown_action:
        err("[[rule]]\naction = \"reject\"\n"),
    error_unknown_default:
        err("default = \"block\"\n"),
    error_unknown_opcode_suggests:
        err("# comment\n\n[[rule]]\nname = \"files\"\ncomm = \"myapp*\"\n\nops = [\"OPENAT\", \"OPENATT\"]\naction = \"deny\"\n"),
    error_unknown_opcode_without_suggestion:
        err("[[rule]]\nops = [\"FROBNICATE\"]\naction = \"deny\"\n"),
    error_unknown_register_op:
        err("[[rule]]\nregister_ops = [\"REGISTER_FILEZ\"]\naction = \"deny\"\n"),
    error_unknown_sqe_flag:
        err("[[rule]]\nops = [\"READ\"]\nsqe_flags_any = [\"ASYNK\"]\naction = \"log\"\n"),
    error_unknown_sqe_flag_lists_known:
        err("[[rule]]\nsqe_flags_missing = [\"QUICKLY\"]\naction = \"log\"\n"),
    error_unknown_setup_flag:
        err("[[rule]]\nsetup_flags = [\"SQPOL\"]\naction = \"log\"\n"),
    error_empty_ops:
        err("[[rule]]\nops = []\naction = \"deny\"\n"),
    error_comm_too_long:
        err("[[rule]]\ncomm = \"a-very-long-process-name\"\naction = \"deny\"\n"),
    error_comm_with_nul:
        err("[[rule]]\ncomm = \"ab\\u0000\"\naction = \"deny\"\n"),
    error_rule_without_action:
        err("[[rule]]\naction = \"log\"\n\n[[rule]]\nops = [\"READ\"]\n"),
    error_pid_zero:
        err("[[rule]]\npid = 0\naction = \"kill\"\n"),
    error_uid_any_sentinel:
        err("[[rule]]\nuid = 4294967295\naction = \"kill\"\n"),
    error_sqe_condition_on_register_only_rule:
        err("[[rule]]\nregister_ops = [\"REGISTER_FILES\"]\npersonality = true\naction = \"deny\"\n"),
    error_register_op_beyond_the_table:
        err("[[rule]]\nregister_ops = [\"REGISTER_64\"]\naction = \"deny\"\n"),
}

#[test]
fn error_too_many_rules() {
    let text = "[[rule]]\naction = \"log\"\n".repeat(abi::MAX_RULES + 1);
    insta::assert_snapshot!(err(&text));
}

const FULL: &str = r#"
default = "log"

[[rule]]
name = "no network"
comm = "myapp*"
pid = 4242
uid = 1000
ops = ["OPENAT", "ioring_op_connect", "openat"]
sqe_flags_any = ["ASYNC"]
sqe_flags_missing = ["IOSQE_FIXED_FILE"]
personality = true
setup_flags = ["SQPOLL", "ioring_setup_iopoll"]
action = "Deny"

[[rule]]
register_ops = ["IORING_REGISTER_FILES", "UNREGISTER_FILES"]
action = "kill"

[[rule]]
action = "allow"
"#;

#[test]
fn parses_every_key() {
    let p = parse(FULL).unwrap();
    assert_eq!(p.default, Action::Log);
    assert_eq!(p.source, FULL);
    assert_eq!(
        p.rules[0],
        Rule {
            line: 4,
            name: Some("no network".into()),
            comm: Some("myapp*".into()),
            pid: Some(4242),
            uid: Some(1000),
            ops: Some(vec![18, 16]),
            register_ops: None,
            sqe_flags_any: 1 << 4,
            sqe_flags_missing: 1,
            personality: Some(true),
            setup_flags: 0b11,
            action: Action::Deny,
            // No ring, argument or memory condition.
            ..Rule::default()
        }
    );
    assert_eq!(p.rules[1].register_ops, Some(vec![2, 3]));
    assert_eq!(p.rules[1].line, 16);
    assert_eq!(p.rules[2].line, 20);
    assert_eq!(parse("").unwrap().default, Action::Allow);
}

#[test]
fn compile_fills_the_tables() {
    let p = parse(FULL).unwrap();
    let c = p.compile(true);
    assert_eq!((c.nrules, c.default_action, c.enforce), (3, 1, 1));
    assert_eq!(c.sqe_rules, 0b101);
    assert_eq!(c.register_rules, 0b110);
    assert_eq!(c.conditional, 0b001);
    assert_eq!(c.setup_requires[0], 0b001);
    assert_eq!(c.setup_requires[1], 0b001);
    assert_eq!(c.setup_requires[2], 0);
    assert_eq!(c.sqe_ops[18], 0b101);
    assert_eq!(c.sqe_ops[22], 0b100);
    assert_eq!(c.sqe_ops[255], 0b100);
    assert_eq!(c.register_ops[2], 0b110);
    assert_eq!(c.register_ops[0], 0b100);
    // Rule 0 needs ASYNC, lacking FIXED_FILE, and a personality.
    assert_eq!(c.flags[0x10 | abi::FLAG_PERSONALITY], 0b111);
    assert_eq!(c.flags[0x11 | abi::FLAG_PERSONALITY], 0b110);
    assert_eq!(c.flags[0x10], 0b110);
    assert_eq!(c.flags[0], 0b110);
    let r = c.rules[0];
    assert_eq!((r.pid, r.uid, r.setup_flags, r.action), (4242, 1000, 3, 2));
    assert_eq!(&r.comm[..usize::from(r.comm_len)], b"myapp*");
    let r = c.rules[1];
    assert_eq!(
        (r.pid, r.uid, r.comm_len, r.action),
        (0, abi::ANY_UID, 0, 3)
    );
    assert_eq!(p.compile(false).enforce, 0);
}

#[test]
fn judges_in_file_order() {
    let p = parse(FULL).unwrap();
    let facts = SqeFacts {
        pid: 4242,
        uid: 1000,
        comm: "myapp-worker".into(),
        setup_flags: 0b11,
        opcode: 18,
        sqe_flags: 0x10,
        personality: true,
        ring_fd: 3,
        args: SqeArgs::Unknown,
        mem: Default::default(),
    };
    let v = p.judge_sqe(&facts);
    assert_eq!((v.action, v.rule), (Action::Deny, Some(0)));
    let v = p.judge_sqe(&SqeFacts {
        personality: false,
        ..facts.clone()
    });
    assert_eq!((v.action, v.rule), (Action::Allow, Some(2)));
    let reg = RegisterFacts {
        pid: 1,
        uid: 0,
        comm: "x".into(),
        setup_flags: 0,
        ring_fd: -1,
        opcode: 2,
    };
    let v = p.judge_register(&reg);
    assert_eq!((v.action, v.rule), (Action::Kill, Some(1)));
    let v = p.judge_register(&RegisterFacts { opcode: 64, ..reg });
    assert_eq!((v.action, v.rule), (Action::Log, None));
}

#[test]
fn describes_rules() {
    let p = parse(FULL).unwrap();
    insta::assert_snapshot!((0..4)
        .map(|i| p.describe_rule(i))
        .collect::<Vec<_>>()
        .join("\n"));
}

/// Equal apart from where each rule sits in its source text.
fn same_rules(a: &Policy, b: &Policy) -> bool {
    let strip = |p: &Policy| -> Vec<Rule> {
        p.rules
            .iter()
            .map(|r| Rule {
                line: 0,
                ..r.clone()
            })
            .collect()
    };
    a.default == b.default && strip(a) == strip(b)
}

#[test]
fn to_toml_round_trips() {
    let mut p = parse(FULL).unwrap();
    p.rules[0].name = Some("quote \" backslash \\ newline \n tab \t bell \u{7}".into());
    let text = p.to_toml();
    let back = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(same_rules(&p, &back), "{text}");
    insta::assert_snapshot!(text);
}
#[test]
fn example_policies_parse() {
    for (name, text) in [
        (
            "policy-example.toml",
            include_str!("../../../assets/policy-example.toml"),
        ),
        (
            "policy-deny-network.toml",
            include_str!("../../../assets/policy-deny-network.toml"),
        ),
        (
            "demo-policy.toml",
            include_str!("../../../assets/demo-policy.toml"),
        ),
    ] {
        let p = parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!p.rules.is_empty(), "{name}");
        let back = parse(&p.to_toml()).unwrap();
        assert!(same_rules(&p, &back), "{name}");
    }
}

#[test]
fn argument_and_ring_keys() {
    let p = parse(
        "[[rule]]\nsocket_domains = [\"inet6\", \"AF_UNIX\"]\nsocket_types = [\"SOCK_RAW\"]\naction = \"deny\"\n\n\
         [[rule]]\nops = [\"OPENAT2\"]\nopen_flags_any = [\"O_CREAT\", \"o_trunc\"]\nring_fd = 7\naction = \"log\"\n",
    )
    .unwrap();
    let (socket, open) = (&p.rules[0], &p.rules[1]);
    assert_eq!(
        socket.ops,
        Some(vec![args::OP_SOCKET]),
        "implied by the condition"
    );
    assert_eq!(socket.socket_domains, (1 << 10) | (1 << 1));
    assert_eq!(socket.socket_types, 1 << 3);
    assert_eq!(open.ops, Some(vec![args::OP_OPENAT2]), "kept as given");
    assert_eq!(open.open_flags_any, 0o1100);
    assert_eq!(open.ring_fd, Some(7));
    assert!(socket.has_sqe_condition() && !socket.judges_register());
    assert_eq!(
        p.describe_rule(0),
        "#1: ops=SOCKET socket_domains=AF_UNIX,AF_INET6 socket_types=SOCK_RAW → deny"
    );
    let back = parse(&p.to_toml()).unwrap();
    assert_eq!(back.rules[1].open_flags_any, 0o1100);
    let c = p.compile(false);
    assert_eq!(c.arg_rules, 0b11);
    assert_eq!(c.rules[1].ring_fd, 7);
    assert_eq!(c.rules[0].ring_fd, abi::ANY_RING_FD);
}

#[test]
fn error_argument_keys() {
    insta::assert_snapshot!(err(
        "[[rule]]\nops = [\"READ\"]\nsocket_domains = [\"AF_INET\"]\naction = \"deny\"\n"
    ));
    insta::assert_snapshot!(err(
        "[[rule]]\nsocket_domains = [\"AF_INTE6\"]\naction = \"deny\"\n"
    ));
    insta::assert_snapshot!(err(
        "[[rule]]\nsocket_types = [\"SOCK_STREAM\"]\nopen_flags_any = [\"O_CREAT\"]\naction = \"deny\"\n"
    ));
    insta::assert_snapshot!(err("[[rule]]\nring_fd = -1\naction = \"deny\"\n"));
}
