//! What `serve` costs per label setting and number of rings: the exporter's fold per sample,
//! rendering both formats, the exposition's size, and the latency of a scrape over loopback
//! through the same HTTP code `serve` runs (hyper, the shared buffer).
//!
//!   cargo bench -p uringtop --bench exposition
//!
//! The model holds N rings, two opcodes each (READ and WRITE, with latencies and errors), in
//! N/10 processes named after 20 programs; every sample changes every counter.

// The HTTP side of `serve`, compiled in (a binary crate's modules cannot be imported).
#[allow(dead_code)]
#[path = "../src/serve/http.rs"]
mod http;
#[allow(dead_code, unused_imports)]
#[path = "../src/serve/negotiate.rs"]
mod negotiate;

use bytes::Bytes;
use http::{Limits, Published};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uringtop_common::exposition::{
    Exporter, ExpositionConfig, LabelSetting, ProbeFacts, TextFormat,
};
use uringtop_common::input::{Input, LatencyCounts, OpSample, ProcessSample, RingSample, Sample};
use uringtop_tests::http::Connection;

const OPENMETRICS: &str = "application/openmetrics-text;version=1.0.0";

fn sample(rings: u32, round: u64) -> Input {
    let processes = (rings / 10).max(1);
    let mut s = Sample {
        time_ns: 1_000_000_000 * (round + 1),
        ..Sample::default()
    };
    for pid in 1..=processes {
        s.processes
            .push(ProcessSample::named(pid, format!("program{}", pid % 20)));
    }
    for ring in 1..=rings {
        let pid = 1 + (ring - 1) % processes;
        s.rings.push(RingSample {
            ring,
            pid,
            sq_entries: 64,
            cq_entries: 128,
            ..RingSample::default()
        });
        for opcode in [22u8, 23] {
            let n = 100 * (round + 1) + u64::from(ring);
            let mut op = OpSample::completed(pid, ring, opcode, n);
            op.counters.errors = round;
            op.counters.errnos = BTreeMap::from([(11, round)]);
            op.counters.latency = LatencyCounts {
                count: n,
                sum_ns: n * 5000,
                max_ns: 90_000,
                buckets: BTreeMap::from([(40, n / 2), (52, n - n / 2)]),
            };
            op.slot = u64::from(ring) * 2 + u64::from(opcode);
            s.ops.push(op);
        }
    }
    s.ops.sort_by_key(|o| (o.pid, o.ring, o.opcode));
    Input::Sample(s)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "{:>6} {:>6} {:>6} {:>11} {:>11} {:>12} {:>12} {:>11}",
        "rings", "labels", "limit", "fold ms", "render ms", "OM bytes", "text bytes", "scrape ms"
    );
    for rings in [10u32, 1_000, 10_000] {
        let inputs: Vec<Input> = (0..6).map(|r| sample(rings, r)).collect();
        for (labels, limit) in [
            (LabelSetting::Comm, 500),
            (LabelSetting::Pid, 500),
            (LabelSetting::Ring, 500),
            (LabelSetting::Ring, 100_000),
        ] {
            let mut model = uringtop_common::model::Model::for_display();
            let mut exporter = Exporter::new(ExpositionConfig {
                labels,
                limit,
                ..ExpositionConfig::default()
            });
            let (mut fold, mut render) = (Vec::new(), Vec::new());
            let mut published = Published::default();
            for input in &inputs {
                model.apply(input);
                let t = Instant::now();
                exporter.observe(&model);
                fold.push(t.elapsed().as_secs_f64() * 1e3);
                let t = Instant::now();
                let facts = ProbeFacts::default();
                published = Published {
                    openmetrics: Bytes::from(exporter.render(TextFormat::OpenMetrics, &facts)),
                    prometheus: Bytes::from(exporter.render(TextFormat::Prometheus, &facts)),
                };
                render.push(t.elapsed().as_secs_f64() * 1e3);
            }
            let scrape = runtime.block_on(scrape_latency(published.clone()));
            println!(
                "{:>6} {:>6} {:>6} {:>11.2} {:>11.2} {:>12} {:>12} {:>11.2}",
                rings,
                labels.name(),
                limit,
                median(fold),
                median(render),
                published.openmetrics.len(),
                published.prometheus.len(),
                scrape
            );
        }
    }
}

/// Median of 20 scrapes on one kept-alive connection (OpenMetrics), request to last byte.
async fn scrape_latency(published: Published) -> f64 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let (_tx, rx) = tokio::sync::watch::channel(Arc::new(published));
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(http::run(listener, rx, Limits::default(), async {
        let _ = stop_rx.await;
    }));
    let times = tokio::task::spawn_blocking(move || {
        let mut conn = Connection::open(addr).unwrap();
        let mut times = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            conn.send("GET", "/metrics", &[("Accept", OPENMETRICS)])
                .unwrap();
            let r = conn.read_response(false).unwrap();
            assert_eq!(r.status, 200);
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        times
    })
    .await
    .unwrap();
    let _ = stop_tx.send(());
    let _ = tokio::time::timeout(Duration::from_secs(1), server).await;
    median(times)
}
