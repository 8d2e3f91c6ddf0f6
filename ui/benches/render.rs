//! How long one frame of the main view takes with a big machine's worth of rings: 100 processes
//! x 10 rings x 10 opcodes (1000 rings), drawn into a 200x60 TestBackend. Not a timed test: it
//! prints the median and the 99th percentile per frame. Run with
//! `cargo bench -p uringtop --bench render`. Target: a median of at most 5 ms.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};
use uringtop_common::input::{
    Input, LatencyCounts, OpCounters, OpSample, ProcessSample, RingSample, Sample,
};
use uringtop_common::latency::bucket_of;
use uringtop_common::model::Model;

mod tui_bench;
use tui_bench::{ring_sample, us, Screen};

const PROCESSES: u32 = 100;
const RINGS_PER_PROCESS: u32 = 10;
const OPS_PER_RING: u8 = 10;
const FRAMES: usize = 2000;

fn main() {
    // Two models one sample apart, so consecutive frames differ like live ones do.
    let samples: Vec<Sample> = (1..=3).map(sample).collect();
    let models: Vec<Model> = [2, 3]
        .iter()
        .map(|&n| {
            let mut m = Model::new();
            for s in &samples[..n] {
                m.apply(&Input::Sample(s.clone()));
            }
            m
        })
        .collect();
    let rings: usize = models[0].processes().map(|p| p.rings.len()).sum();
    assert_eq!(rings, (PROCESSES * RINGS_PER_PROCESS) as usize);

    let mut screen = Screen::new(&models[0]);
    let draw_only = measure(|i| screen.draw(&models[i % 2]));
    let with_rows = measure(|i| screen.sync_and_draw(&models[i % 2]));
    black_box(screen.drawn());
    println!("main view, {rings} rings x {OPS_PER_RING} opcodes, 200x60, {FRAMES} frames:");
    println!(
        "  draw only:          median {}, p99 {}",
        us(draw_only.0),
        us(draw_only.1)
    );
    println!(
        "  rows rebuilt + draw: median {}, p99 {}",
        us(with_rows.0),
        us(with_rows.1)
    );
}

/// (median, p99) of `FRAMES` runs of `frame`, after a warm-up.
fn measure(mut frame: impl FnMut(usize)) -> (Duration, Duration) {
    for i in 0..50 {
        frame(i);
    }
    let mut times: Vec<Duration> = (0..FRAMES)
        .map(|i| {
            let start = Instant::now();
            frame(i);
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[FRAMES / 2], times[FRAMES * 99 / 100])
}

/// The `n`-th read: every counter grows with `n`, differently per op so the sort has work.
fn sample(n: u64) -> Sample {
    let mut s = Sample {
        time_ns: 1_700_000_000_000_000_000 + n * 1_000_000_000,
        ..Sample::default()
    };
    for p in 0..PROCESSES {
        let pid = 1000 + p;
        s.processes
            .push(ProcessSample::named(pid, format!("worker-{p}")));
        for r in 0..RINGS_PER_PROCESS {
            let ring = p * RINGS_PER_PROCESS + r + 1;
            s.rings.push(RingSample {
                setup_flags: (1 << 12) | (r % 3),
                cq_overflows: u64::from(r == 0) * n,
                ..ring_sample(ring, pid, 3 + r as i32, 256)
            });
            for opcode in 0..OPS_PER_RING {
                let weight = u64::from(ring) * 7 + u64::from(opcode) * 13;
                s.ops.push(OpSample {
                    slot: 0,
                    pid,
                    ring,
                    opcode,
                    counters: counters(n, weight),
                });
            }
        }
    }
    s
}

fn counters(n: u64, weight: u64) -> OpCounters {
    let done = n * (weight % 997 + 1);
    let latencies = [
        1_000 + weight % 5_000,
        20_000 + weight % 90_000,
        2_000_000 + weight,
    ];
    let mut buckets = BTreeMap::new();
    for (i, ns) in latencies.iter().enumerate() {
        *buckets.entry(bucket_of(*ns)).or_insert(0) += done / (i as u64 + 1);
    }
    let count = buckets.values().sum();
    OpCounters {
        submitted: done + n,
        completed: done,
        errors: n * (weight % 3),
        errnos: BTreeMap::from([(2, n * (weight % 3))]),
        async_punts: done / 4,
        latency: LatencyCounts {
            count,
            sum_ns: count * 10_000,
            max_ns: latencies[2],
            buckets,
        },
        ..OpCounters::default()
    }
}
