//! A real Prometheus server for tests (Debian's `prometheus` package): started on loopback with
//! a scrape config, queried through its HTTP API, stopped when dropped.

use crate::http;
use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A loopback port free right now (the kernel's pick; another process could take it before use,
/// which on a test machine is unlikely).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("binding a loopback port")
}

pub struct Prometheus {
    child: Child,
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

/// One series of a query's answer: its labels and its (time, value) points.
#[derive(Debug, Clone)]
pub struct Series {
    pub labels: serde_json::Map<String, Value>,
    pub points: Vec<(f64, f64)>,
}

impl Series {
    pub fn label(&self, name: &str) -> &str {
        self.labels.get(name).and_then(Value::as_str).unwrap_or("")
    }
}

impl Prometheus {
    /// Starts `prometheus` scraping `target` every `every` (also its evaluation interval).
    pub fn start(binary: &Path, target: SocketAddr, every: Duration) -> Result<Prometheus> {
        let dir = tempfile::tempdir()?;
        let config = dir.path().join("prometheus.yml");
        let ms = every.as_millis();
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: {ms}ms\n  scrape_timeout: {ms}ms\n  evaluation_interval: {ms}ms\n\
                 scrape_configs:\n  - job_name: uringtop\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )?;
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse()?;
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let mut prometheus = Prometheus {
            child,
            addr,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = http::get(addr, "/-/ready") {
                if r.status == 200 {
                    return Ok(prometheus);
                }
            }
            if let Some(status) = prometheus.child.try_wait()? {
                bail!("prometheus exited at start: {status}");
            }
            if Instant::now() > deadline {
                bail!("prometheus was not ready within 60 s");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The version Prometheus reports (build info), e.g. "2.42.0".
    pub fn version(&self) -> Result<String> {
        let r = http::get(self.addr, "/api/v1/status/buildinfo")?;
        let v: Value = serde_json::from_slice(&r.body)?;
        Ok(v["data"]["version"]
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// An instant query at `time` (Unix seconds; None: now). Vectors and range vectors alike
    /// come back as series (an instant vector's series have one point).
    pub fn query(&self, expr: &str, time: Option<f64>) -> Result<Vec<Series>> {
        let mut path = format!("/api/v1/query?query={}", http::encode(expr));
        if let Some(t) = time {
            path.push_str(&format!("&time={t:.3}"));
        }
        let r = http::get(self.addr, &path)?;
        let v: Value = serde_json::from_slice(&r.body)
            .with_context(|| format!("answer to {expr}: {}", r.text()))?;
        if v["status"] != "success" {
            bail!("{expr}: {}", r.text());
        }
        let data = &v["data"];
        let point = |p: &Value| -> Option<(f64, f64)> {
            Some((p[0].as_f64()?, p[1].as_str()?.parse().ok()?))
        };
        let result = match &data["result"] {
            Value::Array(a) => a.clone(),
            _ => bail!("{expr}: unexpected answer {}", r.text()),
        };
        Ok(result
            .iter()
            .map(|s| Series {
                labels: s["metric"].as_object().cloned().unwrap_or_default(),
                points: match (&s["values"], &s["value"]) {
                    (Value::Array(ps), _) => ps.iter().filter_map(point).collect(),
                    (_, p @ Value::Array(_)) => point(p).into_iter().collect(),
                    _ => Vec::new(),
                },
            })
            .collect())
    }

    /// The health of the scrape target, as Prometheus last saw it ("up", "down", "unknown").
    pub fn target_health(&self) -> Result<String> {
        let r = http::get(self.addr, "/api/v1/targets")?;
        let v: Value = serde_json::from_slice(&r.body)?;
        Ok(v["data"]["activeTargets"][0]["health"]
            .as_str()
            .unwrap_or("unknown")
            .to_string())
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        // SAFETY: signalling our own child, then reaping it.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
