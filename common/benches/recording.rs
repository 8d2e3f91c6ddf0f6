//! Size and speed of recordings: bytes per request (with requests) and per interval (samples
//! only), writing speed, and reading + replaying through the model.
//!
//!   cargo bench -p uringtop-common --bench recording [-- FILE.mcap ...]
//!
//! Without files it measures synthetic streams; each FILE (a real recording) is re-encoded with
//! and without its requests to split its size between them.

use std::io::Cursor;
use std::time::Instant;
use uringtop_common::input::Input;
use uringtop_common::model::Model;
use uringtop_common::recording::{Header, Recording, RecordingWriter};
use uringtop_common::synthetic::synthetic_stream;

#[path = "../tests/support/recording.rs"]
mod support;
use support::{busy_stream, write_flushing_samples};

fn main() {
    let files: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if files.is_empty() {
        measure(
            "synthetic: 6 processes x 2 rings, 600 s",
            &synthetic_stream(1, 600, 6, 2),
        );
        measure("busy ring: 20k reads/s, 30 s", &busy_stream(30));
    }
    for file in files {
        match Recording::open(file.as_ref()) {
            Ok(rec) => measure(&file, &rec.inputs().collect::<Vec<_>>()),
            Err(e) => eprintln!("{file}: {e}"),
        }
    }
}

fn measure(name: &str, inputs: &[Input]) {
    let samples = inputs
        .iter()
        .filter(|i| matches!(i, Input::Sample(_)))
        .count();
    let requests = inputs.len() - samples;
    let only_samples: Vec<Input> = inputs
        .iter()
        .filter(|i| matches!(i, Input::Sample(_)))
        .cloned()
        .collect();
    let t = Instant::now();
    let with = write(inputs);
    let write_s = t.elapsed().as_secs_f64();
    let without = write(&only_samples);
    let t = Instant::now();
    let rec = Recording::from_bytes(&with).expect("reads back");
    let open_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut model = Model::new();
    let mut n = 0usize;
    for input in rec.inputs() {
        model.apply(&input);
        n += 1;
    }
    let replay_s = t.elapsed().as_secs_f64();
    assert_eq!(n, inputs.len());
    println!("{name}:");
    println!(
        "  {samples} samples, {requests} requests: {} bytes; samples only: {} bytes",
        with.len(),
        without.len()
    );
    println!(
        "  {:.0} bytes per interval without requests",
        without.len() as f64 / samples.max(1) as f64
    );
    if requests > 0 {
        println!(
            "  {:.2} bytes per request ({} bytes more with them)",
            (with.len() - without.len()) as f64 / requests as f64,
            with.len() - without.len()
        );
    }
    println!(
        "  write {:.0} inputs/s; open (validate) {:.0} inputs/s; read + model {:.0} inputs/s",
        inputs.len() as f64 / write_s,
        inputs.len() as f64 / open_s,
        inputs.len() as f64 / replay_s
    );
}

/// As the recorder writes: flushed (a chunk closed) once per sample.
fn write(inputs: &[Input]) -> Vec<u8> {
    let mut w = RecordingWriter::new(Cursor::new(Vec::new()), &Header::default()).unwrap();
    write_flushing_samples(&mut w, inputs);
    w.finish().unwrap().into_inner()
}
