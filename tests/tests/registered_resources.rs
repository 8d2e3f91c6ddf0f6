//! Each ring's registered files and buffers, as the live source reads them from the kernel's
//! fdinfo of the ring: for a ring created while uringtop watches (its fd is the one
//! io_uring_setup returned) and for one created before uringtop started (its fd is the process's
//! only io_uring fd no other ring claims). The report and the model keep the last listing after
//! the ring is gone.

use std::io::Write;
use std::time::{Duration, Instant};

use uringtop_common::input::Input;
use uringtop_common::model::Model;
use uringtop_common::registered::{Registered, RegisteredBuffer, RegisteredFile};
use uringtop_tests::privilege::require_root;
use uringtop_tests::test_name;
use uringtop_tests::workloads::{self, slowdown, BUFFER_LENS, FILE_SLOTS};

#[test]
fn a_rings_registered_files_and_buffers_are_listed() {
    watch(test_name!(), false);
}

#[test]
fn a_ring_created_before_uringtop_started_is_listed_too() {
    watch(test_name!(), true);
}

fn watch(test: &str, created_before: bool) {
    if !require_root(test) {
        return;
    }
    let tag = std::process::id() * 10 + u32::from(created_before);
    let (mut ready_r, ready_w) = workloads::pipe().unwrap();
    let (go_r, mut go_w) = workloads::pipe().unwrap();
    let (done_r, mut done_w) = workloads::pipe().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let start = |runtime: &tokio::runtime::Runtime| {
        let probe = uringtop_probe::Probe::load().unwrap_or_else(|e| panic!("{e}"));
        runtime
            .block_on(async { uringtop_probe::spawn(probe, Duration::from_millis(100)) })
            .unwrap_or_else(|e| panic!("starting the live source: {e}"))
    };
    // Created before: the ring exists and holds its registrations before the probe loads.
    let mut live = (!created_before).then(|| start(&runtime));
    let child = workloads::start_in_child(move || {
        workloads::registered_resources(tag, ready_w, go_r, done_r)
    })
    .unwrap();
    let pid = child.pid();
    let mut byte = [0u8; 1];
    std::io::Read::read_exact(&mut ready_r, &mut byte).expect("the ring is ready");
    let (mut inputs, control) = live.take().unwrap_or_else(|| start(&runtime));
    go_w.write_all(b"g").unwrap();

    let mut model = Model::new();
    let deadline = Instant::now() + Duration::from_secs(20) * slowdown();
    let mut listed = None;
    while listed.is_none() && Instant::now() < deadline {
        let next = runtime.block_on(async {
            tokio::time::timeout(Duration::from_millis(500), inputs.recv()).await
        });
        let Ok(Some(input)) = next else { continue };
        model.apply(&input);
        if let Input::Sample(s) = &input {
            listed = s
                .rings
                .iter()
                // A listing read before the workload registered is complete and empty: wait
                // for one that shows the registrations (seen once: the empty one was taken).
                .find(|r| {
                    r.pid == pid
                        && r.registered.as_ref().is_some_and(|g| {
                            g.complete
                                && g.file_slots == FILE_SLOTS
                                && g.buffer_count == BUFFER_LENS.len() as u32
                        })
                })
                .cloned();
        }
    }
    done_w.write_all(b"d").unwrap();
    let (_, expected) = child
        .finish(Duration::from_secs(30) * slowdown())
        .unwrap_or_else(|e| panic!("{test}: workload failed: {e:#}"));
    // Sample on: the ring closes and the process exits; the last listing stays.
    std::thread::sleep(Duration::from_millis(300));
    control.stop();
    while let Some(input) = runtime.block_on(inputs.recv()) {
        model.apply(&input);
    }

    let ring = listed.unwrap_or_else(|| panic!("{test}: no listing of pid {pid}'s ring in 20 s"));
    assert_eq!(ring.fd.is_some(), !created_before, "{ring:?}");
    let [plain, spaced] = workloads::registered_paths(tag);
    let want = Registered {
        file_slots: FILE_SLOTS,
        files: vec![
            RegisteredFile {
                slot: 0,
                name: plain,
            },
            RegisteredFile {
                slot: 2,
                name: spaced,
            },
        ],
        buffer_count: BUFFER_LENS.len() as u32,
        buffers: Vec::new(),
        complete: true,
    };
    let got = ring.registered.clone().unwrap();
    let lens: Vec<u64> = got.buffers.iter().map(|b| b.len).collect();
    let indexes: Vec<u32> = got.buffers.iter().map(|b| b.index).collect();
    assert_eq!(lens, BUFFER_LENS.map(|n| n as u64), "{got:?}");
    assert_eq!(indexes, [0, 1], "{got:?}");
    assert!(got.buffers.iter().all(|b: &RegisteredBuffer| b.addr != 0));
    assert_eq!(
        Registered {
            buffers: Vec::new(),
            ..(*got).clone()
        },
        want
    );

    let report = model.report();
    let process = report
        .processes
        .iter()
        .find(|p| p.pid == pid)
        .unwrap_or_else(|| panic!("pid {pid} in the report"));
    assert_eq!(
        process.rings[0].ops[0].submitted,
        expected.op("NOP").submitted
    );
    assert_eq!(
        process.rings[0].registered.as_ref(),
        Some(&got),
        "the report keeps the ring's last listing"
    );
}
