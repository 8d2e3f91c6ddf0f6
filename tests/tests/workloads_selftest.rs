//! Proves each workload does what its `Expected` claims, without the probe,
//! before the probe tests rely on those claims.
//!
//! Each workload already checks every CQE against the kernel's documented
//! result; here the reported counts are pinned to the numbers the workload
//! promises and checked for consistency with the SQE list. io_uring needs no
//! privilege (with kernel.io_uring_disabled=0), so these run as any user.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use uringtop_tests::workloads::{self, Expected, OpExpect, IO_SIZE, MISSING_PATH};

fn counts(
    submitted: u64,
    rejected: u64,
    denied: u64,
    completed: u64,
    errors: &[(&str, u64)],
    punted: Option<u64>,
) -> OpExpect {
    OpExpect {
        submitted,
        rejected,
        denied,
        completed,
        errors: errors.iter().map(|&(e, n)| (e.to_owned(), n)).collect(),
        punted,
    }
}

fn only_ops(expected: &Expected) -> Vec<&str> {
    expected.ops.keys().map(String::as_str).collect()
}

fn checked(expected: Expected) -> Expected {
    expected.validate().expect("Expected is self-consistent");
    assert_eq!(expected.rings, 1);
    expected
}

fn scratch_dir() -> PathBuf {
    std::env::temp_dir()
}

#[test]
fn nops_submits_and_completes_every_nop() {
    let expected = checked(workloads::nops(3, 4).unwrap());
    assert_eq!(only_ops(&expected), ["NOP"]);
    assert_eq!(expected.op("NOP"), counts(12, 0, 0, 12, &[], Some(0)));
    let user_data: Vec<u64> = expected.sqes.iter().map(|s| s.user_data).collect();
    assert_eq!(user_data, (0..12).collect::<Vec<_>>());
    assert!(expected.sqes.iter().all(|s| s.res == 0 && s.fd == -1));
    assert!(!expected.setup_sqpoll);
}

#[test]
fn file_read_write_moves_exactly_the_stated_bytes() {
    let expected = checked(workloads::file_read_write(&scratch_dir()).unwrap());
    assert_eq!(only_ops(&expected), ["READ", "WRITE"]);
    assert_eq!(expected.op("WRITE"), counts(2, 0, 0, 2, &[], None));
    assert_eq!(expected.op("READ"), counts(3, 0, 0, 3, &[], None));
    let fd = expected.sqes[0].fd;
    assert!(fd >= 0, "a real fd, not a fixed-file index");
    let size = IO_SIZE as i32;
    let trace: Vec<(&str, u64, u32, u64, i32)> = expected
        .sqes
        .iter()
        .map(|s| {
            assert_eq!(s.fd, fd);
            (s.op.as_str(), s.off, s.len, s.user_data, s.res)
        })
        .collect();
    assert_eq!(
        trace,
        [
            ("WRITE", 0, IO_SIZE, 0, size),
            ("WRITE", 4096, IO_SIZE, 1, size),
            ("READ", 0, IO_SIZE, 2, size),
            ("READ", 4096, IO_SIZE, 3, size),
            ("READ", 8192, IO_SIZE, 4, 0),
        ]
    );
}

#[test]
fn openat_missing_fails_each_open_with_enoent() {
    assert!(!std::path::Path::new(MISSING_PATH).exists());
    let expected = checked(workloads::openat_missing(5).unwrap());
    assert_eq!(only_ops(&expected), ["OPENAT"]);
    assert_eq!(
        expected.op("OPENAT"),
        counts(5, 0, 0, 5, &[("ENOENT", 5)], None)
    );
    assert!(expected
        .sqes
        .iter()
        .all(|s| s.fd == libc::AT_FDCWD && s.res == -libc::ENOENT));
}

#[test]
fn timeouts_expire_with_etime() {
    let expected = checked(workloads::timeouts(4).unwrap());
    assert_eq!(only_ops(&expected), ["TIMEOUT"]);
    assert_eq!(
        expected.op("TIMEOUT"),
        counts(4, 0, 0, 4, &[("ETIME", 4)], Some(0))
    );
    // count 0 travels in `off`, the timespec count of 1 in `len`.
    assert!(expected.sqes.iter().all(|s| s.off == 0 && s.len == 1));
}

#[test]
fn failed_link_chain_cancels_the_linked_nops() {
    let expected = checked(workloads::failed_link_chain().unwrap());
    assert_eq!(only_ops(&expected), ["NOP", "OPENAT"]);
    assert_eq!(
        expected.op("OPENAT"),
        counts(1, 0, 0, 1, &[("ENOENT", 1)], None)
    );
    assert_eq!(
        expected.op("NOP"),
        counts(2, 0, 0, 2, &[("ECANCELED", 2)], Some(0))
    );
    let results: Vec<(&str, u64, i32)> = expected
        .sqes
        .iter()
        .map(|s| (s.op.as_str(), s.user_data, s.res))
        .collect();
    assert_eq!(
        results,
        [
            ("OPENAT", 0, -libc::ENOENT),
            ("NOP", 1, -libc::ECANCELED),
            ("NOP", 2, -libc::ECANCELED),
        ]
    );
}

