//! A mixed io_uring workload to look at with uringtop: a NOP flood on one ring, file writes and
//! reads on another, failing OPENATs on a third, for the given number of seconds (default 30).
//!
//!   cargo run --release -p uringtop-tests --example demo_workload -- 30
use std::time::{Duration, Instant};
use uringtop_tests::workloads;

fn main() {
    let secs: u64 = uringtop_tests::command_line::number(1, 30);
    // Said first, so a second terminal can follow it: `uringtop --pid PID`.
    println!(
        "demo_workload: pid {}, running for {secs} s (uringtop --pid {} shows only it)",
        std::process::id(),
        std::process::id()
    );
    let until = Instant::now() + Duration::from_secs(secs);
    let dir = std::env::temp_dir();
    let flood = std::thread::spawn(move || {
        let mut ring = io_uring::IoUring::new(64).expect("create a ring");
        let mut n = 0u64;
        while Instant::now() < until {
            for _ in 0..32 {
                let nop = io_uring::opcode::Nop::new().build().user_data(n);
                n += 1;
                // SAFETY: a NOP points at no memory.
                unsafe { ring.submission().push(&nop).expect("room for 32 SQEs") };
            }
            ring.submit_and_wait(32).expect("submit NOPs");
            ring.completion().for_each(drop);
            // A pause between batches, so the flood does not take a whole CPU.
            if n.is_multiple_of(3200) {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    });
    while Instant::now() < until {
        if let Err(e) = workloads::file_read_write(&dir).and(workloads::openat_missing(3)) {
            eprintln!("demo_workload: {e:#}");
            std::process::exit(1);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = flood.join();
}
