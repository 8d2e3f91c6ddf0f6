//! A deterministic, plausible input stream for tests and demos: a few processes driving rings
//! with typical opcodes, growing cumulative counters, errors, denials and streamed requests.
//! The same arguments always give the same stream (a hand-written xorshift, no global state).

use crate::input::{
    ExecPath, Input, LatencyCounts, OpCounters, OpSample, ProcessSample, Request, RingSample,
    Sample,
};
use crate::latency::bucket_of;

pub use crate::synthetic_churn::synthetic_stream_with_churn;
pub use crate::synthetic_policy::{synthetic_stream_with_policy, SYNTHETIC_POLICY_RULES};

const ENOENT: u16 = 2;
const EAGAIN: u16 = 11;
const EACCES: u16 = 13;
const EINVAL: u16 = 22;
const ECANCELED: u16 = 125;

/// 2025-06-15T00:00:00Z: a fixed, realistic epoch time for the first sample.
const START_NS: u64 = 1_749_945_600_000_000_000;

/// What a kind of process does: its name, opcodes with a typical latency, and setup flags.
struct Workload {
    comm: &'static str,
    /// (opcode, typical latency in ns, requests per second at most)
    ops: &'static [(u8, u64, u64)],
    setup_flags: u32,
}

const SQPOLL: u32 = 1 << 1;
const CQSIZE: u32 = 1 << 3;
const COOP_TASKRUN: u32 = 1 << 8;
const SINGLE_ISSUER: u32 = 1 << 12;
const DEFER_TASKRUN: u32 = 1 << 13;
const IOPOLL: u32 = 1;

const WORKLOADS: [Workload; 6] = [
    Workload {
        comm: "postgres",
        ops: &[(3, 2_000_000, 40), (22, 60_000, 300), (23, 80_000, 150)],
        setup_flags: SINGLE_ISSUER | DEFER_TASKRUN,
    },
    Workload {
        comm: "fio",
        ops: &[(4, 20_000, 500), (5, 30_000, 300)],
        setup_flags: IOPOLL | SQPOLL,
    },
    Workload {
        comm: "nginx",
        ops: &[
            (13, 5_000_000, 50),
            (18, 15_000, 60),
            (19, 2_000, 60),
            (26, 40_000, 200),
            (27, 300_000, 200),
        ],
        setup_flags: COOP_TASKRUN,
    },
    Workload {
        comm: "redis-server",
        ops: &[(22, 8_000, 250), (23, 9_000, 250), (0, 400, 20)],
        setup_flags: SINGLE_ISSUER | CQSIZE,
    },
    Workload {
        comm: "envoy",
        ops: &[
            (9, 45_000, 120),
            (10, 250_000, 120),
            (16, 900_000, 10),
            (19, 3_000, 10),
        ],
        setup_flags: 0,
    },
    Workload {
        comm: "tokio-runtime-w",
        ops: &[
            (6, 700_000, 80),
            (11, 10_000_000, 10),
            (18, 12_000, 30),
            (21, 9_000, 30),
        ],
        setup_flags: COOP_TASKRUN | SINGLE_ISSUER,
    },
];

