//! Overhead of the probe on the hottest io_uring path: a NOP flood (batches of 32 NOPs on one ring),
//! untraced versus traced, in interleaved pairs so that drift of these shared machines hits both
//! sides alike. Prints throughput ratios (traced / untraced): 1.0 means free. Absolute rates are not
//! printed on purpose; they say nothing across machines or minutes.
//!
//!   cargo bench -p uringtop-tests --bench overhead            (as root)
//!   URINGTOP_BENCH_MS=1000 URINGTOP_BENCH_PAIRS=11 ...        (the defaults)
//!
//! Pairs alternate their order (untraced first, then traced first) so that a machine speeding up
//! or slowing down during the run does not favour one side.

use std::time::Duration;
use uringtop_common::abi;
use uringtop_common::policy::{self, Policy};
use uringtop_probe::{Probe, RequestFilter};
use uringtop_tests::cpu::pin_to_cpu;
use uringtop_tests::{policies, privilege, workloads};

const BATCH: usize = 32;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn flood(secs: Duration) -> f64 {
    match workloads::nop_flood(secs, BATCH) {
        Ok(n) => n as f64,
        Err(e) => panic!("NOP flood failed: {e:#}"),
    }
}

/// One side of a comparison: no probe, or the probe with or without streaming and a policy.
enum Side {
    Untraced,
    Traced {
        records: bool,
        policy: Option<Box<abi::Policy>>,
    },
}

/// Floods once on `side`; with a probe, a reader drains the ring buffer and samples the maps as
/// `uringtop trace`/`dump` would.
fn run(side: &Side, secs: Duration) -> f64 {
    let Side::Traced { records, policy } = side else {
        return flood(secs);
    };
    let records = *records;
    let mut probe = match policy {
        Some(p) => Probe::load_with_policy(p),
        None => Probe::load(),
    }
    .unwrap_or_else(|e| panic!("{e}"));
    if records {
        probe
            .stream_requests(Some(RequestFilter::default()))
            .expect("enable records");
    }
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let stop = &stop;
        let reader = s.spawn(move || {
            pin_to_cpu(1);
            let mut drained = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                probe.drain_requests(|_| drained += 1);
                let _ = probe.sample();
                std::thread::sleep(Duration::from_millis(if records { 5 } else { 200 }));
            }
        });
        let n = flood(secs);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        reader.join().expect("reader thread");
        n
    })
}

/// Runs `pairs` interleaved floods on `base` and `measured` (alternating which goes first) and
/// prints the median ratio measured / base.
fn ratio(name: &str, pairs: u64, secs: Duration, base: &Side, measured: &Side) -> f64 {
    let mut ratios = Vec::new();
    for pair in 0..pairs {
        let ratio = if pair % 2 == 0 {
            let b = run(base, secs);
            run(measured, secs) / b
        } else {
            let m = run(measured, secs);
            m / run(base, secs)
        };
        ratios.push(ratio);
    }
    ratios.sort_by(|a, b| a.total_cmp(b));
    let q = |f: f64| ratios[((ratios.len() - 1) as f64 * f).round() as usize];
    println!(
        "{name:<58} median {:.2}  (quartiles {:.2}-{:.2}, {} pairs)",
        q(0.5),
        q(0.25),
        q(0.75),
        ratios.len()
    );
    q(0.5)
}

fn main() {
    if !privilege::require_root("bench overhead") {
        return;
    }
    // The flood on CPU 0, the reader on CPU 1: the scheduler moving them adds noise larger than the
    // effects being measured.
    pin_to_cpu(0);
    let secs = Duration::from_millis(env_or("URINGTOP_BENCH_MS", 1000));
    let pairs = env_or("URINGTOP_BENCH_PAIRS", 11);
    println!("NOP flood, batches of {BATCH}, {pairs} interleaved pairs of {secs:?}: traced/untraced throughput");
    let traced = |records: bool, policy: Option<&Policy>| Side::Traced {
        records,
        policy: policy.map(|p| Box::new(p.compile(false))),
    };
    let fifty = policy::parse(&policies::fifty_rules()).expect("the benchmark policy parses");
    ratio(
        "aggregation (counters, errors, latency) / untraced",
        pairs,
        secs,
        &Side::Untraced,
        &traced(false, None),
    );
    ratio(
        "aggregation + streaming every request / untraced",
        pairs,
        secs,
        &Side::Untraced,
        &traced(true, None),
    );
    ratio(
        "aggregation + 50-rule policy / untraced",
        pairs,
        secs,
        &Side::Untraced,
        &traced(false, Some(&fifty)),
    );
    ratio(
        "aggregation + 50-rule policy / aggregation (target >= 0.90)",
        pairs,
        secs,
        &traced(false, None),
        &traced(false, Some(&fifty)),
    );
}
