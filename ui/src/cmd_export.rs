//! `uringtop export FILE --perfetto OUT`: a recording's requests as a trace that Perfetto (and
//! chrome://tracing) opens — the Trace Event Format's JSON. One track group per ring ("ring N ·
//! comm[pid]"), one slice per request from its submission to its completion. Requests of a ring
//! overlap (that is the point of a ring), and slices on one track must nest, so each ring's
//! requests are laid out on as few lanes as keep them from overlapping (the first free lane).

use crate::cli::ExportArgs;
use anyhow::{bail, Context, Result};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use uringtop_common::input::{Input, Request};
use uringtop_common::names::opcode_name;
use uringtop_common::recording::Recording;

/// Lanes per ring at most: past that, a request goes on the lane that ends first.
const MAX_LANES: usize = 256;

pub fn run(args: ExportArgs) -> Result<()> {
    let rec = Recording::open(&args.file).with_context(|| format!("{}", args.file.display()))?;
    if rec.damage().is_some() {
        eprintln!(
            "uringtop: warning: {}: {}",
            args.file.display(),
            rec.summary()
        );
    }
    if rec.request_count() == 0 {
        bail!(
            "{}: no requests in this recording (record with --requests to export them)",
            args.file.display()
        );
    }
    let file = std::fs::File::create(&args.perfetto)
        .with_context(|| format!("creating {}", args.perfetto.display()))?;
    let mut out = BufWriter::new(file);
    let requests = rec.inputs().filter_map(|i| match i {
        Input::Request(r) => Some(r),
        Input::Sample(_) => None,
    });
    let n = write_trace(requests, &mut out)
        .and_then(|n| out.flush().map(|_| n))
        .with_context(|| format!("writing {}", args.perfetto.display()))?;
    eprintln!(
        "uringtop: {n} requests to {} (open it in ui.perfetto.dev)",
        args.perfetto.display()
    );
    Ok(())
}

struct Slice {
    request: Request,
    start_ns: u64,
}

/// Writes the trace; returns the number of requests. Times are microseconds from the first
/// request's submission (the absolute time is in the trace's metadata).
pub fn write_trace(
    requests: impl Iterator<Item = Request>,
    w: &mut impl Write,
) -> std::io::Result<usize> {
    let mut by_ring: BTreeMap<u32, Vec<Slice>> = BTreeMap::new();
    for request in requests {
        let start_ns = request
            .time_ns
            .saturating_sub(request.latency_ns.unwrap_or(0));
        by_ring
            .entry(request.ring)
            .or_default()
            .push(Slice { request, start_ns });
    }
    let origin = by_ring
        .values()
        .flatten()
        .map(|s| s.start_ns)
        .min()
        .unwrap_or(0);
    let us = |ns: u64| (ns.saturating_sub(origin)) as f64 / 1000.0;
    w.write_all(b"{\"displayTimeUnit\":\"ns\",\"metadata\":")?;
    serde_json::to_writer(
        &mut *w,
        &json!({ "origin_unix_ns": origin, "source": "uringtop" }),
    )?;
    w.write_all(b",\"traceEvents\":[\n")?;
    let mut first = true;
    let mut event = |w: &mut dyn Write, value: serde_json::Value| -> std::io::Result<()> {
        if !first {
            w.write_all(b",\n")?;
        }
        first = false;
        serde_json::to_writer(&mut *w, &value)?;
        Ok(())
    };
    let mut count = 0;
    for (&ring, slices) in &mut by_ring {
        slices.sort_by_key(|s| (s.start_ns, s.request.time_ns));
        let owner = &slices[0].request;
        let pid = ring + 1; // a track group per ring; 0 is not a valid pid for the viewer
        event(
            w,
            json!({"ph": "M", "name": "process_name", "pid": pid,
                   "args": {"name": format!("ring {ring} · {}[{}]", owner.comm, owner.pid)}}),
        )?;
        event(
            w,
            json!({"ph": "M", "name": "process_sort_index", "pid": pid, "args": {"sort_index": ring}}),
        )?;
        // End of each lane's last slice.
        let mut lanes: Vec<u64> = Vec::new();
        for s in slices.iter() {
            let end = s.request.time_ns.max(s.start_ns);
            let lane = match lanes.iter().position(|&e| e <= s.start_ns) {
                Some(i) => i,
                None if lanes.len() < MAX_LANES => {
                    lanes.push(0);
                    let lane = lanes.len() - 1;
                    event(
                        w,
                        json!({"ph": "M", "name": "thread_name", "pid": pid, "tid": lane,
                               "args": {"name": format!("lane {lane}")}}),
                    )?;
                    lane
                }
                None => (0..lanes.len()).min_by_key(|&i| lanes[i]).unwrap_or(0),
            };
            lanes[lane] = end;
            let r = &s.request;
            event(
                w,
                json!({
                    "ph": "X",
                    "name": opcode_name(r.opcode),
                    "cat": r.path.name(),
                    "pid": pid,
                    "tid": lane,
                    "ts": us(s.start_ns),
                    "dur": (end - s.start_ns) as f64 / 1000.0,
                    "args": {
                        "process": format!("{}[{}]", r.comm, r.pid),
                        "tid": r.tid,
                        "fd": r.fd,
                        "off": r.off,
                        "len": r.len,
                        "user_data": format!("{:#x}", r.user_data),
                        "res": r.res,
                        "cflags": r.cflags,
                        "sqe_flags": r.sqe_flags,
                        "path": r.path.name(),
                        "latency_ns": r.latency_ns,
                    }
                }),
            )?;
            count += 1;
        }
    }
    w.write_all(b"\n]}\n")?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uringtop_common::input::ExecPath;

    fn request(ring: u32, time_ns: u64, latency_ns: Option<u64>) -> Request {
        Request {
            time_ns,
            latency_ns,
            pid: 10,
            tid: 11,
            comm: "db".into(),
            ring,
            opcode: 22,
            path: if latency_ns.is_some() {
                ExecPath::Inline
            } else {
                ExecPath::Rejected
            },
            ..Request::default()
        }
    }

    #[test]
    fn overlapping_requests_of_a_ring_go_on_separate_lanes() {
        let requests = vec![
            request(1, 2_000, Some(1_000)), // 1000..2000
            request(1, 2_500, Some(1_000)), // 1500..2500: overlaps, lane 1
            request(1, 3_000, Some(500)),   // 2500..3000: lane 0 is free again
            request(2, 5_000, None),        // rejected: an instant on ring 2
        ];
        let mut out = Vec::new();
        assert_eq!(write_trace(requests.into_iter(), &mut out).unwrap(), 4);
        let trace: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let slices: Vec<&serde_json::Value> = trace["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["ph"] == "X")
            .collect();
        let lane_ts: Vec<(u64, f64, f64)> = slices
            .iter()
            .map(|e| {
                (
                    e["tid"].as_u64().unwrap(),
                    e["ts"].as_f64().unwrap(),
                    e["dur"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            lane_ts,
            vec![(0, 0.0, 1.0), (1, 0.5, 1.0), (0, 1.5, 0.5), (0, 4.0, 0.0)]
        );
        assert_eq!(slices[0]["name"], "READ");
        assert_eq!(slices[3]["pid"], 3);
        assert_eq!(trace["metadata"]["origin_unix_ns"], 1000);
        let names: Vec<&str> = trace["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["name"] == "process_name")
            .map(|e| e["args"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["ring 1 · db[10]", "ring 2 · db[10]"]);
    }
}
