//! The advice and its four formats from a hand-built model: snapshots, the C output through a C
//! compiler, and the Rust output kept in step with the copy `ui/tests/advise_rust_output.rs`
//! compiles against the io-uring crate.

use super::analysis::{ProcessAdvice, RingAdvice};
use super::*;
use crate::cli::AdviseFormat;
use uringtop_common::input::{
    Input, OpSample, ProcessSample, RegisterOpSample, RingSample, Sample,
};
use uringtop_common::model::Model;

const READ: u8 = 22;
const WRITE: u8 = 23;
const NOP: u8 = 0;
const OPENAT: u8 = 18;
const RECV: u8 = 27;
const SEND: u8 = 26;
/// IOSQE_FIXED_FILE | IOSQE_ASYNC
const FIXED_ASYNC: u8 = 0x01 | 0x10;

fn op(pid: u32, ring: u32, opcode: u8, submitted: u64, seen: u8, missing: u8) -> OpSample {
    let mut op = OpSample::completed(pid, ring, opcode, submitted);
    op.counters.sqe_flags_seen = seen;
    op.counters.sqe_flags_missing = missing;
    op
}

fn ring(ring: u32, pid: u32, fd: Option<i32>, setup_flags: u32) -> RingSample {
    RingSample {
        ring,
        pid,
        fd,
        setup_flags,
        sq_entries: 64,
        cq_entries: 128,
        ..RingSample::default()
    }
}

fn register(opcode: u8, calls: u64, denied: u64) -> RegisterOpSample {
    RegisterOpSample {
        opcode,
        calls,
        failed: denied,
        denied,
        ..RegisterOpSample::default()
    }
}

/// Two samples, so that the ops are counted as deltas like live ones.
fn model() -> Model {
    let mut ring1 = ring(1, 100, Some(5), 1 << 12); // SINGLE_ISSUER
    ring1.register_ops = vec![
        register(0, 2, 2),   // REGISTER_BUFFERS: always denied -> left out
        register(2, 1, 0),   // REGISTER_FILES
        register(12, 1, 0),  // REGISTER_ENABLE_RINGS: setup only -> left out
        register(200, 1, 0), // newer than the name table
    ];
    let mut openat_refused = op(100, 1, OPENAT, 0, 0, 0);
    openat_refused.counters.rejected = 3;
    let mut only_rejected = op(500, 5, NOP, 0, 0, 0);
    only_rejected.counters.rejected = 1;
    let later = Sample {
        time_ns: 1_700_000_012_500_000_000,
        processes: vec![
            ProcessSample::named(100, "nginx"),
            ProcessSample::named(101, "nginx"),
            ProcessSample::named(200, "odd \"name\"*/"),
            ProcessSample::named(500, "idle"),
        ],
        rings: vec![
            ring1,
            ring(2, 100, None, 0),
            ring(3, 200, Some(3), 0b11), // IOPOLL|SQPOLL
            ring(4, 300, Some(4), 0),
            ring(5, 500, Some(4), 0),
            ring(6, 101, Some(7), 0),
        ],
        ops: vec![
            openat_refused,
            // READ: FIXED_FILE on every SQE, ASYNC on some.
            op(100, 1, READ, 10, FIXED_ASYNC, 0x7f & !0x01),
            op(100, 1, WRITE, 4, 0x01, 0x7e),
            op(100, 2, NOP, 5, 0, 0x7f),
            op(100, 2, 70, 1, 0, 0x7f),
            // As a probe without the flag fields reports: no flag seen, none missing.
            op(200, 3, RECV, 2, 0, 0),
            op(300, 4, NOP, 1, 0, 0x7f),
            only_rejected,
            op(101, 6, SEND, 1, 0x04, 0x7b), // IO_LINK on every SQE
        ],
        ..Sample::default()
    };
    let mut model = Model::new();
    let mut first = Sample {
        time_ns: 1_700_000_000_000_000_000,
        ..later.clone()
    };
    first.ops.clear();
    model.apply(&Input::Sample(first));
    model.apply(&Input::Sample(later));
    model
}

fn observed() -> Observed {
    Observed {
        source: ObservedFrom::Recording("web.mcap".into()),
        seconds: 12.5,
    }
}

#[test]
fn the_advice_is_what_the_kernel_accepted() {
    let advice = advise(&model(), None, observed());
    let pids: Vec<u32> = advice.processes.iter().map(|p| p.pid).collect();
    assert_eq!(
        pids,
        [100, 101, 200, 300],
        "idle (500) had nothing accepted"
    );
    let nginx = &advice.processes[0];
    let r1 = &nginx.rings[0];
    assert_eq!(r1.sqe_ops, [READ, WRITE], "OPENAT was only refused");
    assert_eq!(r1.sqe_flags_allowed, FIXED_ASYNC);
    assert_eq!(r1.sqe_flags_required, 0x01);
    assert_eq!(r1.register_ops, [2, 200]);
    assert_eq!(nginx.rings[1].sqe_ops, [NOP, 70]);
    assert_eq!(nginx.rings[1].sqe_flags_allowed, 0);
    let odd = &advice.processes[2];
    assert_eq!(
        (
            odd.rings[0].sqe_flags_allowed,
            odd.rings[0].sqe_flags_required
        ),
        (0, 0),
        "no flag reported: none required either"
    );
    let only = advise(&model(), Some(101), observed());
    assert_eq!(only.processes.len(), 1);
    assert!(advise(&model(), Some(500), observed()).processes.is_empty());
}

