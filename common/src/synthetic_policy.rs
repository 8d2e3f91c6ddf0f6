//! The synthetic stream as seen with a policy loaded: the very activity of
//! [`synthetic_stream`](crate::synthetic::synthetic_stream) (same seed, same processes, rings and
//! counts), with verdicts added on top. Built by rewriting that stream rather than by changing
//! its generator, so the stream without a policy (and every snapshot made from it) stays as is.
//!
//! The pretend policy ([`SYNTHETIC_POLICY_RULES`], default allow):
//! 0. log every CONNECT;
//! 1. deny about a third of OPENATs;
//! 2. kill, now and then, a WRITE_FIXED;
//! 3. deny IORING_REGISTER_PERSONALITY (one ring tries it, and the kernel refuses it too).
//!
//! Like the probe, it streams every violation as a request, and gives every other streamed
//! request an allow verdict. One process also has io_uring_setup refused by the kernel.

use crate::input::{ExecPath, Input, RegisterOpSample, Request, Sample};
use crate::synthetic::{synthetic_stream, Rng};
use crate::verdict::{Action, Verdict, VerdictCounts};
use std::collections::BTreeMap;

/// One description per rule of the pretend policy, by position.
pub const SYNTHETIC_POLICY_RULES: [&str; 4] = [
    "log CONNECT",
    "deny OPENAT outside /srv",
    "kill WRITE_FIXED",
    "deny REGISTER_PERSONALITY",
];

const CONNECT: u8 = 16;
const OPENAT: u8 = 18;
const WRITE_FIXED: u8 = 5;
const REGISTER_FILES: u8 = 2;
const REGISTER_PERSONALITY: u8 = 9;
const EPERM: u16 = 1;

/// Per (pid, ring, opcode): SQEs already judged, and the verdicts so far.
type Judged = BTreeMap<(u32, u32, u8), (u64, VerdictCounts)>;

/// [`synthetic_stream`] with the same arguments, plus verdicts, rule hits, register calls and a
/// refused io_uring_setup; deterministic like it.
pub fn synthetic_stream_with_policy(
    seed: u64,
    samples: usize,
    processes: usize,
    rings_per_process: usize,
) -> Vec<Input> {
    let base = synthetic_stream(seed, samples, processes, rings_per_process);
    let mut rng = Rng::new(seed ^ 0x5EC0_3B17);
    let mut judged = Judged::new();
    let mut rule_hits = [0u64; SYNTHETIC_POLICY_RULES.len()];
    let mut index = 0u64;
    let mut out = Vec::with_capacity(base.len() * 2);
    for input in base {
        match input {
            Input::Sample(mut s) => {
                index += 1;
                let violations = judge(&mut rng, &mut s, &mut judged, &mut rule_hits);
                register_calls(&mut s, index, &mut rule_hits);
                setup_refused(&mut s, index);
                s.rule_hits = Some(rule_hits.to_vec());
                out.push(Input::Sample(s));
                out.extend(violations.into_iter().map(Input::Request));
            }
            Input::Request(mut r) => {
                r.verdict = Some(if r.opcode == CONNECT {
                    verdict(Action::Log, 0)
                } else {
                    Verdict::default()
                });
                out.push(Input::Request(r));
            }
        }
    }
    out
}

fn verdict(action: Action, rule: u16) -> Verdict {
    Verdict {
        action,
        rule: Some(rule),
        enforced: false,
    }
}

