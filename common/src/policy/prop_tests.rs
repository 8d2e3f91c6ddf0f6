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
    (who, what).prop_map(
        |((name, comm, pid, uid), (ops, reg, any, missing, pers, setup, act))| {
            let mut r = Rule {
                line: 0,
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
                action: act,
            };
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

fn sqe() -> impl Strategy<Value = SqeFacts> {
    (
        1u32..4,
        0u32..3,
        "[ab]{0,17}",
        0u32..8,
        prop::sample::select(vec![0u8, 1, 2, 18, 63, 64, 255]),
        any::<u8>(),
        any::<bool>(),
    )
        .prop_map(
            |(pid, uid, comm, setup_flags, opcode, sqe_flags, personality)| SqeFacts {
                pid,
                uid,
                comm,
                setup_flags,
                opcode,
                sqe_flags,
                personality,
            },
        )
}

fn register() -> impl Strategy<Value = RegisterFacts> {
    (
        1u32..4,
        0u32..3,
        "[ab]{0,17}",
        0u32..8,
        prop::sample::select(vec![0u8, 1, 2, 63, 64, 200]),
    )
        .prop_map(|(pid, uid, comm, setup_flags, opcode)| RegisterFacts {
            pid,
            uid,
            comm,
            setup_flags,
            opcode,
        })
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
