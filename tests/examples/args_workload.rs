//! Something to trace with every argument decoded: files created, written, renamed and removed,
//! TCP, UDP (IPv4 and IPv6) and AF_UNIX sockets connected, registered files, a path too long for
//! the probe, an unreadable pointer and an SQPOLL ring, all through io_uring, in a temp dir.
//! Waits `SECS` (default 3) first, so that uringtop can be started on its pid:
//!
//!   cargo run -p uringtop-tests --example args_workload -- 5 &
//!   uringtop trace --pid $!
use std::time::Duration;

fn main() {
    let wait: u64 = uringtop_tests::command_line::number(1, 3);
    eprintln!(
        "args_workload: pid {}, starting in {wait} s",
        std::process::id()
    );
    std::thread::sleep(Duration::from_secs(wait));
    let dir = tempfile::tempdir().expect("a temp dir");
    match uringtop_tests::workloads::decoded_args(dir.path(), Duration::from_millis(300)) {
        Ok(e) => eprintln!("args_workload: {} requests", e.args.len()),
        Err(e) => {
            eprintln!("args_workload: {e:#}");
            std::process::exit(1);
        }
    }
}
