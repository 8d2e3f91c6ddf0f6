//! Bounded property tests: the compiled tables (evaluated as the probe does) agree with the
//! reference evaluator on random policies and requests; the text form round-trips; the glob
//! agrees with a plain recursive matcher.

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;
use crate::verdict::Action;

fn action() -> impl Strategy<Value = Action> {
    (0u8..4).prop_map(|a| Action::from_abi(a).unwrap_or_default())
}

/// Small value ranges, so rules and requests collide often enough to exercise every table.
fn rule() -> impl Strategy<Value = Rule> {
    let who = (
        prop::option::of("[a-z \"\\\\]{0,8}"),
        prop::option::of("[ab*?]{1,6}"),
        prop::option::of(1u32..4),
        prop::option::of(0u32..3),
    );
    let what = (
        prop::option::of(vec(prop::sample::select(vec![0u8, 1, 18, 255]), 1..3)),
        prop::option::of(vec(prop::sample::select(vec![0u8, 2, 63]), 1..3)),
        0u8..0x80,
        0u8..0x80,
        prop::option::of(any::<bool>()),
        0u32..8,
        action(),
    );
    // Ring selector and argument conditions: none, socket family/type, or open flags.
    let more = (
        prop::option::of(3u32..5),
        prop::sample::select(vec![0u8, 0, 1, 2]),
        prop::sample::select(vec![0u64, 1 << 2, (1 << 2) | (1 << 10), 1 << 1]),
        prop::sample::select(vec![0u16, 1 << 1, 1 << 3]),
        prop::sample::select(vec![0o1u32, 0o100, 0o1101]),
    );
    // Conditions on user memory and the buffer kind: none, paths, peers, fixed buffers, or
    // paths with open flags, peers with fixed buffers.
    let mem = (
        prop::sample::select(vec![0u8, 0, 1, 2, 3, 4, 5]),
        vec(prop::sample::select(PATH_PATTERNS.to_vec()), 1..4),
        vec(prop::sample::select(PEER_ENTRIES.to_vec()), 1..4),
    );
    (who, what, more, mem).prop_map(
        |(
            (name, comm, pid, uid),
            (ops, reg, any, missing, pers, setup, act),
            (ring_fd, arg_kind, domains, types, oflags),
            (mem_kind, path_list, peer_list),
        )| {
            let mut r = Rule {
                name,
                comm,
                pid,
                uid,
                ops: ops.map(dedup),
                register_ops: reg.map(dedup),
                sqe_flags_any: any,
                sqe_flags_missing: missing,
                personality: pers,
                setup_flags: setup,
                ring_fd,
                action: act,
                // The argument and memory conditions are chosen below.
                ..Rule::default()
            };
            // As the parser leaves them: an argument condition implies its opcodes.
            match arg_kind {
                1 if domains | u64::from(types) != 0 => {
                    r.socket_domains = domains;
                    r.socket_types = types;
                    r.ops = Some(vec![args::OP_SOCKET]);
                }
                2 => {
                    r.open_flags_any = oflags;
                    r.ops = Some(vec![args::OP_OPENAT, args::OP_OPENAT2]);
                }
                _ => {}
            }
            if arg_kind == 0 {
                let paths = || {
                    path_list
                        .iter()
                        .map(|p| paths::parse_path_pattern(p).unwrap())
                        .collect()
                };
                let peers = || {
                    peer_list
                        .iter()
                        .map(|p| peers::parse_peer(p).unwrap())
                        .collect()
                };
                match mem_kind {
                    1 => r.paths = paths(),
                    2 => r.peers = peers(),
                    3 => r.fixed_buffers = true,
                    4 => {
                        r.paths = paths();
                        r.open_flags_any = oflags;
                    }
                    5 => {
                        r.peers = peers();
                        r.fixed_buffers = true;
                    }
                    _ => {}
                }
                if let Some(ops) = args::arg_ops(&r) {
                    r.ops = Some(ops);
                }
            }
            // The parser refuses SQE conditions on a rule that only judges register calls.
            if r.register_ops.is_some() && r.ops.is_none() {
                r.sqe_flags_any = 0;
                r.sqe_flags_missing = 0;
                r.personality = None;
            }
            r
        },
    )
}

const PATH_PATTERNS: [&str; 9] = [
    "/etc/shadow",
    "/root/**",
    "!/root/ok",
    "/a/*",
    "!/**",
    "**",
    "/a?",
    "*.key",
    "!/a/*/c",
];

