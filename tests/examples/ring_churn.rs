//! Churn to measure uringtop against: N rings created and closed one after another by this process
//! (a NOP, a failing OPENAT and a failing ASYNC_CANCEL each: 3 keys a ring), optionally spread
//! over P processes one after another.
//!
//!   cargo run --release -p uringtop-tests --example ring_churn -- 100000 [PROCESSES]
fn main() {
    let rings: usize = uringtop_tests::command_line::number(1, 100_000);
    let processes: usize = uringtop_tests::command_line::number(2, 1).max(1);
    println!(
        "pid {}: {rings} rings over {processes} processes",
        std::process::id()
    );
    for _ in 0..processes {
        let each = rings / processes;
        let (pid, expected) = uringtop_tests::workloads::run_in_child(move || {
            uringtop_tests::workloads::ring_churn_mixed(each)
        })
        .unwrap_or_else(|e| panic!("{e:#}"));
        let _ = (pid, expected);
    }
    println!("done");
}
