//! Recordings: round trips, replay equals live, damage of every kind, permissions, no kernel
//! addresses, and a bounded property test that no truncation or bit flip makes the reader panic.

use proptest::prelude::*;
use std::io::Cursor;
use std::os::unix::fs::PermissionsExt;
use uringtop_common::input::Input;
use uringtop_common::model::Model;
use uringtop_common::recording::{
    Header, OpenError, Recording, RecordingWriter, Spacing, Timeline, FORMAT_VERSION,
};
use uringtop_common::synthetic::{synthetic_stream, synthetic_stream_with_churn};

#[path = "support/recording.rs"]
mod support;
use support::{busy_stream, write_flushing_samples};

fn header() -> Header {
    Header {
        format_version: FORMAT_VERSION,
        uringtop_version: "test".into(),
        host: "host".into(),
        kernel: "6.18".into(),
        start_time_ns: 1,
        options: [("requests".to_string(), "true".to_string())].into(),
    }
}

/// Writes `inputs`, flushing after every sample (as the recorder does each interval); finished,
/// or left as a killed recorder leaves it.
fn record(inputs: &[Input], finish: bool) -> Vec<u8> {
    if !finish {
        return unfinished_bytes(inputs);
    }
    record_with(inputs, Spacing::DEFAULT)
}

/// Writes `inputs` as [`record`] does, with checkpoints of the model as `spacing` says.
fn record_with(inputs: &[Input], spacing: Spacing) -> Vec<u8> {
    let mut w = RecordingWriter::new(Cursor::new(Vec::new()), &header())
        .unwrap()
        .with_checkpoints(spacing);
    write_flushing_samples(&mut w, inputs);
    w.finish().unwrap().into_inner()
}

/// The bytes of an unfinished recording: written and flushed, never finished (the writer is
/// leaked, as a SIGKILL would, so its Drop cannot finish the file).
fn unfinished_bytes(inputs: &[Input]) -> Vec<u8> {
    unfinished_bytes_with(inputs, Spacing::DEFAULT)
}

/// [`unfinished_bytes`] with checkpoints as `spacing` says.
fn unfinished_bytes_with(inputs: &[Input], spacing: Spacing) -> Vec<u8> {
    let shared = SharedBuf::default();
    let mut w = RecordingWriter::new(shared.clone(), &header())
        .unwrap()
        .with_checkpoints(spacing);
    write_flushing_samples(&mut w, inputs);
    w.flush().unwrap();
    std::mem::forget(w);
    shared.bytes()
}

/// A Write + Seek buffer that can be read while a writer holds a clone.
#[derive(Clone, Default)]
struct SharedBuf(std::sync::Arc<std::sync::Mutex<Cursor<Vec<u8>>>>);

impl SharedBuf {
    fn bytes(&self) -> Vec<u8> {
        self.0.lock().unwrap().get_ref().clone()
    }
}

impl std::io::Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl std::io::Seek for SharedBuf {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.0.lock().unwrap().seek(pos)
    }
}

fn stream() -> Vec<Input> {
    synthetic_stream(7, 30, 4, 2)
}

fn report_of(inputs: impl IntoIterator<Item = Input>) -> String {
    let mut model = Model::new();
    for input in inputs {
        model.apply(&input);
    }
    model.report().to_json()
}

#[test]
fn a_recording_gives_back_exactly_its_inputs() {
    let inputs = stream();
    let bytes = record(&inputs, true);
    let rec = Recording::from_bytes(&bytes).unwrap();
    assert!(rec.damage().is_none(), "{:?}", rec.damage());
    assert_eq!(rec.intact_bytes(), bytes.len() as u64);
    assert_eq!(rec.header().host, "host");
    assert_eq!(rec.header().options["requests"], "true");
    assert_eq!(rec.header().format_version, FORMAT_VERSION);
    assert_eq!(rec.inputs().collect::<Vec<_>>(), inputs);
    assert_eq!(rec.sample_count(), 30);
}