const PEER_ENTRIES: [&str; 8] = [
    "127.0.0.0/8",
    "!127.0.0.0/8",
    "10.0.0.0/8:5432",
    "[::1]:*",
    "*:53",
    "unix",
    "!unix",
    "[2001:db8::]/32:1-100",
];

fn path_arg() -> impl Strategy<Value = PathArg> {
    (
        prop::sample::select(vec![
            "/etc/shadow",
            "/root/ok",
            "/root",
            "/root/x/y",
            "/a/b",
            "/a/b/c",
            "/ab",
            "rel.key",
            "",
        ]),
        any::<bool>(),
    )
        .prop_map(|(p, cut)| PathArg {
            bytes: p.as_bytes().to_vec(),
            cut,
        })
}

fn peer_fact() -> impl Strategy<Value = Option<Peer>> {
    let inet = |s: &str, port: u16| Peer::inet(s.parse().unwrap(), port);
    prop::sample::select(vec![
        None,
        Some(inet("127.0.0.1", 80)),
        Some(inet("10.1.1.1", 5432)),
        Some(inet("10.1.1.1", 5433)),
        Some(inet("8.8.8.8", 53)),
        Some(inet("::1", 9)),
        Some(inet("2001:db8::1", 50)),
        Some(inet("2001:db8::1", 500)),
        Some(Peer::Unix),
        Some(Peer::Other(16)),
    ])
}

fn mem_args() -> impl Strategy<Value = MemArgs> {
    (vec(path_arg(), 0..3), peer_fact(), any::<bool>()).prop_map(
        |(paths, peer, unregistered_buffer)| MemArgs {
            paths,
            peer,
            unregistered_buffer,
        },
    )
}

fn dedup(mut v: Vec<u8>) -> Vec<u8> {
    let mut seen = Vec::new();
    v.retain(|x| {
        let new = !seen.contains(x);
        seen.push(*x);
        new
    });
    v
}

fn policy() -> impl Strategy<Value = Policy> {
    (action(), vec(rule(), 0..8)).prop_map(|(default, rules)| Policy {
        default,
        rules,
        source: String::new(),
    })
}

/// Who submits, and the ring's setup flags: (pid, uid, comm, setup_flags), from the same small
/// ranges for SQEs and register calls, so both meet the rules' identity conditions as often.
fn submitter() -> impl Strategy<Value = (u32, u32, String, u32)> {
    (1u32..4, 0u32..3, "[ab]{0,17}", 0u32..8)
}

fn sqe() -> impl Strategy<Value = SqeFacts> {
    (
        submitter(),
        prop::sample::select(vec![0u8, 1, 2, 9, 16, 18, 22, 28, 35, 45, 47, 63, 64, 255]),
        any::<u8>(),
        any::<bool>(),
        (
            -1i32..5,
            prop::sample::select(vec![1u32, 2, 10, 16, 70]),
            prop::sample::select(vec![1u32, 2, 3, 0x80001]),
            prop::sample::select(vec![0u64, 0o1, 0o100, 0o1000, 0o100000]),
            any::<bool>(),
        ),
        mem_args(),
    )
        .prop_map(
            |(
                (pid, uid, comm, setup_flags),
                opcode,
                sqe_flags,
                personality,
                (ring_fd, domain, kind, flags, known),
                mem,
            )| SqeFacts {
                mem,
                pid,
                uid,
                comm,
                setup_flags,
                opcode,
                sqe_flags,
                personality,
                ring_fd,
                args: match opcode {
                    _ if !known => SqeArgs::Unknown,
                    args::OP_SOCKET => SqeArgs::Socket { domain, kind },
                    args::OP_OPENAT | args::OP_OPENAT2 => SqeArgs::Open { flags },
                    _ => SqeArgs::Unknown,
                },
            },
        )
}

fn register() -> impl Strategy<Value = RegisterFacts> {
    (
        submitter(),
        prop::sample::select(vec![0u8, 1, 2, 63, 64, 200]),
        -1i32..5,
    )
        .prop_map(
            |((pid, uid, comm, setup_flags), opcode, ring_fd)| RegisterFacts {
                pid,
                uid,
                comm,
                setup_flags,
                ring_fd,
                opcode,
            },
        )
}

