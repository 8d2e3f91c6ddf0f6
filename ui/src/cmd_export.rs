//! `uringtop export FILE --perfetto OUT`: a recording's requests as a Perfetto trace, in Perfetto's
//! own protobuf format (TracePacket / TrackDescriptor / TrackEvent, as in its published
//! perfetto_trace.proto), which ui.perfetto.dev and trace_processor open. One track per ring
//! ("ring N · comm[pid]"), one slice per request from its submission to its completion, with the
//! SQE/CQE fields as debug annotations. Requests of a ring overlap (that is the point of a ring),
//! and slices on one track must nest, so each ring's requests are laid out on child tracks
//! ("lanes"), as few as keep them from overlapping (the first free lane). Annotations spell a
//! request's fields as every other output does ([`uringtop_common::request_fields`]).

use crate::cli::ExportArgs;
use crate::protobuf::Message;
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use uringtop_common::input::{Input, Request};
use uringtop_common::request_fields as fields;

/// Lanes per ring at most: past that, a request goes on the lane that ends first.
const MAX_LANES: usize = 256;

pub fn run(args: ExportArgs) -> Result<()> {
    let rec = crate::recording_file::open(&args.file)?;
    if rec.request_count() == 0 {
        bail!(
            "{}: no requests in this recording (record with --requests to export them)",
            args.file.display()
        );
    }
    let file = create(&args.perfetto, args.force)?;
    let mut out = BufWriter::new(file);
    let requests = rec.inputs().filter_map(|i| match i {
        Input::Request(r) => Some(r),
        Input::Sample(_) => None,
    });
    let written = write_trace(requests, &mut out).and_then(|n| out.flush().map(|_| n));
    crate::recording_file::warn_if_damaged_reading(&args.file, &rec);
    let n = match written {
        Ok(n) => n,
        Err(e) => {
            // Not a trace that would fail to open later.
            let _ = std::fs::remove_file(&args.perfetto);
            return Err(e).with_context(|| format!("writing {}", args.perfetto.display()));
        }
    };
    let bytes = std::fs::metadata(&args.perfetto).map_or(0, |m| m.len());
    eprintln!(
        "uringtop: {n} requests to {} ({}; open it in ui.perfetto.dev)",
        args.perfetto.display(),
        size(bytes)
    );
    Ok(())
}

/// The output file: new, mode 0600 whatever the umask (the trace holds every recorded request,
/// as the recording does), as `record` creates its file. An existing file is replaced only with
/// `--force`.
fn create(path: &Path, force: bool) -> Result<std::fs::File> {
    if force {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot replace {}", path.display()))
            }
            _ => {}
        }
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| {
            let hint = if e.kind() == std::io::ErrorKind::AlreadyExists {
                " (--force replaces it)"
            } else {
                ""
            };
            anyhow::anyhow!("cannot create {}: {e}{hint}", path.display())
        })
}

