//! Seek time and memory against recording length: writes a long recording (1-s samples of 4
//! processes x 2 rings, requests streamed at a steady rate, checkpoints as the recorder makes
//! them) to a file, then, in a fresh process, opens it and jumps to spread-out positions as a
//! replay does, timing each jump and reading the process's peak RSS. Measured three ways:
//! - the finished file, which opens from its summary and index;
//! - the same file with its summary and footer cut off (as a file older than the index, or one
//!   whose recorder was killed, it opens by reading every chunk);
//! - with `--rotate M`, the same stream written as a `record --dir` series of M-minute files,
//!   opened as `replay DIR` opens it (each file from its index, then joined).
//!
//! ```text
//! cargo bench -p uringtop-common --bench seek [-- --minutes 60,180 --rate 10000 --dir /tmp
//!     --rotate 10 --no-cut]
//! ```
//!
//! `--no-cut` skips the file without its summary (reading a 10 GB file whole takes minutes).
//!
//! Each file is deleted after it is measured (a 10,000 requests/s hour is a few hundred MB).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use uringtop_common::input::{ExecPath, Input, Request};
use uringtop_common::recording::{Header, Recording, RecordingWriter, Timeline};
use uringtop_common::synthetic::synthetic_stream;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if let Some(file) = value("--measure") {
        measure(Path::new(&file));
        return;
    }
    let rotate: Option<u64> = value("--rotate").map(|m| m.parse().expect("--rotate MINUTES"));
    let cut = !args.iter().any(|a| a == "--no-cut");
    let minutes: Vec<u64> = value("--minutes")
        .unwrap_or_else(|| "10".into())
        .split(',')
        .map(|m| m.parse().expect("--minutes M[,M...]"))
        .collect();
    let rate: u64 = value("--rate").map_or(10_000, |r| r.parse().expect("--rate N"));
    let dir = PathBuf::from(value("--dir").unwrap_or_else(|| "/tmp".into()));
    for m in minutes {
        let path = dir.join(format!("uringtop-seek-bench-{m}min.mcap"));
        let _ = std::fs::remove_file(&path);
        let t = Instant::now();
        let requests = write(std::slice::from_ref(&path), m * 60, rate);
        let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
        println!(
            "{m} min at {rate} requests/s: {requests} requests, {:.0} MB, written in {:.0} s",
            bytes as f64 / 1e6,
            t.elapsed().as_secs_f64()
        );
        print!("  finished:        ");
        measure_in_child(&path);
        if cut {
            cut_summary(&path);
            print!("  without summary: ");
            measure_in_child(&path);
        }
        let _ = std::fs::remove_file(&path);
        if let Some(r) = rotate {
            let series = dir.join(format!("uringtop-seek-bench-{m}min"));
            let _ = std::fs::remove_dir_all(&series);
            std::fs::create_dir(&series).expect("creates the directory");
            let files: Vec<PathBuf> = (0..m.div_ceil(r))
                .map(|i| series.join(format!("part-{i:05}.mcap")))
                .collect();
            write(&files, m * 60, rate);
            print!("  {} files of {r} min: ", files.len());
            measure_in_child(&series);
            let _ = std::fs::remove_dir_all(&series);
        }
    }
}

/// Measures `path` in a fresh process (for its own peak RSS).
fn measure_in_child(path: &Path) {
    let out = Command::new(std::env::current_exe().expect("this program"))
        .args(["--measure", path.to_str().expect("a UTF-8 path")])
        .output()
        .expect("runs itself");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
}

/// Cuts the summary and footer off a finished file: what is left ends with the data section's
/// end, and opens by reading every chunk (as a file older than the index).
fn cut_summary(path: &Path) {
    use std::io::{Read, Seek, SeekFrom};
    // The footer: opcode, length, summary start, summary offset start, CRC; then the 8-byte
    // magic. Only the tail is read: a day's file is larger than this machine's memory.
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .expect("opens the file");
    let mut tail = [0u8; 28];
    file.seek(SeekFrom::End(-28))
        .and_then(|_| file.read_exact(&mut tail))
        .expect("reads the footer");
    let summary_start = u64::from_le_bytes(tail[..8].try_into().expect("8 bytes"));
    file.set_len(summary_start).expect("cuts the file");
}

