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

/// What a flood submits.
#[derive(Clone, Copy)]
enum Flood {
    Nops,
    /// OPENATs of a missing path (inline ENOENT): what path rules cost on the opcode they name.
    Openats,
}

fn flood(what: Flood, secs: Duration) -> f64 {
    let n = match what {
        Flood::Nops => workloads::nop_flood(secs, BATCH),
        Flood::Openats => workloads::openat_flood(secs, BATCH),
    };
    match n {
        Ok(n) => n as f64,
        Err(e) => panic!("flood failed: {e:#}"),
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
fn run(side: &Side, what: Flood, secs: Duration) -> f64 {
    let Side::Traced { records, policy } = side else {
        return flood(what, secs);
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
        let n = flood(what, secs);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        reader.join().expect("reader thread");
        n
    })
}

/// Runs `pairs` interleaved floods on `base` and `measured` (alternating which goes first) and
/// prints the median ratio measured / base.
fn ratio(name: &str, what: Flood, pairs: u64, secs: Duration, base: &Side, measured: &Side) -> f64 {
    let mut ratios = Vec::new();
    for pair in 0..pairs {
        let ratio = if pair % 2 == 0 {
            let b = run(base, what, secs);
            run(measured, what, secs) / b
        } else {
            let m = run(measured, what, secs);
            m / run(base, what, secs)
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
    let with_args = policy::parse(&policies::fifty_rules_with_arguments())
        .expect("the benchmark policy with argument rules parses");
    let untraced = Side::Untraced;
    let aggregation = traced(false, None);
    let streaming = traced(true, None);
    let fifty_rules = traced(false, Some(&fifty));
    let argument_rules = traced(false, Some(&with_args));
    // What each line compares: the ratio measured / base of its flood's throughput.
    let nops: [(&str, &Side, &Side); 6] = [
        (
            "aggregation (counters, errors, latency) / untraced",
            &untraced,
            &aggregation,
        ),
        (
            "aggregation + streaming every request / untraced",
            &untraced,
            &streaming,
        ),
        (
            "aggregation + 50-rule policy / untraced",
            &untraced,
            &fifty_rules,
        ),
        (
            "aggregation + 50-rule policy / aggregation (target >= 0.90)",
            &aggregation,
            &fifty_rules,
        ),
        (
            "aggregation + 50 rules, 30 on arguments / aggregation (target >= 0.90)",
            &aggregation,
            &argument_rules,
        ),
        (
            "aggregation + 50 rules, 30 on arguments / + 50-rule policy",
            &fifty_rules,
            &argument_rules,
        ),
    ];
    for (name, base, measured) in nops {
        ratio(name, Flood::Nops, pairs, secs, base, measured);
    }
    println!("OPENAT flood (a missing path, inline ENOENT), the same way:");
    let openats: [(&str, &Side, &Side); 2] = [
        ("aggregation / untraced", &untraced, &aggregation),
        (
            "aggregation + 50 rules, 16 on paths (32 patterns) / aggregation",
            &aggregation,
            &argument_rules,
        ),
    ];
    for (name, base, measured) in openats {
        ratio(name, Flood::Openats, pairs, secs, base, measured);
    }
}
