//! The `paths`, `peers` and `fixed_buffers` keys: what they parse to, the opcodes they imply,
//! their errors (insta snapshots with the line and a caret), and verdicts through both
//! evaluators.

use super::tests::{pointed, refused};
use super::*;
use crate::abi;
use crate::verdict::Action;

/// Every error for `text` ([`parse_all`]'s), each [`pointed`].
fn err_all(text: &str) -> String {
    let errors = parse_all(text).expect_err("policy should be refused");
    let pointed: Vec<String> = errors.iter().map(|e| pointed(text, e)).collect();
    pointed.join("\n")
}

const ARGS: &str = r#"
[[rule]]
name = "secrets"
paths = ["/etc/shadow", "/root/**", "!/root/ok"]
action = "deny"

[[rule]]
paths = ["/etc/**"]
open_flags_any = ["O_WRONLY", "O_RDWR"]
action = "kill"

[[rule]]
peers = ["!127.0.0.0/8", "10.0.0.0/8:5432", "[::1]:*"]
action = "log"

[[rule]]
fixed_buffers = true
ring_fd = 5
action = "deny"
"#;

fn path(s: &str) -> PathArg {
    PathArg {
        bytes: s.as_bytes().to_vec(),
        cut: false,
    }
}

#[test]
fn argument_keys_imply_their_opcodes() {
    let p = parse(ARGS).unwrap();
    assert_eq!(
        p.rules[0].ops.as_deref(),
        Some(&[18, 28, 21, 35, 36, 37, 38, 39, 42, 44][..])
    );
    assert_eq!(p.rules[1].ops.as_deref(), Some(&[18, 28][..]));
    assert_eq!(
        p.rules[2].ops.as_deref(),
        Some(&[9, 16, 26, 47, 48, 56][..])
    );
    assert_eq!(p.rules[3].ops.as_deref(), Some(&[1, 2, 22, 23, 47, 48][..]));
    assert!(p
        .rules
        .iter()
        .all(|r| r.has_mem_condition() && !r.judges_register()));
    let c = p.compile(false);
    assert_eq!((c.npaths, c.npeers), (4, 3));
    assert_eq!(
        (c.path_pos[0], c.path_neg[0], c.path_pos[1]),
        (0b011, 0b100, 0b1000)
    );
    assert_eq!((c.peer_pos[2], c.peer_neg[2]), (0b110, 0b001));
    assert_eq!(c.mem_rules, 0b1111);
    assert_eq!(c.rules[3].arg_kinds, abi::ARG_FIXED_BUFFERS);
    assert_eq!(&c.paths[1].text[..5], b"/root");
    assert_eq!(c.paths[1].flags, abi::PATTERN_SUBTREE);
    assert_eq!(c.peers[0].mask[..4], [255, 0, 0, 0]);
    // Round trip through the text form.
    let back = parse(&p.to_toml()).unwrap();
    for (a, b) in p.rules.iter().zip(&back.rules) {
        assert_eq!(
            Rule {
                line: 0,
                ..b.clone()
            },
            Rule {
                line: 0,
                ..a.clone()
            }
        );
    }
    assert_eq!(
        p.describe_rule(0),
        "#1 \"secrets\": ops=OPENAT,OPENAT2,STATX,RENAMEAT,UNLINKAT,MKDIRAT,SYMLINKAT,LINKAT,SETXATTR,GETXATTR paths=/etc/shadow,/root/**,!/root/ok → deny"
    );
}

