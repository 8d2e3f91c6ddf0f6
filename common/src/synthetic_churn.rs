//! The synthetic stream under process and ring churn, as the probe sends it: the very activity
//! of [`synthetic_stream`](crate::synthetic::synthetic_stream) (same seed, same processes, rings
//! and counts), plus
//! - short-lived processes (compilers, git, curl) that appear, use a ring or two for one to three
//!   seconds and exit: the sample of their last second lists them in `exited` and their rings in
//!   `closed_rings`;
//! - a long-lived `backup-agent` that keeps one ring and replaces a second one every few seconds
//!   (the old one listed in `closed_rings`);
//!
//! and samples carrying only the processes, rings and ops that are new or changed since the
//! previous sample. Built by rewriting that stream rather than by changing its generator, so the
//! stream without churn (and every snapshot made from it) stays as is.

use crate::input::{Input, RingSample, Sample};
use crate::synthetic::{advance, read_process, synthetic_stream, Rng, SimOp, SimRing};
use std::collections::BTreeSet;

/// (opcode, typical latency in ns, requests per second at most), as in the base stream.
type Ops = &'static [(u8, u64, u64)];

/// Short-lived processes: their name and ops.
const JOBS: [(&str, Ops); 4] = [
    (
        "cc1",
        &[(18, 20_000, 40), (22, 15_000, 80), (19, 3_000, 40)],
    ),
    (
        "git",
        &[(21, 9_000, 200), (18, 25_000, 60), (22, 12_000, 120)],
    ),
    (
        "curl",
        &[(16, 400_000, 2), (26, 30_000, 20), (27, 250_000, 60)],
    ),
    (
        "ld",
        &[(22, 60_000, 150), (23, 80_000, 100), (3, 2_000_000, 2)],
    ),
];
const AGENT: &str = "backup-agent";
const AGENT_OPS: Ops = &[(22, 90_000, 60), (23, 120_000, 40), (3, 3_000_000, 3)];
/// Above the base stream's pids (which start at 900 and grow by at most 450 per process).
const FIRST_CHURN_PID: u32 = 40_000;

struct ChurnProcess {
    pid: u32,
    comm: &'static str,
    rings: Vec<SimRing>,
    /// Seconds left; it exits at the end of its last one. None: lives on.
    seconds_left: Option<u32>,
}

/// [`synthetic_stream`] with the same arguments, plus processes that come and go and rings that
/// close, in samples of only what changed; deterministic like it.
pub fn synthetic_stream_with_churn(
    seed: u64,
    samples: usize,
    processes: usize,
    rings_per_process: usize,
) -> Vec<Input> {
    let base = synthetic_stream(seed, samples, processes, rings_per_process);
    let mut churn = Churn {
        rng: Rng::new(seed ^ 0xC0FF_EE11),
        next_pid: FIRST_CHURN_PID,
        next_ring: u32::try_from(processes.saturating_mul(rings_per_process))
            .unwrap_or(u32::MAX - 1_000_000)
            .saturating_add(1),
        live: Vec::new(),
        second: 0,
    };
    let mut previous = Sample::default();
    base.into_iter()
        .map(|input| match input {
            Input::Sample(mut s) => {
                churn.step(&mut s);
                let full = s.clone();
                only_changes(&mut s, &previous);
                previous = full;
                Input::Sample(s)
            }
            request => request,
        })
        .collect()
}

struct Churn {
    rng: Rng,
    next_pid: u32,
    next_ring: u32,
    live: Vec<ChurnProcess>,
    second: u64,
}

impl Churn {
    /// One second of churn, added to the base stream's sample `s`.
    fn step(&mut self, s: &mut Sample) {
        self.second += 1;
        if self.second == 1 {
            let mut agent = self.process(AGENT, None);
            agent.rings.push(self.ring(agent.pid, AGENT_OPS, Some(9)));
            agent.rings.push(self.ring(agent.pid, AGENT_OPS, Some(10)));
            self.live.push(agent);
        }
        if self.rng.one_in(2) {
            let (comm, ops) = JOBS[self.rng.below(JOBS.len() as u64) as usize];
            let seconds = 1 + self.rng.below(3) as u32;
            let mut job = self.process(comm, Some(seconds));
            for fd in 0..1 + self.rng.below(2) {
                job.rings.push(self.ring(job.pid, ops, Some(3 + fd as i32)));
            }
            self.live.push(job);
        }
        // The agent replaces its second ring every 4 seconds: this is the old one's last.
        let replace_agent_ring = self.second.is_multiple_of(4);
        for p in &mut self.live {
            for ring in &mut p.rings {
                for op in &mut ring.ops {
                    advance(&mut self.rng, op);
                }
            }
            p.seconds_left = p.seconds_left.map(|n| n.saturating_sub(1));
            let exits = p.seconds_left == Some(0);
            emit(s, p);
            if exits {
                s.exited.push(p.pid);
                s.closed_rings.extend(p.rings.iter().map(|r| r.info.ring));
            } else if p.comm == AGENT && replace_agent_ring {
                if let Some(old) = p.rings.get(1) {
                    s.closed_rings.push(old.info.ring);
                }
            }
        }
        self.live.retain(|p| p.seconds_left != Some(0));
        if replace_agent_ring {
            if let Some(i) = self.live.iter().position(|p| p.comm == AGENT) {
                let pid = self.live[i].pid;
                let ring = self.ring(pid, AGENT_OPS, Some(10));
                self.live[i].rings.truncate(1);
                self.live[i].rings.push(ring);
            }
        }
        s.processes.sort_by_key(|p| p.pid);
        s.rings.sort_by_key(|r| r.ring);
        s.ops.sort_by_key(|o| (o.pid, o.ring, o.opcode));
        s.exited.sort_unstable();
        s.closed_rings.sort_unstable();
    }

