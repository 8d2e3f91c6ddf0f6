//! `uringtop serve`'s HTTP side, without privileges (a synthetic stream instead of the probe):
//! content negotiation, keep-alive, HEAD, 404 and 405, the index page, and clients that never
//! read their answers, which must not make it grow or stop sampling.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uringtop_tests::http::{self, Connection};
use uringtop_tests::prometheus::free_port;

const BIN: &str = env!("CARGO_BIN_EXE_uringtop");
const OPENMETRICS: &str =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
                           version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

struct Serve {
    child: Child,
    addr: SocketAddr,
}

impl Serve {
    fn start(extra: &[&str]) -> Serve {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let child = Command::new(BIN)
            .args(["serve", "--synthetic", "7", "--interval", "0.2", "--listen"])
            .arg(addr.to_string())
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let serve = Serve { child, addr };
        let deadline = Instant::now() + Duration::from_secs(30);
        while serve.last_sample().is_none() {
            assert!(Instant::now() < deadline, "serve did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        serve
    }

    fn last_sample(&self) -> Option<f64> {
        let text = http::get(self.addr, "/metrics").ok()?.text();
        text.lines()
            .find_map(|l| l.strip_prefix("uringtop_last_sample_timestamp_seconds "))
            .and_then(|v| v.parse().ok())
    }

    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

#[test]
fn formats_methods_and_paths() {
    let serve = Serve::start(&[]);
    let om = http::request(serve.addr, "GET", "/metrics", &[("Accept", OPENMETRICS)]).unwrap();
    assert_eq!(om.status, 200);
    assert_eq!(
        om.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let text = om.text();
    assert!(text.ends_with("# EOF\n"));
    assert!(text.contains("# TYPE uringtop_sqes_submitted counter\n"));
    assert!(text.contains("uringtop_sqes_submitted_total{comm=\""));

    let plain = http::get(serve.addr, "/metrics").unwrap();
    assert_eq!(
        plain.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert!(!plain.text().contains("# EOF"));
    assert!(plain
        .text()
        .contains("# TYPE uringtop_sqes_submitted_total counter\n"));

    let head = http::request(serve.addr, "HEAD", "/metrics", &[]).unwrap();
    assert_eq!(head.status, 200);
    let len: usize = head.header("content-length").unwrap().parse().unwrap();
    assert!(len > 1000, "HEAD says the body's length: {len}");

    let index = http::get(serve.addr, "/").unwrap();
    assert_eq!(index.status, 200);
    assert!(index.text().contains("<a href=\"/metrics\">"));

    let missing = http::get(serve.addr, "/metric").unwrap();
    assert_eq!(missing.status, 404);
    let post = http::request(serve.addr, "POST", "/metrics", &[("Content-Length", "0")]).unwrap();
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
}

#[test]
fn keep_alive_serves_several_scrapes_on_one_connection() {
    let serve = Serve::start(&["--labels", "ring"]);
    let mut conn = Connection::open(serve.addr).unwrap();
    for i in 0..3 {
        conn.send("GET", "/metrics", &[("Accept", OPENMETRICS)])
            .unwrap();
        let r = conn.read_response(false).unwrap();
        assert_eq!(r.status, 200, "scrape {i}");
        assert!(r.text().contains(",ring=\""), "--labels ring");
        conn.send("HEAD", "/", &[]).unwrap();
        assert_eq!(conn.read_response(true).unwrap().status, 200);
    }
}

#[test]
fn clients_that_never_read_do_not_make_it_grow_or_stall() {
    let serve = Serve::start(&[]);
    let before = serve.rss_kib();
    let sampled = serve.last_sample().unwrap();
    // 200 connections (more than the 64 it accepts at once), each asking for 200 expositions
    // in one go and reading none of them.
    let mut stuck = Vec::new();
    let request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".repeat(200);
    for _ in 0..200 {
        if let Ok(mut s) = TcpStream::connect(serve.addr) {
            s.set_write_timeout(Some(Duration::from_millis(200)))
                .unwrap();
            let _ = s.write_all(request.as_bytes());
            stuck.push(s);
        }
    }
    std::thread::sleep(Duration::from_secs(2));
    let during = serve.rss_kib();
    // The stuck clients hold every connection slot (more are closed at once) until they go or
    // their lifetime ends; once they go, the exposition has moved on: sampling went on.
    drop(stuck);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut latest = None;
    std::thread::sleep(Duration::from_millis(500));
    while Instant::now() < deadline {
        latest = serve.last_sample();
        if latest.is_some_and(|t| t > sampled + 1.0) {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        latest.is_some_and(|t| t > sampled + 1.0),
        "sampling went on: {sampled} then {latest:?}"
    );
    // Each stuck connection holds one exposition at most (shared, not copied) and its socket
    // buffers: a few MiB in all.
    eprintln!("RSS {before} KiB before, {during} KiB with 200 stuck clients");
    assert!(
        during < before + 32 * 1024,
        "RSS {before} KiB before, {during} KiB with 200 stuck clients"
    );
}