#[test]
fn verdicts_on_paths_peers_and_buffers() {
    use Action::{Allow, Deny, Kill, Log};
    let p = parse(ARGS).unwrap();
    let c = p.compile(false);
    let judge = |opcode: u8, args: SqeArgs, mem: MemArgs, ring_fd: i32| {
        let f = SqeFacts {
            opcode,
            args,
            mem,
            ring_fd,
            ..Default::default()
        };
        let v = p.judge_sqe(&f);
        assert_eq!(judge_sqe_compiled(&c, &f), v, "{f:?}");
        (v.action, v.rule)
    };
    let paths = |ps: &[&str]| MemArgs {
        paths: ps.iter().map(|s| path(s)).collect(),
        ..Default::default()
    };
    let peer = |s: &str, port: u16| MemArgs {
        peer: Some(Peer::inet(s.parse().unwrap(), port)),
        ..Default::default()
    };
    let plain = MemArgs {
        unregistered_buffer: true,
        ..Default::default()
    };
    let open = SqeArgs::Open { flags: 0o1 };
    let ro = SqeArgs::Open { flags: 0 };
    let unknown = SqeArgs::Unknown;
    // (opcode, arguments, what the probe read, ring fd) and the verdict: (action, rule).
    let cases = [
        (18, open, paths(&["/etc/shadow"]), 3, (Deny, Some(0))),
        (18, open, paths(&["/root/ok"]), 3, (Allow, None)),
        (18, open, paths(&["/etc/passwd"]), 3, (Kill, Some(1))),
        (18, ro, paths(&["/etc/passwd"]), 3, (Allow, None)),
        // RENAMEAT: either path.
        (
            35,
            unknown,
            paths(&["/tmp/a", "/root/b"]),
            3,
            (Deny, Some(0)),
        ),
        (35, unknown, paths(&[]), 3, (Allow, None)),
        (16, unknown, peer("127.0.0.1", 80), 3, (Allow, None)),
        (16, unknown, peer("10.2.3.4", 5432), 3, (Log, Some(2))),
        (16, unknown, peer("10.2.3.4", 80), 3, (Allow, None)),
        (16, unknown, peer("::1", 80), 3, (Log, Some(2))),
        (16, unknown, MemArgs::default(), 3, (Allow, None)),
        (22, unknown, plain.clone(), 5, (Deny, Some(3))),
        (22, unknown, plain, 6, (Allow, None)),
        (22, unknown, MemArgs::default(), 5, (Allow, None)),
        (4, unknown, MemArgs::default(), 5, (Allow, None)),
    ];
    for (opcode, args, mem, ring_fd, verdict) in cases {
        let case = format!("opcode {opcode} {args:?} {mem:?} ring_fd {ring_fd}");
        assert_eq!(judge(opcode, args, mem, ring_fd), verdict, "{case}");
    }
}

refused! {
    error_bad_path_patterns:
        err_all("[[rule]]\npaths = [\"/etc/**/x\", \"\", \"!\", 7]\naction = \"deny\"\n"),
    error_bad_peers:
        err_all("[[rule]]\npeers = [\"10.1.0.0/8\", \"10.0.0.0/33\", \"[::1\", \"localhost:80\", \"1.2.3.4:http\"]\naction = \"deny\"\n"),
    error_argument_keys_that_cannot_share_a_rule:
        err_all("[[rule]]\npaths = [\"/etc/**\"]\npeers = [\"*:53\"]\naction = \"deny\"\n\n\
         [[rule]]\nops = [\"READ\", \"OPENAT\"]\nfixed_buffers = true\naction = \"log\"\n\n\
         [[rule]]\nfixed_buffers = false\naction = \"log\"\n\n\
         [[rule]]\nregister_ops = [\"REGISTER_BUFFERS\"]\npeers = [\"unix\"]\naction = \"log\"\n\n\
         [[rule]]\npaths = []\naction = \"log\"\n"),
    error_unknown_argument_key_suggests:
        err_all("[[rule]]\npath = [\"/etc/shadow\"]\naction = \"deny\"\n\n[[rule]]\nfixed_buffer = true\naction = \"deny\"\n"),
}

#[test]
fn error_too_many_patterns() {
    let mut text = String::new();
    for i in 0..3 {
        let list: Vec<String> = (0..30).map(|k| format!("\"/p{i}/{k}\"")).collect();
        text.push_str(&format!(
            "[[rule]]\npaths = [{}]\naction = \"log\"\n\n",
            list.join(", ")
        ));
    }
    let errors = parse_all(&text).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, 9);
    assert!(errors[0]
        .message
        .starts_with("too many path patterns: this rule brings the policy to 90"));
}

#[test]
fn the_kernel_is_given_none_of_them() {
    let p = parse(ARGS).unwrap();
    let plan = p.kernel_plan();
    assert_eq!(
        plan.rules,
        vec![
            kernel::Enforcer::Uringtop(vec!["paths"]),
            kernel::Enforcer::NotARefusal,
            kernel::Enforcer::NotARefusal,
            kernel::Enforcer::Uringtop(vec!["ring_fd", "fixed_buffers"]),
        ]
    );
    // Rule #2 (kill, on OPENAT writes under /etc) cannot be judged by the kernel: it lets
    // OPENAT through for uringtop to judge; nothing is refused outright.
    assert!(plan.is_empty(), "{plan:?}");
}
