//! `uringtop record`: the probe's inputs to a recording file, headless, until a duration, Ctrl-C
//! or SIGTERM. Flushed (chunk closed, fsynced) every half second, so a SIGKILL or a power loss
//! costs at most the last second.

use crate::cli::RecordArgs;
use crate::live_session;
use crate::policy_file::LoadedPolicy;
use anyhow::{Context, Result};
use std::collections::BTreeSet;
use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;
use uringtop_common::input::{Input, Sample};
use uringtop_common::recording::{Header, RecordingWriter, FORMAT_VERSION};
use uringtop_probe::RecordFilter;

const FLUSH_EVERY: Duration = Duration::from_millis(500);

pub async fn run(args: RecordArgs) -> Result<()> {
    let policy = LoadedPolicy::from_args(args.policy.policy.as_deref(), args.policy.enforce)?;
    // The source first: if the probe cannot load, no file is left behind.
    let (inputs, stop): (mpsc::Receiver<Input>, Box<dyn Fn() + Send>) = match args.synthetic {
        Some(seed) => {
            let (tx, rx) = mpsc::channel(1024);
            let stream =
                uringtop_common::synthetic::synthetic_stream(seed, SYNTHETIC_SAMPLES, 4, 2);
            let task = tokio::spawn(synthetic_source(stream, args.interval, tx));
            (rx, Box::new(move || task.abort()))
        }
        None => {
            let (rx, control) = live_session::start(args.interval, policy.as_ref())?;
            if args.requests {
                control.set_records(Some(RecordFilter {
                    pid: args.pid,
                    ring: None,
                }))?;
            }
            (rx, Box::new(move || control.stop()))
        }
    };
    let mut header = header(&args);
    if let Some(p) = &policy {
        p.header_options(&mut header.options);
    }
    let mut writer = RecordingWriter::create(&args.output, &header)?;
    let progress = args.synthetic.is_some();
    let result = record(inputs, &mut writer, &args, stop, progress).await;
    let (samples, requests) = (writer.samples_written(), writer.requests_written());
    let finished = writer.finish();
    result?;
    finished.with_context(|| format!("finishing {}", args.output.display()))?;
    let bytes = std::fs::metadata(&args.output).map_or(0, |m| m.len());
    eprintln!(
        "uringtop: recorded {samples} samples and {requests} requests to {} ({bytes} bytes)",
        args.output.display()
    );
    Ok(())
}