#[test]
fn replay_equals_live() {
    let inputs = stream();
    let live = report_of(inputs.iter().cloned());
    let rec = Recording::from_bytes(&record(&inputs, true)).unwrap();
    assert_eq!(report_of(rec.inputs()), live);
    // And with a model rebased every sample (dump --interval), line by line.
    let lines = |it: &mut dyn Iterator<Item = Input>| {
        let mut model = Model::new();
        let mut out = Vec::new();
        for input in it {
            model.apply(&input);
            if matches!(input, Input::Sample(_)) {
                out.push(model.report().to_json());
                model.rebase();
            }
        }
        out
    };
    assert_eq!(lines(&mut rec.inputs()), lines(&mut inputs.into_iter()));
}

/// Exits and closed rings are inputs like the rest: recorded, read back, and counted by
/// `dump --from` over a window they went in.
#[test]
fn a_recording_keeps_exits_and_closed_rings() {
    let inputs = synthetic_stream_with_churn(7, 30, 4, 2);
    let exits = |inputs: &[Input]| {
        inputs
            .iter()
            .filter_map(|i| match i {
                Input::Sample(s) => Some((s.exited.clone(), s.closed_rings.clone())),
                Input::Request(_) => None,
            })
            .collect::<Vec<_>>()
    };
    assert!(exits(&inputs).iter().any(|(e, _)| !e.is_empty()));
    let rec = Recording::from_bytes(&record(&inputs, true)).unwrap();
    let back: Vec<Input> = rec.inputs().collect();
    assert_eq!(back, inputs);
    let report = report_of(rec.inputs());
    assert_eq!(report, report_of(inputs.iter().cloned()));
    // The processes that exited are in the window.
    let v: serde_json::Value = serde_json::from_str(&report).unwrap();
    let exited = v["processes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["pid"].as_u64() >= Some(40_001))
        .count();
    assert!(exited >= 5, "{exited} processes of the churn in the report");
}

#[test]
fn seeking_by_time_starts_at_the_chunk_of_that_sample() {
    let inputs = stream();
    let rec = Recording::from_bytes(&record(&inputs, true)).unwrap();
    let times: Vec<u64> = rec.sample_times().collect();
    let i = rec.sample_at(times[10] + 1);
    assert_eq!(i, 10);
    assert_eq!(rec.sample_at(0), 0);
    let first = rec
        .inputs_from_sample(i)
        .find_map(|input| match input {
            Input::Sample(s) => Some(s.time_ns),
            Input::Request(_) => None,
        })
        .unwrap();
    assert!(first <= times[10] && first >= times[9]);
}

#[test]
fn an_unfinished_file_is_recovered_whole_and_says_so() {
    let inputs = stream();
    let bytes = record(&inputs, false);
    let rec = Recording::from_bytes(&bytes).unwrap();
    let damage = rec.damage().expect("unfinished");
    assert!(damage.unfinished);
    assert!(rec.summary().contains("recorder did not finish"));
    assert_eq!(rec.inputs().collect::<Vec<_>>(), inputs);
}

#[test]
fn a_truncated_file_gives_its_intact_prefix() {
    let inputs = stream();
    let bytes = record(&inputs, false);
    let whole = Recording::from_bytes(&bytes).unwrap();
    for cut in [bytes.len() - 1, bytes.len() * 2 / 3, bytes.len() / 3] {
        let rec = Recording::from_bytes(&bytes[..cut]).unwrap();
        let got: Vec<Input> = rec.inputs().collect();
        assert_eq!(&inputs[..got.len()], &got[..], "a prefix, in order");
        if cut < bytes.len() * 2 / 3 + 1 {
            assert!(rec.sample_count() < whole.sample_count());
        }
        let damage = rec.damage().unwrap();
        assert!(!damage.unfinished, "{damage:?}");
        assert!(rec.intact_bytes() < cut as u64 && rec.intact_bytes() > 8);
        assert!(
            rec.summary().contains(&format!("of {cut} bytes")),
            "{}",
            rec.summary()
        );
        assert!(rec.summary().contains("recovered from the intact first"));
    }
}

#[test]
fn a_flipped_bit_in_a_chunk_stops_reading_there() {
    let inputs = stream();
    let bytes = record(&inputs, true);
    // Flip a bit in the middle of the file: inside some chunk's compressed data or index.
    let mut broken = bytes.clone();
    let at = bytes.len() / 2;
    broken[at] ^= 0x10;
    let rec = Recording::from_bytes(&broken).unwrap();
    let got: Vec<Input> = rec.inputs().collect();
    assert_eq!(&inputs[..got.len()], &got[..]);
    assert!(rec.damage().is_some());
}

#[test]
fn a_finished_file_opens_from_its_index_as_reading_it_whole_would() {
    // The same inputs, finished (opened from the summary and index) and unfinished (no summary:
    // every chunk read at open) must index the same samples, requests and checkpoints.
    let inputs = stream();
    let spacing = Spacing {
        samples: 3,
        requests: 40,
    };
    let finished = Recording::from_bytes(&record_with(&inputs, spacing)).unwrap();
    let scanned = Recording::from_bytes(&unfinished_bytes_with(&inputs, spacing)).unwrap();
    assert!(finished.opened_from_index());
    assert!(!scanned.opened_from_index());
    assert!(finished.damage().is_none(), "{}", finished.summary());
    assert!(finished.checkpoints().len() > 3);
    assert_eq!(finished.checkpoints(), scanned.checkpoints());
    assert!(finished.sample_times().eq(scanned.sample_times()));
    assert_eq!(finished.request_count(), scanned.request_count());
    assert_eq!(finished.intact_bytes(), finished.file_bytes());
    assert_eq!(finished.inputs().collect::<Vec<_>>(), inputs);
    for i in 0..finished.sample_count() {
        let (a, b) = (
            finished.inputs_from_sample(i),
            scanned.inputs_from_sample(i),
        );
        assert!(a.eq(b), "from sample {i}");
    }
    for &at in finished.checkpoints() {
        let (model, _) = finished.restore(at).unwrap();
        assert!(model == scanned.restore(at).unwrap().0);
    }
}

#[test]
fn a_corrupt_chunk_of_an_indexed_file_is_found_when_it_is_read() {
    let inputs = stream();
    let bytes = record(&inputs, true);
    let chunks = mcap::Summary::read(&bytes).unwrap().unwrap().chunk_indexes;
    let middle = &chunks[chunks.len() / 2];
    // The last byte of its compressed data.
    let mut broken = bytes.clone();
    broken[(middle.chunk_start_offset + middle.chunk_length - 1) as usize] ^= 0x10;
    let rec = Recording::from_bytes(&broken).unwrap();
    assert!(rec.opened_from_index(), "the chunks are not read at open");
    assert!(rec.damage().is_none());
    let got: Vec<Input> = rec.inputs().collect();
    assert!(got.len() < inputs.len());
    assert_eq!(
        &inputs[..got.len()],
        &got[..],
        "what precedes the chunk, in order"
    );
    let damage = rec.damage().expect("found reading");
    assert!(damage.after_open && !damage.unfinished, "{damage:?}");
    let at = format!(
        "the chunk at byte {} of {}",
        middle.chunk_start_offset,
        bytes.len()
    );
    assert!(rec.summary().contains(&at), "{}", rec.summary());
    // A replay moving over it stops there, and shows what it holds.
    let mut timeline = Timeline::new(rec);
    timeline.goto_end();
    timeline.goto_sample(1);
}

#[test]
fn a_damaged_summary_or_index_opens_by_reading_every_chunk() {
    let inputs = stream();
    let bytes = record(&inputs, true);
    let summary = mcap::Summary::read(&bytes).unwrap().unwrap();
    let index = &summary.attachment_indexes[0];
    let summary_start = {
        let footer = &bytes[bytes.len() - 8 - 20..];
        u64::from_le_bytes(footer[..8].try_into().unwrap()) as usize
    };
    for at in [
        index.offset as usize + index.length as usize - 6, // in the index's data
        summary_start + 3,                                 // in the summary
        bytes.len() - 10,                                  // in the footer
    ] {
        let mut broken = bytes.clone();
        broken[at] ^= 0x04;
        let rec = Recording::from_bytes(&broken).unwrap();
        assert!(!rec.opened_from_index(), "byte {at}");
        assert_eq!(rec.inputs().collect::<Vec<_>>(), inputs, "byte {at}");
    }
}

#[test]
fn a_file_older_than_the_index_opens_by_reading_every_chunk() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/sample.mcap");
    let rec = Recording::open(&path).unwrap();
    assert!(!rec.opened_from_index());
    assert!(rec.damage().is_none(), "{}", rec.summary());
    assert!(rec.sample_count() > 3 && rec.request_count() > 100);
    assert_eq!(
        rec.inputs().count() as u64,
        rec.sample_count() as u64 + rec.request_count()
    );
}