/// xorshift64*: small, fast and good enough to make data look irregular.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        // Mix the seed so that nearby seeds diverge, and never start at zero (a fixed point).
        let s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
        Rng(if s == 0 { 1 } else { s })
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in 0..n (0 if n is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    /// True with probability 1/n.
    pub(crate) fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

pub(crate) struct SimOp {
    pub opcode: u8,
    pub typical_ns: u64,
    pub max_rate: u64,
    /// Created on first activity, like the kernel's map entry.
    pub seen: bool,
    pub pending: u64,
    pub counters: OpCounters,
}

impl SimOp {
    /// An op that has done nothing yet, from its (opcode, typical latency in ns, requests per
    /// second at most).
    pub(crate) fn idle((opcode, typical_ns, max_rate): (u8, u64, u64)) -> SimOp {
        SimOp {
            opcode,
            typical_ns,
            max_rate,
            seen: false,
            pending: 0,
            counters: OpCounters::default(),
        }
    }
}

pub(crate) struct SimRing {
    pub info: RingSample,
    pub ops: Vec<SimOp>,
}

struct SimProcess {
    pid: u32,
    comm: &'static str,
    rings: Vec<SimRing>,
}

/// `samples` one-second reads (with a little jitter) of `processes` processes with
/// `rings_per_process` rings each, plus a few streamed requests after each read.
pub fn synthetic_stream(
    seed: u64,
    samples: usize,
    processes: usize,
    rings_per_process: usize,
) -> Vec<Input> {
    let mut rng = Rng::new(seed);
    let mut sim = build(&mut rng, processes, rings_per_process);
    let mut inputs = Vec::with_capacity(samples.saturating_mul(2));
    let mut time_ns = START_NS;
    let (mut lost_records, mut lost_updates) = (0u64, 0u64);
    let mut unmatched_cqes = rng.below(20); // requests in flight before attach

    for _ in 0..samples {
        time_ns += 1_000_000_000 + rng.below(5_000_000);
        lost_records += u64::from(rng.one_in(10)) * rng.below(30);
        lost_updates += u64::from(rng.one_in(25));
        unmatched_cqes += u64::from(rng.one_in(8));
        let mut requests = Vec::new();
        for process in &mut sim {
            let (pid, comm) = (process.pid, process.comm);
            for ring in &mut process.rings {
                if ring.info.sq_entries <= 64 && rng.one_in(4) {
                    ring.info.cq_overflows += rng.below(10) + 1;
                }
                ring.info.register_calls += u64::from(rng.one_in(20));
                for op in &mut ring.ops {
                    advance(&mut rng, op);
                    if op.seen && requests.len() < 3 && rng.one_in(6) {
                        requests.push(request(&mut rng, time_ns, (pid, comm), &ring.info, op));
                    }
                }
            }
        }
        inputs.push(Input::Sample(sample(
            &sim,
            time_ns,
            lost_records,
            lost_updates,
            unmatched_cqes,
        )));
        inputs.extend(requests.into_iter().map(Input::Request));
    }
    inputs
}

fn build(rng: &mut Rng, processes: usize, rings_per_process: usize) -> Vec<SimProcess> {
    let mut next_ring = 1u32;
    let mut pid = 900u32;
    let first_kind = rng.below(WORKLOADS.len() as u64) as usize;
    (0..processes)
        .map(|i| {
            pid = pid.saturating_add(50 + rng.below(400) as u32); // increasing: samples stay sorted by pid
            let workload = &WORKLOADS[(first_kind + i) % WORKLOADS.len()];
            let rings = (0..rings_per_process)
                .map(|j| {
                    let sq_entries = 32u32 << rng.below(7);
                    let info = RingSample {
                        ring: next_ring,
                        pid,
                        // Rings created before attach have no known fd.
                        fd: (!rng.one_in(3)).then_some((j as i32).wrapping_add(5)),
                        setup_flags: workload.setup_flags,
                        sq_entries,
                        cq_entries: sq_entries * 2,
                        ..RingSample::default()
                    };
                    next_ring = next_ring.saturating_add(1);
                    let ops = workload.ops.iter().copied().map(SimOp::idle).collect();
                    SimRing { info, ops }
                })
                .collect();
            SimProcess {
                pid,
                comm: workload.comm,
                rings,
            }
        })
        .collect()
}

/// One second of activity of one op.
pub(crate) fn advance(rng: &mut Rng, op: &mut SimOp) {
    let c = &mut op.counters;
    // Some ops are idle in some seconds, so rings and ops appear at different times.
    let submitted = if rng.one_in(5) {
        0
    } else {
        rng.below(op.max_rate + 1)
    };
    let rejected = u64::from(rng.one_in(15));
    let denied = u64::from(rejected > 0 && rng.one_in(2));
    c.submitted += submitted;
    c.rejected += rejected;
    c.denied += denied;
    op.pending += submitted;
    let still_pending = rng.below(op.pending.min(4) + 1);
    let done = op.pending - still_pending;
    op.pending = still_pending;
    // A refused SQE still posts a CQE, with -EACCES/-EPERM (denied) or another error.
    c.completed += done + rejected;
    if rejected > 0 {
        add_error(c, if denied > 0 { EACCES } else { EINVAL }, rejected);
    }
    let failing = match op.opcode {
        18 => (ENOENT, done / 10),                       // OPENAT of missing files
        27 | 10 => (EAGAIN, done / 20),                  // RECV/RECVMSG on empty sockets
        11 | 6 => (ECANCELED, u64::from(rng.one_in(3))), // cancelled timeouts and polls
        _ => (ECANCELED, u64::from(rng.one_in(40))),
    };
    let failing = (failing.0, failing.1.min(done));
    if failing.1 > 0 {
        add_error(c, failing.0, failing.1);
    }
    if matches!(op.opcode, 3 | 18 | 23 | 5) {
        c.async_punts += done / 4 + rng.below(2).min(done);
    }
    if matches!(op.opcode, 6 | 10 | 13 | 27) {
        c.poll_arms += done / 2;
    }
    for _ in 0..done {
        record_latency(&mut c.latency, latency_ns(rng, op.typical_ns));
    }
    op.seen |= submitted + rejected + done > 0;
}

fn add_error(c: &mut OpCounters, errno: u16, n: u64) {
    c.errors += n;
    *c.errnos.entry(errno).or_insert(0) += n;
}

/// Mostly around `typical`, with a long tail.
fn latency_ns(rng: &mut Rng, typical: u64) -> u64 {
    let spread = typical / 2 + rng.below(typical.saturating_mul(2).max(1));
    if rng.one_in(50) {
        spread.saturating_mul(10 + rng.below(40))
    } else {
        spread
    }
}

fn record_latency(l: &mut LatencyCounts, ns: u64) {
    l.count += 1;
    l.sum_ns = l.sum_ns.saturating_add(ns);
    l.max_ns = l.max_ns.max(ns);
    *l.buckets.entry(bucket_of(ns)).or_insert(0) += 1;
}

fn sample(
    sim: &[SimProcess],
    time_ns: u64,
    lost_records: u64,
    lost_updates: u64,
    unmatched_cqes: u64,
) -> Sample {
    let mut s = Sample {
        time_ns,
        lost_records,
        lost_updates,
        unmatched_cqes,
        ..Sample::default()
    };
    for p in sim {
        read_process(&mut s, p.pid, p.comm, &p.rings, |_, _| 0);
    }
    // Rings and ops are built in pid, ring order; opcodes within a ring need sorting.
    s.ops.sort_by_key(|o| (o.pid, o.ring, o.opcode));
    s
}

/// Adds to `s` what a full read shows of a process: its name, its rings, and the ops seen so
/// far, each in the counter slot `slot(ring, opcode)` says.
pub(crate) fn read_process(
    s: &mut Sample,
    pid: u32,
    comm: &str,
    rings: &[SimRing],
    slot: impl Fn(u32, u8) -> u64,
) {
    s.processes.push(ProcessSample::named(pid, comm));
    for ring in rings {
        s.rings.push(ring.info.clone());
        for op in ring.ops.iter().filter(|op| op.seen) {
            s.ops.push(OpSample {
                slot: slot(ring.info.ring, op.opcode),
                pid,
                ring: ring.info.ring,
                opcode: op.opcode,
                counters: op.counters.clone(),
            });
        }
    }
}

fn request(
    rng: &mut Rng,
    time_ns: u64,
    (pid, comm): (u32, &str),
    ring: &RingSample,
    op: &SimOp,
) -> Request {
    let latency = latency_ns(rng, op.typical_ns);
    let path = match rng.below(10) {
        0 => ExecPath::IoWq,
        1 => ExecPath::Poll,
        2 if rng.one_in(3) => ExecPath::Rejected,
        _ => ExecPath::Inline,
    };
    let rejected = path == ExecPath::Rejected;
    let res = if rejected {
        -i32::from(EINVAL)
    } else if op.opcode == 18 && rng.one_in(5) {
        -i32::from(ENOENT)
    } else {
        rng.below(65_536) as i32
    };
    Request {
        time_ns: time_ns.saturating_sub(rng.below(900_000_000)),
        latency_ns: (!rejected).then_some(latency),
        pid,
        tid: pid.wrapping_add(rng.below(8) as u32),
        comm: comm.to_string(),
        ring: ring.ring,
        opcode: op.opcode,
        fd: 3 + rng.below(60) as i32,
        off: rng.below(1 << 30) & !4095,
        addr: 0x7f00_0000_0000 + (rng.below(1 << 24) << 12),
        len: 4096 << rng.below(5),
        sqe_flags: if rng.one_in(4) { 1 } else { 0 },
        user_data: rng.next(),
        res,
        cflags: 0,
        path,
        verdict: None,
        cqe_index: 0,
        args: None,
    }
}

/// The samples of a stream, without its requests (for the tests of every synthetic stream).
#[cfg(test)]
pub(crate) fn samples_of(inputs: &[Input]) -> Vec<&Sample> {
    inputs
        .iter()
        .filter_map(|i| match i {
            Input::Sample(s) => Some(s),
            Input::Request(_) => None,
        })
        .collect()
}

/// Asserts that `s` lists processes by pid, rings by id and ops by (pid, ring, opcode), each
/// once, as the probe sends them.
#[cfg(test)]
pub(crate) fn assert_sorted_as_the_probe_sends(s: &Sample) {
    assert!(s
        .ops
        .windows(2)
        .all(|w| (w[0].pid, w[0].ring, w[0].opcode) < (w[1].pid, w[1].ring, w[1].opcode)));
    assert!(s.processes.windows(2).all(|w| w[0].pid < w[1].pid));
    assert!(s.rings.windows(2).all(|w| w[0].ring < w[1].ring));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        assert_eq!(synthetic_stream(7, 20, 3, 2), synthetic_stream(7, 20, 3, 2));
        assert_ne!(synthetic_stream(7, 20, 3, 2), synthetic_stream(8, 20, 3, 2));
    }

    #[test]
    fn samples_are_sorted_and_cumulative() {
        let stream = synthetic_stream(3, 30, 4, 2);
        let samples = samples_of(&stream);
        assert_eq!(samples.len(), 30);
        for pair in samples.windows(2) {
            assert!(pair[1].time_ns > pair[0].time_ns);
            for op in &pair[0].ops {
                let later = pair[1]
                    .ops
                    .iter()
                    .find(|o| (o.pid, o.ring, o.opcode) == (op.pid, op.ring, op.opcode));
                let later = later.expect("ops do not disappear");
                assert!(later.counters.submitted >= op.counters.submitted);
                assert!(later.counters.completed >= op.counters.completed);
            }
        }
        for s in &samples {
            assert_sorted_as_the_probe_sends(s);
            for op in &s.ops {
                let c = &op.counters;
                assert_eq!(c.latency.count, c.latency.buckets.values().sum::<u64>());
                assert_eq!(c.errors, c.errnos.values().sum::<u64>());
                assert!(c.denied <= c.rejected);
                assert!(c.completed <= c.submitted + c.rejected);
            }
        }
        let last = samples[29];
        let errnos: std::collections::BTreeSet<u16> = last
            .ops
            .iter()
            .flat_map(|o| o.counters.errnos.keys().copied())
            .collect();
        assert!(errnos.contains(&ECANCELED));
        assert!(last.ops.iter().any(|o| o.counters.denied > 0));
        assert!(stream.iter().any(|i| matches!(i, Input::Request(_))));
    }

    #[test]
    fn degenerate_sizes_do_not_panic() {
        assert!(synthetic_stream(0, 0, 3, 3).is_empty());
        assert_eq!(synthetic_stream(0, 5, 0, 0).len(), 5);
        assert!(synthetic_stream(u64::MAX, 3, 20, 0).len() >= 3);
    }
}
