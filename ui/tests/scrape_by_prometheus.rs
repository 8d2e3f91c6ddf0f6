//! `uringtop serve` scraped by a real Prometheus (Debian's `prometheus` package), as root: a
//! workload with exactly known counts runs in two phases, and Prometheus' query API must give
//! those counts back exactly — `increase()` over the second phase, `sum by (op)` of the
//! counters — and a sane `histogram_quantile`. Then every query of the Grafana dashboard in
//! assets/ runs against the same Prometheus and must return data.
//!
//! Skipped without root or without `prometheus` on PATH, except under CI=true, where that
//! fails the test.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use uringtop_tests::http;
use uringtop_tests::privilege::{find_on_path, require_root, require_tool};
use uringtop_tests::prometheus::{free_port, Prometheus};
use uringtop_tests::workloads::{self, Expected};

mod cli_support;
use cli_support::{policy_file, BIN};

const NAME: &str = "scrape_by_prometheus";
const SCRAPE_EVERY: Duration = Duration::from_secs(1);

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}

fn now_s() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The workload of one phase: NOPs, OPENATs of a missing file (ENOENT), and a restricted ring
/// whose READs the kernel refuses (EACCES), all in one child process.
fn phase(nop_batches: usize, openats: usize) -> (u32, Expected) {
    let scratch = std::env::temp_dir();
    workloads::run_in_child(move || {
        let mut total = workloads::nops(nop_batches, 10)?;
        for more in [
            workloads::openat_missing(openats)?,
            workloads::restricted_read_denied(&scratch)?,
        ] {
            total.merge(more);
        }
        Ok(total)
    })
    .unwrap()
}

/// `sum by (LABEL) (EXPR)` at `time`, as a map.
fn by(prom: &Prometheus, label: &str, expr: &str, time: f64) -> BTreeMap<String, f64> {
    prom.query(&format!("sum by ({label}) ({expr})"), Some(time))
        .unwrap()
        .into_iter()
        .map(|s| (s.label(label).to_string(), s.points[0].1))
        .collect()
}