#[test]
fn what_is_not_a_recording_is_refused_clearly() {
    assert_eq!(Recording::from_bytes(b"").err(), Some(OpenError::Empty));
    let e = Recording::from_bytes(b"PK\x03\x04 a zip file")
        .err()
        .unwrap();
    assert!(e.to_string().contains("not a uringtop recording"), "{e}");
    let mut bytes = record(&stream(), true);
    bytes[0] ^= 1;
    assert!(matches!(
        Recording::from_bytes(&bytes),
        Err(OpenError::NotARecording(_))
    ));
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        Recording::open(dir.path()).err(),
        Some(OpenError::Directory)
    );
    let e = Recording::open(&dir.path().join("missing.mcap"))
        .err()
        .unwrap();
    assert!(e.to_string().contains("cannot read"), "{e}");
    // Only the magic: an MCAP file cut in its header.
    assert!(Recording::from_bytes(&bytes[..8]).is_err());
}

#[test]
fn a_newer_format_is_refused_with_a_clear_error() {
    let bytes = record(&stream(), true);
    // Rewrite the version in the header metadata: same length, so the file stays well formed.
    let needle = format!("format_version\x01\x00\x00\x00{FORMAT_VERSION}");
    let needle = needle.as_bytes();
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the header's version");
    let mut newer = bytes.clone();
    newer[at + needle.len() - 1] = b'9';
    let e = Recording::from_bytes(&newer).err().unwrap();
    assert_eq!(
        e,
        OpenError::NewerFormat {
            found: 9,
            supported: FORMAT_VERSION
        }
    );
    assert!(e.to_string().contains("newer uringtop"), "{e}");
}

