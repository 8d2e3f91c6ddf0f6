//! The real probe against real io_uring workloads: every count exact, for the workload's pid.

mod support;

use support::observe;
use uringtop_common::args::{args_text, quote, SqeSource};
use uringtop_probe::support::Feature;
use uringtop_tests::test_name;
use uringtop_tests::workloads;

#[test]
fn batches_of_nops_are_counted_exactly() {
    let Some(o) = observe(test_name!(), false, || workloads::nops(10, 32)) else {
        return;
    };
    o.assert_exact_counts();
    assert_eq!(o.ops()["NOP"].submitted, 320);
    o.assert_latencies();
    let p = o.process();
    assert_eq!(p.rings.len(), 1);
    assert!(
        p.rings[0].fd.is_some(),
        "the ring's creation was seen, so its fd is known"
    );
}

#[test]
fn file_reads_and_writes_are_counted_and_traced() {
    let dir = std::env::temp_dir();
    let Some(o) = observe(test_name!(), true, move || workloads::file_read_write(&dir)) else {
        return;
    };
    o.assert_exact_counts();
    o.assert_latencies();
    o.assert_records_match_sqes();
}

#[test]
fn openat_of_a_missing_file_counts_enoent() {
    let Some(o) = observe(test_name!(), true, || workloads::openat_missing(37)) else {
        return;
    };
    o.assert_exact_counts();
    assert_eq!(o.ops()["OPENAT"].errors["ENOENT"], 37);
    o.assert_latencies();
    o.assert_records_match_sqes();
    // Every record carries the SQE the program wrote and the path it points to (read from the
    // SQ ring and the submitter's memory; on 5.10-5.18 through the (ring, user_data) programs).
    let want = format!(
        "AT_FDCWD, {}, O_RDONLY|O_CLOEXEC",
        quote(workloads::MISSING_PATH)
    );
    for r in &o.requests {
        let args = r.args.as_deref().expect("arguments captured");
        assert_eq!(args.source, SqeSource::Ring, "ud={}", r.user_data);
        assert_eq!(
            args_text(&args.decode(r.opcode, r.sqe_flags)),
            want,
            "ud={}",
            r.user_data
        );
    }
}

#[test]
fn timeouts_complete_with_etime() {
    let Some(o) = observe(test_name!(), false, || workloads::timeouts(5)) else {
        return;
    };
    o.assert_exact_counts();
    assert_eq!(o.ops()["TIMEOUT"].errors["ETIME"], 5);
    o.assert_latencies();
    // A 1 ms timeout cannot complete in less than 1 ms: the maximum is exact, percentiles are bucket
    // midpoints, within 12.5 % (4 buckets per power of two).
    let l = &o.ops()["TIMEOUT"].latency_ns;
    assert!(l.max >= 1_000_000, "{l:?}");
    assert!(l.p50 >= 1_000_000 * 7 / 8, "{l:?}");
}

#[test]
fn a_failed_link_head_cancels_its_tail() {
    let Some(o) = observe(test_name!(), true, workloads::failed_link_chain) else {
        return;
    };
    o.assert_exact_counts();
    assert_eq!(o.ops()["NOP"].errors["ECANCELED"], 2);
    o.assert_records_match_sqes();
}

#[test]
fn a_restricted_ring_denies_read_at_submission() {
    let dir = std::env::temp_dir();
    let Some(o) = observe(test_name!(), true, move || {
        workloads::restricted_read_denied(&dir)
    }) else {
        return;
    };
    o.assert_exact_counts();
    o.assert_latencies();
    o.assert_records_match_sqes();
    if !o.exact(Feature::Denials) {
        return; // before 5.16: asserted above as the ring's no-request CQEs (support::as_shown)
    }
    let read = &o.ops()["READ"];
    assert_eq!((read.submitted, read.rejected, read.denied), (0, 2, 2));
    assert_eq!(read.errors["EACCES"], 2);
    for r in o.requests.iter().filter(|r| r.opcode == 22) {
        assert_eq!(r.path, uringtop_common::input::ExecPath::Rejected);
        assert_eq!(r.latency_ns, None);
    }
}

#[test]
fn sqpoll_work_belongs_to_its_process() {
    let Some(o) = observe(test_name!(), true, || workloads::sqpoll_nops(64)) else {
        return;
    };
    o.assert_exact_counts();
    o.assert_latencies();
    let p = o.process();
    assert_eq!(p.rings.len(), 1);
    assert!(
        p.rings[0].setup_flags.iter().any(|f| f == "SQPOLL"),
        "{:?}",
        p.rings[0].setup_flags
    );
    o.assert_records_match_sqes();
    // Submitted by the kernel's iou-sqp thread: another tid, the same process.
    assert!(
        o.requests.iter().all(|r| r.tid != r.pid),
        "SQPOLL submissions come from the sqpoll thread"
    );
}