#[test]
fn prometheus_gets_the_exact_counts_and_the_dashboard_has_data() {
    if !require_root(NAME) || !require_tool(NAME, "prometheus") {
        return;
    }
    // The forked workloads inherit the name of this thread (libtest names it after the test).
    let comm = std::fs::read_to_string("/proc/thread-self/comm")
        .unwrap()
        .trim()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let policy = policy_file(
        dir.path(),
        "policy.toml",
        &format!("[[rule]]\ncomm = \"{comm}\"\nops = [\"OPENAT\"]\naction = \"log\"\n"),
    );
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let serve = Serve(
        Command::new(BIN)
            .args(["serve", "--labels", "comm", "--interval", "0.5", "--listen"])
            .arg(addr.to_string())
            .arg("--policy")
            .arg(&policy)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    // Serving once the probe has read its counters.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = http::get(addr, "/metrics") {
            if r.text().contains("uringtop_last_sample_timestamp_seconds ") {
                break;
            }
        }
        assert!(Instant::now() < deadline, "serve did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let binary = find_on_path("prometheus").unwrap();
    let prom = Prometheus::start(&binary, addr, SCRAPE_EVERY).unwrap();
    eprintln!("prometheus {}", prom.version().unwrap_or_default());
    // Its first scrape comes a few seconds after it is ready (discovery hands targets over
    // every 5 s).
    let deadline = Instant::now() + Duration::from_secs(60);
    while prom.query("up == 1", None).unwrap().is_empty() {
        assert!(Instant::now() < deadline, "prometheus never scraped serve");
        std::thread::sleep(Duration::from_millis(200));
    }

    // A ring that stays open (and idle) to the end, for the dashboard's live-ring panel.
    let _open_ring = io_uring::IoUring::new(4).unwrap();
    // Phase 1 makes every series exist, so that phase 2 is a plain increase.
    let (_, warmup) = phase(1, 1);
    let warmup_end = now_s();
    std::thread::sleep(Duration::from_secs(4));
    let phase2_start = now_s();
    let (_, expected) = phase(100, 7);
    let phase2_end = now_s();
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(prom.target_health().unwrap(), "up");

    // The scrapes just before phase 2 and the latest one (after it): increase() between two
    // scrape timestamps has nothing to extrapolate (Prometheus 2.x ranges include their start).
    let sel = format!("comm=\"{comm}\"");
    let raw = prom
        .query(
            &format!("uringtop_sqes_submitted_total{{{sel},op=\"NOP\"}}[10m]"),
            None,
        )
        .unwrap();
    assert_eq!(raw.len(), 1, "one NOP series for {comm}: {raw:?}");
    let points = &raw[0].points;
    let ms = |t: f64| (t * 1000.0).round() as i64;
    let t1 = points
        .iter()
        .map(|p| p.0)
        .rfind(|&t| t < phase2_start)
        .unwrap();
    let t2 = points.last().unwrap().0;
    assert!(t1 > warmup_end + 1.0, "a scrape after the warmup was read");
    assert!(t2 > phase2_end + 1.5, "a scrape after phase 2 was read");
    let range = format!("{}ms", ms(t2) - ms(t1));
    let increase = |metric: &str, label: &str, extra: &str| {
        by(
            &prom,
            label,
            &format!("increase({metric}{{{sel}{extra}}}[{range}])"),
            t2,
        )
    };

    let submitted = increase("uringtop_sqes_submitted_total", "op", "");
    let completed = increase("uringtop_cqes_completed_total", "op", "");
    let denied = increase("uringtop_sqes_denied_total", "op", "");
    let totals = by(
        &prom,
        "op",
        &format!("uringtop_sqes_submitted_total{{{sel}}}"),
        t2,
    );
    for (op, e) in &expected.ops {
        assert_eq!(
            submitted.get(op),
            Some(&(e.submitted as f64)),
            "{op} submitted: {submitted:?}"
        );
        assert_eq!(
            completed.get(op),
            Some(&(e.completed as f64)),
            "{op} completed: {completed:?}"
        );
        assert_eq!(
            denied.get(op),
            Some(&(e.denied as f64)),
            "{op} denied: {denied:?}"
        );
        let all = e.submitted + warmup.ops[op].submitted;
        assert_eq!(totals.get(op), Some(&(all as f64)), "{op} sum: {totals:?}");
    }
    assert_eq!(expected.ops["NOP"].submitted, 1003);
    let errors = increase("uringtop_cqe_errors_total", "errno", "");
    assert_eq!(errors.get("ENOENT"), Some(&7.0), "{errors:?}");
    assert_eq!(errors.get("EACCES"), Some(&2.0), "{errors:?}");
    let verdicts = increase("uringtop_policy_verdicts_total", "action", ",op=\"OPENAT\"");
    assert_eq!(verdicts.get("log"), Some(&7.0), "{verdicts:?}");
    assert_eq!(verdicts.get("allow"), Some(&0.0), "{verdicts:?}");

    // p99 of the NOPs: a latency of a few µs to a few ms here, never 0 or absurd.
    let p99 = prom
        .query(
            &format!(
                "histogram_quantile(0.99, sum by (le) (rate(uringtop_request_latency_seconds_bucket{{{sel},op=\"NOP\"}}[1m])))"
            ),
            Some(t2),
        )
        .unwrap();
    let p99 = p99[0].points[0].1;
    assert!(p99 > 1e-7 && p99 < 0.1, "p99 {p99} s");

    dashboard_queries_have_data(&prom, t2);
    drop(prom);
    drop(serve);
}

/// Every PromQL expression of assets/grafana-dashboard.json, with its variables set to "all",
/// returns at least one series.
fn dashboard_queries_have_data(prom: &Prometheus, time: f64) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../assets/grafana-dashboard.json"
    );
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut exprs = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            exprs.push(target["expr"].as_str().unwrap().to_string());
        }
    }
    // Template variables: label_values(METRIC, LABEL) is Grafana's; the same question in PromQL.
    for var in dashboard["templating"]["list"].as_array().unwrap() {
        let Some(q) = var["definition"].as_str() else {
            continue;
        };
        let inner = q
            .strip_prefix("label_values(")
            .and_then(|s| s.strip_suffix(')'))
            .unwrap();
        let (metric, label) = inner.rsplit_once(',').unwrap();
        exprs.push(format!("count by ({}) ({metric})", label.trim()));
    }
    assert!(exprs.len() >= 20, "{} queries", exprs.len());
    for expr in exprs {
        let promql = expr
            .replace("$__rate_interval", "1m")
            .replace("$instance", ".*")
            .replace("$comm", ".*");
        let result = prom.query(&promql, Some(time)).unwrap();
        assert!(!result.is_empty(), "no data for the dashboard's {expr}");
    }
}
