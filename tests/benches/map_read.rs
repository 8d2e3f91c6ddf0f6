//! What one sample costs uringtop as live keys grow: the probe holds K (process, ring, opcode)
//! keys (K rings kept open, one NOP each), and `Probe::sample` reads them all. Reading costs in
//! proportion to live keys; what a sample carries is what changed (nothing, once the NOPs are
//! counted), so the model's cost follows activity instead.
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
    println!("keys    ms/sample   µs/key   ops carried (after the first)");
    for keys in [100, 1_000, 4_000, 12_000] {
        let mut probe = Probe::load().unwrap_or_else(|e| panic!("{e}"));
        let rings = rings_with_one_nop(keys);
        let _ = probe.sample().expect("first sample");
        std::thread::sleep(Duration::from_millis(50));
        let rounds = 10;
        let start = Instant::now();
        let mut carried = 0;
        for _ in 0..rounds {
            carried += probe.sample().expect("sample").ops.len();
        }
        let per = start.elapsed().as_secs_f64() / f64::from(rounds);
        println!(
            "{keys:>6} {:>10.2} {:>9.2}   {}",
            per * 1e3,
            per * 1e6 / keys as f64,
            carried / rounds as usize
        );
        drop(rings);
    }
}
