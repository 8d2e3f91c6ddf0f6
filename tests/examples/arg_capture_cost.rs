//! What capturing a streamed request's arguments costs, per request: floods of OPENAT (a path of
//! `PATH_LEN` bytes, missing, so each fails fast with ENOENT) and of CONNECT (an IPv4 address, on
//! fd -1: the kernel copies the address at prep, then fails with EBADF), streamed, under the
//! committed object and under one built with -DURT_MEASURE_NO_USER_MEM (the probe reads the SQE
//! but no user memory), in interleaved pairs. Prints the median extra time per request, and the
//! userspace side: decoding a record into OpArgs and printing its call.
//!
//!   clang -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -g -O2 -DURT_MEASURE_NO_USER_MEM \
//!       -c probe/bpf/uringtop.bpf.c -o /tmp/nomem.bpf.o
//!   cargo run --release -p uringtop-tests --example arg_capture_cost -- /tmp/nomem.bpf.o   (root)
use io_uring::{opcode, squeue, types, IoUring};
use std::ffi::CString;
use std::time::{Duration, Instant};
use uringtop_probe::{Probe, RequestFilter};

const BATCH: usize = 32;
const PATH_LEN: usize = 64;

fn flood(entries: &[squeue::Entry], secs: Duration) -> f64 {
    let mut ring = IoUring::new(BATCH as u32).expect("io_uring_setup");
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < secs {
        // SAFETY: the entries point at memory that outlives the flood.
        unsafe { ring.submission().push_multiple(entries) }.expect("SQ room");
        ring.submit_and_wait(BATCH).expect("io_uring_enter");
        n += ring.completion().count() as u64;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Requests per second of `entries` with `object` loaded, streaming this process's requests.
fn streamed(object: &[u8], entries: &[squeue::Entry], secs: Duration) -> f64 {
    let mut probe =
        Probe::load_object(object, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    probe
        .stream_requests(Some(RequestFilter {
            pid: Some(std::process::id()),
            ring: None,
        }))
        .expect("records");
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let stop = &stop;
        s.spawn(move || {
            uringtop_tests::cpu::pin_to_cpu(1);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                probe.drain_requests(|_| {});
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        let rate = flood(entries, secs);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        rate
    })
}

/// Userspace's share: a record with a 64-byte path (or a sockaddr_in) into OpArgs, then its call
/// as `trace` prints it; ns per request.
fn decode_ns(opcode: u8, mem: &[u8], state: u8) -> f64 {
    use uringtop_common::abi;
    use uringtop_common::args::{present, OpArgs};
    let mut args = abi::Args {
        source: abi::SQE_RING,
        ..Default::default()
    };
    args.sqe[0] = opcode;
    args.mem[0] = abi::Mem {
        len: mem.len() as i16,
        state,
        _pad: 0,
    };
    let mut bytes = vec![0u8; 2 * abi::ARG_MEM];
    bytes[..mem.len()].copy_from_slice(mem);
    let n = 200_000;
    let start = Instant::now();
    let mut total = 0usize;
    for _ in 0..n {
        let r = uringtop_common::input::Request {
            opcode,
            args: OpArgs::from_abi(&args, &bytes).map(Box::new),
            ..Default::default()
        };
        total += present::call(&r)
            .map(|(a, b)| a.len() + b.len())
            .unwrap_or(0);
    }
    assert!(total > 0);
    start.elapsed().as_nanos() as f64 / n as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let (_, variant) =
        uringtop_tests::command_line::bpf_object("arg_capture_cost NO_USER_MEM.bpf.o");
    uringtop_tests::cpu::pin_to_cpu(0);
    let committed = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../probe/bpf/uringtop.bpf.o"
    ))
    .expect("the committed object");
    let path = CString::new(format!(
        "/nonexistent-uringtop/{}",
        "p".repeat(PATH_LEN - 22)
    ))
    .unwrap();
    let open = vec![opcode::OpenAt::new(types::Fd(libc::AT_FDCWD), path.as_ptr()).build(); BATCH];
    let addr = libc::sockaddr_in {
        sin_family: libc::AF_INET as u16,
        sin_port: 9u16.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes([127, 0, 0, 1]),
        },
        sin_zero: [0; 8],
    };
    let connect = vec![
        opcode::Connect::new(
            types::Fd(-1),
            (&addr as *const libc::sockaddr_in).cast(),
            16
        )
        .build();
        BATCH
    ];
    let mut sin = vec![2u8, 0, 0, 9, 127, 0, 0, 1];
    sin.extend_from_slice(&[0; 8]);
    println!(
        "userspace: a record into OpArgs and its call printed: {:.0} ns (a path), {:.0} ns (an address)",
        decode_ns(18, path.as_bytes(), uringtop_common::abi::MEM_STR),
        decode_ns(16, &sin, uringtop_common::abi::MEM_BYTES)
    );
    let secs = Duration::from_millis(1000);
    for (name, entries) in [
        ("OPENAT (a path)", &open),
        ("CONNECT (an IPv4 address)", &connect),
    ] {
        let mut extra_ns = Vec::new();
        for pair in 0..11 {
            let (with, without) = if pair % 2 == 0 {
                let a = streamed(&committed, entries, secs);
                (a, streamed(&variant, entries, secs))
            } else {
                let b = streamed(&variant, entries, secs);
                (streamed(&committed, entries, secs), b)
            };
            extra_ns.push(1e9 / with - 1e9 / without);
        }
        println!(
            "{name}: reading its user memory in the probe costs {:.0} ns per streamed request (median of 11 pairs; {:.0} ns per request with it)",
            median(extra_ns),
            1e9 / streamed(&committed, entries, secs)
        );
    }
}