/// The obvious exponential matcher, as the meaning `glob_match` must have.
fn glob_reference(p: &[u8], n: &[u8]) -> bool {
    match p.split_first() {
        None => n.is_empty(),
        Some((b'*', rest)) => (0..=n.len()).any(|k| glob_reference(rest, &n[k..])),
        Some((&c, rest)) => {
            !n.is_empty() && (c == b'?' || c == n[0]) && glob_reference(rest, &n[1..])
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn compiled_tables_agree_with_the_rules(
        p in policy(),
        sqes in vec(sqe(), 16),
        regs in vec(register(), 16),
        enforce in any::<bool>(),
    ) {
        let c = p.compile(enforce);
        for f in &sqes {
            prop_assert_eq!(judge_sqe_compiled(&c, f), p.judge_sqe(f), "{:?}", f);
        }
        for f in &regs {
            prop_assert_eq!(judge_register_compiled(&c, f), p.judge_register(f), "{:?}", f);
        }
    }

    /// The kernel refuses an SQE only where the policy denies it whoever submits it on whatever
    /// ring; when every rule is one the kernel can judge, it refuses exactly what the policy
    /// denies.
    #[test]
    fn kernel_filters_refuse_only_what_the_policy_denies(p in policy(), sqes in vec(sqe(), 16)) {
        kernel_agrees(&p, &sqes)?;
    }

    /// The same with only rules the kernel can judge: it then refuses exactly what they deny.
    #[test]
    fn kernel_filters_refuse_exactly_what_kernel_rules_deny(p in policy(), sqes in vec(sqe(), 24)) {
        let mut p = p;
        for r in &mut p.rules {
            r.comm = None;
            r.pid = None;
            r.uid = None;
            r.personality = None;
            r.setup_flags = 0;
            r.ring_fd = None;
            if r.has_mem_condition() {
                // The kernel cannot see these: leave only what it can judge.
                r.paths.clear();
                r.peers.clear();
                r.fixed_buffers = false;
                r.ops = args::arg_ops(r).or(r.ops.take().filter(|_| r.open_flags_any == 0));
                if r.open_flags_any == 0 && r.ops.as_ref().is_some_and(|o| o.len() > 2) {
                    r.ops = None;
                }
            }
        }
        kernel_agrees(&p, &sqes)?;
    }
}

/// See the two kernel property tests above.
fn kernel_agrees(p: &Policy, sqes: &[SqeFacts]) -> Result<(), TestCaseError> {
    {
        let plan = p.kernel_plan();
        let all_certain = p.rules.iter().all(|r| kernel::unseen_keys(r).is_empty());
        for f in sqes.iter().filter(|f| f.opcode < kernel::FILTER_OPCODES) {
            // What the filter context holds: only SOCKET and OPENAT carry their arguments.
            let mut input = kernel::FilterInput {
                opcode: f.opcode,
                sqe_flags: f.sqe_flags & 0x7f,
                ..Default::default()
            };
            let args = match f.args {
                SqeArgs::Socket { domain, kind } => {
                    input.socket_family = domain;
                    input.socket_type = kind;
                    f.args
                }
                SqeArgs::Open { flags } => {
                    input.open_flags = flags;
                    f.args
                }
                // The kernel always knows them: judge with what it sees.
                SqeArgs::Unknown => match f.opcode {
                    args::OP_SOCKET => SqeArgs::Socket { domain: 0, kind: 0 },
                    args::OP_OPENAT | args::OP_OPENAT2 => SqeArgs::Open { flags: 0 },
                    _ => SqeArgs::Unknown,
                },
            };
            let allowed = match &plan.ops[usize::from(f.opcode)] {
                kernel::OpProgram::Allow => true,
                kernel::OpProgram::Deny => false,
                kernel::OpProgram::Filter(prog) => kernel::run_filter(prog, &input),
            };
            let facts = SqeFacts {
                args,
                sqe_flags: f.sqe_flags & 0x7f,
                ..f.clone()
            };
            let policy_denies = p.judge_sqe(&facts).action == Action::Deny;
            if !allowed {
                prop_assert!(
                    policy_denies,
                    "kernel refuses {:?}; policy: {:?}",
                    facts,
                    p.judge_sqe(&facts)
                );
            }
            if all_certain {
                prop_assert_eq!(!allowed, policy_denies, "{:?}", facts);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn text_round_trips(p in policy()) {
        let text = p.to_toml();
        let back = parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back.default, p.default);
        prop_assert_eq!(back.rules.len(), p.rules.len());
        for (a, b) in p.rules.iter().zip(&back.rules) {
            prop_assert_eq!(&Rule { line: 0, ..b.clone() }, a);
        }
    }

    #[test]
    fn glob_matches_like_the_reference(pat in "[ab*?]{0,6}", name in "[ab]{0,8}") {
        prop_assert_eq!(
            glob_match(pat.as_bytes(), name.as_bytes()),
            glob_reference(pat.as_bytes(), name.as_bytes())
        );
    }
}