/// A file size for people: bytes, and MB past a million.
fn size(bytes: u64) -> String {
    if bytes < 1_000_000 {
        format!("{bytes} bytes")
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

struct Slice {
    request: Request,
    start_ns: u64,
    end_ns: u64,
    lane: usize,
}

// Field numbers and enum values of perfetto_trace.proto (checked by ui/tests/perfetto_check.py,
// which parses our output with Perfetto's published schema).
const TRACE_PACKET: u32 = 1;
const PACKET_TIMESTAMP: u32 = 8;
const PACKET_SEQUENCE_ID: u32 = 10;
const PACKET_TRACK_EVENT: u32 = 11;
const PACKET_TRACK_DESCRIPTOR: u32 = 60;
const TRACK_UUID: u32 = 1;
const TRACK_NAME: u32 = 2;
const TRACK_PARENT_UUID: u32 = 5;
const EVENT_ANNOTATIONS: u32 = 4;
const EVENT_TYPE: u32 = 9;
const EVENT_TRACK_UUID: u32 = 11;
const EVENT_CATEGORIES: u32 = 22;
const EVENT_NAME: u32 = 23;
const SLICE_BEGIN: u64 = 1;
const SLICE_END: u64 = 2;
const ANNOTATION_NAME: u32 = 10;
const ANNOTATION_UINT: u32 = 3;
const ANNOTATION_INT: u32 = 4;
const ANNOTATION_STRING: u32 = 6;
/// Any constant works for a trace written in one go; it ties the events to one writer.
const SEQUENCE_ID: u64 = 1;

fn ring_uuid(ring: u32) -> u64 {
    (u64::from(ring) + 1) << 20
}

fn lane_uuid(ring: u32, lane: usize) -> u64 {
    ring_uuid(ring) + lane as u64 + 1
}

fn write_packet(w: &mut impl Write, packet: &Message) -> std::io::Result<()> {
    let mut framed = Message::new();
    framed.message(TRACE_PACKET, packet);
    w.write_all(framed.bytes())
}

fn track(w: &mut impl Write, uuid: u64, parent: Option<u64>, name: &str) -> std::io::Result<()> {
    let mut desc = Message::new();
    desc.uint(TRACK_UUID, uuid).string(TRACK_NAME, name);
    if let Some(parent) = parent {
        desc.uint(TRACK_PARENT_UUID, parent);
    }
    let mut packet = Message::new();
    packet.message(PACKET_TRACK_DESCRIPTOR, &desc);
    write_packet(w, &packet)
}

fn annotation(name: &str) -> Message {
    let mut a = Message::new();
    a.string(ANNOTATION_NAME, name);
    a
}

fn slice_event(w: &mut impl Write, ring: u32, s: &Slice, begin: bool) -> std::io::Result<()> {
    let r = &s.request;
    let mut event = Message::new();
    event
        .uint(EVENT_TYPE, if begin { SLICE_BEGIN } else { SLICE_END })
        .uint(EVENT_TRACK_UUID, lane_uuid(ring, s.lane));
    if begin {
        event
            .string(EVENT_NAME, &fields::opcode(r))
            .string(EVENT_CATEGORIES, fields::path(r));
        let mut add = |a: &mut Message| {
            event.message(EVENT_ANNOTATIONS, a);
        };
        let mut text = String::new();
        fields::process(&mut text, &r.comm, r.pid);
        add(annotation("process").string(ANNOTATION_STRING, &text));
        add(annotation("tid").uint(ANNOTATION_UINT, u64::from(r.tid)));
        // The one spelling of an fd: `5`, `f:5` (a registered file's index), `-`.
        add(annotation("fd").string(ANNOTATION_STRING, &fields::fd(r).to_string()));
        add(annotation("off").uint(ANNOTATION_UINT, r.off));
        add(annotation("len").uint(ANNOTATION_UINT, u64::from(r.len)));
        add(annotation("user_data").uint(ANNOTATION_UINT, r.user_data));
        add(annotation("res").int(ANNOTATION_INT, i64::from(r.res)));
        if let Some(errno) = fields::errno(r.res) {
            add(annotation("errno").string(ANNOTATION_STRING, &errno));
        }
        add(annotation("cflags").uint(ANNOTATION_UINT, u64::from(r.cflags)));
        add(annotation("sqe_flags").uint(ANNOTATION_UINT, u64::from(r.sqe_flags)));
        add(annotation("path").string(ANNOTATION_STRING, fields::path(r)));
        if let Some(ns) = r.latency_ns {
            add(annotation("latency_ns").uint(ANNOTATION_UINT, ns));
        }
        if let Some(cqe) = fields::cqe(r) {
            let text = format!("{cqe} {}", cqe.word());
            add(annotation("cqe").string(ANNOTATION_STRING, &text));
        }
        // Decoded arguments (when captured), each its own annotation under args.
        let arguments = fields::arguments(r);
        if arguments.decoded() {
            for (name, value) in arguments.lines() {
                add(annotation(&format!("args.{name}")).string(ANNOTATION_STRING, &value));
            }
            let mut outcome = String::new();
            fields::outcome(&mut outcome, r);
            add(annotation("result").string(ANNOTATION_STRING, &outcome));
        }
        if let Some(v) = r.verdict {
            add(annotation("verdict").string(ANNOTATION_STRING, fields::verdict_word(&v)));
            let mut rule = String::new();
            fields::rule(&mut rule, v.rule);
            add(annotation("rule").string(ANNOTATION_STRING, &rule));
        }
    }
    let mut packet = Message::new();
    packet
        .uint(PACKET_TIMESTAMP, if begin { s.start_ns } else { s.end_ns })
        .uint(PACKET_SEQUENCE_ID, SEQUENCE_ID)
        .message(PACKET_TRACK_EVENT, &event);
    write_packet(w, &packet)
}

/// Writes the trace; returns how many requests became slices.
pub fn write_trace(
    requests: impl Iterator<Item = Request>,
    w: &mut impl Write,
) -> std::io::Result<usize> {
    let mut by_ring: BTreeMap<u32, Vec<Slice>> = BTreeMap::new();
    for request in requests {
        let start_ns = request
            .time_ns
            .saturating_sub(request.latency_ns.unwrap_or(0));
        let end_ns = request.time_ns.max(start_ns);
        by_ring.entry(request.ring).or_default().push(Slice {
            request,
            start_ns,
            end_ns,
            lane: 0,
        });
    }
    let mut count = 0;
    for (&ring, slices) in &mut by_ring {
        slices.sort_by_key(|s| (s.start_ns, s.end_ns));
        let lanes = assign_lanes(slices);
        let owner = &slices[0].request;
        track(
            w,
            ring_uuid(ring),
            None,
            &format!("ring {ring} · {}[{}]", owner.comm, owner.pid),
        )?;
        for lane in 0..lanes {
            track(
                w,
                lane_uuid(ring, lane),
                Some(ring_uuid(ring)),
                &format!("lane {lane}"),
            )?;
        }
        // In time order; at one instant, slices ending first, then slices beginning, then the ends
        // of zero-length slices (a rejected SQE), which must follow their own begin.
        let mut events: Vec<(u64, u8, usize)> = Vec::with_capacity(slices.len() * 2);
        for (i, s) in slices.iter().enumerate() {
            events.push((s.start_ns, 1, i));
            events.push((s.end_ns, if s.end_ns == s.start_ns { 2 } else { 0 }, i));
        }
        events.sort_unstable();
        for (_, order, i) in events {
            slice_event(w, ring, &slices[i], order == 1)?;
        }
        count += slices.len();
    }
    Ok(count)
}

/// Puts each slice (sorted by start) on the first lane free at its start; returns the lane count.
/// Past MAX_LANES, a slice goes on the lane that frees first, and may overlap its predecessor.
fn assign_lanes(slices: &mut [Slice]) -> usize {
    let mut lane_end: Vec<u64> = Vec::new();
    for s in slices.iter_mut() {
        s.lane = match lane_end.iter().position(|&e| e <= s.start_ns) {
            Some(i) => i,
            None if lane_end.len() < MAX_LANES => {
                lane_end.push(0);
                lane_end.len() - 1
            }
            None => (0..lane_end.len())
                .min_by_key(|&i| lane_end[i])
                .unwrap_or(0),
        };
        lane_end[s.lane] = s.end_ns;
    }
    lane_end.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(start_ns: u64, end_ns: u64) -> Slice {
        Slice {
            request: Request::default(),
            start_ns,
            end_ns,
            lane: usize::MAX,
        }
    }

    #[test]
    fn overlapping_requests_of_a_ring_go_on_separate_lanes() {
        // 1000..2000, 1500..2500 (overlaps: lane 1), 2500..3000 (lane 0 is free again), and an
        // instant (a rejected SQE) at 4000.
        let mut slices = vec![
            slice(1000, 2000),
            slice(1500, 2500),
            slice(2500, 3000),
            slice(4000, 4000),
        ];
        assert_eq!(assign_lanes(&mut slices), 2);
        let lanes: Vec<usize> = slices.iter().map(|s| s.lane).collect();
        assert_eq!(lanes, [0, 1, 0, 0]);
    }

    #[test]
    fn every_request_is_a_begin_and_an_end_on_its_lane() {
        let request = |time_ns, latency_ns| Request {
            time_ns,
            latency_ns,
            ring: 3,
            opcode: 22,
            ..Request::default()
        };
        let mut out = Vec::new();
        let n = write_trace(
            [request(2_000, Some(1_000)), request(2_500, Some(1_000))].into_iter(),
            &mut out,
        )
        .unwrap();
        assert_eq!(n, 2);
        // Each packet is field 1 (tag 0x0a) of the Trace; 1 ring track + 2 lanes + 4 events.
        let mut packets = 0;
        let mut rest = &out[..];
        while let [0x0a, tail @ ..] = rest {
            let (mut len, mut shift, mut used) = (0usize, 0, 0);
            for &b in tail {
                len |= usize::from(b & 0x7f) << shift;
                shift += 7;
                used += 1;
                if b < 0x80 {
                    break;
                }
            }
            rest = &tail[used + len..];
            packets += 1;
        }
        assert!(rest.is_empty());
        assert_eq!(packets, 7);
    }

    #[test]
    fn annotations_spell_fields_as_every_output_does() {
        let r = Request {
            time_ns: 2_000,
            latency_ns: Some(1_000),
            comm: "fio".into(),
            pid: 7,
            fd: 5,
            sqe_flags: 1, // a registered file
            res: -2,
            cqe_index: 2,
            verdict: Some(uringtop_common::verdict::Verdict {
                action: uringtop_common::verdict::Action::Kill,
                rule: Some(0),
                enforced: false,
            }),
            ..Request::default()
        };
        let mut out = Vec::new();
        write_trace([r].into_iter(), &mut out).unwrap();
        let has = |text: &str| out.windows(text.len()).any(|w| w == text.as_bytes());
        for text in ["fio[7]", "f:5", "ENOENT", "#2 last", "would-kill", "#1"] {
            assert!(has(text), "{text} missing");
        }
    }

    #[test]
    fn decoded_arguments_become_annotations() {
        use uringtop_common::args::{Mem, OpArgs, Sqe, SqeSource};
        let r = Request {
            time_ns: 2_000,
            latency_ns: Some(1_000),
            opcode: 36, // UNLINKAT
            res: 0,
            args: Some(Box::new(OpArgs {
                source: SqeSource::Ring,
                sqe: Sqe {
                    fd: -100,
                    op_flags: 0x200,
                    ..Sqe::default()
                },
                mem: [
                    Mem::Str {
                        bytes: b"/srv/gone".to_vec(),
                        cut: false,
                    },
                    Mem::None,
                ],
                files: Vec::new(),
            })),
            ..Request::default()
        };
        let mut out = Vec::new();
        write_trace([r].into_iter(), &mut out).unwrap();
        let has = |text: &str| out.windows(text.len()).any(|w| w == text.as_bytes());
        for text in [
            "args.dirfd",
            "AT_FDCWD",
            "args.path",
            "\"/srv/gone\"",
            "args.flags",
            "AT_REMOVEDIR",
            "result",
        ] {
            assert!(has(text), "{text} missing");
        }
    }
}
