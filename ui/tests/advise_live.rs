//! The `advise` round trip on the real probe (as root): `uringtop advise --duration` watches a
//! child process doing NOP, WRITE and READ on one ring; a ring restricted to exactly the advised
//! set then runs the same workload with every CQE succeeding, and refuses an OPENAT (-EACCES).
//!
//! The workload sets no IOSQE flag, so the test holds whether or not the probe reports SQE
//! flags yet: the advised allowed and required flags must both be empty.
//!
//! Skipped without root, except under CI=true, where that fails the test.

use io_uring::register::Restriction;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use uringtop_common::names::{opcode_by_name, register_opcode_name};
use uringtop_tests::privilege::require_root;
use uringtop_tests::workloads;

const NAME: &str = "advise_live";
const BIN: &str = env!("CARGO_BIN_EXE_uringtop");

/// `uringtop advise --duration 2 --pid P --format json` on a child running `until(dir, stop, limit)`
/// until told to stop (so it outlasts however long the probe takes to load); the advice, with
/// the child's pid, and the scratch directory (kept alive by the returned guard).
fn advise_on<W>(until: W) -> (serde_json::Value, u32, tempfile::TempDir)
where
    W: FnOnce(&Path, &Path, Duration) -> anyhow::Result<workloads::Expected> + Send + 'static,
{
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().to_path_buf();
    let stop = dir.join("stop");
    let child_stop = stop.clone();
    let child =
        workloads::start_in_child(move || until(&dir, &child_stop, Duration::from_secs(60)))
            .unwrap();
    let pid = child.pid();
    let out = Command::new(BIN)
        .args(["advise", "--duration", "2", "--pid", &pid.to_string()])
        .args(["--format", "json"])
        .output()
        .unwrap();
    std::fs::write(&stop, b"").unwrap();
    child.finish(Duration::from_secs(30)).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (serde_json::from_slice(&out.stdout).unwrap(), pid, scratch)
}

#[test]
fn a_ring_restricted_to_the_advice_runs_the_workload_and_nothing_else() {
    if !require_root(NAME) {
        return;
    }
    let (doc, pid, scratch) = advise_on(workloads::nop_write_read_until);
    let dir = scratch.path();
    let processes = doc["processes"].as_array().unwrap();
    assert_eq!(processes.len(), 1, "{doc}");
    assert_eq!(processes[0]["pid"].as_u64(), Some(u64::from(pid)));
    let rings = processes[0]["rings"].as_array().unwrap();
    assert_eq!(rings.len(), 1, "one ring: {doc}");
    let ring = &rings[0];
    assert_eq!(ring["sqe_ops"], serde_json::json!(["NOP", "READ", "WRITE"]));
    assert_eq!(ring["sqe_flags_allowed"], serde_json::json!([]));
    assert_eq!(ring["sqe_flags_required"], serde_json::json!([]));

    // Exactly the advised set, from the JSON names.
    let mut restrictions: Vec<Restriction> = names(&ring["sqe_ops"])
        .map(|name| Restriction::sqe_op(opcode_by_name(name).unwrap()))
        .collect();
    restrictions.push(Restriction::sqe_flags_allowed(0));
    for name in names(&ring["register_ops"]) {
        let op = (0..=u8::MAX)
            .find(|&op| register_opcode_name(u32::from(op)) == name)
            .unwrap();
        restrictions.push(Restriction::register_op(op));
    }
    assert!(!names(&ring["sqe_ops"]).any(|n| n == "OPENAT"));
    workloads::restricted_round_trip(dir, &mut restrictions, 5).unwrap();
}

/// STATX and creating OPENATs make the kernel set the IOSQE_ASYNC bit in the request by itself.
/// Advice built from that bit would require ASYNC and so refuse the program's own flagless SQEs;
/// built from the SQEs' own flags, a ring restricted to it runs the program unchanged.
#[test]
fn advice_for_kernel_forced_async_opcodes_requires_no_flag() {
    if !require_root("advise_live_forced_async") {
        return;
    }
    let (doc, _, scratch) = advise_on(workloads::forced_async_until);
    let ring = &doc["processes"][0]["rings"][0];
    assert_eq!(
        ring["sqe_ops"],
        serde_json::json!(["OPENAT", "STATX"]),
        "{doc}"
    );
    assert_eq!(ring["sqe_flags_allowed"], serde_json::json!([]), "{doc}");
    assert_eq!(ring["sqe_flags_required"], serde_json::json!([]), "{doc}");
    let mut restrictions: Vec<Restriction> = names(&ring["sqe_ops"])
        .map(|name| Restriction::sqe_op(opcode_by_name(name).unwrap()))
        .collect();
    restrictions.push(Restriction::sqe_flags_allowed(0));
    workloads::forced_async_restricted(scratch.path(), &mut restrictions).unwrap();
}

fn names(list: &serde_json::Value) -> impl Iterator<Item = &str> {
    list.as_array().unwrap().iter().map(|v| v.as_str().unwrap())
}