#[test]
fn restricted_ring_denies_reads_at_submission() {
    let expected = checked(workloads::restricted_read_denied(&scratch_dir()).unwrap());
    assert_eq!(only_ops(&expected), ["NOP", "READ"]);
    assert_eq!(expected.op("NOP"), counts(3, 0, 0, 3, &[], Some(0)));
    assert_eq!(
        expected.op("READ"),
        counts(0, 2, 2, 2, &[("EACCES", 2)], Some(0))
    );
    let refused: Vec<u64> = expected
        .sqes
        .iter()
        .filter(|s| s.rejected)
        .map(|s| s.user_data)
        .collect();
    assert_eq!(refused, [3, 4]);
}

#[test]
fn sqpoll_nops_complete_through_the_sqpoll_thread() {
    let expected = checked(workloads::sqpoll_nops(16).unwrap());
    assert!(expected.setup_sqpoll);
    assert_eq!(only_ops(&expected), ["NOP"]);
    assert_eq!(expected.op("NOP"), counts(16, 0, 0, 16, &[], Some(0)));
}

#[test]
fn async_nops_are_all_punted() {
    let expected = checked(workloads::async_nops(8).unwrap());
    assert_eq!(expected.op("NOP"), counts(8, 0, 0, 8, &[], Some(8)));
    let async_flag = io_uring::squeue::Flags::ASYNC.bits();
    assert!(expected.sqes.iter().all(|s| s.flags == async_flag));
}

#[test]
fn long_plans_are_split_into_sq_sized_submissions() {
    // More SQEs than the largest ring holds.
    let expected = checked(workloads::openat_missing(4100).unwrap());
    assert_eq!(expected.op("OPENAT").errors["ENOENT"], 4100);
}

#[test]
fn nop_flood_counts_whole_batches() {
    let done = workloads::nop_flood(Duration::from_millis(50), 32).unwrap();
    assert!(done > 0);
    assert_eq!(done % 32, 0);
}

#[test]
fn child_reports_its_own_pid_and_the_workload_counts() {
    let (pid, expected) = workloads::run_in_child(|| workloads::nops(2, 8)).unwrap();
    assert_ne!(pid, std::process::id());
    assert!(pid > 0);
    assert_eq!(expected, workloads::nops(2, 8).unwrap());
}

/// A workload to hand to `run_in_child`.
type Workload<'a> = Box<dyn FnOnce() -> anyhow::Result<Expected> + 'a>;

#[test]
fn child_runs_every_workload() {
    let dir = scratch_dir();
    let all: Vec<(&str, Workload)> = vec![
        ("nops", Box::new(|| workloads::nops(2, 3))),
        ("file", Box::new(|| workloads::file_read_write(&dir))),
        ("openat", Box::new(|| workloads::openat_missing(2))),
        ("timeouts", Box::new(|| workloads::timeouts(2))),
        ("link", Box::new(workloads::failed_link_chain)),
        (
            "restricted",
            Box::new(|| workloads::restricted_read_denied(&dir)),
        ),
        ("sqpoll", Box::new(|| workloads::sqpoll_nops(4))),
        ("async", Box::new(|| workloads::async_nops(2))),
    ];
    let mut pids = BTreeMap::new();
    for (name, workload) in all {
        let (pid, expected) =
            workloads::run_in_child(workload).unwrap_or_else(|err| panic!("{name}: {err:#}"));
        expected.validate().unwrap();
        assert!(expected.total_completed() > 0, "{name}");
        assert!(pids.insert(pid, name).is_none(), "pid {pid} reused");
    }
}

#[test]
fn child_errors_and_panics_come_back_as_errors() {
    let err = workloads::run_in_child(|| anyhow::bail!("no ring today")).unwrap_err();
    assert!(format!("{err:#}").contains("no ring today"), "{err:#}");
    let err = workloads::run_in_child(|| panic!("boom")).unwrap_err();
    assert!(format!("{err:#}").contains("panicked: boom"), "{err:#}");
}

#[test]
fn a_hung_child_is_killed_after_the_timeout() {
    let err = workloads::run_in_child_with_timeout(Duration::from_millis(200), || {
        std::thread::sleep(Duration::from_secs(30));
        workloads::nops(1, 1)
    })
    .unwrap_err();
    assert!(format!("{err:#}").contains("no report"), "{err:#}");
}

#[test]
fn forced_async_workload_runs_without_flags() {
    let e = checked(workloads::forced_async(&scratch_dir(), 2).unwrap());
    assert_eq!(only_ops(&e), ["OPENAT", "STATX"]);
    assert_eq!(e.op("OPENAT").errors["EEXIST"], 2);
    assert_eq!(e.op("STATX").submitted, 3);
}

#[test]
fn multishot_workloads_post_every_cqe() {
    let accept = checked(workloads::multishot_accept(5).unwrap());
    assert_eq!(accept.op("ACCEPT").completed, 6);
    let recv = checked(workloads::multishot_recv(4).unwrap());
    assert_eq!(recv.op("RECV").completed, 5);
    let msg = workloads::msg_ring(3).unwrap();
    msg.validate().unwrap();
    assert_eq!((msg.rings, msg.op("AUX_CQE").completed), (2, 3));
}
