//! What `uringtop serve` costs in CPU on a host with a steady io_uring workload, scraped every
//! 15 s as Prometheus does, against the same run never scraped: the real binary and the real
//! probe (as root), its CPU time read from /proc/PID/stat (utime + stime) over the wall time.
//!
//!   cargo bench -p uringtop --bench serve_cpu                 (as root)
//!   URINGTOP_BENCH_SECS=120 URINGTOP_BENCH_RINGS=10,1000 URINGTOP_BENCH_LABELS=ring ...
//!
//! The workload, in this process: N rings kept open, NOPs submitted at a steady 10,000 a second
//! spread over them round-robin (every ring busy at 10 rings, each ring 10 NOPs a second at
//! 1,000). Runs without and with scrapes alternate, each with a fresh `serve`.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uringtop_tests::http;
use uringtop_tests::privilege::require_root;
use uringtop_tests::prometheus::free_port;

const BIN: &str = env!("CARGO_BIN_EXE_uringtop");
const SCRAPE_EVERY: Duration = Duration::from_secs(15);
/// NOPs a second, over all the rings.
const RATE: u64 = 10_000;
/// Rounds of submissions a second.
const TICKS: u64 = 100;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn main() {
    if !require_root("serve_cpu") {
        return;
    }
    let secs: u64 = env_or("URINGTOP_BENCH_SECS", "120")
        .parse()
        .expect("URINGTOP_BENCH_SECS");
    let labels = env_or("URINGTOP_BENCH_LABELS", "ring");
    let ring_counts: Vec<usize> = env_or("URINGTOP_BENCH_RINGS", "10,1000")
        .split(',')
        .map(|n| n.parse().expect("URINGTOP_BENCH_RINGS=N[,N...]"))
        .collect();
    println!(
        "serve --labels {labels} (interval 1 s), {RATE} NOPs/s, {secs} s a run; CPU of serve \
         as a share of one CPU"
    );
    for rings in ring_counts {
        let stop = Arc::new(AtomicBool::new(false));
        let workload = {
            let stop = stop.clone();
            std::thread::spawn(move || nops_over_rings(rings, &stop))
        };
        let quiet = measure(&labels, secs, false);
        let scraped = measure(&labels, secs, true);
        stop.store(true, Ordering::Relaxed);
        let submitted = workload.join().expect("the workload thread");
        println!(
            "{rings} rings: without scrapes {:.2} %, with a scrape every {} s {:.2} % \
             ({} scrapes of {} kB, {:.1} ms at most); {submitted} NOPs in all",
            quiet.cpu * 100.0,
            SCRAPE_EVERY.as_secs(),
            scraped.cpu * 100.0,
            scraped.scrapes,
            scraped.bytes / 1000,
            scraped.slowest.as_secs_f64() * 1e3,
        );
    }
}

/// Submits NOPs at [`RATE`] over `rings` rings until `stop`; returns how many completed.
fn nops_over_rings(rings: usize, stop: &AtomicBool) -> u64 {
    let per_tick = (RATE / TICKS) as usize;
    let entries = (per_tick / rings + 1).next_power_of_two().max(8) as u32;
    let mut all: Vec<io_uring::IoUring> = (0..rings)
        .map(|_| io_uring::IoUring::new(entries).expect("a ring (is RLIMIT_MEMLOCK enough?)"))
        .collect();
    let mut next = 0;
    let mut done = 0u64;
    let start = Instant::now();
    let mut tick = 0u64;
    let mut queued = vec![0usize; rings];
    while !stop.load(Ordering::Relaxed) {
        for _ in 0..per_tick {
            let ring = &mut all[next];
            let nop = io_uring::opcode::Nop::new().build().user_data(next as u64);
            // SAFETY: a NOP refers to no memory.
            unsafe { ring.submission().push(&nop).expect("room in the ring") };
            queued[next] += 1;
            next = (next + 1) % rings;
        }
        for (ring, n) in all.iter_mut().zip(queued.iter_mut()) {
            if *n > 0 {
                ring.submit_and_wait(*n).expect("NOPs complete");
                done += ring.completion().count() as u64;
                *n = 0;
            }
        }
        tick += 1;
        let due = start + Duration::from_nanos(tick * 1_000_000_000 / TICKS);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
    }
    done
}

struct Run {
    /// CPU seconds of serve per wall second.
    cpu: f64,
    scrapes: usize,
    bytes: usize,
    slowest: Duration,
}

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}

/// Starts `serve`, waits for its first sample, then reads its CPU time over `secs` seconds,
/// scraping /metrics every 15 s from the first second when `scrape`.
fn measure(labels: &str, secs: u64, scrape: bool) -> Run {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let serve = Serve(
        Command::new(BIN)
            .args(["serve", "--labels", labels, "--listen"])
            .arg(addr.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starts uringtop serve"),
    );
    let pid = serve.0.id();
    let deadline = Instant::now() + Duration::from_secs(60);
    // Ready once a sample was read; then a few more, so that the probe's start is not counted.
    while !http::get(addr, "/metrics")
        .is_ok_and(|r| r.text().contains("uringtop_last_sample_timestamp_seconds "))
    {
        assert!(Instant::now() < deadline, "serve did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(3));
    let (start, ticks_before) = (Instant::now(), cpu_ticks(pid));
    let end = start + Duration::from_secs(secs);
    let mut run = Run {
        cpu: 0.0,
        scrapes: 0,
        bytes: 0,
        slowest: Duration::ZERO,
    };
    let mut next_scrape = start;
    loop {
        let now = Instant::now();
        if now >= end {
            break;
        }
        if scrape && now >= next_scrape {
            let t = Instant::now();
            let r = http::get(addr, "/metrics").expect("a scrape");
            run.slowest = run.slowest.max(t.elapsed());
            assert_eq!(r.status, 200);
            run.scrapes += 1;
            run.bytes = run.bytes.max(r.body.len());
            next_scrape += SCRAPE_EVERY;
        }
        let wake = if scrape { next_scrape.min(end) } else { end };
        std::thread::sleep(wake.saturating_duration_since(Instant::now()));
    }
    let ticks = cpu_ticks(pid) - ticks_before;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    run.cpu = ticks as f64 / hz / start.elapsed().as_secs_f64();
    drop(serve);
    run
}

/// utime + stime of `pid`, in clock ticks (fields 14 and 15 of /proc/PID/stat, counted after
/// the command name, which may hold spaces).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("serve is running");
    let after_name = &stat[stat.rfind(')').expect("a stat line") + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    // After the name, the state is field 3: utime (14) and stime (15) are at 11 and 12.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}