    fn process(&mut self, comm: &'static str, seconds_left: Option<u32>) -> ChurnProcess {
        let pid = self.next_pid;
        self.next_pid = self.next_pid.saturating_add(1 + self.rng.below(40) as u32);
        ChurnProcess {
            pid,
            comm,
            rings: Vec::new(),
            seconds_left,
        }
    }

    fn ring(&mut self, pid: u32, ops: Ops, fd: Option<i32>) -> SimRing {
        let ring = self.next_ring;
        self.next_ring = self.next_ring.saturating_add(1);
        let sq_entries = 8u32 << self.rng.below(4);
        SimRing {
            info: RingSample {
                ring,
                pid,
                fd,
                sq_entries,
                cq_entries: sq_entries * 2,
                ..RingSample::default()
            },
            ops: ops.iter().copied().map(SimOp::idle).collect(),
        }
    }
}

/// The process's state as a full read shows it, each op in a counter slot of its own.
fn emit(s: &mut Sample, p: &ChurnProcess) {
    // Slots are stable per key: derived from the ring and opcode.
    read_process(s, p.pid, p.comm, &p.rings, |ring, opcode| {
        u64::from(ring) << 8 | u64::from(opcode)
    });
}

/// Leaves out of `s` what `previous` (the previous full read) already said, as the probe does.
fn only_changes(s: &mut Sample, previous: &Sample) {
    let processes: BTreeSet<_> = previous
        .processes
        .iter()
        .map(|p| (p.pid, &p.comm, &p.setup_refused))
        .collect();
    s.processes
        .retain(|p| !processes.contains(&(p.pid, &p.comm, &p.setup_refused)));
    s.rings.retain(|r| {
        previous
            .rings
            .binary_search_by_key(&r.ring, |p| p.ring)
            .map_or(true, |i| previous.rings[i] != *r)
    });
    s.ops.retain(|o| {
        previous
            .ops
            .binary_search_by_key(&(o.pid, o.ring, o.opcode), |p| (p.pid, p.ring, p.opcode))
            .map_or(true, |i| previous.ops[i] != *o)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{assert_sorted_as_the_probe_sends, samples_of, synthetic_stream};
    use std::collections::BTreeMap;

    #[test]
    fn processes_exit_rings_close_and_samples_carry_only_changes() {
        let churn = synthetic_stream_with_churn(7, 30, 6, 2);
        assert_eq!(churn, synthetic_stream_with_churn(7, 30, 6, 2));
        let reads = samples_of(&churn);
        assert_eq!(reads.len(), 30);
        let exited: BTreeSet<u32> = reads.iter().flat_map(|s| s.exited.clone()).collect();
        let closed: BTreeSet<u32> = reads.iter().flat_map(|s| s.closed_rings.clone()).collect();
        assert!(exited.len() >= 5, "{exited:?}");
        assert!(exited.iter().all(|&pid| pid >= FIRST_CHURN_PID));
        assert!(closed.len() > exited.len(), "{closed:?}");
        // Nothing is said of a process after its exit, nor of a ring after it closed.
        for (i, s) in reads.iter().enumerate() {
            for later in &reads[i + 1..] {
                assert!(later.ops.iter().all(|o| !s.exited.contains(&o.pid)));
                assert!(later.ops.iter().all(|o| !s.closed_rings.contains(&o.ring)));
                assert!(later
                    .rings
                    .iter()
                    .all(|r| !s.closed_rings.contains(&r.ring)));
            }
            assert_sorted_as_the_probe_sends(s);
        }
        // Only changes: later samples are much smaller than full reads.
        let full = samples_of(&synthetic_stream(7, 30, 6, 2))
            .iter()
            .map(|s| s.rings.len())
            .sum::<usize>();
        let sent = reads.iter().map(|s| s.rings.len()).sum::<usize>();
        assert!(sent < full, "{sent} rings sent, {full} in full reads");
    }

    #[test]
    fn the_base_stream_is_untouched() {
        // Every op of the base stream's processes reaches the same cumulative counts.
        let last_counts = |inputs: &[Input]| {
            let mut counts = BTreeMap::new();
            for s in samples_of(inputs) {
                for o in s.ops.iter().filter(|o| o.pid < FIRST_CHURN_PID) {
                    counts.insert((o.pid, o.ring, o.opcode), o.counters.clone());
                }
            }
            counts
        };
        assert_eq!(
            last_counts(&synthetic_stream_with_churn(3, 20, 4, 2)),
            last_counts(&synthetic_stream(3, 20, 4, 2))
        );
    }
}
