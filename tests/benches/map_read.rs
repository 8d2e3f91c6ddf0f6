//! What one sample costs uringtop as live keys grow: the probe holds K (process, ring, opcode)
//! keys (K rings kept open, one NOP each). `Probe::sample` reads only the counter slots the probe
//! marked as changed (none once the NOPs are counted; then 100 of them, one more NOP each), and
//! every ring and process in batches. What a sample carries is what changed.
//!
//!   cargo bench -p uringtop-tests --bench map_read          (as root)
//!
//! Prints the time per sample and per key; the ratio between rows is what carries across
//! machines.

use io_uring::{opcode, IoUring};
use std::time::{Duration, Instant};
use uringtop_probe::Probe;
use uringtop_tests::privilege;

fn rings_with_one_nop(n: usize) -> Vec<IoUring> {
    (0..n)
        .map(|_| {
            let mut ring = IoUring::new(1).expect("io_uring_setup");
            // SAFETY: a NOP points at no memory.
            unsafe { ring.submission().push(&opcode::Nop::new().build()) }.expect("push");
            ring.submit_and_wait(1).expect("submit");
            ring.completion().for_each(drop);
            ring
        })
        .collect()
}

fn raise_fd_limit(n: u64) {
    let limit = libc::rlimit {
        rlim_cur: n,
        rlim_max: n,
    };
    // SAFETY: setrlimit reads a valid struct; failure leaves the old limit (fewer rings).
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
}

fn main() {
    if !privilege::require_root("bench map_read") {
        return;
    }
    raise_fd_limit(20_000);
    println!("keys   idle: ms/sample  µs/key  ops carried   100 changed: ms/sample  ops carried");
    for keys in [100, 1_000, 4_000, 12_000] {
        let mut probe = Probe::load().unwrap_or_else(|e| panic!("{e}"));
        let mut rings = rings_with_one_nop(keys);
        let _ = probe.sample().expect("first sample");
        std::thread::sleep(Duration::from_millis(50));
        let rounds = 10;
        let start = Instant::now();
        let mut carried = 0;
        for _ in 0..rounds {
            carried += probe.sample().expect("sample").ops.len();
        }
        let idle = start.elapsed().as_secs_f64() / f64::from(rounds);
        let (mut busy, mut busy_carried) = (Duration::ZERO, 0);
        for _ in 0..rounds {
            for ring in rings.iter_mut().take(100) {
                // SAFETY: a NOP points at no memory.
                unsafe { ring.submission().push(&opcode::Nop::new().build()) }.expect("push");
                ring.submit_and_wait(1).expect("submit");
                ring.completion().for_each(drop);
            }
            let start = Instant::now();
            busy_carried += probe.sample().expect("sample").ops.len();
            busy += start.elapsed();
        }
        println!(
            "{keys:>6} {:>15.2} {:>8.2} {:>10}   {:>22.2} {:>12}",
            idle * 1e3,
            idle * 1e6 / keys as f64,
            carried / rounds as usize,
            busy.as_secs_f64() * 1e3 / f64::from(rounds),
            busy_carried / rounds as usize
        );
        drop(rings);
    }
}
