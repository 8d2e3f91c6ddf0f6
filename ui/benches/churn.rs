//! What the TUI costs after a storm of short-lived rings: 20,000 processes x 5 rings (100,000
//! rings), each process living one or two samples and exiting, 200 born per sample, beside 10
//! long-lived processes; then the churn stops and every sample is idle. Not a timed test: it
//! prints, per variant, what the model still holds, the bench process's RSS, and the median and
//! 99th percentile of one idle sample's apply + row rebuild + draw (200x60), as the live TUI
//! does once per interval. Run with `cargo bench -p uringtop --bench churn`.
//!
//! Variants, each in a process of its own (so that RSS is its own):
//! - `display`: the TUI's model (Model::for_display), told of every exit and closed ring;
//! - `report`: a reporting model (Model::new) over the same stream, never rebased: what a
//!   `dump --from` over the whole stream keeps (the window owes every departed ring);
//! - `unaware`: the TUI's model fed the stream without exits and closed rings, which is what
//!   every model did before it was told of them.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};
use uringtop_common::input::{Input, LatencyCounts, OpCounters, OpSample, ProcessSample, Sample};
use uringtop_common::latency::bucket_of;
use uringtop_common::model::Model;

mod tui_bench;
use tui_bench::{ring_sample, us, Screen};

const PROCESSES: u32 = 20_000;
const RINGS_PER_PROCESS: u32 = 5;
const BORN_PER_SAMPLE: u32 = 200;
const LONG_LIVED: u32 = 10;
const IDLE_SAMPLES: usize = 300;
const S: u64 = 1_000_000_000;
const VARIANTS: [&str; 3] = ["display", "report", "unaware"];

fn main() {
    let variant = std::env::args().find(|a| VARIANTS.contains(&a.as_str()));
    match variant {
        Some(v) => run(&v),
        None => {
            let exe = std::env::current_exe().expect("the bench's own path");
            println!(
                "{PROCESSES} processes x {RINGS_PER_PROCESS} rings, {BORN_PER_SAMPLE} born per \
                 sample, each living 1 or 2 samples; {LONG_LIVED} long-lived processes; then \
                 {IDLE_SAMPLES} idle samples, each applied, rows rebuilt and drawn at 200x60:"
            );
            for v in VARIANTS {
                let out = Command::new(&exe).arg(v).output().expect("runs itself");
                print!("{}", String::from_utf8_lossy(&out.stdout));
                eprint!("{}", String::from_utf8_lossy(&out.stderr));
            }
        }
    }
}

fn run(variant: &str) {
    let told = variant != "unaware";
    let mut model = if variant == "report" {
        Model::new()
    } else {
        Model::for_display()
    };
    let mut screen = Screen::new(&model);

    let rss_before = rss_mib();
    let mut churn = Churn::new(told);
    let (mut samples, mut busy) = (0u32, Duration::ZERO);
    let mut time_ns = 0;
    // Made one at a time, so that what the process holds afterwards is the model's doing.
    while let Some(sample) = churn.next_sample() {
        time_ns = sample.time_ns;
        let input = Input::Sample(sample);
        let t = Instant::now();
        model.apply(&input);
        screen.sync_and_draw(&model);
        busy += t.elapsed();
        samples += 1;
    }
    let churn_time = busy / samples.max(1);

    let mut times: Vec<Duration> = (0..IDLE_SAMPLES)
        .map(|_| {
            time_ns += S;
            let idle = Input::Sample(Sample {
                time_ns,
                ..Sample::default()
            });
            let start = Instant::now();
            model.apply(&idle);
            screen.sync_and_draw(&model);
            start.elapsed()
        })
        .collect();
    black_box(screen.drawn());
    times.sort();
    let f = model.footprint();
    // Give freed heap back to the kernel first, so that RSS is what is still in use.
    // SAFETY: malloc_trim only releases free memory of glibc's heap; nothing refers to it.
    unsafe {
        libc::malloc_trim(0);
    }
    println!(
        "  {variant:<8} holds {} processes, {} rings, {} ops, {} ring descriptions, {} names, \
         {} departed rings; RSS {} MiB (before the churn {rss_before} MiB); per sample during \
         churn {}; idle sample: median {}, p99 {}",
        f.processes,
        f.rings,
        f.ops,
        f.ring_infos,
        f.comms,
        f.departed_rings,
        rss_mib(),
        us(churn_time),
        us(times[IDLE_SAMPLES / 2]),
        us(times[IDLE_SAMPLES * 99 / 100]),
    );
}