#[test]
fn async_requests_are_counted_as_io_wq_punts() {
    let Some(o) = observe(test_name!(), true, || workloads::async_nops(16)) else {
        return;
    };
    o.assert_exact_counts();
    assert_eq!(o.ops()["NOP"].async_punts, 16);
    assert!(o
        .requests
        .iter()
        .all(|r| r.path == uringtop_common::input::ExecPath::IoWq));
}

#[test]
fn a_new_ring_at_a_freed_rings_address_is_told_apart() {
    // The kernel usually hands the second ring the first one's freed memory: same address, new ring.
    let Some(o) = observe(test_name!(), false, || {
        let mut both = workloads::nops(1, 4)?;
        let second = workloads::nops(1, 8)?;
        let nop = both.ops.get_mut("NOP").expect("NOP counts");
        nop.submitted += second.op("NOP").submitted;
        nop.completed += second.op("NOP").completed;
        // Both rings number their NOPs from 0. Records are not compared in this test, so the second
        // ring's are renumbered in the expectation only, to keep its SQE list unambiguous.
        both.sqes.extend(second.sqes.into_iter().map(|mut s| {
            s.user_data += 1000;
            s
        }));
        both.rings += second.rings;
        Ok(both)
    }) else {
        return;
    };
    o.assert_exact_counts();
    let rings = &o.process().rings;
    assert_eq!(rings.len(), 2, "two rings, never merged: {rings:#?}");
    let per_ring: Vec<u64> = rings.iter().map(|r| r.ops[0].submitted).collect();
    assert_eq!(per_ring, [4, 8]);
    for r in rings {
        assert!(r.fd.is_some(), "each ring keeps its own description: {r:?}");
        assert_eq!(
            r.sq_entries,
            if r.ops[0].submitted == 4 { 4 } else { 8 },
            "{r:?}"
        );
    }
}

/// Runs the kernel skipped (a program already running on that CPU) are read from each program's
/// bpf_prog_info and added to lost_updates: the reader must see the kernel's own description.
#[test]
fn skipped_program_runs_are_read_from_the_kernels_program_info() {
    if !uringtop_tests::privilege::require_root(test_name!()) {
        return;
    }
    let probe = uringtop_probe::Probe::load().unwrap_or_else(|e| panic!("{e}"));
    let ids = probe.program_ids();
    assert!(ids.len() > 3, "{ids:?}");
    for (name, ours, aya) in ids {
        assert!(ours.is_some(), "{name}: bpf_prog_info read");
        assert_eq!(ours, aya, "{name}");
    }
}

/// Who ran the requests: the report names the process's uid and user and its cgroup v2 path,
/// even when the process exited before uringtop read /proc (the probe's uid and cgroup id).
#[test]
fn the_report_names_each_processs_user_and_cgroup() {
    let Some(o) = observe(test_name!(), false, || workloads::nops(1, 8)) else {
        return;
    };
    let p = o.process();
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    assert_eq!(p.context.uid, Some(uid), "{p:?}");
    // The name is this machine's /etc/passwd's (a bare VM may have none: then no name).
    let name = std::fs::read_to_string("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.len() > 2 && fields[2] == uid.to_string()).then(|| fields[0].to_string())
        })
        .unwrap_or_default();
    assert_eq!(p.context.user, name, "{p:?}");
    // The workload runs in a child forked from this test: the same cgroup. Without a cgroup2
    // mount (the kernel matrix's bare VM) the path is known only while /proc/PID lives, and
    // without a v2 hierarchy at all there is none.
    let own = std::fs::read_to_string("/proc/self/cgroup").expect("/proc/self/cgroup");
    let mounted = std::fs::read_to_string("/proc/self/mounts")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split_whitespace().nth(2) == Some("cgroup2"));
    match own.lines().find_map(|l| l.strip_prefix("0::")) {
        Some(path) if mounted => assert_eq!(p.context.cgroup, path, "{p:?}"),
        Some(path) => assert!(
            p.context.cgroup == path || p.context.cgroup.is_empty(),
            "{p:?}"
        ),
        None => assert_eq!(p.context.cgroup, "", "{p:?}"),
    }
    let json = serde_json::to_value(p).expect("json");
    assert_eq!(json["uid"], uid, "flattened beside comm: {json}");
}