/// Sets the cumulative verdicts of every op of `s`; returns the violations to stream (one per
/// op and action, like a probe whose ring buffer keeps up).
fn judge(
    rng: &mut Rng,
    s: &mut Sample,
    judged: &mut Judged,
    rule_hits: &mut [u64],
) -> Vec<Request> {
    let mut violations = Vec::new();
    for op in &mut s.ops {
        let c = &mut op.counters;
        let seen = c.submitted.saturating_add(c.rejected);
        let (done, counts) = judged.entry((op.pid, op.ring, op.opcode)).or_default();
        let new = seen.saturating_sub(*done);
        *done = seen;
        let (action, rule, n) = match op.opcode {
            CONNECT => (Action::Log, 0, new),
            OPENAT => (Action::Deny, 1, new / 3),
            WRITE_FIXED if new > 0 && rng.one_in(8) => (Action::Kill, 2, 1),
            _ => (Action::Allow, 0, 0),
        };
        counts.allow += new - n;
        if n > 0 {
            *counts.get_mut(action) += n;
            rule_hits[usize::from(rule)] += n;
            let comm = s
                .processes
                .iter()
                .find(|p| p.pid == op.pid)
                .map_or("", |p| p.comm.as_str());
            violations.push(Request {
                time_ns: s.time_ns.saturating_sub(rng.below(900_000_000)),
                latency_ns: Some(5_000 + rng.below(200_000)),
                pid: op.pid,
                tid: op.pid.wrapping_add(rng.below(4) as u32),
                comm: comm.to_string(),
                ring: op.ring,
                opcode: op.opcode,
                fd: 3 + rng.below(40) as i32,
                off: rng.below(1 << 20) & !4095,
                addr: 0x7f00_0000_0000 + (rng.below(1 << 24) << 12),
                len: 4096,
                sqe_flags: 0,
                user_data: rng.next(),
                res: if op.opcode == OPENAT { 7 } else { 4096 },
                cflags: 0,
                path: ExecPath::Inline,
                verdict: Some(verdict(action, rule)),
                cqe_index: 0,
                args: None,
            });
        }
        c.verdicts = *counts;
    }
    // Newest last, as a probe would deliver them.
    violations.sort_by_key(|r| r.time_ns);
    violations
}

/// Every ring's register calls become REGISTER_FILES; from the 5th sample on, the lowest ring of
/// the second process also tries REGISTER_PERSONALITY twice a sample: the policy denies both,
/// the kernel refuses one.
fn register_calls(s: &mut Sample, index: u64, rule_hits: &mut [u64]) {
    let second_pid = s.processes.get(1).map(|p| p.pid);
    let mut personality_done = false;
    for ring in &mut s.rings {
        if ring.register_calls > 0 {
            ring.register_ops.push(RegisterOpSample {
                opcode: REGISTER_FILES,
                calls: ring.register_calls,
                verdicts: VerdictCounts {
                    allow: ring.register_calls,
                    ..VerdictCounts::default()
                },
                ..RegisterOpSample::default()
            });
        }
        if index >= 5 && Some(ring.pid) == second_pid && !personality_done {
            personality_done = true;
            let tries = 2 * (index - 4);
            let refused = index - 4;
            ring.register_calls += tries;
            ring.register_failed += refused;
            ring.register_denied += refused;
            ring.register_ops.push(RegisterOpSample {
                opcode: REGISTER_PERSONALITY,
                calls: tries,
                failed: refused,
                denied: refused,
                verdicts: VerdictCounts {
                    deny: tries,
                    ..VerdictCounts::default()
                },
            });
            rule_hits[3] = tries;
        }
    }
}

/// The last process had io_uring_setup refused (EPERM) once every ten samples.
fn setup_refused(s: &mut Sample, index: u64) {
    if let Some(p) = s.processes.last_mut() {
        let refused = index.div_ceil(10);
        p.setup_refused.insert(EPERM, refused);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::samples_of;

    #[test]
    fn same_activity_as_without_a_policy_plus_verdicts() {
        let plain = synthetic_stream(7, 30, 6, 2);
        let with = synthetic_stream_with_policy(7, 30, 6, 2);
        assert_eq!(with, synthetic_stream_with_policy(7, 30, 6, 2));
        for (a, b) in samples_of(&plain).into_iter().zip(samples_of(&with)) {
            assert_eq!(a.time_ns, b.time_ns);
            assert_eq!(a.ops.len(), b.ops.len());
            for (x, y) in a.ops.iter().zip(&b.ops) {
                assert_eq!(x.counters.submitted, y.counters.submitted);
                let v = &y.counters.verdicts;
                let seen = y.counters.submitted + y.counters.rejected;
                assert_eq!(v.allow + v.violations(), seen, "every SQE judged once");
            }
        }
        let last = samples_of(&with).last().copied().unwrap();
        let hits = last.rule_hits.as_deref().unwrap_or_default();
        assert_eq!(hits.len(), SYNTHETIC_POLICY_RULES.len());
        assert!(hits.iter().all(|&n| n > 0), "{:?}", last.rule_hits);
        assert!(last.rings.iter().any(|r| r.register_denied > 0));
        assert!(last.processes.iter().any(|p| !p.setup_refused.is_empty()));
        let actions: std::collections::BTreeSet<Action> = with
            .iter()
            .filter_map(|i| match i {
                Input::Request(r) => r.verdict.map(|v| v.action),
                Input::Sample(_) => None,
            })
            .collect();
        assert_eq!(actions.len(), 4, "{actions:?}");
    }
}