/// A ring that closed and a process that exited before the observation ended are advised
/// too: the model forgets them on screen, not in what it observed.
#[test]
fn rings_that_went_are_advised() {
    let sample = |time_ns, ops: Vec<OpSample>, exited: Vec<u32>, closed_rings: Vec<u32>| {
        Input::Sample(Sample {
            time_ns,
            processes: vec![
                ProcessSample::named(100, "worker"),
                ProcessSample::named(200, "job"),
            ],
            rings: vec![
                ring(1, 100, Some(5), 0),
                ring(2, 100, Some(6), 0),
                ring(3, 200, Some(3), 0),
            ],
            ops,
            exited,
            closed_rings,
            ..Sample::default()
        })
    };
    let mut model = Model::new();
    model.apply(&sample(1, vec![], vec![], vec![]));
    model.apply(&sample(
        2,
        vec![
            op(100, 1, READ, 3, 0, 0x7f),
            op(100, 2, WRITE, 2, 0x01, 0x7e),
            op(200, 3, NOP, 1, 0, 0x7f),
        ],
        vec![200],
        vec![2],
    ));
    model.apply(&Input::Sample(Sample {
        time_ns: 3,
        ..Sample::default()
    }));
    assert!(model.process(200).is_none() && model.ring(2).is_none());
    let advice = advise(&model, None, observed());
    let rings: Vec<(u32, u32, Vec<u8>)> = advice
        .processes
        .iter()
        .flat_map(|p| {
            p.rings
                .iter()
                .map(move |r| (p.pid, r.ring, r.sqe_ops.clone()))
        })
        .collect();
    assert_eq!(
        rings,
        [
            (100, 1, vec![READ]),
            (100, 2, vec![WRITE]),
            (200, 3, vec![NOP])
        ]
    );
    assert_eq!(advice.processes[1].comm, "job");
    assert_eq!(advise(&model, Some(200), observed()).processes.len(), 1);
}

/// The advice on [`model`], observed as [`observed`] says, in `format`.
fn model_advice_in(format: AdviseFormat) -> String {
    render(&advise(&model(), None, observed()), format)
}

/// One snapshot test per output format of the advice on [`model`], each named after its format
/// (the JSON format, which says how long the advice was observed, has a test of its own).
macro_rules! format_snapshots {
    ($($test:ident: $format:ident),* $(,)?) => {$(
        #[test]
        fn $test() {
            insta::assert_snapshot!(model_advice_in(AdviseFormat::$format));
        }
    )*};
}

format_snapshots! {
    policy_format: Policy,
    c_format: C,
    rust_format: Rust,
    task_format: Task,
}

#[test]
fn json_format() {
    let live = Observed {
        source: ObservedFrom::Live,
        seconds: 5.0004,
    };
    insta::assert_snapshot!(render(&advise(&model(), None, live), AdviseFormat::Json));
}

/// One process with a ring that used every opcode uringtop knows, every IOSQE flag and every
/// register opcode the advice can hold, and one with codes newer than the tables.
fn everything() -> Advice {
    let every = RingAdvice {
        ring: 1,
        fd: Some(3),
        setup_flags: 0,
        sqe_ops: (0..63).collect(),
        sqe_flags_allowed: 0x7f,
        sqe_flags_required: 0x01,
        register_ops: (0..35).filter(|op| ![11, 12].contains(op)).collect(),
    };
    let newer = RingAdvice {
        ring: 2,
        sqe_ops: vec![0, 70],
        register_ops: vec![200],
        ..RingAdvice::default()
    };
    Advice {
        observed: Observed {
            source: ObservedFrom::Live,
            seconds: 1.0,
        },
        processes: vec![
            ProcessAdvice {
                pid: 1,
                comm: "every".into(),
                rings: vec![every],
            },
            ProcessAdvice {
                pid: 2,
                comm: "newer".into(),
                rings: vec![newer],
            },
        ],
    }
}

/// `ui/tests/advise_rust_output.rs` compiles this file against the io-uring crate and hands
/// the restrictions to the kernel; `UPDATE_ADVISE_RUST=1 cargo test` rewrites it.
#[test]
fn the_compiled_rust_output_is_current() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/advise_rust_output/generated.rs"
    );
    let text = rust::render(&everything());
    if std::env::var_os("UPDATE_ADVISE_RUST").is_some() {
        std::fs::write(path, &text).unwrap();
    }
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == text,
        "{path} is stale: run UPDATE_ADVISE_RUST=1 cargo test -p uringtop advise"
    );
}