/// The churn, one sample at a time, each of only what changed (as the probe sends them). With
/// `told`, each process's last sample lists it in `exited` and its rings in `closed_rings`.
struct Churn {
    told: bool,
    n: u64,
    born: u32,
    next_ring: u32,
    /// Processes alive going into the next sample: (pid, first ring, samples left).
    alive: Vec<(u32, u32, u32)>,
}

impl Churn {
    fn new(told: bool) -> Self {
        Churn {
            told,
            n: 0,
            born: 0,
            next_ring: 1 + LONG_LIVED,
            alive: Vec::new(),
        }
    }

    fn next_sample(&mut self) -> Option<Sample> {
        if self.born >= PROCESSES && self.alive.is_empty() {
            return None;
        }
        self.n += 1;
        let mut s = Sample {
            time_ns: 1_700_000_000 * S + self.n * S,
            ..Sample::default()
        };
        if self.n == 1 {
            for i in 0..LONG_LIVED {
                let (pid, ring) = (100 + i, 1 + i);
                s.processes.push(ProcessSample::named(pid, "server"));
                s.rings.push(ring_sample(ring, pid, 3, 32));
                s.ops.push(op(pid, ring, 22, 1));
            }
        }
        for _ in 0..BORN_PER_SAMPLE.min(PROCESSES - self.born) {
            let pid = 10_000 + self.born;
            self.alive.push((pid, self.next_ring, 1 + self.born % 2));
            s.processes.push(ProcessSample::named(pid, "job"));
            for r in 0..RINGS_PER_PROCESS {
                s.rings.push(ring_sample(self.next_ring + r, pid, 3, 32));
            }
            self.next_ring += RINGS_PER_PROCESS;
            self.born += 1;
        }
        for (pid, first, left) in &mut self.alive {
            for r in 0..RINGS_PER_PROCESS {
                for opcode in [22, 23] {
                    s.ops
                        .push(op(*pid, *first + r, opcode, u64::from(3 - *left)));
                }
            }
            *left -= 1;
            if *left == 0 && self.told {
                s.exited.push(*pid);
                s.closed_rings
                    .extend((0..RINGS_PER_PROCESS).map(|r| *first + r));
            }
        }
        self.alive.retain(|&(_, _, left)| left > 0);
        s.processes.sort_by_key(|p| p.pid);
        s.rings.sort_by_key(|r| r.ring);
        s.ops.sort_by_key(|o| (o.pid, o.ring, o.opcode));
        Some(s)
    }
}

/// `n` x 10 requests completed, with errors and latencies, so each op holds real maps.
fn op(pid: u32, ring: u32, opcode: u8, n: u64) -> OpSample {
    let done = n * 10;
    let mut buckets = BTreeMap::new();
    for ns in [2_000, 40_000, 900_000] {
        *buckets.entry(bucket_of(ns)).or_insert(0) += done / 3;
    }
    let count = buckets.values().sum();
    OpSample {
        slot: u64::from(ring) << 8 | u64::from(opcode),
        pid,
        ring,
        opcode,
        counters: OpCounters {
            submitted: done,
            completed: done,
            errors: n,
            errnos: BTreeMap::from([(2, n)]),
            latency: LatencyCounts {
                count,
                sum_ns: count * 50_000,
                max_ns: 900_000,
                buckets,
            },
            ..OpCounters::default()
        },
    }
}

/// Resident set of this process, from /proc/self/statm (pages of 4 KiB).
fn rss_mib() -> String {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok());
    match pages {
        Some(p) => format!("{:.0}", (p * 4096) as f64 / (1024.0 * 1024.0)),
        None => "?".into(),
    }
}