/// `seconds` 1-s samples with `rate` requests a second between them, in as many files as
/// `paths` name, an equal share each, each file continuing the model of the one before (as
/// `record --dir` writes them); returns the requests.
fn write(paths: &[PathBuf], seconds: u64, rate: u64) -> u64 {
    let per_file = seconds.div_ceil(paths.len() as u64);
    let mut files = paths.iter();
    let mut w = RecordingWriter::create(files.next().expect("a file"), &Header::default())
        .expect("creates the file");
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut rand = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let samples = synthetic_stream(1, seconds as usize, 4, 2)
        .into_iter()
        .filter_map(|i| match i {
            Input::Sample(s) => Some(s),
            Input::Request(_) => None,
        });
    let mut n = 0u64;
    let mut prev: Option<u64> = None;
    for (second, mut sample) in samples.enumerate() {
        if second > 0 && (second as u64).is_multiple_of(per_file) {
            let model = w.model().clone();
            w.finish().expect("finishes");
            w = RecordingWriter::create(files.next().expect("a file"), &Header::default())
                .and_then(|w| w.continuing(model))
                .expect("creates the next file");
        }
        let start = prev.unwrap_or(sample.time_ns - 1_000_000_000);
        sample.time_ns = start + 1_000_000_000;
        for i in 0..rate {
            let ring = (rand() % 8) as u32;
            w.write(&Input::Request(Request {
                time_ns: start + i * 1_000_000_000 / rate,
                latency_ns: Some(20_000 + rand() % 200_000),
                pid: 1000 + ring / 2,
                tid: 1000 + ring / 2,
                comm: "db".into(),
                ring: ring + 1,
                opcode: [22, 23, 1, 18][(rand() % 4) as usize],
                fd: 5 + (ring as i32),
                off: (rand() % (1 << 20)) * 4096,
                addr: 0x7f00_0000_0000 + (rand() % 256) * 4096,
                len: 4096,
                sqe_flags: 0,
                user_data: n,
                res: 4096,
                cflags: 0,
                path: if rand() % 10 == 0 {
                    ExecPath::IoWq
                } else {
                    ExecPath::Inline
                },
                verdict: None,
                cqe_index: 0,
                args: None,
            }))
            .expect("writes");
            n += 1;
        }
        prev = Some(sample.time_ns);
        w.write(&Input::Sample(sample)).expect("writes");
        // As the recorder: a chunk closed (and fsynced) every second.
        w.flush().expect("writes");
    }
    w.finish().expect("finishes");
    n
}

/// Opens `path` (a directory: its files as one recording, as `replay DIR` does) and jumps
/// around it as a replay does; prints the times and the peak RSS.
fn measure(path: &Path) {
    let t = Instant::now();
    let rec = if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .expect("reads the directory")
            .map(|e| e.expect("an entry").path())
            .collect();
        files.sort();
        Recording::join(
            files
                .iter()
                .map(|f| Recording::open(f).expect("opens"))
                .collect(),
        )
    } else {
        Recording::open(path).expect("opens")
    };
    let open_s = t.elapsed().as_secs_f64();
    let how = if rec.opened_from_index() {
        "from the index"
    } else {
        "reading every chunk"
    };
    let checkpoints = rec.checkpoints().len();
    let t = Instant::now();
    let mut timeline = Timeline::new(rec);
    let first_s = t.elapsed().as_secs_f64();
    let (_, n) = timeline.position();
    // Spread over the file, alternately far back and far forward, ending at the end.
    let mut targets: Vec<usize> = (0..20).map(|i| (i * 7919 + 13) % n.max(1) + 1).collect();
    targets.push(n);
    let mut times = Vec::new();
    for to in targets {
        let t = Instant::now();
        timeline.goto_sample(to);
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "open {:.1} ms ({how}; {checkpoints} checkpoints), first sample {:.2} s; {} jumps: \
         median {:.2} s, max {:.2} s; peak RSS {} MB",
        open_s * 1e3,
        first_s,
        times.len(),
        times[times.len() / 2],
        times[times.len() - 1],
        peak_rss_kb() / 1024
    );
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
