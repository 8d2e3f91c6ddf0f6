//! Recording streams and writing as the recorder does, shared by the recording tests
//! (tests/recording.rs) and the recording benchmark (benches/recording.rs), so that the size the
//! test guards is the size the benchmark measures.

use std::io::{Seek, Write};
use uringtop_common::input::{Input, Request};
use uringtop_common::recording::RecordingWriter;
use uringtop_common::synthetic::synthetic_stream;

/// Writes `inputs` as the recorder does: flushed (a chunk closed) after every sample, as the
/// recorder flushes once per interval. Neither finished nor flushed at the end: the caller
/// decides how the file ends.
pub fn write_flushing_samples<W: Write + Seek>(w: &mut RecordingWriter<W>, inputs: &[Input]) {
    for input in inputs {
        w.write(input).unwrap();
        if matches!(input, Input::Sample(_)) {
            w.flush().unwrap();
        }
    }
}

/// A busy ring as a storage engine drives it: 20k reads a second of 4 KiB at sequential
/// offsets, into 64 buffers, user_data an index, latencies around 50 µs.
pub fn busy_stream(seconds: u64) -> Vec<Input> {
    let mut inputs = Vec::new();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut rand = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let Some(Input::Sample(mut sample)) = synthetic_stream(1, 1, 1, 1).into_iter().next() else {
        unreachable!("the synthetic stream starts with a sample")
    };
    let mut time = sample.time_ns;
    let mut n = 0u64;
    for _ in 0..seconds {
        for _ in 0..20_000 {
            time += 40_000 + rand() % 20_000;
            inputs.push(Input::Request(Request {
                time_ns: time,
                latency_ns: Some(30_000 + rand() % 40_000),
                pid: 4242,
                tid: 4242 + (n % 4) as u32,
                comm: "db".into(),
                ring: 1,
                opcode: 22,
                fd: 7,
                off: (n * 4096) % (1 << 30),
                addr: 0x7f00_0000_0000 + (rand() % 64) * 4096,
                len: 4096,
                user_data: n,
                res: 4096,
                ..Request::default()
            }));
            n += 1;
        }
        sample.time_ns = time;
        inputs.push(Input::Sample(sample.clone()));
    }
    inputs
}