/// The C output through a C compiler, against liburing's header if installed, else the kernel's.
#[test]
fn the_c_output_compiles() {
    const NAME: &str = "advise::tests::the_c_output_compiles";
    if !uringtop_tests::privilege::require_tool(NAME, "cc") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let compiles = |source: &str| {
        let file = dir.path().join("advice.c");
        std::fs::write(&file, source).unwrap();
        let out = std::process::Command::new("cc")
            .args([
                "-std=c11",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-Wno-unused-variable",
            ])
            .arg("-fsyntax-only")
            .arg(&file)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let Some(include) = ["<liburing.h>", "<linux/io_uring.h>"]
        .into_iter()
        .find(|h| compiles(&format!("#include {h}\n")).0)
    else {
        uringtop_tests::privilege::skip(
            NAME,
            "<liburing.h> or <linux/io_uring.h>",
            "install linux-libc-dev",
        );
        return;
    };
    // The snapshot's model names only opcodes old enough for any header with restrictions.
    let advice = model_advice_in(AdviseFormat::C);
    let (ok, errors) = compiles(&format!("#include {include}\n{advice}"));
    assert!(ok, "with {include}:\n{errors}\n{advice}");
}

#[test]
fn the_policy_output_is_a_policy_uringtop_loads() {
    let text = model_advice_in(AdviseFormat::Policy);
    let policy = uringtop_common::policy::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(!policy.rules.is_empty());
}

/// A workload that opens a short-lived ring per task: many rings, two sets.
fn short_lived_rings() -> Advice {
    let files = |ring| RingAdvice {
        ring,
        fd: Some(4),
        sqe_ops: vec![READ, WRITE],
        ..RingAdvice::default()
    };
    let mut rings = vec![RingAdvice {
        ring: 1,
        sqe_ops: vec![NOP],
        ..RingAdvice::default()
    }];
    rings.extend((2..42).map(files));
    rings.push(RingAdvice {
        ring: 42,
        sqe_ops: vec![OPENAT],
        ..RingAdvice::default()
    });
    Advice {
        observed: observed(),
        processes: vec![ProcessAdvice {
            pid: 7,
            comm: "demo_workload".into(),
            rings,
        }],
    }
}

#[test]
fn rings_with_the_same_set_share_one_array_or_function() {
    let advice = short_lived_rings();
    let c = c::render(&advice);
    assert_eq!(
        c.matches("static struct io_uring_restriction").count(),
        3,
        "{c}"
    );
    assert!(
        c.contains("uringtop_demo_workload_7_ring2_and_39_more[]"),
        "{c}"
    );
    assert!(
        c.contains(
            "/* demo_workload (pid 7): 40 rings with the same restrictions, rings\n * 2, 3, 4,"
        ),
        "{c}"
    );
    assert!(c.contains(" 40, 41 */\n"), "{c}");
    // One ring alone keeps its own label and name.
    assert!(
        c.contains("/* demo_workload (pid 7), ring 42 (fd unknown) */"),
        "{c}"
    );
    assert!(c.lines().all(|l| l.len() <= 100), "{c}");
    let rust = rust::render(&advice);
    assert_eq!(rust.matches("pub fn ").count(), 3, "{rust}");
    assert!(
        rust.contains("pub fn uringtop_demo_workload_7_ring2_and_39_more()"),
        "{rust}"
    );
    assert!(rust.contains("/// 2, 3, 4,"), "{rust}");
    // The policy format names processes, not rings: one set of rules already.
    let policy = render(&advice, AdviseFormat::Policy);
    assert_eq!(
        policy
            .matches("ops = [\"NOP\", \"OPENAT\", \"READ\", \"WRITE\"]")
            .count(),
        1,
        "{policy}"
    );
}

/// `advise --format task` is a policy `uringtop run` installs whole: every rule is the kernel's,
/// it refuses what was not observed and allows what was.
#[test]
fn the_task_output_is_what_run_installs() {
    use uringtop_common::policy::kernel::{Enforcer, OpProgram};
    let text = model_advice_in(AdviseFormat::Task);
    let policy = uringtop_common::policy::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let plan = policy.kernel_plan();
    assert!(
        plan.rules
            .iter()
            .all(|r| matches!(r, Enforcer::Kernel | Enforcer::NotARefusal)),
        "{:?}\n{text}",
        plan.rules
    );
    assert!(plan.deny_rest, "opcodes newer than the table are refused");
    let observed: std::collections::BTreeSet<u8> = advise(&model(), None, observed())
        .processes
        .iter()
        .flat_map(|p| &p.rings)
        .flat_map(|r| r.sqe_ops.clone())
        .collect();
    for (op, program) in (0u8..).zip(&plan.ops) {
        if observed.contains(&op) {
            assert_ne!(
                *program,
                OpProgram::Deny,
                "opcode {op} was observed\n{text}"
            );
        } else {
            assert_eq!(
                *program,
                OpProgram::Deny,
                "opcode {op} was not observed\n{text}"
            );
        }
    }
    assert!(plan.register_allowed.is_some(), "{text}");
}
