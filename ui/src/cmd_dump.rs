//! `uringtop dump`: observe, then print the JSON contract (or CSV) — once, or once per interval.

use crate::cli::{DumpArgs, Format};
use crate::live_session;
use crate::policy_file::LoadedPolicy;
use crate::trace_line;
use anyhow::{bail, Result};
use std::io::Write;
use std::path::Path;
use uringtop_common::exposition::{Exporter, ExpositionConfig, ProbeFacts, TextFormat};
use uringtop_common::input::Input;
use uringtop_common::model::Model;
use uringtop_common::report::Report;

pub async fn run(args: DumpArgs) -> Result<()> {
    if let Some(path) = &args.from {
        if args.policy.policy.is_some() {
            return Err(anyhow::anyhow!(crate::policy_file::UsageError(
                "--policy judges live requests; a recording keeps the verdicts it was recorded with \
                 (drop --policy, or record again with it)"
                    .into()
            )));
        }
        return from_recording(&args, path);
    }
    let policy = LoadedPolicy::from_args(args.policy.policy.as_deref(), args.policy.enforce)?;
    let sample_every = args.interval.unwrap_or(args.duration);
    let (mut inputs, control, memory) =
        live_session::start_measured(sample_every, policy.as_ref())?;
    eprintln!(
        "uringtop: observing io_uring for {:?} (Ctrl-C to stop early)",
        args.duration
    );
    let mut model = Model::new();
    let mut out = Sink::new(&args);
    out.facts = ProbeFacts {
        map_memory_bytes: Some(memory.bytes()),
        key_slots: Some(memory.key_slots),
    };
    let stop = async {
        tokio::select! {
            _ = tokio::time::sleep(args.duration) => {}
            _ = live_session::interrupted() => {}
        }
    };
    tokio::pin!(stop);
    let mut stopped = false;
    let mut samples = 0u64;
    loop {
        tokio::select! {
            input = inputs.recv() => {
                let Some(input) = input else { break };
                model.apply(&input);
                if matches!(input, Input::Sample(_)) {
                    out.observe(&model);
                    samples += 1;
                    // The first sample opens the window; each later one closes an interval.
                    if args.interval.is_some() && samples > 1 {
                        out.print(model.report())?;
                        model.rebase();
                    }
                }
            }
            _ = &mut stop, if !stopped => {
                stopped = true;
                control.stop();
            }
        }
    }
    if args.interval.is_none() {
        out.print(model.report())?;
    }
    live_session::report_sampler_error(&control);
    Ok(())
}

/// `--from FILE`: the same reports, through the same model, from a recording's inputs.
///
/// The window: from the last sample at or before `--start` (the model is rebased there; without
/// `--start`, from the probe's attach, as live) to the last sample at or before `--end`. With
/// `--interval`, one report each time that much recorded time has passed, and one for what is left
/// after the last of them (live `dump --interval` prints that partial interval when it stops).
fn from_recording(args: &DumpArgs, path: &Path) -> Result<()> {
    let rec = crate::recording_file::open(path)?;
    // Verdicts in the report are the recorded ones; say which policy made them.
    match LoadedPolicy::from_header(&rec.header().options) {
        Some(Ok(p)) => eprintln!("uringtop: recorded with {}", p.summary()),
        Some(Err(e)) => eprintln!("uringtop: warning: {e:#}"),
        None => {}
    }
    let Some((first, last)) = rec.time_range() else {
        bail!(
            "{}: the recording holds no sample ({})",
            path.display(),
            rec.summary()
        );
    };
    let offset = trace_line::local_utc_offset_s();
    let start = args.start.map(|t| t.resolve(first, offset));
    let end = args.end.map(|t| t.resolve(first, offset));
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            bail!("--end is before --start");
        }
    }
    if start.is_some_and(|s| s > last) {
        bail!("--start is after the recording's last sample");
    }
    let mut model = Model::new();
    let mut out = Sink::new(args);
    let mut started = start.is_none();
    let interval_ns = args.interval.map(|d| d.as_nanos() as u64);
    for input in rec.inputs() {
        if let Input::Sample(s) = &input {
            if end.is_some_and(|e| s.time_ns > e) {
                break;
            }
            if !started && start.is_some_and(|t| s.time_ns > t) {
                model.rebase();
                started = true;
            }
        }
        model.apply(&input);
        if matches!(input, Input::Sample(_)) {
            out.observe(&model);
        }
        if let (Input::Sample(s), Some(every)) = (&input, interval_ns) {
            // A tenth of slack for the sampler's jitter.
            let elapsed = s.time_ns.saturating_sub(model.base_time_ns());
            if started
                && model.samples() > 1
                && elapsed.saturating_mul(10) >= every.saturating_mul(9)
            {
                out.print(model.report())?;
                model.rebase();
            }
        }
    }
    // The interval the recording ended in (or --end cut), as live dump prints it when it stops:
    // the last sample recorded was the one live took on stopping.
    let partial = started && model.samples() > 1 && model.time_ns() > model.base_time_ns();
    if interval_ns.is_none() || partial {
        out.print(model.report())?;
    }
    Ok(())
}

struct Sink {
    format: Format,
    pid: Option<u32>,
    /// With `--interval`: the number of the next interval (from 1), which CSV rows carry.
    interval: Option<u64>,
    header_done: bool,
    /// With `--format openmetrics`: the exposition, folded over every sample.
    exporter: Option<Exporter>,
    facts: ProbeFacts,
}

impl Sink {
    fn new(args: &DumpArgs) -> Sink {
        Sink {
            format: args.format,
            pid: args.pid,
            interval: args.interval.map(|_| 1),
            header_done: false,
            exporter: (args.format == Format::Openmetrics)
                .then(|| Exporter::new(ExpositionConfig::default())),
            facts: ProbeFacts::default(),
        }
    }

    /// After every sample the model applies (the exposition's counters add up samples).
    fn observe(&mut self, model: &Model) {
        if let Some(exporter) = &mut self.exporter {
            exporter.observe(model);
        }
    }

    fn print(&mut self, mut report: Report) -> Result<()> {
        if let Some(pid) = self.pid {
            report.processes.retain(|p| p.pid == pid);
        }
        let stdout = std::io::stdout();
        let mut w = stdout.lock();
        match self.format {
            Format::Json => writeln!(w, "{}", report.to_json())?,
            Format::Openmetrics => {
                if let Some(exporter) = &self.exporter {
                    w.write_all(
                        exporter
                            .render(TextFormat::OpenMetrics, &self.facts)
                            .as_bytes(),
                    )?;
                }
            }
            Format::Csv => {
                // One header for the whole output, also when there is a block of rows per interval.
                let mut block = Vec::new();
                match self.interval {
                    Some(n) => report.write_csv_interval(&mut block, n)?,
                    None => report.write_csv(&mut block)?,
                }
                let rows = if self.header_done {
                    block
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(&block[..0], |nl| &block[nl + 1..])
                } else {
                    &block[..]
                };
                w.write_all(rows)?;
                self.header_done = true;
            }
        }
        w.flush()?;
        if let Some(n) = &mut self.interval {
            *n += 1;
        }
        Ok(())
    }
}