async fn record(
    mut inputs: mpsc::Receiver<Input>,
    writer: &mut RecordingWriter<uringtop_common::recording::SyncFile>,
    args: &RecordArgs,
    stop_source: Box<dyn Fn() + Send>,
    progress: bool,
) -> Result<()> {
    let stop = async {
        tokio::select! {
            _ = live_session::deadline(args.duration) => {}
            _ = live_session::interrupted() => {}
        }
    };
    tokio::pin!(stop);
    let mut flush = tokio::time::interval(FLUSH_EVERY);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stopped = false;
    loop {
        tokio::select! {
            input = inputs.recv() => {
                let Some(mut input) = input else { break };
                if let Some(pid) = args.pid {
                    match &mut input {
                        Input::Sample(s) => only_pid(s, pid),
                        Input::Request(r) if r.pid != pid => continue,
                        Input::Request(_) => {}
                    }
                }
                // Without --requests only policy violations are kept: they always stream.
                if !args.requests && matches!(&input, Input::Request(r) if !is_violation(r)) {
                    continue;
                }
                writer.write(&input)?;
                if progress {
                    if let Input::Sample(_) = input {
                        writer.flush()?;
                        let mut out = std::io::stdout().lock();
                        writeln!(out, "sample {}", writer.samples_written())?;
                        out.flush()?;
                    }
                }
            }
            _ = flush.tick() => writer.flush()?,
            _ = &mut stop, if !stopped => {
                stopped = true;
                stop_source();
                // A synthetic source ends at once; the probe sends its last inputs first.
                if args.synthetic.is_some() {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// `uringtop --record FILE`: passes the live inputs on to the UI and writes them to FILE,
/// flushing every half second, until the source closes. The task returns a summary line.
fn is_violation(r: &uringtop_common::input::Request) -> bool {
    r.verdict
        .is_some_and(|v| v.action != uringtop_common::verdict::Action::Allow)
}

pub fn tee(
    mut inputs: mpsc::Receiver<Input>,
    path: &std::path::Path,
    sampling: Duration,
    policy: Option<&LoadedPolicy>,
) -> Result<(
    mpsc::Receiver<Input>,
    tokio::task::JoinHandle<Result<String>>,
)> {
    let mut options = std::collections::BTreeMap::new();
    options.insert("interval_s".into(), sampling.as_secs_f64().to_string());
    options.insert("requests".into(), "while a request view streams".into());
    options.insert("from".into(), "tui".into());
    if let Some(p) = policy {
        p.header_options(&mut options);
    }
    let mut writer = RecordingWriter::create(path, &header_with(options))?;
    let (tx, rx) = mpsc::channel(4096);
    let path = path.to_path_buf();
    let task = tokio::spawn(async move {
        let mut flush = tokio::time::interval(FLUSH_EVERY);
        flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut result = Ok(());
        loop {
            tokio::select! {
                input = inputs.recv() => {
                    let Some(input) = input else { break };
                    if result.is_ok() {
                        result = writer.write(&input);
                    }
                    // The UI gone (quitting) must not stop the recording of the last inputs.
                    let _ = tx.send(input).await;
                }
                _ = flush.tick() => {
                    if result.is_ok() {
                        result = writer.flush();
                    }
                }
            }
        }
        let (samples, requests) = (writer.samples_written(), writer.requests_written());
        result?;
        writer.finish()?;
        Ok(format!(
            "recorded {samples} samples and {requests} requests to {}",
            path.display()
        ))
    });
    Ok((rx, task))
}

/// Keeps what concerns `pid`: its name, its ops, and the rings it owns or uses.
fn only_pid(s: &mut Sample, pid: u32) {
    s.processes.retain(|p| p.pid == pid);
    s.ops.retain(|o| o.pid == pid);
    let used: BTreeSet<u32> = s.ops.iter().map(|o| o.ring).collect();
    s.rings.retain(|r| r.pid == pid || used.contains(&r.ring));
}

/// Samples in the synthetic stream of `--synthetic`.
pub const SYNTHETIC_SAMPLES: usize = 1000;

/// The synthetic stream, one sample per interval, its requests between.
async fn synthetic_source(stream: Vec<Input>, interval: Duration, tx: mpsc::Sender<Input>) {
    let mut tick = tokio::time::interval(interval);
    for input in stream {
        if let Input::Sample(_) = input {
            tick.tick().await;
        }
        if tx.send(input).await.is_err() {
            return;
        }
    }
}

fn header(args: &RecordArgs) -> Header {
    let mut options = std::collections::BTreeMap::new();
    options.insert("interval_s".into(), args.interval.as_secs_f64().to_string());
    options.insert("requests".into(), args.requests.to_string());
    if let Some(pid) = args.pid {
        options.insert("pid".into(), pid.to_string());
    }
    if let Some(d) = args.duration {
        options.insert("duration_s".into(), d.as_secs_f64().to_string());
    }
    if let Some(seed) = args.synthetic {
        options.insert("synthetic_seed".into(), seed.to_string());
    }
    header_with(options)
}

fn header_with(options: std::collections::BTreeMap<String, String>) -> Header {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    Header {
        format_version: FORMAT_VERSION,
        uringtop_version: env!("CARGO_PKG_VERSION").into(),
        host: read("/proc/sys/kernel/hostname"),
        kernel: read("/proc/sys/kernel/osrelease"),
        start_time_ns: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
        options,
    }
}