#[test]
fn another_mcap_profile_is_not_a_recording() {
    let mut bytes = record(&stream(), true);
    let at = bytes.windows(8).position(|w| w == b"uringtop").unwrap();
    bytes[at..at + 8].copy_from_slice(b"ros2xxxx");
    let e = Recording::from_bytes(&bytes).err().unwrap();
    assert!(e.to_string().contains("profile"), "{e}");
}

#[test]
fn files_are_created_0600_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.mcap");
    let old = unsafe { libc_umask(0) };
    let w = RecordingWriter::create(&path, &header());
    unsafe { libc_umask(old) };
    let mut w = w.unwrap();
    w.write(&stream()[0]).unwrap();
    w.finish().unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let again = RecordingWriter::create(&path, &header()).err().unwrap();
    assert!(again.to_string().contains("remove it first"), "{again}");
    assert!(Recording::open(&path).unwrap().damage().is_none());
}

extern "C" {
    #[link_name = "umask"]
    fn libc_umask(mask: u32) -> u32;
}

#[test]
fn the_file_holds_the_header_and_the_inputs_and_nothing_else() {
    // Inputs carry no kernel address by construction (see input.rs); the file must add none:
    // every record is the MCAP framing, our header (with only its known keys), our
    // schemas/channels, our index, or a message that decodes to one of the inputs.
    use mcap::records::Record;
    let inputs = stream();
    let bytes = record(&inputs, true);
    let mut messages = 0;
    for record in mcap::read::ChunkFlattener::new(&bytes).unwrap() {
        match record.unwrap() {
            Record::Metadata(m) => {
                assert_eq!(m.name, "uringtop");
                let known = [
                    "format_version",
                    "uringtop_version",
                    "host",
                    "kernel",
                    "start_time_ns",
                ];
                for key in m.metadata.keys() {
                    assert!(
                        known.contains(&key.as_str()) || key.starts_with("option."),
                        "{key}"
                    );
                }
            }
            Record::Schema { header, .. } => assert!(header.name.starts_with("uringtop.")),
            Record::Channel(c) => assert!(c.topic.starts_with("/uringtop/")),
            Record::Message { .. } => messages += 1,
            // The index: every sample's time and chunk number, the checkpoints' positions.
            Record::Attachment { header, .. } => {
                assert_eq!(header.name, "uringtop.index");
                assert_eq!(header.media_type, "application/x-uringtop-index");
            }
            _ => {}
        }
    }
    assert!(messages > 0);
    let rec = Recording::from_bytes(&bytes).unwrap();
    assert_eq!(rec.inputs().collect::<Vec<_>>(), inputs);
    // And the sample values themselves hold nothing in the kernel's half of the address space.
    for input in &inputs {
        if let Input::Sample(s) = input {
            assert!(!has_kernel_value(&serde_json::to_value(s).unwrap()));
        }
    }
}

fn has_kernel_value(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Number(n) => n.as_u64().is_some_and(|n| n >= 0xffff_8000_0000_0000),
        serde_json::Value::Array(a) => a.iter().any(has_kernel_value),
        serde_json::Value::Object(o) => o.values().any(has_kernel_value),
        _ => false,
    }
}

#[test]
fn a_busy_ring_costs_at_most_16_bytes_per_request() {
    // A guard, not the benchmark (see the README): the compact encoding must stay compact.
    let inputs = busy_stream(3);
    let requests = inputs
        .iter()
        .filter(|i| matches!(i, Input::Request(_)))
        .count();
    let samples_only: Vec<Input> = inputs
        .iter()
        .filter(|i| matches!(i, Input::Sample(_)))
        .cloned()
        .collect();
    let with = record(&inputs, true).len();
    let without = record(&samples_only, true).len();
    let per_request = (with - without) as f64 / requests as f64;
    eprintln!("{requests} requests: {per_request:.2} bytes/request");
    assert!(per_request <= 16.0, "{per_request} bytes per request");
}

/// Checkpoints every few samples and requests: a short stream gets several.
const TIGHT: Spacing = Spacing {
    samples: 4,
    requests: 30,
};

#[test]
fn a_file_is_read_from_disk_as_from_memory_checkpoints_and_all() {
    let inputs = stream();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.mcap");
    let mut w = RecordingWriter::create(&path, &header())
        .unwrap()
        .with_checkpoints(TIGHT);
    for input in &inputs {
        w.write(input).unwrap();
        if matches!(input, Input::Sample(_)) {
            w.flush().unwrap();
        }
    }
    w.finish().unwrap();
    let rec = Recording::open(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let in_memory = Recording::from_bytes(&bytes).unwrap();
    assert!(rec.damage().is_none(), "{:?}", rec.damage());
    assert_eq!(rec.file_bytes(), bytes.len() as u64);
    assert_eq!(rec.checkpoints(), in_memory.checkpoints());
    assert!(rec.checkpoints().len() >= 5, "{:?}", rec.checkpoints());
    assert_eq!(rec.inputs().collect::<Vec<_>>(), inputs);
    // Each checkpoint restores the display model folded up to its sample, and its cursor gives
    // every input after that sample.
    for &at in rec.checkpoints() {
        let (model, cursor_rest) = rec.restore(at).unwrap();
        let mut folded = Model::for_display();
        let mut samples = 0;
        let mut rest = inputs.iter();
        for input in rest.by_ref() {
            folded.apply(input);
            if matches!(input, Input::Sample(_)) {
                samples += 1;
                if samples == at.samples {
                    break;
                }
            }
        }
        assert!(model == folded, "{at:?}");
        let mut cursor = cursor_rest;
        let after: Vec<Input> = std::iter::from_fn(|| cursor.next(&rec)).collect();
        assert_eq!(after, rest.cloned().collect::<Vec<_>>(), "{at:?}");
    }
}

#[test]
fn checkpoints_change_no_input() {
    let inputs = stream();
    let with = record_with(&inputs, TIGHT);
    let without = record_with(&inputs, Spacing::NONE);
    let (a, b) = (
        Recording::from_bytes(&with).unwrap(),
        Recording::from_bytes(&without).unwrap(),
    );
    assert!(b.checkpoints().is_empty());
    assert!(!a.checkpoints().is_empty());
    assert_eq!(
        a.inputs().collect::<Vec<_>>(),
        b.inputs().collect::<Vec<_>>()
    );
    assert_eq!(
        a.sample_times().collect::<Vec<_>>(),
        b.sample_times().collect::<Vec<_>>()
    );
}

#[test]
fn checkpoints_of_another_version_are_skipped_like_an_unknown_channel() {
    use std::collections::BTreeMap;
    use uringtop_common::recording::codec;
    let sample = stream()
        .into_iter()
        .find_map(|i| match i {
            Input::Sample(s) => Some(s),
            Input::Request(_) => None,
        })
        .unwrap();
    let mut w = mcap::WriteOptions::new()
        .profile("uringtop")
        .create(Cursor::new(Vec::new()))
        .unwrap();
    let header = BTreeMap::from([("format_version".to_string(), FORMAT_VERSION.to_string())]);
    w.write_metadata(&mcap::records::Metadata {
        name: "uringtop".into(),
        metadata: header,
    })
    .unwrap();
    let schema = w.add_schema("uringtop.Sample", "json", b"").unwrap();
    let samples = w
        .add_channel(schema, "/uringtop/samples", "json", &BTreeMap::new())
        .unwrap();
    let future = BTreeMap::from([("checkpoint_version".to_string(), "999".to_string())]);
    let checkpoints = w
        .add_channel(
            0,
            "/uringtop/checkpoints",
            "x-uringtop-model-checkpoint",
            &future,
        )
        .unwrap();
    for (channel_id, data) in [
        (samples, codec::encode_sample(&sample)),
        (
            checkpoints,
            b"a model this reader cannot fold alike".to_vec(),
        ),
    ] {
        let header = mcap::records::MessageHeader {
            channel_id,
            sequence: 0,
            log_time: sample.time_ns,
            publish_time: sample.time_ns,
        };
        w.write_to_known_channel(&header, &data).unwrap();
    }
    w.finish().unwrap();
    let bytes = w.into_inner().into_inner();
    let rec = Recording::from_bytes(&bytes).unwrap();
    assert!(rec.damage().is_none(), "{:?}", rec.damage());
    assert!(rec.checkpoints().is_empty());
    assert_eq!(
        rec.inputs().collect::<Vec<_>>(),
        vec![Input::Sample(sample)]
    );
}

/// `inputs` split into files after the given samples, as `record --dir` writes them: each
/// file's writer continues the model of the one before (when `carry`), flushing every sample.
fn series(inputs: &[Input], cuts: &[usize], carry: bool) -> Vec<Recording> {
    let mut files = Vec::new();
    let mut model = None;
    let mut w: Option<RecordingWriter<Cursor<Vec<u8>>>> = None;
    let mut samples = 0;
    let finish = |w: RecordingWriter<Cursor<Vec<u8>>>, files: &mut Vec<Recording>| {
        let m = w.model().clone();
        files.push(Recording::from_bytes(&w.finish().unwrap().into_inner()).unwrap());
        m
    };
    for input in inputs {
        let writer = match &mut w {
            Some(w) => w,
            None => {
                let fresh = RecordingWriter::new(Cursor::new(Vec::new()), &header())
                    .unwrap()
                    .with_checkpoints(TIGHT);
                let fresh = match model.take() {
                    Some(m) if carry => fresh.continuing(m).unwrap(),
                    _ => fresh,
                };
                w.insert(fresh)
            }
        };
        writer.write(input).unwrap();
        if matches!(input, Input::Sample(_)) {
            writer.flush().unwrap();
            samples += 1;
            if cuts.contains(&samples) {
                model = Some(finish(w.take().unwrap(), &mut files));
            }
        }
    }
    if let Some(w) = w {
        finish(w, &mut files);
    }
    files
}

#[test]
fn a_series_of_files_replays_as_one_recording_and_each_file_as_its_part() {
    let inputs = stream();
    let whole = || Recording::from_bytes(&record_with(&inputs, Spacing::NONE)).unwrap();
    let mut plain = Timeline::new(whole());
    let joined = Recording::join(series(&inputs, &[9, 20], true));
    assert_eq!(joined.inputs().collect::<Vec<_>>(), inputs);
    assert_eq!(
        joined.sample_times().collect::<Vec<_>>(),
        whole().sample_times().collect::<Vec<_>>()
    );
    // Checkpoints of all three files count (each file opens with one).
    let opening: Vec<usize> = joined.checkpoints().iter().map(|c| c.samples).collect();
    assert!(opening.contains(&9) && opening.contains(&20), "{opening:?}");
    let mut t = Timeline::new(joined);
    for n in [30, 2, 25, 10, 9, 21, 1, 19, 30] {
        t.goto_sample(n);
        plain.goto_sample(n);
        assert!(*t.model() == *plain.model(), "joined, at sample {n}");
    }
    // The last file alone opens where the series was: its sample k is the series' 20 + k.
    let third = series(&inputs, &[9, 20], true).pop().unwrap();
    let mut alone = Timeline::new(third);
    for k in [5, 1, 10, 3] {
        alone.goto_sample(k);
        plain.goto_sample(20 + k);
        assert!(
            *alone.model() == *plain.model(),
            "the third file at its sample {k}"
        );
    }
}

#[test]
fn files_that_do_not_continue_one_another_lend_no_checkpoint_to_the_series() {
    let inputs = stream();
    let mut plain =
        Timeline::new(Recording::from_bytes(&record_with(&inputs, Spacing::NONE)).unwrap());
    // A recorder restarted at sample 12: its file's checkpoints hold only its own inputs.
    let mut parts = series(&inputs[..inputs.len() / 2], &[6], true);
    let split = parts.iter().map(|p| p.inputs().count()).sum::<usize>();
    parts.extend(series(&inputs[split..], &[], false));
    let before: usize = parts[..2].iter().map(|p| p.sample_times().count()).sum();
    let joined = Recording::join(parts);
    assert!(joined.checkpoints().iter().all(|c| c.samples <= before));
    assert_eq!(joined.inputs().collect::<Vec<_>>(), inputs);
    let (_, n) = Timeline::new(Recording::from_bytes(&record(&inputs, true)).unwrap()).position();
    let mut t = Timeline::new(joined);
    for to in [n, 3, n - 2, before + 1, 1, before + 3] {
        t.goto_sample(to);
        plain.goto_sample(to);
        assert!(*t.model() == *plain.model(), "at sample {to}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn truncations_and_bit_flips_never_panic(cut in 0.0f64..1.0, flips in proptest::collection::vec((0.0f64..1.0, 0u8..8), 0..4)) {
        let bytes = fixture();
        let mut damaged = bytes[..(bytes.len() as f64 * cut) as usize].to_vec();
        if damaged.is_empty() { damaged = bytes.to_vec(); }
        flip(&mut damaged, &flips);
        read_all_of(&damaged);
    }

    /// A whole file opens from its index unless the flips hit it: its chunks are checked as
    /// they are read.
    #[test]
    fn bit_flips_in_a_finished_file_never_panic(flips in proptest::collection::vec((0.0f64..1.0, 0u8..8), 1..4)) {
        let mut damaged = fixture().to_vec();
        flip(&mut damaged, &flips);
        read_all_of(&damaged);
    }
}

fn flip(bytes: &mut [u8], flips: &[(f64, u8)]) {
    for &(at, bit) in flips {
        let i = ((bytes.len() as f64 * at) as usize).min(bytes.len() - 1);
        bytes[i] ^= 1 << bit;
    }
}

/// Opens `damaged` and, if it opens, reads it every way a replay does.
fn read_all_of(damaged: &[u8]) {
    if let Ok(rec) = Recording::from_bytes(damaged) {
        let _ = rec.summary();
        // Whatever is recovered iterates and feeds the model without trouble.
        let mut model = Model::new();
        for input in rec.inputs() {
            model.apply(&input);
        }
        let _ = model.report();
        let _ = rec.summary();
        // And a replay jumps around it, restoring what checkpoints it kept.
        let mut timeline = Timeline::new(rec);
        let (_, n) = timeline.position();
        for to in [n, n / 3, n / 2, 1] {
            timeline.goto_sample(to);
        }
    }
}

fn fixture() -> &'static [u8] {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(|| record_with(&synthetic_stream(5, 12, 3, 2), TIGHT))
}
